package novatalks

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Page sizes of the agent's message listing (Chatwoot's).
const (
	AgentMessagesBefore = 20  // older messages per page, and the latest without a cursor
	AgentMessagesAfter  = 100 // newer messages per page
)

// maxPage bounds page numbers so that offsets cannot overflow.
const maxPage = 1_000_000

// pageOffset turns a 1-based page number (0 means the first) into an offset.
func pageOffset(page, perPage int) (int, error) {
	switch {
	case page == 0:
		return 0, nil
	case page < 0 || page > maxPage:
		return 0, Errorf(EINVALID, "page must be a positive integer of at most %d", maxPage)
	}
	return (page - 1) * perPage, nil
}

// Conversations returns one page (ConversationsPerPage) of the actor's
// account's conversations that f selects, most recently active first, and
// the counts of the list's tabs. f.Status defaults to open (as in Chatwoot;
// StatusAll selects every status) and f.AssigneeType to all; AssigneeMe
// means the actor's own. page is 1-based; 0 is the first page. The account,
// user and paging fields of f are set here.
func (s *Service) Conversations(ctx context.Context, actor Actor, f ConversationFilter, page int) ([]*Conversation, ConversationCounts, error) {
	var counts ConversationCounts
	var v invalid
	if f.Status == "" {
		f.Status = StatusOpen
	} else if f.Status != StatusAll && !ValidStatus(f.Status) {
		v.addf("status must be one of open, resolved, pending, snoozed, all")
	}
	switch f.AssigneeType {
	case "", AssigneeMe, AssigneeUnassigned, AssigneeAssigned, AssigneeAll:
	default:
		v.addf("assignee_type must be one of me, unassigned, assigned, all")
	}
	if f.InboxID < 0 {
		v.addf("inbox_id must be a positive integer")
	}
	if utf8.RuneCountInString(f.Query) > s.Limits.MaxNameChars {
		v.addf("q must be at most %d characters", s.Limits.MaxNameChars)
	}
	offset, err := pageOffset(page, ConversationsPerPage)
	if err != nil {
		v.addf("%s", ErrorMessage(err))
	}
	if err := v.err(); err != nil {
		return nil, counts, err
	}
	f.AccountID, f.UserID, f.ID = actor.AccountID, actor.ID, 0
	f.Query = strings.TrimSpace(f.Query)
	f.Offset, f.Limit = offset, ConversationsPerPage
	list, err := s.Store.FindConversations(ctx, f)
	if err != nil {
		return nil, counts, err
	}
	counts, err = s.Store.CountConversations(ctx, f, actor.ID)
	return list, counts, err
}

// Conversation returns a conversation of the actor's account with its last
// message and unread count; ENOTFOUND otherwise.
func (s *Service) Conversation(ctx context.Context, actor Actor, id int64) (*Conversation, error) {
	list, err := s.Store.FindConversations(ctx, ConversationFilter{AccountID: actor.AccountID, ID: id, Status: StatusAll})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, Errorf(ENOTFOUND, "conversation not found")
	}
	return list[0], nil
}

// assignmentText is the activity message an assignment leaves (Chatwoot's wording).
func assignmentText(actor Actor, assignee *User) string {
	switch {
	case assignee == nil:
		return "Conversation unassigned by " + actor.Name
	case actor.Type == SenderUser && assignee.ID == actor.ID:
		return actor.Name + " self-assigned this conversation"
	}
	return "Assigned to " + assignee.Name + " by " + actor.Name
}

// AssignConversation assigns a conversation of the actor's account to an
// agent of the same account, or unassigns it when assigneeID is nil. An
// assignee who is not an agent of the account is ENOTFOUND. A change updates
// the substatus (open conversations are interacting while assigned), leaves
// an activity message and emits conversation.updated; assigning the current
// assignee again changes nothing. It returns the conversation.
func (s *Service) AssignConversation(ctx context.Context, actor Actor, conversationID int64, assigneeID *int64) (*Conversation, error) {
	var out *Conversation
	err := s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, actor.AccountID, conversationID)
		if err != nil {
			return err
		}
		var assignee *User
		if assigneeID != nil {
			if assignee, err = tx.FindUserByID(ctx, actor.AccountID, *assigneeID); err != nil {
				return notFoundUnlessInternal(err, "agent not found")
			}
		}
		if err := s.assign(ctx, tx, actor, conv, assignee); err != nil {
			return err
		}
		out, err = tx.FindConversationByID(ctx, conv.AccountID, conv.ID)
		return err
	})
	return out, err
}

// assign sets the assignee of a locked conversation (nil unassigns), leaves
// the activity message and emits conversation.updated; it does nothing when
// the assignee does not change.
func (s *Service) assign(ctx context.Context, tx Tx, actor Actor, conv *Conversation, assignee *User) error {
	var id *int64
	if assignee != nil {
		id = &assignee.ID
	}
	if (id == nil) == (conv.AssigneeID == nil) && (id == nil || *id == *conv.AssigneeID) {
		return nil
	}
	change := Change{Attribute: "assignee_id", Previous: conv.AssigneeID, Current: id}
	conv.AssigneeID = id
	conv.Substatus = SubstatusFor(conv.Status, id)
	conv.UpdatedAt = s.now()
	if err := s.saveConversation(ctx, tx, conv, EventConversationUpdated, change); err != nil {
		return err
	}
	return s.addActivity(ctx, tx, conv, assignmentText(actor, assignee))
}

// MarkSeenByAgent records that the account's agents have read a conversation
// up to now (its agent_last_seen_at), which zeroes its unread count, and
// returns the conversation.
func (s *Service) MarkSeenByAgent(ctx context.Context, actor Actor, conversationID int64) (*Conversation, error) {
	err := s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, actor.AccountID, conversationID)
		if err != nil {
			return err
		}
		now := s.now()
		conv.AgentLastSeenAt = &now
		return tx.UpdateConversation(ctx, conv)
	})
	if err != nil {
		return nil, err
	}
	return s.Conversation(ctx, actor, conversationID)
}

// AgentMessages returns a conversation of the actor's account and a page of
// its messages as agents see them (private notes and activity messages
// included), oldest first: with before, the AgentMessagesBefore messages
// just before it; with after, up to AgentMessagesAfter just after it;
// without either, the latest AgentMessagesBefore. Giving both is EINVALID.
func (s *Service) AgentMessages(ctx context.Context, actor Actor, conversationID int64, before, after *int64) (*Conversation, []*Message, error) {
	if before != nil && after != nil {
		return nil, nil, Errorf(EINVALID, "use only one of before and after")
	}
	conv, err := s.Store.FindConversationByID(ctx, actor.AccountID, conversationID)
	if err != nil {
		return nil, nil, err
	}
	f := MessageFilter{ConversationID: conv.ID, Before: before, After: after, Limit: AgentMessagesBefore}
	if after != nil {
		f.Limit = AgentMessagesAfter
	}
	msgs, err := s.Store.FindMessages(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return conv, msgs, nil
}

// DeleteAgentMessage deletes a message of a conversation of the actor's
// account, whoever sent it, the way a contact deletes its own (a tombstone
// that stays in listings, and message.deleted). Activity messages cannot be
// deleted (EINVALID); deleting a deleted message again returns it and emits
// nothing. It returns the message as it now is.
func (s *Service) DeleteAgentMessage(ctx context.Context, actor Actor, conversationID, id int64) (*Message, error) {
	var out *Message
	var blobs []string
	err := s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, actor.AccountID, conversationID)
		if err != nil {
			return err
		}
		m, err := tx.FindMessageByID(ctx, conv.ID, id)
		if err != nil {
			return err
		}
		if m.MessageType == MessageActivity {
			return Errorf(EINVALID, "activity messages cannot be deleted")
		}
		out, blobs, err = s.tombstone(ctx, tx, conv, m)
		return err
	})
	if err == nil {
		s.purgeBlobsNow(ctx, blobs)
	}
	return out, err
}

// RemovePushToken removes a contact's device push token from a conversation
// of the actor's account (the documented agent-side endpoint). A conversation
// of another account, or a token not registered on it, is ENOTFOUND.
func (s *Service) RemovePushToken(ctx context.Context, actor Actor, conversationID int64, token string) error {
	return s.removePushToken(ctx, actor.AccountID, conversationID, token)
}

// snoozeEndedText is the activity message of a conversation that reopened
// because its snooze time came.
const snoozeEndedText = "Conversation was reopened because its snooze time was reached"

// reopenBatch is how many due conversations one transaction reopens.
const reopenBatch = 100

// ReopenDueSnoozed reopens every snoozed conversation, of any account, whose
// snoozed_until has come, each with conversation.status_changed and an
// activity message, and returns how many it reopened. It works from the
// stored snooze times, so a server that was down at that moment reopens them
// when it next runs this; the server runs it at start and then periodically.
// Conversations snoozed without a time stay snoozed until the contact writes.
func (s *Service) ReopenDueSnoozed(ctx context.Context) (int, error) {
	total := 0
	for {
		var n, found int
		err := s.update(ctx, func(tx Tx) error {
			n = 0
			now := s.now()
			refs, err := tx.FindDueSnoozed(ctx, now, reopenBatch)
			if err != nil {
				return err
			}
			found = len(refs)
			for _, ref := range refs {
				conv, err := tx.LockConversation(ctx, ref.AccountID, ref.ID)
				if err != nil {
					return err
				}
				if conv.Status != StatusSnoozed || conv.SnoozedUntil == nil || conv.SnoozedUntil.After(now) {
					continue
				}
				if _, err := s.changeStatus(ctx, tx, conv, StatusOpen, nil); err != nil {
					return err
				}
				if err := s.addActivity(ctx, tx, conv, snoozeEndedText); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if found < reopenBatch || n == 0 {
			return total, nil
		}
	}
}

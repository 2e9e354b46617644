package novatalks

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Actor is who acts on the agent side: an agent (User), an agent bot, or the
// operator of the server. Everything an actor does stays inside AccountID.
type Actor struct {
	Type      string // SenderUser, SenderAgentBot or senderSystem
	ID        int64
	AccountID int64
	Name      string
	// Role is the agent's role; RoleAdministrator may manage agents and inboxes.
	Role string
}

// senderSystem is the actor type of the operator; it never sends messages.
const senderSystem = "System"

// UserActor returns the actor for an agent.
func UserActor(u *User) Actor {
	return Actor{Type: SenderUser, ID: u.ID, AccountID: u.AccountID, Name: u.Name, Role: u.Role}
}

// SystemActor returns the actor for the operator of the server (the
// novatalks admin command), with an administrator's rights in one account.
// It may manage agents and inboxes; it is not a message sender, and
// SendAgentMessage refuses it.
func SystemActor(accountID int64) Actor {
	return Actor{Type: senderSystem, AccountID: accountID, Name: "System", Role: RoleAdministrator}
}

// requireAdmin returns EFORBIDDEN unless the actor is an administrator.
func (a Actor) requireAdmin() error {
	if a.Role != RoleAdministrator {
		return Errorf(EFORBIDDEN, "You are not authorized to do this action: administrators only")
	}
	return nil
}

// NewAgentMessage is a message an agent or bot sends.
type NewAgentMessage struct {
	Content           *string
	ContentType       string // text (default), card, quick_reply or feedback
	ContentAttributes map[string]any
	Private           bool
	EchoID            string
	// Files are the attachments, stored already; content may be empty when
	// there are some. The message takes them over when it is created.
	Files *Uploads
}

// SendAgentMessage adds an outgoing message (or, with Private, a private note
// that contacts never see) from actor to a conversation of the actor's
// account. content_attributes.in_reply_to makes it a reply to a message of
// the same conversation; interactive content types are validated. An echo_id
// the conversation already has returns the existing message. Files that no
// new message took (the call failed, or the echo_id was known) are deleted
// before it returns.
func (s *Service) SendAgentMessage(ctx context.Context, actor Actor, conversationID int64, in NewAgentMessage) (*Message, error) {
	defer in.Files.Discard(ctx)
	if actor.Type != SenderUser && actor.Type != SenderAgentBot {
		return nil, Errorf(EFORBIDDEN, "only agents and bots send messages")
	}
	if in.ContentType == "" {
		in.ContentType = ContentText
	}
	attrs := orEmpty(in.ContentAttributes)
	var v invalid
	switch {
	case in.ContentType != ContentText && !IsInteractive(in.ContentType):
		v.addf("content_type must be one of text, card, quick_reply, feedback")
	case in.Files.Len() > 0 && in.ContentType != ContentText:
		v.addf("attachments can only be sent with content_type text")
	case (in.Content == nil || strings.TrimSpace(*in.Content) == "") && in.Files.Len() == 0:
		v.addf("content must not be empty unless the message has attachments")
	case in.Content != nil && utf8.RuneCountInString(*in.Content) > s.Limits.MaxContentChars:
		v.addf("content must be at most %d characters", s.Limits.MaxContentChars)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := ValidateInteractive(in.ContentType, attrs); err != nil {
		return nil, err
	}
	replyTo, err := replyTarget(attrs)
	if err != nil {
		return nil, err
	}
	if in.Content != nil && strings.TrimSpace(*in.Content) == "" {
		in.Content = nil
	}
	var out *Message
	var created bool
	err = s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, actor.AccountID, conversationID)
		if err != nil {
			return err
		}
		if out, err = findByEchoID(ctx, tx, conv.ID, in.EchoID); out != nil || err != nil {
			return err
		}
		if replyTo != nil {
			if _, err := tx.FindMessageByID(ctx, conv.ID, *replyTo); err != nil {
				return notInvalid(err, "content_attributes.in_reply_to must be a message of this conversation")
			}
		}
		save := tx.TouchConversation
		if conv.DialogID == "" {
			conv.DialogID = s.NewUUID()
			save = tx.UpdateConversation
		}
		at := s.stamp(conv)
		id := actor.ID
		m := &Message{
			AccountID: conv.AccountID, InboxID: conv.InboxID, ConversationID: conv.ID, DialogID: conv.DialogID,
			MessageType: MessageOutgoing, ContentType: in.ContentType, Content: in.Content, ContentAttributes: attrs,
			Private: in.Private, Status: MessageSent, SenderType: actor.Type, SenderID: &id, ReplyToID: replyTo,
			CreatedAt: at, UpdatedAt: at,
		}
		if in.EchoID != "" {
			echo := in.EchoID
			m.EchoID = &echo
		}
		if err := tx.CreateMessage(ctx, m); err != nil {
			return err
		}
		if err := in.Files.attach(ctx, tx, m); err != nil {
			return err
		}
		created = true
		if !in.Private {
			conv.LastActivityAt = at
		}
		if err := save(ctx, conv); err != nil {
			return err
		}
		out, err = emitMessage(ctx, tx, EventMessageCreated, conv, m.ID)
		return err
	})
	if err == nil && created {
		in.Files.take()
	}
	return out, err
}

// replyTarget reads content_attributes.in_reply_to, a positive message ID.
func replyTarget(attrs map[string]any) (*int64, error) {
	raw, ok := attrs["in_reply_to"]
	if !ok || raw == nil {
		return nil, nil
	}
	f, ok := raw.(float64)
	if n, isInt := raw.(int64); isInt {
		f, ok = float64(n), true
	}
	if !ok || f <= 0 || f != float64(int64(f)) {
		return nil, Errorf(EINVALID, "content_attributes.in_reply_to must be a positive message id")
	}
	id := int64(f)
	attrs["in_reply_to"] = id
	return &id, nil
}

// notInvalid turns a not-found lookup into EINVALID with message.
func notInvalid(err error, message string) error {
	if isNotFound(err) {
		return Errorf(EINVALID, "%s", message)
	}
	return err
}

// activityText is the activity message a status change leaves for agents.
func activityText(status string, actor Actor, snoozedUntil *time.Time) string {
	switch status {
	case StatusResolved:
		return "Conversation was marked resolved by " + actor.Name
	case StatusOpen:
		return "Conversation was reopened by " + actor.Name
	case StatusPending:
		return "Conversation was marked as pending by " + actor.Name
	case StatusSnoozed:
		if snoozedUntil != nil {
			return fmt.Sprintf("Conversation was snoozed by %s until %s", actor.Name, snoozedUntil.UTC().Format(time.RFC3339))
		}
		return "Conversation was snoozed by " + actor.Name
	}
	return "Conversation status changed by " + actor.Name
}

// ChangeStatus sets the status of a conversation of the actor's account,
// emits conversation.status_changed and leaves an activity message for
// agents. An empty status toggles, as Chatwoot's toggle_status does without
// one: an open conversation is resolved, any other is opened. snoozedUntil is
// used with snoozed only: a time in the future, when the conversation reopens
// by itself (see ReopenDueSnoozed), or nil to stay snoozed until the contact
// writes again. Setting the current status again changes nothing.
func (s *Service) ChangeStatus(ctx context.Context, actor Actor, conversationID int64, status string, snoozedUntil *time.Time) (*Conversation, error) {
	if status != "" && !ValidStatus(status) {
		return nil, Errorf(EINVALID, "status must be one of open, resolved, pending, snoozed")
	}
	if status == StatusSnoozed && snoozedUntil != nil {
		if !snoozedUntil.After(s.now()) {
			return nil, Errorf(EINVALID, "snoozed_until must be a time in the future")
		}
		t := snoozedUntil.UTC().Truncate(time.Millisecond)
		snoozedUntil = &t
	} else {
		snoozedUntil = nil
	}
	var out *Conversation
	err := s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, actor.AccountID, conversationID)
		if err != nil {
			return err
		}
		target := status
		if target == "" {
			target = StatusOpen
			if conv.Status == StatusOpen {
				target = StatusResolved
			}
		}
		changed, err := s.changeStatus(ctx, tx, conv, target, snoozedUntil)
		if err != nil {
			return err
		}
		if changed {
			if err := s.addActivity(ctx, tx, conv, activityText(target, actor, snoozedUntil)); err != nil {
				return err
			}
		}
		out, err = tx.FindConversationByID(ctx, conv.AccountID, conv.ID)
		return err
	})
	return out, err
}

// addActivity inserts an activity message (agents only) and emits it.
func (s *Service) addActivity(ctx context.Context, tx Tx, conv *Conversation, text string) error {
	at := s.stamp(conv)
	m := &Message{
		AccountID: conv.AccountID, InboxID: conv.InboxID, ConversationID: conv.ID, DialogID: conv.DialogID,
		MessageType: MessageActivity, ContentType: ContentText, Content: &text, ContentAttributes: map[string]any{},
		Status: MessageSent, CreatedAt: at, UpdatedAt: at,
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return err
	}
	if err := tx.TouchConversation(ctx, conv); err != nil {
		return err
	}
	_, err := emitMessage(ctx, tx, EventMessageCreated, conv, m.ID)
	return err
}

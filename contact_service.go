package novatalks

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// StartConversation is the input of Service.StartConversation, the SDK's
// "create conversation". Nil pointers are absent fields.
type StartConversation struct {
	InboxIdentifier      string
	Name                 *string
	Email                *string
	PhoneNumber          *string
	CustomAttributes     map[string]any
	AdditionalAttributes map[string]any
	PushToken            *string
	// Message, when set, is the contact's first message.
	Message *NewContactMessage
}

// NewContactMessage is a message a contact sends.
type NewContactMessage struct {
	Content string
	EchoID  string
	// Files are the attachments, stored already; content may be empty when
	// there are some. The message takes them over when it is created.
	Files *Uploads
}

// ConversationStarted is what StartConversation created.
type ConversationStarted struct {
	Contact      *Contact
	ContactInbox *ContactInbox
	Conversation *Conversation
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func (s *Service) validateStart(in *StartConversation) error {
	var v invalid
	if in.Name == nil {
		v.addf("name must be a non-empty string")
	}
	s.validateContact(&v, in.Name, in.Email, in.PhoneNumber, in.CustomAttributes, in.AdditionalAttributes)
	if in.PushToken != nil {
		s.validatePushToken(&v, *in.PushToken)
	}
	if in.Message != nil {
		s.validateContactMessage(&v, in.Message)
	}
	return v.err()
}

// validateContact checks the contact fields that are set (nil ones are not
// checked).
func (s *Service) validateContact(v *invalid, name, email, phone *string, custom, additional map[string]any) {
	if name != nil {
		s.validateName(v, "name", *name)
	}
	if email != nil {
		if len(*email) > s.Limits.MaxEmailChars {
			v.addf("email must be at most %d characters", s.Limits.MaxEmailChars)
		} else if !validEmail(*email) {
			v.addf("email must be a valid email address")
		}
	}
	if phone != nil && !e164.MatchString(*phone) {
		v.addf("phone_number must be in E.164 format, like +14155550100")
	}
	for _, attrs := range []struct {
		name string
		m    map[string]any
	}{{"custom_attributes", custom}, {"additional_attributes", additional}} {
		if jsonSize(attrs.m) > s.Limits.MaxCustomAttributesBytes {
			v.addf("%s must be at most %d bytes as JSON", attrs.name, s.Limits.MaxCustomAttributesBytes)
		}
	}
}

// validateName checks a required display name: not blank, at most MaxNameChars.
func (s *Service) validateName(v *invalid, field, name string) {
	if strings.TrimSpace(name) == "" {
		v.addf("%s must be a non-empty string", field)
	} else if utf8.RuneCountInString(name) > s.Limits.MaxNameChars {
		v.addf("%s must be at most %d characters", field, s.Limits.MaxNameChars)
	}
}

// validEmail reports whether s is a plain address (no display name) with a
// dot in it.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(a.Address, ".")
}

func (s *Service) validatePushToken(v *invalid, token string) {
	if strings.TrimSpace(token) == "" || len(token) > s.Limits.MaxPushTokenChars {
		v.addf("push_token must be a non-empty string of at most %d characters", s.Limits.MaxPushTokenChars)
	}
}

func (s *Service) validateContactMessage(v *invalid, m *NewContactMessage) {
	if strings.TrimSpace(m.EchoID) == "" {
		v.addf("message.echo_id must be a non-empty string")
	} else if utf8.RuneCountInString(m.EchoID) > s.Limits.MaxEchoIDChars {
		v.addf("message.echo_id must be at most %d characters", s.Limits.MaxEchoIDChars)
	}
	if strings.TrimSpace(m.Content) == "" && m.Files.Len() == 0 {
		v.addf("message.content must not be empty unless the message has attachments")
	} else if utf8.RuneCountInString(m.Content) > s.Limits.MaxContentChars {
		v.addf("message.content must be at most %d characters", s.Limits.MaxContentChars)
	}
}

// StartConversation creates a contact, its contact inbox (whose pubsub token is
// the contact's credential) and a conversation, with an optional first message
// and push token, all in one transaction. Without a first message the
// conversation starts resolved, with no dialog.
func (s *Service) StartConversation(ctx context.Context, in StartConversation) (*ConversationStarted, error) {
	if err := s.validateStart(&in); err != nil {
		return nil, err
	}
	inbox, err := s.SDKInbox(ctx, in.InboxIdentifier)
	if err != nil {
		return nil, err
	}
	var out ConversationStarted
	err = s.update(ctx, func(tx Tx) error {
		now := s.now()
		contact := &Contact{
			AccountID: inbox.AccountID, Name: strings.TrimSpace(*in.Name), Email: in.Email, PhoneNumber: in.PhoneNumber,
			Identifier: s.NewToken(), CustomAttributes: orEmpty(in.CustomAttributes),
			AdditionalAttributes: orEmpty(in.AdditionalAttributes), CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.CreateContact(ctx, contact); err != nil {
			return err
		}
		ci := &ContactInbox{AccountID: inbox.AccountID, ContactID: contact.ID, InboxID: inbox.ID, PubsubToken: s.NewToken()}
		if err := tx.CreateContactInbox(ctx, ci); err != nil {
			return err
		}
		conv := &Conversation{
			AccountID: inbox.AccountID, InboxID: inbox.ID, ContactID: contact.ID, ContactInboxID: ci.ID,
			Status: StatusResolved, Substatus: SubstatusFor(StatusResolved, nil), Priority: 5,
			AdditionalAttributes: map[string]any{"chatId": nil, "contactSource": "chat"},
			CustomAttributes:     map[string]any{}, LastActivityAt: now, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.CreateConversation(ctx, conv); err != nil {
			return err
		}
		ci.ConversationID = conv.ID
		tx.Emit(Event{Type: EventContactCreated, AccountID: contact.AccountID, ContactID: contact.ID, Contact: contact})
		created, err := tx.FindConversationByID(ctx, conv.AccountID, conv.ID)
		if err != nil {
			return err
		}
		tx.Emit(Event{Type: EventConversationCreated, AccountID: conv.AccountID, InboxID: conv.InboxID,
			ConversationID: conv.ID, ContactID: contact.ID, Conversation: created})
		if in.PushToken != nil {
			if _, err := tx.AddPushToken(ctx, conv.ID, *in.PushToken, now); err != nil {
				return err
			}
		}
		if in.Message != nil {
			sess := &ContactSession{ContactInbox: *ci, Contact: contact}
			if _, _, err := s.addContactMessage(ctx, tx, sess, conv, in.Message); err != nil {
				return err
			}
		}
		out = ConversationStarted{Contact: contact, ContactInbox: ci, Conversation: conv}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// ContactConversation returns the session's conversation and its latest limit
// messages visible to the contact, oldest first.
func (s *Service) ContactConversation(ctx context.Context, sess *ContactSession, limit int) (*Conversation, []*Message, error) {
	conv, err := s.Store.FindConversationByID(ctx, sess.AccountID, sess.ConversationID)
	if err != nil {
		return nil, nil, err
	}
	msgs, err := s.ContactMessages(ctx, sess, MessageFilter{Limit: limit})
	if err != nil {
		return nil, nil, err
	}
	return conv, msgs, nil
}

// ContactMessages lists the messages of the session's conversation that the
// contact may see. At most one of Before, After and UpdatedAfter may be set;
// Limit 0 means DefaultMessageLimit and larger than MaxMessageLimit is capped.
func (s *Service) ContactMessages(ctx context.Context, sess *ContactSession, f MessageFilter) ([]*Message, error) {
	set := 0
	for _, isSet := range []bool{f.Before != nil, f.After != nil, f.UpdatedAfter != nil} {
		if isSet {
			set++
		}
	}
	if set > 1 {
		return nil, Errorf(EINVALID, "use only one of before, after and updated_at")
	}
	if f.Limit < 0 {
		return nil, Errorf(EINVALID, "limit must be a positive integer")
	} else if f.Limit == 0 {
		f.Limit = DefaultMessageLimit
	} else if f.Limit > MaxMessageLimit {
		f.Limit = MaxMessageLimit
	}
	f.ConversationID = sess.ConversationID
	f.ForContact = true
	return s.Store.FindMessages(ctx, f)
}

// SendContactMessage adds a message from the session's contact, with the
// files of in.Files as its attachments. A message whose echo_id the
// conversation already has is not created again (the call succeeds and
// returns the existing message), so retried requests are safe. Reply markers
// make it a reply. A message to a resolved or snoozed conversation reopens it
// (a resolved one in a new dialog). Files that no new message took (the call
// failed, or the echo_id was known) are deleted before it returns.
func (s *Service) SendContactMessage(ctx context.Context, sess *ContactSession, in NewContactMessage) (*Message, error) {
	defer in.Files.Discard(ctx)
	var v invalid
	s.validateContactMessage(&v, &in)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *Message
	var created bool
	err := s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, sess.AccountID, sess.ConversationID)
		if err != nil {
			return err
		}
		out, created, err = s.addContactMessage(ctx, tx, sess, conv, &in)
		return err
	})
	if err == nil && created {
		in.Files.take()
	}
	return out, err
}

// addContactMessage is SendContactMessage inside a transaction holding conv.
// created is false when the echo_id was known and the existing message is
// returned.
//
// A known echo_id wins over everything else, as the request is a retry. When
// the conversation needs no reopening, the message is the first thing
// written, so the echo_id is not looked up beforehand: the store refuses a
// known one (CreateMessage's ECONFLICT, which leaves the transaction usable)
// and only then is the existing message read. That saves a query inside the
// single writer for every new message.
func (s *Service) addContactMessage(ctx context.Context, tx Tx, sess *ContactSession, conv *Conversation, in *NewContactMessage) (m *Message, created bool, err error) {
	insertFirst := in.EchoID != "" && conv.Status != StatusResolved && conv.Status != StatusSnoozed
	if !insertFirst {
		if existing, err := findByEchoID(ctx, tx, conv.ID, in.EchoID); existing != nil || err != nil {
			return existing, false, err
		}
	}
	m, err = s.newContactMessage(ctx, tx, sess, conv, in)
	var taken echoTakenError
	if insertFirst && (ErrorCode(err) == EINVALID || errors.As(err, &taken)) {
		// Nothing was written: a retry gets its message back.
		if existing, ferr := findByEchoID(ctx, tx, conv.ID, in.EchoID); existing != nil || ferr != nil {
			return existing, false, ferr
		}
	}
	return m, err == nil, err
}

// newContactMessage reads the reply markers of in and inserts the message
// (insertContactMessage). When it fails with EINVALID or echoTakenError it
// has written nothing (unless it reopened conv).
func (s *Service) newContactMessage(ctx context.Context, tx Tx, sess *ContactSession, conv *Conversation, in *NewContactMessage) (*Message, error) {
	content := in.Content
	var attrs = map[string]any{}
	var replied *Message
	if id, text, ok, err := ParseReplyMarkers(content); err != nil {
		return nil, err
	} else if ok {
		replied, err = tx.FindMessageByID(ctx, conv.ID, id)
		if err != nil || !replied.VisibleToContact() {
			return nil, &Error{Code: EINVALID, Message: "the replied message does not exist in this conversation"}
		}
		content = text
		attrs["in_reply_to"] = id
	}
	var c *string
	if content != "" {
		c = &content
	}
	echo := in.EchoID
	return s.insertContactMessage(ctx, tx, sess, conv, c, attrs, replied, &echo, in.Files)
}

// echoTakenError is insertContactMessage's error when the store refused the
// message because the conversation has a message with its echo_id; nothing
// of the message was written.
type echoTakenError struct{ error }

func (e echoTakenError) Unwrap() error { return e.error }

// findByEchoID returns the message of the conversation with that echo_id,
// or nil (and no error) when there is none or echoID is "".
func findByEchoID(ctx context.Context, tx Tx, conversationID int64, echoID string) (*Message, error) {
	if echoID == "" {
		return nil, nil
	}
	m, err := tx.FindMessageByEchoID(ctx, conversationID, echoID)
	if isNotFound(err) {
		return nil, nil
	}
	return m, err
}

// insertContactMessage reopens conv if needed, inserts an incoming message
// with files as its attachments and emits message.created. A resolved
// conversation of an inbox handed to a bot reopens pending, for the bot
// (Chatwoot's rule); a snoozed one opens. replied, when the message answers
// one, is that message as FindMessageByID returns it.
//
// The event carries the new message as FindMessageByID would return it, built
// from what the transaction has instead of read back: the sender is the
// session's contact, the reply summary comes from replied, the attachments
// are the rows just written and there are no reactions yet.
func (s *Service) insertContactMessage(ctx context.Context, tx Tx, sess *ContactSession, conv *Conversation, content *string, attrs map[string]any, replied *Message, echoID *string, files *Uploads) (*Message, error) {
	if conv.Status == StatusResolved || conv.Status == StatusSnoozed {
		target := StatusOpen
		if conv.Status == StatusResolved {
			if bot, err := s.inboxHasBot(ctx, tx, conv.AccountID, conv.InboxID); err != nil {
				return nil, err
			} else if bot {
				target = StatusPending
			}
		}
		if _, err := s.changeStatus(ctx, tx, conv, target, nil); err != nil {
			return nil, err
		}
	}
	if echoID != nil && *echoID == "" {
		echoID = nil
	}
	at := s.stamp(conv)
	contactID := sess.ContactID
	m := &Message{
		AccountID: conv.AccountID, InboxID: conv.InboxID, ConversationID: conv.ID, DialogID: conv.DialogID,
		MessageType: MessageIncoming, ContentType: ContentText, Content: content, ContentAttributes: attrs,
		Status: MessageSent, SenderType: SenderContact, SenderID: &contactID, EchoID: echoID,
		CreatedAt: at, UpdatedAt: at,
	}
	if replied != nil {
		m.ReplyToID = &replied.ID
	}
	if err := tx.CreateMessage(ctx, m); ErrorCode(err) == ECONFLICT && echoID != nil {
		return nil, echoTakenError{err}
	} else if err != nil {
		return nil, err
	}
	if err := files.attach(ctx, tx, m); err != nil {
		return nil, err
	}
	conv.LastActivityAt = at
	if err := tx.TouchConversation(ctx, conv); err != nil {
		return nil, err
	}
	m.ContentAttributes = storedAttributes(attrs)
	m.Sender = &Sender{ID: contactID, Type: SenderContact, Name: sess.Contact.Name}
	m.Attachments = files.attachments()
	m.Reactions = []*Reaction{}
	if replied != nil {
		m.Reply = replySummary(replied)
	}
	emitNewMessage(tx, conv, m)
	return m, nil
}

// contactMessageUpdate runs fn on message id of the session's conversation in a
// transaction holding the conversation. Messages the contact may not see are
// ENOTFOUND.
func (s *Service) contactMessageUpdate(ctx context.Context, sess *ContactSession, id int64, fn func(tx Tx, conv *Conversation, m *Message) error) error {
	return s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, sess.AccountID, sess.ConversationID)
		if err != nil {
			return err
		}
		m, err := s.findContactMessage(ctx, tx, conv.ID, id)
		if err != nil {
			return err
		}
		return fn(tx, conv, m)
	})
}

func (s *Service) findContactMessage(ctx context.Context, r Reader, conversationID, id int64) (*Message, error) {
	m, err := r.FindMessageByID(ctx, conversationID, id)
	if err != nil || !m.VisibleToContact() {
		return nil, notFoundUnlessInternal(err, "message not found")
	}
	return m, nil
}

// UpdateMessageStatus sets the delivery status of messages of the session's
// conversation. A status never moves backwards (sent < failed < delivered <
// seen); unchanged and deleted messages emit nothing. If any ID is not a
// message the contact can see, the whole call is ENOTFOUND and changes nothing.
func (s *Service) UpdateMessageStatus(ctx context.Context, sess *ContactSession, status string, ids []int64) error {
	var v invalid
	if !ValidMessageStatus(status) {
		v.addf("status must be one of the following values: sent, delivered, seen, failed")
	}
	if len(ids) == 0 {
		v.addf("messageIds must be a non-empty array of message ids")
	} else if len(ids) > s.Limits.MaxStatusIDs {
		v.addf("messageIds must hold at most %d ids", s.Limits.MaxStatusIDs)
	}
	for _, id := range ids {
		if id <= 0 {
			v.addf("messageIds must hold positive integers")
			break
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		conv, err := tx.LockConversation(ctx, sess.AccountID, sess.ConversationID)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		var msgs []*Message
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			m, err := s.findContactMessage(ctx, tx, conv.ID, id)
			if err != nil {
				return notFoundUnlessInternal(err, "message "+strconv.FormatInt(id, 10)+" not found")
			}
			msgs = append(msgs, m)
		}
		for _, m := range msgs {
			if m.DeletedAt != nil || statusRank[status] <= statusRank[m.Status] {
				continue
			}
			m.Status = status
			m.UpdatedAt = s.stamp(conv)
			if err := tx.UpdateMessage(ctx, m); err != nil {
				return err
			}
			if _, err := emitMessage(ctx, tx, EventMessageUpdated, conv, m.ID); err != nil {
				return err
			}
		}
		if status == MessageSeen {
			now := s.now()
			conv.ContactLastSeenAt = &now
		}
		return tx.UpdateConversation(ctx, conv)
	})
}

// AnswerInteractive records the contact's answer to an interactive message:
// for quick_reply one of the buttons' values, for card the value of a postback
// button, for feedback any text. The message's selected_value is set and
// message.updated emitted; for quick_reply and card the answer also becomes an
// incoming message with the button's title, in_reply_to and submitted_value.
// Answering again with the same value changes nothing.
func (s *Service) AnswerInteractive(ctx context.Context, sess *ContactSession, id int64, value string) error {
	return s.contactMessageUpdate(ctx, sess, id, func(tx Tx, conv *Conversation, m *Message) error {
		if m.DeletedAt != nil {
			return Errorf(EINVALID, "message %d is deleted", id)
		}
		if m.MessageType != MessageOutgoing || !IsInteractive(m.ContentType) {
			return Errorf(EINVALID, "message %d is not an interactive message", id)
		}
		in := ParseInteractive(m.ContentAttributes)
		var title string
		switch m.ContentType {
		case ContentFeedback:
			if strings.TrimSpace(value) == "" || utf8.RuneCountInString(value) > s.Limits.MaxFeedbackChars {
				return Errorf(EINVALID, "selected_content_attribute_value must be a non-empty string of at most %d characters", s.Limits.MaxFeedbackChars)
			}
		default:
			for _, b := range in.Buttons {
				if b.Value == value && (m.ContentType == ContentQuickReply || b.Type == ButtonPostback) {
					title = b.Title
					break
				}
			}
			if title == "" {
				return Errorf(EINVALID, "selected_content_attribute_value must be the value of one of the message's buttons")
			}
		}
		if in.SelectedValue != nil && *in.SelectedValue == value {
			return nil
		}
		attrs := make(map[string]any, len(m.ContentAttributes)+1)
		for k, v := range m.ContentAttributes {
			attrs[k] = v
		}
		attrs["selected_value"] = value
		m.ContentAttributes = attrs
		m.UpdatedAt = s.stamp(conv)
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return err
		}
		if _, err := emitMessage(ctx, tx, EventMessageUpdated, conv, m.ID); err != nil {
			return err
		}
		if m.ContentType == ContentFeedback {
			return tx.UpdateConversation(ctx, conv)
		}
		answer := map[string]any{"in_reply_to": m.ID, "submitted_value": value}
		_, err := s.insertContactMessage(ctx, tx, sess, conv, &title, answer, m, nil, nil)
		return err
	})
}

// DeleteContactMessage turns one of the contact's own messages into a
// tombstone (content and attachments removed, deleted_at set) and emits
// message.deleted. Others' messages are EFORBIDDEN; deleting a tombstone again
// succeeds and emits nothing.
func (s *Service) DeleteContactMessage(ctx context.Context, sess *ContactSession, id int64) error {
	var blobs []string
	err := s.contactMessageUpdate(ctx, sess, id, func(tx Tx, conv *Conversation, m *Message) error {
		if m.SenderType != SenderContact || m.SenderID == nil || *m.SenderID != sess.ContactID {
			return Errorf(EFORBIDDEN, "you can only delete your own messages")
		}
		var err error
		_, blobs, err = s.tombstone(ctx, tx, conv, m)
		return err
	})
	if err == nil {
		s.purgeBlobsNow(ctx, blobs)
	}
	return err
}

// tombstone deletes a message of a locked conversation: content and
// attachments go, deleted_at is set, and message.deleted is emitted. The
// attachments' blobs are recorded for deletion in the same transaction and
// returned; the caller deletes them after the commit (purgeBlobsNow), and
// SweepBlobDeletions does if that fails or never happens. A message deleted
// already is returned as it is, with no event.
func (s *Service) tombstone(ctx context.Context, tx Tx, conv *Conversation, m *Message) (*Message, []string, error) {
	if m.DeletedAt != nil {
		return m, nil, nil
	}
	at := s.stamp(conv)
	var blobs []string
	for _, a := range m.Attachments {
		blobs = append(blobs, a.keys()...)
	}
	if len(blobs) > 0 {
		if err := tx.ScheduleBlobDeletions(ctx, blobs, at); err != nil {
			return nil, nil, err
		}
	}
	m.Content, m.DeletedAt, m.UpdatedAt, m.Attachments = nil, &at, at, nil
	if err := tx.UpdateMessage(ctx, m); err != nil {
		return nil, nil, err
	}
	if err := tx.UpdateConversation(ctx, conv); err != nil {
		return nil, nil, err
	}
	out, err := emitMessage(ctx, tx, EventMessageDeleted, conv, m.ID)
	return out, blobs, err
}

// ReactAsContact sets (or with nil removes) the contact's reaction on a message
// of its conversation and emits message.reaction_updated when that changes
// anything. Only the documented emoji are accepted; deleted messages are EINVALID.
func (s *Service) ReactAsContact(ctx context.Context, sess *ContactSession, id int64, reaction *string) error {
	var emoji string
	if reaction != nil {
		var ok bool
		if emoji, ok = NormalizeReaction(*reaction); !ok {
			return Errorf(EINVALID, "reaction must be one of the documented emoji or null")
		}
	}
	return s.contactMessageUpdate(ctx, sess, id, func(tx Tx, conv *Conversation, m *Message) error {
		if m.DeletedAt != nil {
			return Errorf(EINVALID, "message %d is deleted", id)
		}
		return s.react(ctx, tx, conv, m, SenderContact, sess.ContactID, emoji)
	})
}

// react sets (emoji != "") or removes the reaction of a sender and emits
// message.reaction_updated if that changed anything.
func (s *Service) react(ctx context.Context, tx Tx, conv *Conversation, m *Message, senderType string, senderID int64, emoji string) error {
	var current string
	for _, r := range m.Reactions {
		if r.SenderType == senderType && r.SenderID == senderID {
			current = r.Content
		}
	}
	if current == emoji {
		return nil
	}
	at := s.stamp(conv)
	if emoji == "" {
		if _, err := tx.DeleteReaction(ctx, m.ID, senderType, senderID); err != nil {
			return err
		}
	} else if err := tx.SetReaction(ctx, &Reaction{MessageID: m.ID, Content: emoji, SenderType: senderType, SenderID: senderID, CreatedAt: at}); err != nil {
		return err
	}
	m.UpdatedAt = at
	if err := tx.UpdateMessage(ctx, m); err != nil {
		return err
	}
	if err := tx.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	_, err := emitMessage(ctx, tx, EventReactionUpdated, conv, m.ID)
	return err
}

// AddPushToken registers a device push token on the session's conversation.
// Registering a token again changes nothing.
func (s *Service) AddPushToken(ctx context.Context, sess *ContactSession, token string) error {
	var v invalid
	s.validatePushToken(&v, token)
	if err := v.err(); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		_, err := tx.AddPushToken(ctx, sess.ConversationID, token, s.now())
		return err
	})
}

// DeletePushToken removes a push token from the session's conversation; a
// token that is not registered there is ENOTFOUND.
func (s *Service) DeletePushToken(ctx context.Context, sess *ContactSession, token string) error {
	return s.removePushToken(ctx, sess.AccountID, sess.ConversationID, token)
}

// removePushToken removes token from a conversation of the account; an
// unknown conversation or a token not registered there is ENOTFOUND.
func (s *Service) removePushToken(ctx context.Context, accountID, conversationID int64, token string) error {
	return s.update(ctx, func(tx Tx) error {
		if _, err := tx.LockConversation(ctx, accountID, conversationID); err != nil {
			return err
		}
		removed, err := tx.DeletePushToken(ctx, conversationID, token)
		if err == nil && !removed {
			err = Errorf(ENOTFOUND, "push token not found")
		}
		return err
	})
}

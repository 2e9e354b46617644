package delivery

import (
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/wire"
)

// The webhook and agent bot payloads, in the shapes of Chatwoot's
// webhook_data: a message event is the message with its sender, contact,
// inbox, conversation and account; a conversation event is the
// conversation's push data; a contact event is the contact. Each has
// "event" set to the event name.

type accountJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type inboxJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// contactJSON is Chatwoot's Contact#webhook_data.
type contactJSON struct {
	Account              *accountJSON   `json:"account,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	Avatar               string         `json:"avatar"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	Email                *string        `json:"email"`
	ID                   int64          `json:"id"`
	Identifier           string         `json:"identifier"`
	Name                 string         `json:"name"`
	PhoneNumber          *string        `json:"phone_number"`
	Thumbnail            string         `json:"thumbnail"`
	Type                 string         `json:"type"`
}

// senderJSON is the webhook_data of an agent or a bot.
type senderJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// chatwootTypes are Chatwoot's type names of senders.
var chatwootTypes = map[string]string{
	novatalks.SenderUser: "user", novatalks.SenderContact: "contact", novatalks.SenderAgentBot: "agent_bot",
}

// messageJSON is Chatwoot's Message#webhook_data, with NovaTalks'
// dialog_id, sender_type and echo_id.
type messageJSON struct {
	Account              accountJSON         `json:"account"`
	AdditionalAttributes map[string]any      `json:"additional_attributes"`
	ContentAttributes    map[string]any      `json:"content_attributes"`
	ContentType          string              `json:"content_type"`
	Content              *string             `json:"content"`
	Conversation         *conversationJSON   `json:"conversation"`
	CreatedAt            string              `json:"created_at"`
	ID                   int64               `json:"id"`
	Inbox                inboxJSON           `json:"inbox"`
	MessageType          string              `json:"message_type"`
	Private              bool                `json:"private"`
	Sender               any                 `json:"sender"`
	SourceID             *string             `json:"source_id"`
	Attachments          []wire.Attachment   `json:"attachments,omitempty"`
	DialogID             string              `json:"dialog_id"`
	SenderType           string              `json:"sender_type"`
	EchoID               *string             `json:"echo_id"`
	Event                string              `json:"event"`
	ChangedAttributes    []map[string]change `json:"changed_attributes,omitempty"`
}

type change struct {
	PreviousValue any `json:"previous_value"`
	CurrentValue  any `json:"current_value"`
}

// conversationJSON is Chatwoot's conversation push data, with NovaTalks'
// substatus and dialog_id. contact_inbox leaves out the pubsub token, which
// is the contact's SDK credential; unread_count is left out (computing it
// scans the conversation); messages holds the new message of a
// message_created event and is empty otherwise.
type conversationJSON struct {
	AdditionalAttributes map[string]any       `json:"additional_attributes"`
	CanReply             bool                 `json:"can_reply"`
	Channel              string               `json:"channel"`
	ContactInbox         contactInboxJSON     `json:"contact_inbox"`
	ID                   int64                `json:"id"`
	InboxID              int64                `json:"inbox_id"`
	Messages             []lastMessageJSON    `json:"messages"`
	Labels               []string             `json:"labels"`
	Meta                 conversationMetaJSON `json:"meta"`
	Status               string               `json:"status"`
	Substatus            string               `json:"substatus"`
	DialogID             *string              `json:"dialog_id"`
	CustomAttributes     map[string]any       `json:"custom_attributes"`
	SnoozedUntil         *string              `json:"snoozed_until"`
	FirstReplyCreatedAt  *string              `json:"first_reply_created_at"`
	Priority             int                  `json:"priority"`
	WaitingSince         int64                `json:"waiting_since"`
	AgentLastSeenAt      int64                `json:"agent_last_seen_at"`
	ContactLastSeenAt    int64                `json:"contact_last_seen_at"`
	LastActivityAt       int64                `json:"last_activity_at"`
	Timestamp            int64                `json:"timestamp"`
	CreatedAt            int64                `json:"created_at"`
	UpdatedAt            float64              `json:"updated_at"`
}

type contactInboxJSON struct {
	ID           int64   `json:"id"`
	ContactID    int64   `json:"contact_id"`
	InboxID      int64   `json:"inbox_id"`
	SourceID     *string `json:"source_id"`
	HmacVerified bool    `json:"hmac_verified"`
}

type conversationMetaJSON struct {
	Sender       *contactJSON `json:"sender"`
	Assignee     *senderJSON  `json:"assignee"`
	Team         any          `json:"team"`
	HmacVerified bool         `json:"hmac_verified"`
}

// lastMessageJSON is the latest message in a conversation's push data
// (Chatwoot's Message#push_event_data: integer message_type, Unix seconds).
type lastMessageJSON struct {
	ID                int64          `json:"id"`
	Content           *string        `json:"content"`
	AccountID         int64          `json:"account_id"`
	InboxID           int64          `json:"inbox_id"`
	ConversationID    int64          `json:"conversation_id"`
	MessageType       int            `json:"message_type"`
	CreatedAt         int64          `json:"created_at"`
	Private           bool           `json:"private"`
	Status            string         `json:"status"`
	ContentType       string         `json:"content_type"`
	ContentAttributes map[string]any `json:"content_attributes"`
	SenderType        *string        `json:"sender_type"`
	SenderID          *int64         `json:"sender_id"`
}

// conversationEventJSON is a conversation event: the push data and the event.
type conversationEventJSON struct {
	*conversationJSON
	Event             string              `json:"event"`
	ChangedAttributes []map[string]change `json:"changed_attributes,omitempty"`
}

// contactEventJSON is a contact event.
type contactEventJSON struct {
	*contactJSON
	Event string `json:"event"`
}

// typingJSON is Chatwoot's typing webhook.
type typingJSON struct {
	Event        string            `json:"event"`
	User         any               `json:"user"`
	Conversation *conversationJSON `json:"conversation"`
	IsPrivate    bool              `json:"is_private"`
}

var messageTypes = map[string]int{
	novatalks.MessageIncoming: 0, novatalks.MessageOutgoing: 1, novatalks.MessageActivity: 2, novatalks.MessageTemplate: 3,
}

// railsTime is a time as Rails renders a datetime in JSON.
func railsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func railsTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := railsTime(*t)
	return &s
}

func unixOrZero(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func newContactJSON(c *novatalks.Contact, account *novatalks.Account) *contactJSON {
	if c == nil {
		return nil
	}
	out := &contactJSON{AdditionalAttributes: orEmpty(c.AdditionalAttributes), CustomAttributes: orEmpty(c.CustomAttributes),
		Email: c.Email, ID: c.ID, Identifier: c.Identifier, Name: c.Name, PhoneNumber: c.PhoneNumber, Type: "contact"}
	if account != nil {
		out.Account = &accountJSON{ID: account.ID, Name: account.Name}
	}
	return out
}

func newConversationJSON(c *novatalks.Conversation) *conversationJSON {
	if c == nil {
		return nil
	}
	out := &conversationJSON{
		AdditionalAttributes: orEmpty(c.AdditionalAttributes), CanReply: true, Channel: "Channel::Sdk",
		ContactInbox: contactInboxJSON{ID: c.ContactInboxID, ContactID: c.ContactID, InboxID: c.InboxID},
		ID:           c.ID, InboxID: c.InboxID, Messages: []lastMessageJSON{}, Labels: []string{},
		Status: c.Status, Substatus: c.Substatus, CustomAttributes: orEmpty(c.CustomAttributes),
		SnoozedUntil: railsTimePtr(c.SnoozedUntil), Priority: c.Priority,
		AgentLastSeenAt: unixOrZero(c.AgentLastSeenAt), ContactLastSeenAt: unixOrZero(c.ContactLastSeenAt),
		LastActivityAt: c.LastActivityAt.Unix(), Timestamp: c.LastActivityAt.Unix(), CreatedAt: c.CreatedAt.Unix(),
		UpdatedAt: float64(c.UpdatedAt.UnixMilli()) / 1000,
	}
	if c.DialogID != "" {
		d := c.DialogID
		out.DialogID = &d
	}
	out.Meta.Sender = newContactJSON(c.Contact, nil)
	if u := c.Assignee; u != nil {
		out.Meta.Assignee = &senderJSON{ID: u.ID, Name: u.Name, Type: "user"}
	}
	if m := c.LastMessage; m != nil {
		lm := lastMessageJSON{ID: m.ID, Content: m.Content, AccountID: m.AccountID, InboxID: m.InboxID,
			ConversationID: m.ConversationID, MessageType: messageTypes[m.MessageType], CreatedAt: m.CreatedAt.Unix(),
			Private: m.Private, Status: m.Status, ContentType: m.ContentType,
			ContentAttributes: orEmpty(m.ContentAttributes), SenderID: m.SenderID}
		if m.SenderType != "" {
			t := m.SenderType
			lm.SenderType = &t
		}
		out.Messages = []lastMessageJSON{lm}
	}
	return out
}

// newSender renders who wrote a message or is typing: the conversation's
// contact in full, an agent or a bot as {id, name, type}.
func newSender(s *novatalks.Sender, conv *novatalks.Conversation, account *novatalks.Account) any {
	if s == nil {
		return nil
	}
	if s.Type == novatalks.SenderContact && conv != nil && conv.Contact != nil && conv.Contact.ID == s.ID {
		return newContactJSON(conv.Contact, account)
	}
	return senderJSON{ID: s.ID, Name: s.Name, Type: chatwootTypes[s.Type]}
}

func newChanges(list []novatalks.Change) []map[string]change {
	if len(list) == 0 {
		return nil
	}
	out := make([]map[string]change, len(list))
	for i, c := range list {
		out[i] = map[string]change{c.Attribute: {PreviousValue: c.Previous, CurrentValue: c.Current}}
	}
	return out
}

// newWebhookPayload renders a webhook or bot event, nil when the event has
// no webhook form; attachment URLs are under base.
func newWebhookPayload(in novatalks.RenderInput, base string) any {
	e, account := in.Event, in.Account
	conv := newConversationJSON(in.Conversation)
	switch e.Type {
	case novatalks.EventMessageCreated, novatalks.EventMessageUpdated, novatalks.EventMessageDeleted, novatalks.EventReactionUpdated:
		m := e.Message
		out := messageJSON{Account: accountJSON{ID: account.ID, Name: account.Name}, AdditionalAttributes: map[string]any{},
			ContentAttributes: orEmpty(m.ContentAttributes), ContentType: m.ContentType, Content: m.Content,
			Conversation: conv, CreatedAt: railsTime(m.CreatedAt), ID: m.ID, MessageType: m.MessageType,
			Private: m.Private, Sender: newSender(m.Sender, in.Conversation, account), SourceID: m.SourceID,
			DialogID: m.DialogID, SenderType: m.SenderType, EchoID: m.EchoID, Event: in.Name}
		if in.Conversation != nil && in.Conversation.Inbox != nil {
			out.Inbox = inboxJSON{ID: in.Conversation.Inbox.ID, Name: in.Conversation.Inbox.Name}
		}
		if m.DeletedAt != nil {
			out.ContentAttributes = map[string]any{"deleted": true}
			for k, v := range m.ContentAttributes {
				out.ContentAttributes[k] = v
			}
		}
		if len(m.Attachments) > 0 {
			out.Attachments = wire.NewAttachments(m.Attachments, base)
		}
		return out
	case novatalks.EventConversationCreated, novatalks.EventConversationStatus, novatalks.EventConversationUpdated:
		return conversationEventJSON{conversationJSON: conv, Event: in.Name, ChangedAttributes: newChanges(e.Changes)}
	case novatalks.EventContactCreated, novatalks.EventContactUpdated:
		return contactEventJSON{contactJSON: newContactJSON(e.Contact, account), Event: in.Name}
	case novatalks.EventTyping:
		return typingJSON{Event: in.Name, User: newSender(e.Typing.Sender, in.Conversation, account),
			Conversation: conv, IsPrivate: e.Typing.Private}
	}
	return nil
}

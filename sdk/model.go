package sdk

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// Timestamp is a time of the SDK API, which sends times as Unix milliseconds.
// It embeds time.Time, so every time method works on it; the zero Timestamp
// stands for an absent time (JSON null).
type Timestamp struct{ time.Time }

// Millis returns t in Unix milliseconds, the form the API takes back (the
// Since of a Stream, say), or 0 for the zero Timestamp.
func (t Timestamp) Millis() int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// UnmarshalJSON reads Unix milliseconds (an integer, or a whole float) or null.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Timestamp{}
		return nil
	}
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil {
			return fmt.Errorf("sdk: a time must be Unix milliseconds, not %s", b)
		}
		ms = int64(f)
	}
	*t = Timestamp{time.UnixMilli(ms)}
	return nil
}

// MarshalJSON writes Unix milliseconds, or null for the zero Timestamp.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, t.UnixMilli(), 10), nil
}

// Message types.
const (
	// MessageIncoming is a message from the contact.
	MessageIncoming = "incoming"
	// MessageOutgoing is a message from an agent or a bot.
	MessageOutgoing = "outgoing"
	// MessageActivity is a note of the server for agents ("Conversation was
	// marked resolved by Jane"); contacts never see one.
	MessageActivity = "activity"
	// MessageTemplate is a template message.
	MessageTemplate = "template"
)

// Content types of messages.
const (
	ContentText       = "text"
	ContentCard       = "card"
	ContentQuickReply = "quick_reply"
	ContentFeedback   = "feedback"
)

// Message delivery statuses, in the order a message moves through them
// (sent < failed < delivered < seen); the server never moves one backwards.
const (
	StatusSent      = "sent"
	StatusFailed    = "failed"
	StatusDelivered = "delivered"
	StatusSeen      = "seen"
)

// Conversation statuses.
const (
	ConversationOpen     = "open"
	ConversationResolved = "resolved"
	ConversationPending  = "pending"
	ConversationSnoozed  = "snoozed"
)

// Sender types.
const (
	SenderContact  = "Contact"
	SenderUser     = "User"
	SenderAgentBot = "AgentBot"
)

// Message is one message of a conversation, as listings and realtime events
// carry it, on either side: the AgentClient turns the agent API's form
// (integer types, Unix seconds) into this one. Absent (null) strings are "".
// A deleted message stays as a tombstone: DeletedAt is set, Content is "" and
// Attachments empty.
type Message struct {
	ID             int64  `json:"id"`
	AccountID      int64  `json:"account_id"`
	InboxID        int64  `json:"inbox_id"`
	ConversationID int64  `json:"conversation_id"`
	DialogID       string `json:"dialog_id"`
	// MessageType is MessageIncoming (from the contact) or MessageOutgoing;
	// agents also see MessageActivity and MessageTemplate.
	MessageType string `json:"message_type"`
	// ContentType is ContentText or one of the interactive types; see Card,
	// QuickReply and Feedback.
	ContentType string `json:"content_type"`
	Content     string `json:"content"`
	// ContentAttributes holds the interactive fields (buttons,
	// selected_value) and in_reply_to, as the server sent them.
	ContentAttributes map[string]any `json:"content_attributes"`
	// Private marks an agents' note, which the contact never sees.
	Private bool `json:"private"`
	Pinned  bool `json:"pinned"`
	// Status is one of StatusSent, StatusDelivered, StatusSeen, StatusFailed.
	Status            string         `json:"status"`
	SourceID          string         `json:"source_id"`
	SenderType        string         `json:"sender_type"`
	SenderID          int64          `json:"sender_id"`
	Sender            *Sender        `json:"sender"`
	ExternalSourceIDs map[string]any `json:"external_source_ids"`
	// EchoID is the echo_id the sender chose; a contact matches its own
	// messages in events by it.
	EchoID      string       `json:"echo_id"`
	Attachments []Attachment `json:"attachments"`
	// Reply summarizes the message this one answers, or is nil.
	Reply *Reply `json:"reply"`
	// Reactions, Reply, Pinned and ExternalSourceIDs are not part of the
	// agent API's form: messages an AgentClient lists leave them empty.
	Reactions []Reaction `json:"reactions"`
	// CreatedAt is the time the message was created; the agent API gives it
	// to the second.
	CreatedAt Timestamp `json:"created_at"`
	// UpdatedAt is the time of the message's latest change. Within a
	// conversation the server gives every change a strictly later time (to
	// the millisecond: the agent API's whole seconds can tie).
	UpdatedAt Timestamp  `json:"updated_at"`
	DeletedAt *Timestamp `json:"deleted_at"`
}

// Deleted reports whether the message is a tombstone.
func (m *Message) Deleted() bool { return m.DeletedAt != nil }

// FromContact reports whether the contact wrote the message.
func (m *Message) FromContact() bool { return m.MessageType == MessageIncoming }

// SenderName returns the sender's display name, else its name, else "".
func (m *Message) SenderName() string {
	if m.Sender == nil {
		return ""
	}
	return m.Sender.DisplayName()
}

// InReplyTo returns the ID of the message this one answers, or 0.
func (m *Message) InReplyTo() int64 {
	f, _ := m.ContentAttributes["in_reply_to"].(float64)
	return int64(f)
}

// Watermark returns the largest UpdatedAt of msgs in Unix milliseconds: the
// StreamOptions.Since that follows on from having seen msgs. It returns 0
// for no messages.
func Watermark(msgs []*Message) int64 {
	var w int64
	for _, m := range msgs {
		w = max(w, m.UpdatedAt.Millis())
	}
	return w
}

// Sender is who wrote a message or a reaction.
type Sender struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Display is the display name; the server sends it both as display_name
	// (the documentation's events) and displayName (its OpenAPI file).
	Display   string `json:"display_name"`
	AvatarURL string `json:"avatar_url"`
	// Type is SenderContact, SenderUser or SenderAgentBot.
	Type string `json:"type"`
}

// DisplayName returns the display name, or the name when there is none.
func (s *Sender) DisplayName() string {
	if s.Display != "" {
		return s.Display
	}
	return s.Name
}

// Reply is the summary of the message another message answers.
type Reply struct {
	ID          int64        `json:"id"`
	Content     string       `json:"content"`
	Sender      *Sender      `json:"sender"`
	MessageType string       `json:"message_type"`
	ContentType string       `json:"content_type"`
	Attachments []Attachment `json:"attachments"`
	CreatedAt   Timestamp    `json:"created_at"`
}

// Attachment is a file of a message.
type Attachment struct {
	ID        int64 `json:"id"`
	MessageID int64 `json:"message_id"`
	AccountID int64 `json:"account_id"`
	// FileType is image, audio, video or file.
	FileType      string `json:"file_type"`
	FallbackTitle string `json:"fallback_title"`
	Extension     string `json:"extension"`
	DataURL       string `json:"data_url"`
	ThumbURL      string `json:"thumb_url"`
	FileSize      int64  `json:"file_size"`
	MimeType      string `json:"mime_type"`
}

// Reaction is one sender's emoji on a message; a sender has at most one per
// message.
type Reaction struct {
	ID        int64     `json:"id"`
	Emoji     string    `json:"content"`
	CreatedAt Timestamp `json:"created_at"`
	Sender    *Sender   `json:"sender"`
}

// Contact is the person on the contact side of a conversation.
type Contact struct {
	ID                   int64          `json:"id"`
	Name                 string         `json:"name"`
	Email                string         `json:"email"`
	PhoneNumber          string         `json:"phone_number"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
}

// Conversation is a conversation: the contact's, or one of an agent's
// account. Which fields are set depends on where it came from: every source
// sets ID, Status and Substatus; Client.Conversation adds ContactInboxID and
// DialogID; a conversation.status_changed event adds the account, inbox,
// assignee and times; the agent API's AgentConversation embeds one with all
// but ContactInboxID.
type Conversation struct {
	ID             int64 `json:"id"`
	AccountID      int64 `json:"account_id"`
	InboxID        int64 `json:"inbox_id"`
	ContactInboxID int64 `json:"contact_inbox_id"`
	// Status is one of ConversationOpen, ConversationResolved,
	// ConversationPending and ConversationSnoozed.
	Status string `json:"status"`
	// Substatus refines Status: oninbox (open, waiting for an agent),
	// interacting (open, an agent holds it), inqueue (pending, held by a
	// bot), hold (snoozed), acw (resolved).
	Substatus string `json:"substatus"`
	// DialogID names the current open period of the conversation; "" before
	// the first one.
	DialogID     string     `json:"dialog_id"`
	AssigneeID   int64      `json:"assignee_id"`
	SnoozedUntil *Timestamp `json:"snoozed_until"`
	CreatedAt    Timestamp  `json:"created_at"`
}

// Settings is what a client needs before its first request: the inbox, the
// accepted reactions and statuses, the server's limits and the WebSocket
// address.
type Settings struct {
	AccountID int64 `json:"account_id"`
	Inbox     struct {
		ID                 int64          `json:"id"`
		Name               string         `json:"name"`
		Channel            string         `json:"channel"`
		Identifier         string         `json:"identifier"`
		AdditionalSettings map[string]any `json:"additional_settings"`
	} `json:"inbox"`
	// Reactions lists the emoji React accepts.
	Reactions       []string `json:"reactions"`
	MessageStatuses []string `json:"message_statuses"`
	Limits          struct {
		MaxBodyBytes             int64 `json:"max_body_bytes"`
		MaxContentLength         int   `json:"max_content_length"`
		MaxAttachments           int   `json:"max_attachments"`
		MaxAttachmentBytes       int64 `json:"max_attachment_bytes"`
		MaxNameLength            int   `json:"max_name_length"`
		MaxEmailLength           int   `json:"max_email_length"`
		MaxCustomAttributesBytes int   `json:"max_custom_attributes_bytes"`
		MaxFeedbackLength        int   `json:"max_feedback_length"`
		MessagesPageSize         int   `json:"messages_page_size"`
		MessagesMaxPageSize      int   `json:"messages_max_page_size"`
	} `json:"limits"`
	// Attachments.Enabled reports whether the server stores files.
	Attachments struct {
		Enabled bool `json:"enabled"`
	} `json:"attachments"`
	WebSocket struct {
		Path string `json:"path"`
		URL  string `json:"url"`
	} `json:"websocket"`
}

package novatalks

import (
	"time"
)

// Message types, in their NovaTalks (SDK) text form.
const (
	MessageIncoming = "incoming" // from the contact
	MessageOutgoing = "outgoing" // from an agent or a bot
	MessageActivity = "activity" // a system note, never shown to contacts
	MessageTemplate = "template"
)

// Content types the server accepts from agents and bots.
const (
	ContentText       = "text"
	ContentCard       = "card"
	ContentQuickReply = "quick_reply"
	ContentFeedback   = "feedback"
)

// Message delivery statuses, in the order a message moves through them.
const (
	MessageSent      = "sent"
	MessageFailed    = "failed"
	MessageDelivered = "delivered"
	MessageSeen      = "seen"
)

// statusRank orders message statuses; a status never moves to a lower rank.
var statusRank = map[string]int{MessageSent: 0, MessageFailed: 1, MessageDelivered: 2, MessageSeen: 3}

// ValidMessageStatus reports whether s is a message status.
func ValidMessageStatus(s string) bool { _, ok := statusRank[s]; return ok }

// Sender types.
const (
	SenderContact  = "Contact"
	SenderUser     = "User"
	SenderAgentBot = "AgentBot"
)

// Message is one message of a conversation. A deleted message stays as a
// tombstone: DeletedAt set, Content nil, no attachments.
type Message struct {
	ID                int64
	AccountID         int64
	InboxID           int64
	ConversationID    int64
	DialogID          string
	MessageType       string
	ContentType       string
	Content           *string
	ContentAttributes map[string]any
	Private           bool
	Pinned            bool
	Status            string
	SenderType        string // "" for activity messages
	SenderID          *int64
	EchoID            *string
	SourceID          *string
	ReplyToID         *int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
	DeletedAt         *time.Time

	// Hydrated by the store on reads.
	Sender      *Sender
	Reply       *Reply
	Attachments []*Attachment
	Reactions   []*Reaction
}

// VisibleToContact reports whether the contact of the conversation may see the
// message: private notes and activity messages are for agents only.
func (m *Message) VisibleToContact() bool {
	return !m.Private && m.MessageType != MessageActivity
}

// Sender is who wrote a message or a reaction, as clients see it.
type Sender struct {
	ID          int64
	Type        string // Contact, User or AgentBot
	Name        string
	DisplayName *string
	AvatarURL   *string
}

// Reply is the summary of the message another message answers.
type Reply struct {
	ID          int64
	Content     *string
	MessageType string
	ContentType string
	Sender      *Sender
	Attachments []*Attachment
	CreatedAt   time.Time
}

// Attachment is a file of a message. Its bytes live in a BlobStore under
// Key; DataURL and ThumbURL are the paths the server serves them at (see
// FilePath), relative to its public URL, which the adapters that show them
// to clients put in front (AbsoluteURL). So they are stored without the
// public URL, and a server moved to another address keeps serving them.
type Attachment struct {
	ID            int64
	MessageID     int64
	AccountID     int64
	FileType      string // image, audio, video or file (see FileTypeOf)
	FallbackTitle *string
	Extension     *string // from the sender's file name, lower case, without the dot; nil when it has none
	DataURL       string
	ThumbURL      string // the thumbnail's URL for images that have one, DataURL otherwise
	FileSize      int64  // in bytes
	MimeType      string // detected from the bytes, without parameters

	// FileName is the sender's file name, cleaned (see CleanFileName); the
	// file is offered for download under it.
	FileName string
	// Key names the file's bytes in the BlobStore. ThumbKey names its
	// thumbnail's, of type ThumbMimeType; both are "" when there is none.
	Key           string
	ThumbKey      string
	ThumbMimeType string
}

// Reaction is one sender's emoji on a message; a sender has at most one per
// message.
type Reaction struct {
	ID         int64
	MessageID  int64
	Content    string
	SenderType string
	SenderID   int64
	Sender     *Sender
	CreatedAt  time.Time
}

// MessageFilter selects messages of one conversation. At most one of Before,
// After and UpdatedAfter is set; with none, the latest messages are returned.
// Results are always oldest first (by ID, or by update time with UpdatedAfter).
type MessageFilter struct {
	ConversationID int64
	Before         *int64
	After          *int64
	UpdatedAfter   *time.Time
	// ForContact leaves out private notes and activity messages.
	ForContact bool
	Limit      int
}

// Pagination defaults of message listings.
const (
	DefaultMessageLimit = 20
	MaxMessageLimit     = 100
)

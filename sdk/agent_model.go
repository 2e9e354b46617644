package sdk

import (
	"time"
)

// Agent is a person (or, with its own token, a bot) who answers contacts in
// an account, as the agent API shows it.
type Agent struct {
	ID        int64  `json:"id"`
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	// AvailableName is the display name, or the name when there is none.
	AvailableName string `json:"available_name"`
	Email         string `json:"email"`
	// Role is administrator or agent.
	Role               string `json:"role"`
	AvailabilityStatus string `json:"availability_status"`
	Thumbnail          string `json:"thumbnail"`
}

// Profile is the agent an AgentClient's token belongs to.
type Profile struct {
	Agent
	// PubsubToken subscribes to the account's realtime events; an agent's
	// Stream uses it.
	PubsubToken string
}

// AgentConversation is a conversation as the agent API shows it: the
// Conversation (ID, AccountID, InboxID, Status, Substatus, DialogID,
// AssigneeID, SnoozedUntil and CreatedAt are set; ContactInboxID is not)
// and what agents see of it. Times come in Unix seconds on this API.
type AgentConversation struct {
	Conversation
	// Priority is NovaTalks' integer priority.
	Priority int
	// Contact is the contact of the conversation.
	Contact Contact
	// Assignee is the agent the conversation is assigned to, or nil.
	Assignee *Agent
	// LastMessage is the latest message of any kind (private notes and
	// activity messages included), or nil when there is none.
	LastMessage *Message
	// UnreadCount counts the contact's messages since AgentLastSeenAt.
	UnreadCount          int
	CustomAttributes     map[string]any
	AdditionalAttributes map[string]any
	AgentLastSeenAt      Timestamp
	ContactLastSeenAt    Timestamp
	// LastActivityAt is the time of the latest message that is not a
	// private note or an activity message; listings are sorted by it.
	LastActivityAt Timestamp
}

// The agent API's wire forms, in the shapes of Chatwoot's JSON views: times
// in Unix seconds (snoozed_until in ISO 8601), message types as integers.
// They are decoded here and turned into the package's models, so that a
// message looks the same whether it came from the agent API or from a
// realtime event.

// appProfile is the profile: the agent's fields, but its avatar_url for
// thumbnail and its availability in its account.
type appProfile struct {
	Agent
	AvatarURL   string `json:"avatar_url"`
	PubsubToken string `json:"pubsub_token"`
	Accounts    []struct {
		AvailabilityStatus string `json:"availability_status"`
	} `json:"accounts"`
}

func (p *appProfile) profile() *Profile {
	out := &Profile{Agent: p.Agent, PubsubToken: p.PubsubToken}
	out.Thumbnail = p.AvatarURL
	if len(p.Accounts) > 0 {
		out.AvailabilityStatus = p.Accounts[0].AvailabilityStatus
	}
	return out
}

type appConversation struct {
	ID        int64  `json:"id"`
	AccountID int64  `json:"account_id"`
	InboxID   int64  `json:"inbox_id"`
	Status    string `json:"status"`
	Substatus string `json:"substatus"`
	Priority  int    `json:"priority"`
	DialogID  string `json:"dialog_id"`
	Meta      struct {
		Sender   *Contact `json:"sender"`
		Assignee *Agent   `json:"assignee"`
	} `json:"meta"`
	Messages             []appMessage   `json:"messages"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	AgentLastSeenAt      int64          `json:"agent_last_seen_at"`
	ContactLastSeenAt    int64          `json:"contact_last_seen_at"`
	SnoozedUntil         string         `json:"snoozed_until"`
	UnreadCount          int            `json:"unread_count"`
	CreatedAt            int64          `json:"created_at"`
	LastActivityAt       int64          `json:"last_activity_at"`
}

func (w *appConversation) conversation() *AgentConversation {
	c := &AgentConversation{
		Conversation: Conversation{ID: w.ID, AccountID: w.AccountID, InboxID: w.InboxID, Status: w.Status,
			Substatus: w.Substatus, DialogID: w.DialogID, CreatedAt: fromSeconds(w.CreatedAt)},
		Priority: w.Priority, UnreadCount: w.UnreadCount, CustomAttributes: w.CustomAttributes,
		AdditionalAttributes: w.AdditionalAttributes, AgentLastSeenAt: fromSeconds(w.AgentLastSeenAt),
		ContactLastSeenAt: fromSeconds(w.ContactLastSeenAt), LastActivityAt: fromSeconds(w.LastActivityAt),
	}
	if t, err := time.Parse(time.RFC3339, w.SnoozedUntil); err == nil {
		c.SnoozedUntil = &Timestamp{t}
	}
	if s := w.Meta.Sender; s != nil {
		c.Contact = *s
	}
	if a := w.Meta.Assignee; a != nil {
		c.Assignee, c.AssigneeID = a, a.ID
	}
	if len(w.Messages) > 0 {
		c.LastMessage = w.Messages[0].message()
	}
	return c
}

// appMessageTypes are the agent API's integer message types, by value.
var appMessageTypes = []string{MessageIncoming, MessageOutgoing, MessageActivity, MessageTemplate}

// appSenderTypes are the agent API's names of sender types.
var appSenderTypes = map[string]string{"user": SenderUser, "contact": SenderContact, "agent_bot": SenderAgentBot}

type appMessage struct {
	ID                int64          `json:"id"`
	Content           string         `json:"content"`
	AccountID         int64          `json:"account_id"`
	InboxID           int64          `json:"inbox_id"`
	ConversationID    int64          `json:"conversation_id"`
	DialogID          string         `json:"dialog_id"`
	MessageType       int            `json:"message_type"`
	ContentType       string         `json:"content_type"`
	Status            string         `json:"status"`
	ContentAttributes map[string]any `json:"content_attributes"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
	Private           bool           `json:"private"`
	SourceID          string         `json:"source_id"`
	EchoID            string         `json:"echo_id"`
	SenderType        string         `json:"sender_type"`
	SenderID          int64          `json:"sender_id"`
	Sender            *struct {
		ID            int64  `json:"id"`
		Name          string `json:"name"`
		AvailableName string `json:"available_name"`
		AvatarURL     string `json:"avatar_url"`
		Type          string `json:"type"`
	} `json:"sender"`
	Attachments []Attachment `json:"attachments"`
	DeletedAt   *int64       `json:"deleted_at"`
}

func (w *appMessage) message() *Message {
	m := &Message{
		ID: w.ID, AccountID: w.AccountID, InboxID: w.InboxID, ConversationID: w.ConversationID,
		DialogID: w.DialogID, ContentType: w.ContentType, Content: w.Content,
		ContentAttributes: w.ContentAttributes, Private: w.Private, Status: w.Status, SourceID: w.SourceID,
		SenderType: w.SenderType, SenderID: w.SenderID, EchoID: w.EchoID, Attachments: w.Attachments,
		CreatedAt: fromSeconds(w.CreatedAt), UpdatedAt: fromSeconds(w.UpdatedAt),
	}
	if w.MessageType >= 0 && w.MessageType < len(appMessageTypes) {
		m.MessageType = appMessageTypes[w.MessageType]
	}
	if s := w.Sender; s != nil {
		m.Sender = &Sender{ID: s.ID, Name: s.Name, Display: s.AvailableName, AvatarURL: s.AvatarURL, Type: appSenderTypes[s.Type]}
	}
	if w.DeletedAt != nil {
		m.DeletedAt = &Timestamp{time.Unix(*w.DeletedAt, 0)}
	}
	return m
}

func appMessages(list []appMessage) []*Message {
	out := make([]*Message, len(list))
	for i := range list {
		out[i] = list[i].message()
	}
	return out
}

// fromSeconds is a time of the agent API: Unix seconds, 0 for none.
func fromSeconds(s int64) Timestamp {
	if s == 0 {
		return Timestamp{}
	}
	return Timestamp{time.Unix(s, 0)}
}

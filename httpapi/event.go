package httpapi

import (
	"encoding/json"

	"github.com/novatalks/novatalks"
)

// frame is one WebSocket message: {"event": ..., "data": ...}.
type frame struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// MessageDeletedJSON is the data of message.deleted, as documented.
type MessageDeletedJSON struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	CreatedAt      int64  `json:"created_at"`
	UpdatedAt      int64  `json:"updated_at"`
	DeletedAt      *int64 `json:"deleted_at"`
}

// ReactionsUpdatedJSON is the data of message.reaction_updated: the documented
// fields plus updated_at, so that clients can resume catch-up from it.
type ReactionsUpdatedJSON struct {
	ID             int64          `json:"id"`
	ConversationID int64          `json:"conversation_id"`
	AccountID      int64          `json:"account_id"`
	Reactions      []ReactionJSON `json:"reactions"`
	UpdatedAt      int64          `json:"updated_at"`
}

// TypingJSON is the data of typing.
type TypingJSON struct {
	ConversationID int64 `json:"conversation_id"`
	Sender         struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"sender"`
	SenderType string `json:"sender_type"`
}

// ConversationJSON is the full conversation object of
// conversation.status_changed, in the documented shape.
type ConversationJSON struct {
	AccountID int64 `json:"account_id"`
	ID        int64 `json:"id"`
	InboxID   int64 `json:"inbox_id"`
	Inbox     struct {
		ID                 int64          `json:"id"`
		Name               string         `json:"name"`
		AdditionalSettings map[string]any `json:"additional_settings"`
	} `json:"inbox"`
	Status               string         `json:"status"`
	Substatus            string         `json:"substatus"`
	Priority             int            `json:"priority"`
	Subpriority          int            `json:"subpriority"`
	AssigneeID           *int64         `json:"assignee_id"`
	TeamID               *int64         `json:"team_id"`
	Channel              string         `json:"channel"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	DialogID             *string        `json:"dialog_id"`
	Messages             []MessageJSON  `json:"messages"`
	Meta                 struct {
		Sender   *ContactMetaJSON `json:"sender"`
		Assignee *AgentJSON       `json:"assignee"`
		Team     any              `json:"team"`
		Labels   []string         `json:"labels"`
		Mentions []any            `json:"mentions"`
	} `json:"meta"`
	Labels            []string `json:"labels"`
	CanReply          bool     `json:"can_reply"`
	SnoozedUntil      *int64   `json:"snoozed_until"`
	AgentLastSeenAt   int64    `json:"agent_last_seen_at"`
	ContactLastSeenAt int64    `json:"contact_last_seen_at"`
	Timestamp         int64    `json:"timestamp"`
	CreatedAt         int64    `json:"created_at"`
	Session           any      `json:"session"`
	SourceID          any      `json:"source_id"`
}

// ContactMetaJSON is the contact in a conversation's meta.sender.
type ContactMetaJSON struct {
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	Email                *string        `json:"email"`
	ID                   int64          `json:"id"`
	Identifier           string         `json:"identifier"`
	Name                 string         `json:"name"`
	PhoneNumber          *string        `json:"phone_number"`
	Thumbnail            string         `json:"thumbnail"`
	Type                 string         `json:"type"`
	Labels               []string       `json:"labels"`
	AvatarURL            *string        `json:"avatar_url"`
}

// AgentJSON is an agent as conversations show it.
type AgentJSON struct {
	ID               int64   `json:"id"`
	Name             string  `json:"name"`
	AvailableName    string  `json:"available_name"`
	AvatarURL        *string `json:"avatar_url"`
	Type             string  `json:"type"`
	AvailabilityStat string  `json:"availability_status"`
	Thumbnail        string  `json:"thumbnail"`
}

// NewConversationJSON renders a hydrated conversation in the documented event shape.
func NewConversationJSON(c *novatalks.Conversation) ConversationJSON {
	out := ConversationJSON{
		AccountID: c.AccountID, ID: c.ID, InboxID: c.InboxID, Status: c.Status, Substatus: c.Substatus,
		Priority: c.Priority, Subpriority: c.Subpriority, AssigneeID: c.AssigneeID, TeamID: c.TeamID,
		Channel: novatalks.ChannelSDK, AdditionalAttributes: orEmptyMap(c.AdditionalAttributes),
		CustomAttributes: orEmptyMap(c.CustomAttributes), Messages: []MessageJSON{}, Labels: []string{},
		CanReply: true, SnoozedUntil: millisPtr(c.SnoozedUntil), Timestamp: millis(c.LastActivityAt),
		CreatedAt: millis(c.CreatedAt),
	}
	if c.AgentLastSeenAt != nil {
		out.AgentLastSeenAt = c.AgentLastSeenAt.UnixMilli()
	}
	if c.ContactLastSeenAt != nil {
		out.ContactLastSeenAt = c.ContactLastSeenAt.UnixMilli()
	}
	if c.DialogID != "" {
		d := c.DialogID
		out.DialogID = &d
	}
	if c.Inbox != nil {
		out.Inbox.ID, out.Inbox.Name, out.Inbox.AdditionalSettings = c.Inbox.ID, c.Inbox.Name, orEmptyMap(c.Inbox.AdditionalSettings)
		out.Channel = c.Inbox.Channel
	}
	out.Meta.Labels, out.Meta.Mentions = []string{}, []any{}
	if ct := c.Contact; ct != nil {
		out.Meta.Sender = &ContactMetaJSON{AdditionalAttributes: orEmptyMap(ct.AdditionalAttributes),
			CustomAttributes: orEmptyMap(ct.CustomAttributes), Email: ct.Email, ID: ct.ID, Identifier: ct.Identifier,
			Name: ct.Name, PhoneNumber: ct.PhoneNumber, Type: "contact", Labels: []string{}}
	}
	if u := c.Assignee; u != nil {
		out.Meta.Assignee = newAgentJSON(u)
	}
	return out
}

func newAgentJSON(u *novatalks.User) *AgentJSON {
	a := &AgentJSON{ID: u.ID, Name: u.Name, AvailableName: u.DisplayName, Type: "user", AvailabilityStat: "online"}
	if a.AvailableName == "" {
		a.AvailableName = u.Name
	}
	if u.AvatarURL != "" {
		v := u.AvatarURL
		a.AvatarURL = &v
	}
	return a
}

// encodeEvent renders an event as a WebSocket frame, with attachment URLs
// under base. ok is false for events that have no realtime form.
func encodeEvent(e *novatalks.Event, base string) (b []byte, ok bool) {
	var data any
	switch e.Type {
	case novatalks.EventMessageCreated, novatalks.EventMessageUpdated:
		data = NewMessageJSON(e.Message, base)
	case novatalks.EventMessageDeleted:
		m := e.Message
		data = MessageDeletedJSON{ID: m.ID, ConversationID: m.ConversationID, CreatedAt: millis(m.CreatedAt),
			UpdatedAt: millis(m.UpdatedAt), DeletedAt: millisPtr(m.DeletedAt)}
	case novatalks.EventReactionUpdated:
		m := e.Message
		data = ReactionsUpdatedJSON{ID: m.ID, ConversationID: m.ConversationID, AccountID: m.AccountID,
			Reactions: newReactionsJSON(m.Reactions), UpdatedAt: millis(m.UpdatedAt)}
	case novatalks.EventConversationStatus:
		data = NewConversationJSON(e.Conversation)
	case novatalks.EventTyping:
		if e.Typing == nil || !e.Typing.On {
			return nil, false
		}
		t := TypingJSON{ConversationID: e.ConversationID, SenderType: e.Typing.SenderType}
		if e.Typing.Sender != nil {
			t.Sender.ID, t.Sender.Name = e.Typing.Sender.ID, e.Typing.Sender.Name
		}
		data = t
	default:
		return nil, false
	}
	b, err := json.Marshal(frame{Event: string(e.Type), Data: data})
	return b, err == nil
}

package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/novatalks/novatalks"
)

// messageTypeNumbers are the integer message types of the agent API, as
// Chatwoot stores them (message_type_before_type_cast).
var messageTypeNumbers = map[string]int{
	novatalks.MessageIncoming: 0, novatalks.MessageOutgoing: 1,
	novatalks.MessageActivity: 2, novatalks.MessageTemplate: 3,
}

// AppSenderJSON is who sent a message, in the form of Chatwoot's
// push_event_data: type is user, contact or agent_bot.
type AppSenderJSON struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	AvailableName string `json:"available_name"`
	AvatarURL     string `json:"avatar_url"`
	Thumbnail     string `json:"thumbnail"`
	Type          string `json:"type"`
}

// senderTypes are the agent API's names of sender types.
var senderTypes = map[string]string{
	novatalks.SenderUser: "user", novatalks.SenderContact: "contact", novatalks.SenderAgentBot: "agent_bot",
}

func newAppSenderJSON(s *novatalks.Sender) *AppSenderJSON {
	if s == nil {
		return nil
	}
	out := &AppSenderJSON{ID: s.ID, Name: s.Name, AvailableName: s.Name, Type: senderTypes[s.Type]}
	if s.DisplayName != nil && *s.DisplayName != "" {
		out.AvailableName = *s.DisplayName
	}
	if s.AvatarURL != nil {
		out.AvatarURL, out.Thumbnail = *s.AvatarURL, *s.AvatarURL
	}
	return out
}

// AppMessageJSON is a message of the agent API: Chatwoot's message view
// (integer message_type, Unix-second times) with NovaTalks' dialog_id,
// sender_type, sender_id, updated_at, deleted_at, reply and reactions added. A deleted message
// has content null and content_attributes.deleted true, as Chatwoot marks it.
type AppMessageJSON struct {
	ID                int64             `json:"id"`
	Content           *string           `json:"content"`
	AccountID         int64             `json:"account_id"`
	InboxID           int64             `json:"inbox_id"`
	ConversationID    int64             `json:"conversation_id"`
	DialogID          string            `json:"dialog_id"`
	MessageType       int               `json:"message_type"`
	ContentType       string            `json:"content_type"`
	Status            string            `json:"status"`
	ContentAttributes map[string]any    `json:"content_attributes"`
	CreatedAt         int64             `json:"created_at"`
	UpdatedAt         int64             `json:"updated_at"`
	Private           bool              `json:"private"`
	SourceID          *string           `json:"source_id"`
	EchoID            *string           `json:"echo_id,omitempty"`
	SenderType        *string           `json:"sender_type"`
	SenderID          *int64            `json:"sender_id"`
	Sender            *AppSenderJSON    `json:"sender,omitempty"`
	Attachments       []AttachmentJSON  `json:"attachments,omitempty"`
	DeletedAt         *int64            `json:"deleted_at"`
	Reply             *AppReplyJSON     `json:"reply"`
	Reactions         []AppReactionJSON `json:"reactions"`
}

// AppReplyJSON summarizes the message a message answers, in the agent API's
// form. It is a NovaTalks addition: Chatwoot gives only
// content_attributes.in_reply_to, which leaves a client without the quoted
// message when it is not on the page it loaded.
type AppReplyJSON struct {
	ID          int64            `json:"id"`
	Content     *string          `json:"content"`
	MessageType int              `json:"message_type"`
	ContentType string           `json:"content_type"`
	Sender      *AppSenderJSON   `json:"sender"`
	Attachments []AttachmentJSON `json:"attachments"`
	CreatedAt   int64            `json:"created_at"`
}

// AppReactionJSON is a contact's reaction to a message, in the agent API's
// form (a NovaTalks addition: Chatwoot has no reactions).
type AppReactionJSON struct {
	ID        int64          `json:"id"`
	Content   string         `json:"content"`
	CreatedAt int64          `json:"created_at"`
	Sender    *AppSenderJSON `json:"sender"`
}

func newAppMessageJSON(m *novatalks.Message, base string) AppMessageJSON {
	out := AppMessageJSON{
		ID: m.ID, Content: m.Content, AccountID: m.AccountID, InboxID: m.InboxID, ConversationID: m.ConversationID,
		DialogID: m.DialogID, MessageType: messageTypeNumbers[m.MessageType], ContentType: m.ContentType,
		Status: m.Status, ContentAttributes: orEmptyMap(m.ContentAttributes), CreatedAt: seconds(m.CreatedAt),
		UpdatedAt: seconds(m.UpdatedAt), Private: m.Private, SourceID: m.SourceID, EchoID: m.EchoID,
		SenderID: m.SenderID, Sender: newAppSenderJSON(m.Sender), Attachments: newAttachmentsJSON(m.Attachments, base),
		Reactions: mapAll(m.Reactions, func(r *novatalks.Reaction) AppReactionJSON {
			return AppReactionJSON{ID: r.ID, Content: r.Content, CreatedAt: seconds(r.CreatedAt), Sender: newAppSenderJSON(r.Sender)}
		}),
	}
	if q := m.Reply; q != nil {
		out.Reply = &AppReplyJSON{ID: q.ID, Content: q.Content, MessageType: messageTypeNumbers[q.MessageType],
			ContentType: q.ContentType, Sender: newAppSenderJSON(q.Sender), Attachments: newAttachmentsJSON(q.Attachments, base),
			CreatedAt: seconds(q.CreatedAt)}
	}
	if m.SenderType != "" {
		t := m.SenderType
		out.SenderType = &t
	}
	if m.DeletedAt != nil {
		d := seconds(*m.DeletedAt)
		out.DeletedAt = &d
		out.ContentAttributes = maps.Clone(out.ContentAttributes)
		out.ContentAttributes["deleted"] = true
	}
	return out
}

// appMessagesResponse is the body of GET .../conversations/{id}/messages.
type appMessagesResponse struct {
	Meta struct {
		Labels               []string        `json:"labels"`
		AdditionalAttributes map[string]any  `json:"additional_attributes"`
		Contact              *AppContactJSON `json:"contact"`
		Assignee             *AppSenderJSON  `json:"assignee,omitempty"`
		AgentLastSeenAt      *string         `json:"agent_last_seen_at"`
	} `json:"meta"`
	Payload []AppMessageJSON `json:"payload"`
}

func (s *Server) handleListAgentMessages(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var cursors [2]*int64
	for i, name := range []string{"before", "after"} {
		if n, ok, err := queryInt(r, name); err != nil {
			return err
		} else if ok {
			cursors[i] = &n
		}
	}
	conv, msgs, err := s.service.AgentMessages(r.Context(), actor, id, cursors[0], cursors[1])
	if err != nil {
		return err
	}
	var resp appMessagesResponse
	resp.Meta.Labels, resp.Meta.AdditionalAttributes = []string{}, orEmptyMap(conv.AdditionalAttributes)
	resp.Meta.Contact = newAppContactJSON(conv.Contact)
	if conv.Assignee != nil {
		resp.Meta.Assignee = newAppSenderJSON(userSender(conv.Assignee))
	}
	resp.Meta.AgentLastSeenAt = isoTime(conv.AgentLastSeenAt)
	resp.Payload = mapAll(msgs, func(m *novatalks.Message) AppMessageJSON { return newAppMessageJSON(m, s.publicURL) })
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// userSender is an agent as the sender of its messages.
func userSender(u *novatalks.User) *novatalks.Sender {
	s := &novatalks.Sender{ID: u.ID, Type: novatalks.SenderUser, Name: u.Name, DisplayName: &u.DisplayName}
	if u.AvatarURL != "" {
		s.AvatarURL = &u.AvatarURL
	}
	return s
}

// createAgentMessageRequest is the body of POST .../conversations/{id}/messages.
type createAgentMessageRequest struct {
	Content           *string         `json:"content"`
	MessageType       json.RawMessage `json:"message_type"`
	Private           bool            `json:"private"`
	ContentType       string          `json:"content_type"`
	ContentAttributes map[string]any  `json:"content_attributes"`
	EchoID            *flexString     `json:"echo_id"`
}

// outgoingType reports whether a message_type field asks for an outgoing
// message: absent, "outgoing" or 1, as Chatwoot accepts both forms.
func outgoingType(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "", "null", `"outgoing"`, "1":
		return true
	}
	return false
}

// handleCreateAgentMessage serves POST .../conversations/{id}/messages, as
// JSON or, as Chatwoot's dashboard sends files, multipart/form-data with the
// same fields as text (content_attributes as a JSON object) and the files as
// attachments[].
func (s *Server) handleCreateAgentMessage(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body createAgentMessageRequest
	var files *novatalks.Uploads
	if isMultipart(r) {
		files = s.service.NewUploads()
		defer files.Discard(r.Context())
		if err := s.readMultipart(w, r, files, int(s.service.Limits.MaxBodyBytes), body.setField); err != nil {
			return err
		}
	} else if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	if !outgoingType(body.MessageType) {
		return novatalks.Errorf(novatalks.EINVALID, "message_type must be outgoing: agents and bots send outgoing messages")
	}
	in := novatalks.NewAgentMessage{Content: body.Content, ContentType: body.ContentType,
		ContentAttributes: body.ContentAttributes, Private: body.Private, Files: files}
	if body.EchoID != nil {
		in.EchoID = string(*body.EchoID)
	}
	m, err := s.service.SendAgentMessage(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppMessageJSON(m, s.publicURL))
	return nil
}

// setField sets one field of a multipart message request from its text.
func (b *createAgentMessageRequest) setField(name, value string) error {
	switch name {
	case "content":
		b.Content = &value
	case "message_type":
		b.MessageType = json.RawMessage(strconv.Quote(value))
		if _, err := strconv.Atoi(value); err == nil {
			b.MessageType = json.RawMessage(value)
		}
	case "private":
		private, err := strconv.ParseBool(value)
		if err != nil {
			return novatalks.Errorf(novatalks.EINVALID, "private must be true or false")
		}
		b.Private = private
	case "content_type":
		b.ContentType = value
	case "content_attributes":
		if err := json.Unmarshal([]byte(value), &b.ContentAttributes); err != nil {
			return novatalks.Errorf(novatalks.EINVALID, "content_attributes must be a JSON object")
		}
	case "echo_id":
		echo := flexString(value)
		b.EchoID = &echo
	}
	return nil
}

func (s *Server) handleDeleteAgentMessage(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	messageID, err := agentPathID(r, "message_id")
	if err != nil {
		return err
	}
	m, err := s.service.DeleteAgentMessage(r.Context(), actor, id, messageID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppMessageJSON(m, s.publicURL))
	return nil
}

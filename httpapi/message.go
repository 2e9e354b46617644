package httpapi

import (
	"mime"
	"net/http"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/wire"
)

// MessageJSON is a message in the form of the SDK API and its realtime events
// (CONTRACT.md, "Messages"). Times are Unix milliseconds.
type MessageJSON struct {
	ID                int64            `json:"id"`
	AccountID         int64            `json:"account_id"`
	Content           *string          `json:"content"`
	InboxID           int64            `json:"inbox_id"`
	ConversationID    int64            `json:"conversation_id"`
	DialogID          string           `json:"dialog_id"`
	MessageType       string           `json:"message_type"`
	Private           bool             `json:"private"`
	Pinned            bool             `json:"pinned"`
	Status            string           `json:"status"`
	SourceID          *string          `json:"source_id"`
	ContentType       string           `json:"content_type"`
	ContentAttributes map[string]any   `json:"content_attributes"`
	SenderType        *string          `json:"sender_type"`
	SenderID          *int64           `json:"sender_id"`
	ExternalSourceIDs map[string]any   `json:"external_source_ids"`
	CreatedAt         int64            `json:"created_at"`
	UpdatedAt         int64            `json:"updated_at"`
	EchoID            *string          `json:"echo_id"`
	Attachments       []AttachmentJSON `json:"attachments"`
	Sender            *SenderJSON      `json:"sender"`
	Reply             *ReplyJSON       `json:"reply"`
	Reactions         []ReactionJSON   `json:"reactions"`
	DeletedAt         *int64           `json:"deleted_at"`
}

// SenderJSON is the sender of a message or reaction. The documentation's
// events use display_name and the OpenAPI file displayName; both are sent with
// the same value so that clients built on either work.
type SenderJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	DisplayName  string  `json:"display_name"`
	DisplayName2 string  `json:"displayName"`
	AvatarURL    *string `json:"avatar_url"`
	Type         string  `json:"type"`
}

// ReplyJSON summarizes the message a message answers.
type ReplyJSON struct {
	ID          int64            `json:"id"`
	Content     *string          `json:"content"`
	Sender      *SenderJSON      `json:"sender"`
	MessageType string           `json:"message_type"`
	ContentType string           `json:"content_type"`
	Attachments []AttachmentJSON `json:"attachments"`
	CreatedAt   int64            `json:"created_at"`
}

// AttachmentJSON is a file of a message, in the form pushes share.
type AttachmentJSON = wire.Attachment

// ReactionJSON is one sender's reaction.
type ReactionJSON struct {
	ID        int64       `json:"id"`
	Content   string      `json:"content"`
	CreatedAt int64       `json:"created_at"`
	Sender    *SenderJSON `json:"sender"`
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func millisPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// NewMessageJSON renders a hydrated message in the SDK form, with attachment
// URLs under base, the server's public URL.
func NewMessageJSON(m *novatalks.Message, base string) MessageJSON {
	out := MessageJSON{
		ID: m.ID, AccountID: m.AccountID, Content: m.Content, InboxID: m.InboxID, ConversationID: m.ConversationID,
		DialogID: m.DialogID, MessageType: m.MessageType, Private: m.Private, Pinned: m.Pinned, Status: m.Status,
		SourceID: m.SourceID, ContentType: m.ContentType, ContentAttributes: orEmptyMap(m.ContentAttributes),
		SenderID: m.SenderID, ExternalSourceIDs: map[string]any{}, CreatedAt: millis(m.CreatedAt),
		UpdatedAt: millis(m.UpdatedAt), EchoID: m.EchoID, Attachments: newAttachmentsJSON(m.Attachments, base),
		Sender: newSenderJSON(m.Sender), Reactions: newReactionsJSON(m.Reactions), DeletedAt: millisPtr(m.DeletedAt),
	}
	if m.SenderType != "" {
		t := m.SenderType
		out.SenderType = &t
	}
	if m.Reply != nil {
		out.Reply = &ReplyJSON{ID: m.Reply.ID, Content: m.Reply.Content, Sender: newSenderJSON(m.Reply.Sender),
			MessageType: m.Reply.MessageType, ContentType: m.Reply.ContentType,
			Attachments: newAttachmentsJSON(m.Reply.Attachments, base), CreatedAt: millis(m.Reply.CreatedAt)}
	}
	return out
}

func newMessagesJSON(msgs []*novatalks.Message, base string) []MessageJSON {
	return mapAll(msgs, func(m *novatalks.Message) MessageJSON { return NewMessageJSON(m, base) })
}

// mapAll renders every element of list with render; it never returns nil,
// so that empty lists are [] in JSON.
func mapAll[T, U any](list []T, render func(T) U) []U {
	out := make([]U, len(list))
	for i, v := range list {
		out[i] = render(v)
	}
	return out
}

func newSenderJSON(s *novatalks.Sender) *SenderJSON {
	if s == nil {
		return nil
	}
	display := ""
	if s.DisplayName != nil {
		display = *s.DisplayName
	}
	return &SenderJSON{ID: s.ID, Name: s.Name, DisplayName: display, DisplayName2: display, AvatarURL: s.AvatarURL, Type: s.Type}
}

func newAttachmentsJSON(list []*novatalks.Attachment, base string) []AttachmentJSON {
	return wire.NewAttachments(list, base)
}

func newReactionsJSON(list []*novatalks.Reaction) []ReactionJSON {
	out := make([]ReactionJSON, len(list))
	for i, r := range list {
		out[i] = ReactionJSON{ID: r.ID, Content: r.Content, CreatedAt: millis(r.CreatedAt), Sender: newSenderJSON(r.Sender)}
	}
	return out
}

func orEmptyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// messageRequest is the "message" object of the SDK's create requests.
type messageRequest struct {
	Content *string     `json:"content"`
	EchoID  *flexString `json:"echo_id"`
}

func (m *messageRequest) toDomain() novatalks.NewContactMessage {
	var out novatalks.NewContactMessage
	if m.Content != nil {
		out.Content = *m.Content
	}
	if m.EchoID != nil {
		out.EchoID = string(*m.EchoID)
	}
	return out
}

// handleListMessages serves GET /api/v1/sdk/conversations/messages.
func (s *Server) handleListMessages(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	var f novatalks.MessageFilter
	for _, p := range []struct {
		name string
		dst  **int64
	}{{"before", &f.Before}, {"after", &f.After}} {
		if n, ok, err := queryInt(r, p.name); err != nil {
			return err
		} else if ok {
			*p.dst = &n
		}
	}
	if n, ok, err := queryInt(r, "updated_at"); err != nil {
		return err
	} else if ok {
		t := time.UnixMilli(n).UTC()
		f.UpdatedAfter = &t
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	f.Limit = limit
	msgs, err := s.service.ContactMessages(r.Context(), sess, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newMessagesJSON(msgs, s.publicURL))
	return nil
}

// queryLimit parses the optional limit parameter (0 when absent).
func queryLimit(r *http.Request) (int, error) {
	n, ok, err := queryInt(r, "limit")
	if err != nil {
		return 0, err
	} else if ok && n < 1 {
		return 0, novatalks.Errorf(novatalks.EINVALID, "limit must be a positive integer")
	}
	if n > novatalks.MaxMessageLimit {
		n = novatalks.MaxMessageLimit
	}
	return int(n), nil
}

// handleCreateMessage serves POST /api/v1/sdk/conversations/messages, as JSON
// {"message": {...}} or multipart/form-data with message[content],
// message[echo_id] and files as attachments[]. It answers 200 with an empty
// body.
func (s *Server) handleCreateMessage(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	var in novatalks.NewContactMessage
	// JSON, the common case, is recognized without parsing the header.
	mt := ""
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		mt, _, _ = mime.ParseMediaType(ct)
	}
	switch {
	case mt == "multipart/form-data":
		in.Files = s.service.NewUploads()
		defer in.Files.Discard(r.Context())
		err := s.readMultipart(w, r, in.Files, s.service.Limits.MaxContentChars*4, func(name, value string) error {
			switch name {
			case "message[content]", "content":
				in.Content = value
			case "message[echo_id]", "echo_id":
				in.EchoID = value
			}
			return nil
		})
		if err != nil {
			return err
		}
	case mt == "" || isJSON(mt):
		var body struct {
			Message *messageRequest `json:"message"`
		}
		if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
			return err
		}
		if body.Message == nil {
			return novatalks.Errorf(novatalks.EINVALID, "message must be an object with content and echo_id")
		}
		in = body.Message.toDomain()
	default:
		return novatalks.Errorf(novatalks.EUNSUPPORTED, "Content-Type must be application/json or multipart/form-data")
	}
	if _, err := s.service.SendContactMessage(r.Context(), sess, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

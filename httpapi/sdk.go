package httpapi

import (
	"net/http"
	"strings"

	"github.com/novatalks/novatalks"
)

// sdkHandler is an SDK handler of an authenticated contact. It returns an
// error instead of writing one.
type sdkHandler func(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error

func (s *Server) sdkRoutes() {
	s.handle("POST /api/v1/sdk/conversations", s.public(s.handleCreateConversation))
	s.handle("GET /api/v1/sdk/conversations", s.contact(s.handleGetConversation))
	s.handle("GET /api/v1/sdk/conversations/messages", s.contact(s.handleListMessages))
	s.handle("POST /api/v1/sdk/conversations/messages", s.contact(s.handleCreateMessage))
	s.handle("PATCH /api/v1/sdk/conversations/messages/status", s.contact(s.handleMessageStatus))
	s.handle("PATCH /api/v1/sdk/conversations/messages/{id}/interactive-attribute", s.contact(s.handleInteractive))
	s.handle("DELETE /api/v1/sdk/conversations/messages/{id}", s.contact(s.handleDeleteMessage))
	s.handle("POST /api/v1/sdk/conversations/messages/{id}/reactions", s.contact(s.handleReaction))
	s.handle("POST /api/v1/sdk/notifications", s.contact(s.handleAddPushToken))
	s.handle("DELETE /api/v1/sdk/notifications/{push_token}", s.contact(s.handleDeletePushToken))
	s.handle("GET /api/v1/sdk/settings", s.public(s.handleSettings))
	// Anything else under the SDK prefix answers like the original server.
	s.mux.HandleFunc("/api/v1/sdk/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, novatalks.Errorf(novatalks.ENOTFOUND, "Cannot %s %s", r.Method, r.URL.Path))
	})
}

// public adapts a handler that needs no authentication.
func (s *Server) public(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// contact adapts an SDK handler: it authenticates the access_token header
// (and the optional inbox_identifier) before calling h.
func (s *Server) contact(h sdkHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.service.AuthenticateContact(r.Context(), headerValue(r, accessTokenHeader), headerValue(r, inboxIdentifierHeader))
		if err == nil {
			err = h(w, r, sess)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

// The SDK's header names in canonical form, computed once: Header.Get would
// canonicalize (and allocate) them on every request.
var (
	accessTokenHeader     = http.CanonicalHeaderKey("access_token")
	inboxIdentifierHeader = http.CanonicalHeaderKey("inbox_identifier")
)

// headerValue is r.Header.Get for a key in canonical form.
func headerValue(r *http.Request, canonicalKey string) string {
	if v := r.Header[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// createConversationRequest is the body of POST /api/v1/sdk/conversations.
type createConversationRequest struct {
	Name                 *string         `json:"name"`
	Email                *string         `json:"email"`
	PhoneNumber          *string         `json:"phone_number"`
	CustomAttributes     map[string]any  `json:"custom_attributes"`
	AdditionalAttributes map[string]any  `json:"additional_attributes"`
	PushToken            *string         `json:"push_token"`
	Message              *messageRequest `json:"message"`
}

// ContactJSON is the contact in the create-conversation response.
type ContactJSON struct {
	ID                   int64          `json:"id"`
	Name                 string         `json:"name"`
	Email                *string        `json:"email"`
	PhoneNumber          *string        `json:"phone_number"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
}

type createConversationResponse struct {
	Payload struct {
		Contact      ContactJSON `json:"contact"`
		ContactInbox struct {
			PubsubToken string `json:"pubsubToken"`
		} `json:"contactInbox"`
		AccountID    int64 `json:"account_id"`
		Conversation struct {
			ID        int64  `json:"id"`
			Status    string `json:"status"`
			Substatus string `json:"substatus"`
		} `json:"conversation"`
	} `json:"payload"`
}

func (s *Server) handleCreateConversation(w http.ResponseWriter, r *http.Request) error {
	var body createConversationRequest
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	in := novatalks.StartConversation{
		InboxIdentifier: r.Header.Get("inbox_identifier"), Name: body.Name, Email: body.Email,
		PhoneNumber: body.PhoneNumber, CustomAttributes: body.CustomAttributes,
		AdditionalAttributes: body.AdditionalAttributes, PushToken: body.PushToken,
	}
	if body.Message != nil {
		m := body.Message.toDomain()
		in.Message = &m
	}
	out, err := s.service.StartConversation(r.Context(), in)
	if err != nil {
		return err
	}
	var resp createConversationResponse
	p := &resp.Payload
	c := out.Contact
	p.Contact = ContactJSON{ID: c.ID, Name: c.Name, Email: c.Email, PhoneNumber: c.PhoneNumber,
		CustomAttributes: orEmptyMap(c.CustomAttributes), AdditionalAttributes: orEmptyMap(c.AdditionalAttributes)}
	p.ContactInbox.PubsubToken = out.ContactInbox.PubsubToken
	p.AccountID = c.AccountID
	p.Conversation.ID, p.Conversation.Status, p.Conversation.Substatus = out.Conversation.ID, out.Conversation.Status, out.Conversation.Substatus
	writeJSON(w, http.StatusOK, resp)
	return nil
}

type getConversationResponse struct {
	Conversation struct {
		ID             int64  `json:"id"`
		Status         string `json:"status"`
		ContactInboxID int64  `json:"contact_inbox_id"`
		Substatus      string `json:"substatus"`
		DialogID       string `json:"dialog_id"`
	} `json:"conversation"`
	Messages []MessageJSON `json:"messages"`
}

func (s *Server) handleGetConversation(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	conv, msgs, err := s.service.ContactConversation(r.Context(), sess, limit)
	if err != nil {
		return err
	}
	var resp getConversationResponse
	resp.Conversation.ID, resp.Conversation.Status, resp.Conversation.Substatus = conv.ID, conv.Status, conv.Substatus
	resp.Conversation.ContactInboxID, resp.Conversation.DialogID = conv.ContactInboxID, conv.DialogID
	resp.Messages = newMessagesJSON(msgs, s.publicURL)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleMessageStatus(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	var body struct {
		Status     *string `json:"status"`
		MessageIDs []int64 `json:"messageIds"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	status := ""
	if body.Status != nil {
		status = *body.Status
	}
	if err := s.service.UpdateMessageStatus(r.Context(), sess, status, body.MessageIDs); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleInteractive(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Value *string `json:"selected_content_attribute_value"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	if body.Value == nil {
		return novatalks.Errorf(novatalks.EINVALID, "selected_content_attribute_value must be a string")
	}
	if err := s.service.AnswerInteractive(r.Context(), sess, id, *body.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleDeleteMessage(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.service.DeleteContactMessage(r.Context(), sess, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleReaction(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body map[string]*string
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	reaction, ok := body["reaction"]
	if !ok {
		return novatalks.Errorf(novatalks.EINVALID, "reaction must be one of the documented emoji or null")
	}
	if err := s.service.ReactAsContact(r.Context(), sess, id, reaction); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleAddPushToken(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	var body struct {
		PushToken *string `json:"push_token"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	token := ""
	if body.PushToken != nil {
		token = *body.PushToken
	}
	if err := s.service.AddPushToken(r.Context(), sess, token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleDeletePushToken(w http.ResponseWriter, r *http.Request, sess *novatalks.ContactSession) error {
	if err := s.service.DeletePushToken(r.Context(), sess, r.PathValue("push_token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// SettingsJSON is the body of GET /api/v1/sdk/settings: what a client needs
// before its first request.
type SettingsJSON struct {
	AccountID int64 `json:"account_id"`
	Inbox     struct {
		ID                 int64          `json:"id"`
		Name               string         `json:"name"`
		Channel            string         `json:"channel"`
		Identifier         string         `json:"identifier"`
		AdditionalSettings map[string]any `json:"additional_settings"`
	} `json:"inbox"`
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
	Attachments struct {
		Enabled bool `json:"enabled"`
	} `json:"attachments"`
	WebSocket struct {
		Path string `json:"path"`
		URL  string `json:"url,omitempty"`
	} `json:"websocket"`
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.service.InboxSettings(r.Context(), r.Header.Get("inbox_identifier"))
	if err != nil {
		return err
	}
	var out SettingsJSON
	out.AccountID = st.Inbox.AccountID
	out.Inbox.ID, out.Inbox.Name, out.Inbox.Channel = st.Inbox.ID, st.Inbox.Name, st.Inbox.Channel
	out.Inbox.Identifier, out.Inbox.AdditionalSettings = st.Inbox.Identifier, orEmptyMap(st.Inbox.AdditionalSettings)
	out.Reactions = st.Reactions
	out.Attachments.Enabled = st.Attachments
	out.MessageStatuses = []string{novatalks.MessageSent, novatalks.MessageDelivered, novatalks.MessageSeen, novatalks.MessageFailed}
	l := &out.Limits
	l.MaxBodyBytes, l.MaxContentLength, l.MaxAttachments = st.Limits.MaxBodyBytes, st.Limits.MaxContentChars, st.Limits.MaxAttachments
	l.MaxAttachmentBytes, l.MaxNameLength, l.MaxEmailLength = st.Limits.MaxAttachmentBytes, st.Limits.MaxNameChars, st.Limits.MaxEmailChars
	l.MaxCustomAttributesBytes, l.MaxFeedbackLength = st.Limits.MaxCustomAttributesBytes, st.Limits.MaxFeedbackChars
	l.MessagesPageSize, l.MessagesMaxPageSize = novatalks.DefaultMessageLimit, novatalks.MaxMessageLimit
	out.WebSocket.Path = "/ws"
	if s.publicURL != "" {
		out.WebSocket.URL = "ws" + strings.TrimPrefix(s.publicURL, "http") + "/ws"
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

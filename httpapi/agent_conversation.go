package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/novatalks/novatalks"
)

// appChannelType is the channel_type of SDK inboxes on the agent API, named
// the way Chatwoot names its channel classes.
const appChannelType = "Channel::Sdk"

// AppConversationJSON is a conversation of the agent API, in the shape of
// Chatwoot's conversation view: messages holds the latest message, times are
// Unix seconds (0 when unset) except snoozed_until, which Chatwoot renders as
// an ISO 8601 time. substatus and dialog_id are NovaTalks additions; priority
// is NovaTalks' integer.
type AppConversationJSON struct {
	ID        int64   `json:"id"`
	AccountID int64   `json:"account_id"`
	InboxID   int64   `json:"inbox_id"`
	Status    string  `json:"status"`
	Substatus string  `json:"substatus"`
	Priority  int     `json:"priority"`
	DialogID  *string `json:"dialog_id"`
	Meta      struct {
		Sender       *AppContactJSON `json:"sender"`
		Assignee     *AppAgentJSON   `json:"assignee"`
		Team         any             `json:"team"`
		Channel      string          `json:"channel"`
		HmacVerified bool            `json:"hmac_verified"`
	} `json:"meta"`
	Messages             []AppMessageJSON `json:"messages"`
	Labels               []string         `json:"labels"`
	CustomAttributes     map[string]any   `json:"custom_attributes"`
	AdditionalAttributes map[string]any   `json:"additional_attributes"`
	AgentLastSeenAt      int64            `json:"agent_last_seen_at"`
	ContactLastSeenAt    int64            `json:"contact_last_seen_at"`
	SnoozedUntil         *string          `json:"snoozed_until"`
	UnreadCount          int              `json:"unread_count"`
	CanReply             bool             `json:"can_reply"`
	Muted                bool             `json:"muted"`
	CreatedAt            int64            `json:"created_at"`
	Timestamp            int64            `json:"timestamp"`
	LastActivityAt       int64            `json:"last_activity_at"`
}

func newAppConversationJSON(c *novatalks.Conversation, base string) AppConversationJSON {
	out := AppConversationJSON{
		ID: c.ID, AccountID: c.AccountID, InboxID: c.InboxID, Status: c.Status, Substatus: c.Substatus,
		Priority: c.Priority, Messages: []AppMessageJSON{}, Labels: []string{},
		CustomAttributes: orEmptyMap(c.CustomAttributes), AdditionalAttributes: orEmptyMap(c.AdditionalAttributes),
		AgentLastSeenAt: secondsOrZero(c.AgentLastSeenAt), ContactLastSeenAt: secondsOrZero(c.ContactLastSeenAt),
		SnoozedUntil: isoTime(c.SnoozedUntil), UnreadCount: c.UnreadCount, CanReply: true,
		CreatedAt: seconds(c.CreatedAt), Timestamp: seconds(c.LastActivityAt), LastActivityAt: seconds(c.LastActivityAt),
	}
	if c.DialogID != "" {
		d := c.DialogID
		out.DialogID = &d
	}
	out.Meta.Sender = newAppContactJSON(c.Contact)
	if c.Assignee != nil {
		a := newAppAgentJSON(c.Assignee)
		out.Meta.Assignee = &a
	}
	out.Meta.Channel = appChannelType
	if c.LastMessage != nil {
		out.Messages = []AppMessageJSON{newAppMessageJSON(c.LastMessage, base)}
	}
	return out
}

// appConversationListResponse is the body of GET .../conversations.
type appConversationListResponse struct {
	Data struct {
		Meta struct {
			MineCount       int `json:"mine_count"`
			AssignedCount   int `json:"assigned_count"`
			UnassignedCount int `json:"unassigned_count"`
			AllCount        int `json:"all_count"`
		} `json:"meta"`
		Payload []AppConversationJSON `json:"payload"`
	} `json:"data"`
}

// queryPage parses the optional 1-based page parameter (0 when absent).
func queryPage(r *http.Request) (int, error) {
	n, _, err := queryInt(r, "page")
	if err != nil || n < 0 || n > 1<<31 {
		return 0, novatalks.Errorf(novatalks.EINVALID, "page must be a positive integer")
	}
	return int(n), nil
}

func (s *Server) handleListAgentConversations(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	q := r.URL.Query()
	f := novatalks.ConversationFilter{Status: q.Get("status"), AssigneeType: q.Get("assignee_type"), Query: q.Get("q")}
	if n, ok, err := queryInt(r, "inbox_id"); err != nil {
		return err
	} else if ok {
		if n <= 0 {
			return novatalks.Errorf(novatalks.EINVALID, "inbox_id must be a positive integer")
		}
		f.InboxID = n
	}
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	list, counts, err := s.service.Conversations(r.Context(), actor, f, page)
	if err != nil {
		return err
	}
	var resp appConversationListResponse
	m := &resp.Data.Meta
	m.MineCount, m.AssignedCount, m.UnassignedCount, m.AllCount = counts.Mine, counts.Assigned, counts.Unassigned, counts.All
	resp.Data.Payload = mapAll(list, func(c *novatalks.Conversation) AppConversationJSON { return newAppConversationJSON(c, s.publicURL) })
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleShowConversation(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.service.Conversation(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppConversationJSON(c, s.publicURL))
	return nil
}

// parseUnixTime reads a time the way Chatwoot's toggle_status reads
// snoozed_until: Unix seconds, as a JSON number or a string of digits. An
// RFC 3339 string is accepted too.
func parseUnixTime(raw json.RawMessage, field string) (*time.Time, error) {
	text := strings.TrimSpace(string(raw))
	if text == "" || text == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = strings.TrimSpace(s)
		if t, err := time.Parse(time.RFC3339, text); err == nil {
			return &t, nil
		}
	}
	if n, err := strconv.ParseFloat(text, 64); err == nil && n >= 0 && n < 1e11 {
		t := time.Unix(int64(n), 0).UTC()
		return &t, nil
	}
	return nil, novatalks.Errorf(novatalks.EINVALID, "%s must be a Unix time in seconds or an RFC 3339 time", field)
}

func (s *Server) handleToggleStatus(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Status       string          `json:"status"`
		SnoozedUntil json.RawMessage `json:"snoozed_until"`
	}
	if err := s.decodeAgentJSON(w, r, &body); err != nil {
		return err
	}
	until, err := parseUnixTime(body.SnoozedUntil, "snoozed_until")
	if err != nil {
		return err
	}
	c, err := s.service.ChangeStatus(r.Context(), actor, id, body.Status, until)
	if err != nil {
		return err
	}
	var resp struct {
		Meta    struct{} `json:"meta"`
		Payload struct {
			Success        bool    `json:"success"`
			ConversationID int64   `json:"conversation_id"`
			CurrentStatus  string  `json:"current_status"`
			SnoozedUntil   *string `json:"snoozed_until"`
		} `json:"payload"`
	}
	resp.Payload.Success, resp.Payload.ConversationID, resp.Payload.CurrentStatus = true, c.ID, c.Status
	resp.Payload.SnoozedUntil = isoTime(c.SnoozedUntil)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleToggleTyping(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		TypingStatus string `json:"typing_status"`
		IsPrivate    bool   `json:"is_private"`
	}
	if err := s.decodeAgentJSON(w, r, &body); err != nil {
		return err
	}
	if body.TypingStatus != "on" && body.TypingStatus != "off" {
		return novatalks.Errorf(novatalks.EINVALID, "typing_status must be on or off")
	}
	if err := s.service.AgentTyping(r.Context(), actor, id, body.TypingStatus == "on", body.IsPrivate); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleAssign(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		AssigneeID optional[int64] `json:"assignee_id"`
		TeamID     optional[int64] `json:"team_id"`
	}
	if err := s.decodeAgentJSON(w, r, &body); err != nil {
		return err
	}
	switch {
	case body.TeamID.Set:
		return novatalks.Errorf(novatalks.EINVALID, "teams are not supported: assign with assignee_id")
	case !body.AssigneeID.Set:
		return novatalks.Errorf(novatalks.EINVALID, "assignee_id is required (null unassigns)")
	}
	c, err := s.service.AssignConversation(r.Context(), actor, id, body.AssigneeID.Value)
	if err != nil {
		return err
	}
	if c.Assignee == nil {
		writeJSON(w, http.StatusOK, nil)
		return nil
	}
	writeJSON(w, http.StatusOK, newAppAgentJSON(c.Assignee))
	return nil
}

func (s *Server) handleUpdateLastSeen(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.service.MarkSeenByAgent(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppConversationJSON(c, s.publicURL))
	return nil
}

func (s *Server) handleRemovePushToken(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "conversation_id")
	if err != nil {
		return err
	}
	if err := s.service.RemovePushToken(r.Context(), actor, id, r.PathValue("push_token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

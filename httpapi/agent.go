package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/novatalks/novatalks"
)

// agentHandler is a handler of the agent API for an authenticated actor (an
// agent or an agent bot). It returns an error instead of writing one.
type agentHandler func(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error

// userHandler is a handler for an authenticated agent (a person, not a bot).
type userHandler func(w http.ResponseWriter, r *http.Request, u *novatalks.User) error

// agentPrefix is where the account-scoped agent API lives.
const agentPrefix = "/api/v1/accounts/{account_id}"

// agentRoutes registers the agent API: a compatible subset of Chatwoot's
// Application API (docs/agent-api.md).
func (s *Server) agentRoutes() {
	s.handle("GET /api/v1/profile", s.user(s.handleProfile))

	s.handle("GET "+agentPrefix+"/agents", s.agent(s.handleListAgents))
	s.handle("POST "+agentPrefix+"/agents", s.agent(s.handleCreateAgent))
	s.handle("DELETE "+agentPrefix+"/agents/{id}", s.agent(s.handleDeleteAgent))

	s.handle("GET "+agentPrefix+"/conversations", s.agent(s.handleListAgentConversations))
	s.handle("GET "+agentPrefix+"/conversations/{id}", s.agent(s.handleShowConversation))
	s.handle("POST "+agentPrefix+"/conversations/{id}/toggle_status", s.agent(s.handleToggleStatus))
	s.handle("POST "+agentPrefix+"/conversations/{id}/toggle_typing_status", s.agent(s.handleToggleTyping))
	s.handle("POST "+agentPrefix+"/conversations/{id}/assignments", s.agent(s.handleAssign))
	s.handle("POST "+agentPrefix+"/conversations/{id}/update_last_seen", s.agent(s.handleUpdateLastSeen))

	s.handle("GET "+agentPrefix+"/conversations/{id}/messages", s.agent(s.handleListAgentMessages))
	s.handle("POST "+agentPrefix+"/conversations/{id}/messages", s.agent(s.handleCreateAgentMessage))
	s.handle("DELETE "+agentPrefix+"/conversations/{id}/messages/{message_id}", s.agent(s.handleDeleteAgentMessage))

	s.handle("GET "+agentPrefix+"/inboxes", s.agent(s.handleListInboxes))
	s.handle("GET "+agentPrefix+"/inboxes/{id}", s.agent(s.handleShowInbox))
	s.handle("POST "+agentPrefix+"/inboxes", s.agent(s.handleCreateInbox))
	s.handle("PATCH "+agentPrefix+"/inboxes/{id}", s.agent(s.handleUpdateInbox))

	s.handle("GET "+agentPrefix+"/contacts", s.agent(s.handleListContacts))
	s.handle("GET "+agentPrefix+"/contacts/{id}", s.agent(s.handleShowContact))
	s.handle("PUT "+agentPrefix+"/contacts/{id}", s.agent(s.handleUpdateContact))

	s.handle("POST "+agentPrefix+"/inboxes/{id}/set_agent_bot", s.agent(s.handleSetInboxAgentBot))
	s.handle("GET "+agentPrefix+"/inboxes/{id}/agent_bot", s.agent(s.handleShowInboxAgentBot))

	s.handle("DELETE "+agentPrefix+"/integrations/contact-conversation/{conversation_id}/notifications/{push_token}",
		s.agent(s.handleRemovePushToken))

	s.handle("GET "+agentPrefix+"/webhooks", s.agent(s.handleListWebhooks))
	s.handle("POST "+agentPrefix+"/webhooks", s.agent(s.handleCreateWebhook))
	s.handle("PATCH "+agentPrefix+"/webhooks/{id}", s.agent(s.handleUpdateWebhook))
	s.handle("DELETE "+agentPrefix+"/webhooks/{id}", s.agent(s.handleDeleteWebhook))

	s.handle("GET "+agentPrefix+"/agent_bots", s.agent(s.handleListAgentBots))
	s.handle("POST "+agentPrefix+"/agent_bots", s.agent(s.handleCreateAgentBot))
	s.handle("GET "+agentPrefix+"/agent_bots/{id}", s.agent(s.handleShowAgentBot))
	s.handle("PATCH "+agentPrefix+"/agent_bots/{id}", s.agent(s.handleUpdateAgentBot))
	s.handle("DELETE "+agentPrefix+"/agent_bots/{id}", s.agent(s.handleDeleteAgentBot))
	s.handle("POST "+agentPrefix+"/agent_bots/{id}/reset_access_token", s.agent(s.handleResetAgentBotToken))

	s.handle("GET "+agentPrefix+"/deliveries", s.agent(s.handleListDeliveries))
	s.handle("GET "+agentPrefix+"/deliveries/{id}", s.agent(s.handleShowDelivery))
	s.handle("POST "+agentPrefix+"/deliveries/{id}/retry", s.agent(s.handleRetryDelivery))

	// Anything else under the agent prefix is a Chatwoot-shaped 404.
	s.mux.HandleFunc("/api/v1/accounts/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, novatalks.Errorf(novatalks.ENOTFOUND, "Resource could not be found"))
	})
}

// user adapts a handler that needs an agent but no account in its path: it
// authenticates the api_access_token header (bots' tokens are refused).
func (s *Server) user(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.service.AuthenticateUser(r.Context(), r.Header.Get("api_access_token"))
		if err == nil {
			err = h(w, r, u)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

// agent adapts a handler of the account-scoped agent API: it authenticates
// the api_access_token header, an agent's or an agent bot's, and requires
// {account_id} to be the caller's own account (any other is 404, so that no
// account's existence leaks).
func (s *Server) agent(h agentHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.actorOf(r)
		if err == nil {
			err = h(w, r, actor)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Server) actorOf(r *http.Request) (novatalks.Actor, error) {
	token := r.Header.Get("api_access_token")
	if token == "" {
		// Chatwoot answers a request without a token before it looks at the path.
		return novatalks.Actor{}, novatalks.Errorf(novatalks.EUNAUTHORIZED, "You need to sign in or sign up before continuing.")
	}
	accountID, err := agentPathID(r, "account_id")
	if err != nil {
		if _, aerr := s.service.AuthenticateActor(r.Context(), token, 0); novatalks.ErrorCode(aerr) == novatalks.EUNAUTHORIZED {
			return novatalks.Actor{}, aerr
		}
		return novatalks.Actor{}, err
	}
	return s.service.AuthenticateActor(r.Context(), token, accountID)
}

// agentPathID parses a positive integer path value of the agent API. As in
// Chatwoot, an ID that is not a number finds nothing: 404.
func agentPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, novatalks.Errorf(novatalks.ENOTFOUND, "Resource could not be found")
	}
	return id, nil
}

// decodeAgentJSON reads an optional JSON body: an empty body is {} (curl -X
// POST without data), anything else goes through decodeJSON.
func (s *Server) decodeAgentJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(w, r, s.service.Limits.MaxBodyBytes, v)
}

// optional is a JSON field that tells "absent" (Set false) from null (Set
// true, Value nil).
type optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON implements json.Unmarshaler; it runs only for present fields.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	o.Value = new(T)
	return json.Unmarshal(b, o.Value)
}

// clearable turns an optional string into a domain update where nil means
// "unchanged" and a pointer to "" means "clear": absent gives nil, null "".
func clearable(o optional[string]) *string {
	if !o.Set {
		return nil
	}
	if o.Value == nil {
		return new(string)
	}
	return o.Value
}

// seconds is a time as the agent API sends it: Unix seconds.
func seconds(t time.Time) int64 { return t.Unix() }

// secondsOrZero is an optional time in Unix seconds, 0 when absent (as
// Chatwoot renders nil.to_i).
func secondsOrZero(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}

// isoTime is an optional time as Rails renders a datetime attribute (UTC,
// milliseconds), or nil.
func isoTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

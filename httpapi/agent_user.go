package httpapi

import (
	"net/http"

	"github.com/novatalks/novatalks"
)

// AppAgentJSON is an agent in the shape of Chatwoot's agent view. AccessToken
// is sent once, in the answer to the administrator who created the agent.
type AppAgentJSON struct {
	ID                 int64   `json:"id"`
	AccountID          int64   `json:"account_id"`
	AvailabilityStatus string  `json:"availability_status"`
	AutoOffline        bool    `json:"auto_offline"`
	Confirmed          bool    `json:"confirmed"`
	Email              string  `json:"email"`
	AvailableName      string  `json:"available_name"`
	Name               string  `json:"name"`
	Role               string  `json:"role"`
	Thumbnail          string  `json:"thumbnail"`
	AccessToken        *string `json:"access_token,omitempty"`
}

func newAppAgentJSON(u *novatalks.User) AppAgentJSON {
	a := AppAgentJSON{ID: u.ID, AccountID: u.AccountID, AvailabilityStatus: "online", AutoOffline: true, Confirmed: true,
		Email: u.Email, AvailableName: u.DisplayName, Name: u.Name, Role: u.Role, Thumbnail: u.AvatarURL}
	if a.AvailableName == "" {
		a.AvailableName = u.Name
	}
	return a
}

func (s *Server) handleListAgents(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	list, err := s.service.Agents(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapAll(list, newAppAgentJSON))
	return nil
}

func (s *Server) handleCreateAgent(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	var body struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	a, err := s.service.CreateAgent(r.Context(), actor, novatalks.NewAgent{Name: body.Name, Email: body.Email, Role: body.Role})
	if err != nil {
		return err
	}
	out := newAppAgentJSON(a)
	out.AccessToken = &a.AccessToken
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleDeleteAgent(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.service.DeleteAgent(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

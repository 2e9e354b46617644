package httpapi

import (
	"net/http"

	"github.com/novatalks/novatalks"
)

// ProfileJSON is the body of GET /api/v1/profile: the calling agent in the
// shape of Chatwoot's user view, with its tokens and its one account.
type ProfileJSON struct {
	ID            int64                `json:"id"`
	UID           string               `json:"uid"`
	Name          string               `json:"name"`
	DisplayName   string               `json:"display_name"`
	AvailableName string               `json:"available_name"`
	Email         string               `json:"email"`
	AvatarURL     string               `json:"avatar_url"`
	Confirmed     bool                 `json:"confirmed"`
	Role          string               `json:"role"`
	AccessToken   string               `json:"access_token"`
	PubsubToken   string               `json:"pubsub_token"`
	AccountID     int64                `json:"account_id"`
	Accounts      []ProfileAccountJSON `json:"accounts"`
}

// ProfileAccountJSON is one account of the profile.
type ProfileAccountJSON struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	Role               string `json:"role"`
	Status             string `json:"status"`
	Availability       string `json:"availability"`
	AvailabilityStatus string `json:"availability_status"`
	AutoOffline        bool   `json:"auto_offline"`
}

func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request, u *novatalks.User) error {
	account, err := s.service.Account(r.Context(), novatalks.UserActor(u))
	if err != nil {
		return err
	}
	agent := newAppAgentJSON(u)
	writeJSON(w, http.StatusOK, ProfileJSON{
		ID: u.ID, UID: u.Email, Name: u.Name, DisplayName: u.DisplayName, AvailableName: agent.AvailableName,
		Email: u.Email, AvatarURL: u.AvatarURL, Confirmed: true, Role: u.Role, AccessToken: u.AccessToken,
		PubsubToken: u.PubsubToken, AccountID: u.AccountID,
		Accounts: []ProfileAccountJSON{{ID: account.ID, Name: account.Name, Role: u.Role, Status: "active",
			Availability: agent.AvailabilityStatus, AvailabilityStatus: agent.AvailabilityStatus, AutoOffline: true}},
	})
	return nil
}

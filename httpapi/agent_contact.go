package httpapi

import (
	"net/http"

	"github.com/novatalks/novatalks"
)

// AppContactJSON is a contact of the agent API, in the shape of Chatwoot's
// contact view (times in Unix seconds).
type AppContactJSON struct {
	ID                   int64          `json:"id"`
	Name                 string         `json:"name"`
	Email                *string        `json:"email"`
	PhoneNumber          *string        `json:"phone_number"`
	Identifier           string         `json:"identifier"`
	Thumbnail            string         `json:"thumbnail"`
	AvailabilityStatus   string         `json:"availability_status"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	CreatedAt            int64          `json:"created_at"`
	UpdatedAt            int64          `json:"updated_at"`
	Type                 string         `json:"type"`
}

func newAppContactJSON(c *novatalks.Contact) *AppContactJSON {
	if c == nil {
		return nil
	}
	return &AppContactJSON{
		ID: c.ID, Name: c.Name, Email: c.Email, PhoneNumber: c.PhoneNumber, Identifier: c.Identifier,
		AvailabilityStatus: "offline", AdditionalAttributes: orEmptyMap(c.AdditionalAttributes),
		CustomAttributes: orEmptyMap(c.CustomAttributes), CreatedAt: seconds(c.CreatedAt),
		UpdatedAt: seconds(c.UpdatedAt), Type: "contact",
	}
}

func (s *Server) handleListContacts(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	page, err := queryPage(r)
	if err != nil {
		return err
	}
	list, total, err := s.service.Contacts(r.Context(), actor, page)
	if err != nil {
		return err
	}
	var resp struct {
		Meta struct {
			Count       int `json:"count"`
			CurrentPage int `json:"current_page"`
		} `json:"meta"`
		Payload []*AppContactJSON `json:"payload"`
	}
	resp.Meta.Count, resp.Meta.CurrentPage = total, max(page, 1)
	resp.Payload = mapAll(list, newAppContactJSON)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// contactPayload is Chatwoot's envelope of one contact: {"payload": {...}}.
type contactPayload struct {
	Payload *AppContactJSON `json:"payload"`
}

func (s *Server) handleShowContact(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.service.Contact(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, contactPayload{newAppContactJSON(c)})
	return nil
}

func (s *Server) handleUpdateContact(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Name                 optional[string] `json:"name"`
		Email                optional[string] `json:"email"`
		PhoneNumber          optional[string] `json:"phone_number"`
		CustomAttributes     map[string]any   `json:"custom_attributes"`
		AdditionalAttributes map[string]any   `json:"additional_attributes"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	upd := novatalks.ContactUpdate{Name: clearable(body.Name), Email: clearable(body.Email),
		PhoneNumber: clearable(body.PhoneNumber), CustomAttributes: body.CustomAttributes,
		AdditionalAttributes: body.AdditionalAttributes}
	c, err := s.service.UpdateContact(r.Context(), actor, id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, contactPayload{newAppContactJSON(c)})
	return nil
}

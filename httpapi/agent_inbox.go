package httpapi

import (
	"net/http"
	"strings"

	"github.com/novatalks/novatalks"
)

// AppInboxJSON is an inbox of the agent API, in the shape of Chatwoot's inbox
// view for an API channel (inbox_identifier, webhook_url), with NovaTalks'
// additional_settings and push_integration.
type AppInboxJSON struct {
	ID                   int64                  `json:"id"`
	AvatarURL            string                 `json:"avatar_url"`
	ChannelID            int64                  `json:"channel_id"`
	Name                 string                 `json:"name"`
	ChannelType          string                 `json:"channel_type"`
	GreetingEnabled      bool                   `json:"greeting_enabled"`
	GreetingMessage      *string                `json:"greeting_message"`
	EnableAutoAssignment bool                   `json:"enable_auto_assignment"`
	InboxIdentifier      string                 `json:"inbox_identifier"`
	WebhookURL           string                 `json:"webhook_url"`
	AdditionalSettings   map[string]any         `json:"additional_settings"`
	PushIntegration      AppPushIntegrationJSON `json:"push_integration"`
}

// AppPushIntegrationJSON is the push-notification webhook of an SDK inbox.
// headers and bearer_token are sent to administrators only.
type AppPushIntegrationJSON struct {
	Enabled          bool               `json:"enabled"`
	WebhookURL       string             `json:"webhook_url"`
	Headers          *map[string]string `json:"headers,omitempty"`
	BearerToken      *string            `json:"bearer_token,omitempty"`
	AdditionalParams map[string]any     `json:"additional_params"`
}

func newAppInboxJSON(in *novatalks.Inbox) AppInboxJSON {
	out := AppInboxJSON{
		ID: in.ID, ChannelID: in.ID, Name: in.Name, ChannelType: appChannelType, InboxIdentifier: in.Identifier,
		WebhookURL: in.Push.URL, AdditionalSettings: orEmptyMap(in.AdditionalSettings),
		PushIntegration: AppPushIntegrationJSON{Enabled: in.Push.Enabled, WebhookURL: in.Push.URL,
			AdditionalParams: orEmptyMap(in.Push.AdditionalParams)},
	}
	if !in.Push.Redacted {
		headers, token := in.Push.Headers, in.Push.BearerToken
		if headers == nil {
			headers = map[string]string{}
		}
		out.PushIntegration.Headers, out.PushIntegration.BearerToken = &headers, &token
	}
	return out
}

// pushIntegrationRequest is push_integration in inbox requests; absent
// fields stay as they are.
type pushIntegrationRequest struct {
	Enabled          *bool              `json:"enabled"`
	WebhookURL       *string            `json:"webhook_url"`
	Headers          *map[string]string `json:"headers"`
	BearerToken      *string            `json:"bearer_token"`
	AdditionalParams *map[string]any    `json:"additional_params"`
}

func (p *pushIntegrationRequest) toDomain() *novatalks.PushIntegrationUpdate {
	if p == nil {
		return nil
	}
	return &novatalks.PushIntegrationUpdate{Enabled: p.Enabled, URL: p.WebhookURL, Headers: p.Headers,
		BearerToken: p.BearerToken, AdditionalParams: p.AdditionalParams}
}

func (s *Server) handleListInboxes(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	list, err := s.service.Inboxes(r.Context(), actor)
	if err != nil {
		return err
	}
	var resp struct {
		Payload []AppInboxJSON `json:"payload"`
	}
	resp.Payload = mapAll(list, newAppInboxJSON)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleShowInbox(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	in, err := s.service.Inbox(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppInboxJSON(in))
	return nil
}

func (s *Server) handleCreateInbox(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	var body struct {
		Name    string `json:"name"`
		Channel *struct {
			Type string `json:"type"`
		} `json:"channel"`
		AdditionalSettings map[string]any          `json:"additional_settings"`
		PushIntegration    *pushIntegrationRequest `json:"push_integration"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	if body.Channel != nil {
		switch strings.ToLower(body.Channel.Type) {
		case "", "sdk", "channel::sdk":
		default:
			return novatalks.Errorf(novatalks.EINVALID, "channel.type must be sdk: novatalks serves SDK inboxes only")
		}
	}
	in, err := s.service.CreateInbox(r.Context(), actor, novatalks.NewInbox{
		Name: body.Name, AdditionalSettings: body.AdditionalSettings, Push: body.PushIntegration.toDomain()})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppInboxJSON(in))
	return nil
}

func (s *Server) handleUpdateInbox(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Name               *string                 `json:"name"`
		AdditionalSettings map[string]any          `json:"additional_settings"`
		PushIntegration    *pushIntegrationRequest `json:"push_integration"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	in, err := s.service.UpdateInbox(r.Context(), actor, id, novatalks.InboxUpdate{
		Name: body.Name, AdditionalSettings: body.AdditionalSettings, Push: body.PushIntegration.toDomain()})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppInboxJSON(in))
	return nil
}

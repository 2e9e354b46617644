package httpapi

import (
	"net/http"

	"github.com/novatalks/novatalks"
)

// AppWebhookJSON is an account webhook in the shape of Chatwoot's webhook
// view. Secret is sent once, in the answer to the create request.
type AppWebhookJSON struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	URL           string   `json:"url"`
	AccountID     int64    `json:"account_id"`
	Subscriptions []string `json:"subscriptions"`
	Secret        *string  `json:"secret,omitempty"`
}

func newAppWebhookJSON(w *novatalks.Webhook) AppWebhookJSON {
	out := AppWebhookJSON{ID: w.ID, Name: w.Name, URL: w.URL, AccountID: w.AccountID, Subscriptions: w.Subscriptions}
	if w.Secret != "" {
		s := w.Secret
		out.Secret = &s
	}
	return out
}

// webhookRequest is the body of the webhook create and update requests:
// Chatwoot's {"webhook": {"url", "name", "subscriptions"}}.
type webhookRequest struct {
	Webhook *struct {
		URL           *string   `json:"url"`
		Name          *string   `json:"name"`
		Subscriptions *[]string `json:"subscriptions"`
	} `json:"webhook"`
}

func (s *Server) decodeWebhook(w http.ResponseWriter, r *http.Request) (novatalks.WebhookInput, error) {
	var body webhookRequest
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return novatalks.WebhookInput{}, err
	}
	if body.Webhook == nil {
		return novatalks.WebhookInput{}, novatalks.Errorf(novatalks.EINVALID, "webhook must be an object with url, name and subscriptions")
	}
	return novatalks.WebhookInput{URL: body.Webhook.URL, Name: body.Webhook.Name, Subscriptions: body.Webhook.Subscriptions}, nil
}

// writeWebhook answers with Chatwoot's {"payload": {"webhook": {...}}}.
func writeWebhook(w http.ResponseWriter, hook *novatalks.Webhook) {
	var resp struct {
		Payload struct {
			Webhook AppWebhookJSON `json:"webhook"`
		} `json:"payload"`
	}
	resp.Payload.Webhook = newAppWebhookJSON(hook)
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	list, err := s.service.Webhooks(r.Context(), actor)
	if err != nil {
		return err
	}
	var resp struct {
		Payload struct {
			Webhooks []AppWebhookJSON `json:"webhooks"`
		} `json:"payload"`
	}
	resp.Payload.Webhooks = mapAll(list, newAppWebhookJSON)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	in, err := s.decodeWebhook(w, r)
	if err != nil {
		return err
	}
	hook, err := s.service.CreateWebhook(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeWebhook(w, hook)
	return nil
}

func (s *Server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	in, err := s.decodeWebhook(w, r)
	if err != nil {
		return err
	}
	hook, err := s.service.UpdateWebhook(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeWebhook(w, hook)
	return nil
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.service.DeleteWebhook(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/novatalks/novatalks"
)

// AppDeliveryJSON is one outbound delivery (a push, a webhook call or a bot
// event) as operators see it. Times are Unix seconds, as on the rest of the
// agent API.
type AppDeliveryJSON struct {
	ID             int64                    `json:"id"`
	DeliveryID     string                   `json:"delivery_id"`
	Kind           string                   `json:"kind"`
	ReceiverID     int64                    `json:"receiver_id"`
	Event          string                   `json:"event"`
	ConversationID *int64                   `json:"conversation_id"`
	URL            string                   `json:"url"`
	Status         string                   `json:"status"`
	Attempts       int                      `json:"attempts"`
	NextAttemptAt  *int64                   `json:"next_attempt_at"`
	LastStatusCode *int                     `json:"last_status_code"`
	LastError      *string                  `json:"last_error"`
	CreatedAt      int64                    `json:"created_at"`
	UpdatedAt      int64                    `json:"updated_at"`
	DeliveredAt    *int64                   `json:"delivered_at"`
	History        []AppDeliveryAttemptJSON `json:"history,omitempty"`
	Body           json.RawMessage          `json:"body,omitempty"`
}

// AppDeliveryAttemptJSON is one attempt of a delivery.
type AppDeliveryAttemptJSON struct {
	AttemptedAt int64   `json:"attempted_at"`
	DurationMS  int64   `json:"duration_ms"`
	StatusCode  *int    `json:"status_code"`
	Error       *string `json:"error"`
}

// nonZero returns a pointer to v, or nil for the zero value.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// newAppDeliveryJSON renders a delivery; full adds its attempts and body.
func newAppDeliveryJSON(d *novatalks.Delivery, full bool) AppDeliveryJSON {
	out := AppDeliveryJSON{
		ID: d.ID, DeliveryID: d.UID, Kind: d.Kind, ReceiverID: d.ReceiverID, Event: d.Event,
		ConversationID: nonZero(d.ConversationID), URL: d.URL, Status: d.Status, Attempts: d.Attempts,
		LastStatusCode: nonZero(d.LastStatusCode), LastError: nonZero(d.LastError),
		CreatedAt: seconds(d.CreatedAt), UpdatedAt: seconds(d.UpdatedAt), DeliveredAt: secondsPtr(d.DeliveredAt),
	}
	if d.Status == novatalks.DeliveryPending {
		out.NextAttemptAt = secondsPtr(&d.NextAttemptAt)
	}
	if full {
		out.History = make([]AppDeliveryAttemptJSON, len(d.History))
		for i, a := range d.History {
			out.History[i] = AppDeliveryAttemptJSON{AttemptedAt: seconds(a.At), DurationMS: a.Duration.Milliseconds(),
				StatusCode: nonZero(a.StatusCode), Error: nonZero(a.Error)}
		}
		if json.Valid(d.Body) {
			out.Body = d.Body
		}
	}
	return out
}

func secondsPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.Unix()
	return &v
}

func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	q := r.URL.Query()
	f := novatalks.DeliveryFilter{Status: q.Get("status"), Kind: q.Get("kind")}
	if n, ok, err := queryInt(r, "before"); err != nil {
		return err
	} else if ok {
		f.BeforeID = n
	}
	if n, ok, err := queryInt(r, "limit"); err != nil {
		return err
	} else if ok {
		f.Limit = int(max(min(n, 1<<20), -1))
	}
	list, err := s.service.Deliveries(r.Context(), actor, f)
	if err != nil {
		return err
	}
	var resp struct {
		Payload []AppDeliveryJSON `json:"payload"`
	}
	resp.Payload = mapAll(list, func(d *novatalks.Delivery) AppDeliveryJSON { return newAppDeliveryJSON(d, false) })
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// writeDelivery answers {"payload": {...}} with the delivery in full.
func writeDelivery(w http.ResponseWriter, d *novatalks.Delivery, err error) error {
	if err != nil {
		return err
	}
	var resp struct {
		Payload AppDeliveryJSON `json:"payload"`
	}
	resp.Payload = newAppDeliveryJSON(d, true)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleShowDelivery(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.service.Delivery(r.Context(), actor, id)
	return writeDelivery(w, d, err)
}

func (s *Server) handleRetryDelivery(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.service.RetryDelivery(r.Context(), actor, id); err != nil {
		return err
	}
	d, err := s.service.Delivery(r.Context(), actor, id)
	return writeDelivery(w, d, err)
}

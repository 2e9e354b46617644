package delivery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/wire"
)

// Renderer renders delivery bodies: pushes in the shape of the SDK
// documentation (section 10), webhooks and bot events in Chatwoot's webhook
// shapes (webhook_data). It implements novatalks.DeliveryRenderer and is
// safe for concurrent use.
type Renderer struct {
	// PublicURL is the absolute URL (without a trailing slash) clients reach
	// the server at; attachment URLs in payloads are under it.
	PublicURL string
}

var _ novatalks.DeliveryRenderer = Renderer{}

// RenderDelivery implements novatalks.DeliveryRenderer.
func (r Renderer) RenderDelivery(in novatalks.RenderInput) ([]byte, error) {
	var v any
	switch in.Kind {
	case novatalks.DeliveryPush:
		v = newPush(in, r.PublicURL)
	case novatalks.DeliveryWebhook, novatalks.DeliveryAgentBot:
		v = newWebhookPayload(in, r.PublicURL)
	default:
		return nil, fmt.Errorf("render: unknown delivery kind %q", in.Kind)
	}
	if v == nil {
		return nil, fmt.Errorf("render: %s %s has no body for a %s event", in.Kind, in.Name, in.Event.Type)
	}
	return marshal(v)
}

// marshal encodes v as JSON without HTML escaping (receivers get "<" as is).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// The push notification of the SDK documentation, section 10. Its "ts" is
// the time the notification is sent: the worker sets it at every attempt
// (stampPush).

type pushBody[P any] struct {
	Type       string   `json:"type"`
	EventName  string   `json:"event_name"`
	PushTokens []string `json:"push_tokens"`
	Payload    P        `json:"payload"`
}

type pushMessage struct {
	AccountID        int64             `json:"account_id"`
	MessageID        int64             `json:"message_id"`
	ConversationID   int64             `json:"conversation_id"`
	AdditionalParams map[string]any    `json:"additional_params"`
	TS               int64             `json:"ts"`
	Sender           pushSender        `json:"sender"`
	Title            string            `json:"title"`
	Body             *string           `json:"body"`
	MessageType      string            `json:"message_type"`
	ContentType      string            `json:"content_type"`
	DialogID         string            `json:"dialog_id"`
	Status           string            `json:"status"`
	CreatedAt        int64             `json:"created_at"`
	Attachments      []wire.Attachment `json:"attachments"`
}

type pushStatus struct {
	AdditionalParams map[string]any `json:"additional_params"`
	AccountID        int64          `json:"account_id"`
	ConversationID   int64          `json:"conversation_id"`
	Title            string         `json:"title"`
	Status           string         `json:"status"`
	TS               int64          `json:"ts"`
}

type pushSender struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	DisplayName string  `json:"display_name"`
	AvatarURL   *string `json:"avatar_url"`
	Type        string  `json:"type"`
}

// pushType is the "type" of every push.
const pushType = "ntk.sdk.chat"

func newPush(in novatalks.RenderInput, base string) any {
	e, params := in.Event, in.AdditionalParams
	if params == nil {
		params = map[string]any{}
	}
	switch in.Name {
	case novatalks.PushNewMessage:
		m := e.Message
		p := pushMessage{AccountID: m.AccountID, MessageID: m.ID, ConversationID: m.ConversationID,
			AdditionalParams: params, Body: m.Content, MessageType: m.MessageType, ContentType: m.ContentType,
			DialogID: m.DialogID, Status: m.Status, CreatedAt: m.CreatedAt.UnixMilli(),
			Attachments: wire.NewAttachments(m.Attachments, base)}
		if s := m.Sender; s != nil {
			p.Sender = pushSender{ID: s.ID, Name: s.Name, DisplayName: s.Name, AvatarURL: s.AvatarURL, Type: s.Type}
			if s.DisplayName != nil && *s.DisplayName != "" {
				p.Sender.DisplayName = *s.DisplayName
			}
		}
		p.Title = "New message in the conversation: " + p.Sender.Name
		return pushBody[pushMessage]{Type: pushType, EventName: in.Name, PushTokens: in.PushTokens, Payload: p}
	case novatalks.PushStatusChange:
		c := e.Conversation
		p := pushStatus{AdditionalParams: params, AccountID: c.AccountID, ConversationID: c.ID,
			Title: "Conversation status changed to " + c.Status, Status: c.Status}
		return pushBody[pushStatus]{Type: pushType, EventName: in.Name, PushTokens: in.PushTokens, Payload: p}
	}
	return nil
}

// stampPush returns a push body with its payload's ts set to at (Unix
// milliseconds), the time of the attempt.
func stampPush(event string, body []byte, at time.Time) ([]byte, error) {
	switch event {
	case novatalks.PushNewMessage:
		return stamp[pushMessage](body, func(p *pushMessage) { p.TS = at.UnixMilli() })
	case novatalks.PushStatusChange:
		return stamp[pushStatus](body, func(p *pushStatus) { p.TS = at.UnixMilli() })
	}
	return nil, fmt.Errorf("unknown push event %q", event)
}

func stamp[P any](body []byte, set func(*P)) ([]byte, error) {
	var b pushBody[P]
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("decode stored push: %w", err)
	}
	set(&b.Payload)
	return marshal(b)
}

package novatalks

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook events, Chatwoot's names. An account webhook receives those of its
// Subscriptions.
const (
	WebhookConversationCreated       = "conversation_created"
	WebhookConversationStatusChanged = "conversation_status_changed"
	WebhookConversationUpdated       = "conversation_updated"
	WebhookMessageCreated            = "message_created"
	WebhookMessageUpdated            = "message_updated"
	WebhookContactCreated            = "contact_created"
	WebhookContactUpdated            = "contact_updated"
	WebhookTypingOn                  = "conversation_typing_on"
	WebhookTypingOff                 = "conversation_typing_off"
)

// WebhookEvents lists every event a webhook may subscribe to.
var WebhookEvents = []string{
	WebhookConversationCreated, WebhookConversationStatusChanged, WebhookConversationUpdated,
	WebhookMessageCreated, WebhookMessageUpdated, WebhookContactCreated, WebhookContactUpdated,
	WebhookTypingOn, WebhookTypingOff,
}

// DefaultWebhookSubscriptions are the events of a webhook created without a
// list: every event but typing, as Chatwoot's default leaves typing out.
var DefaultWebhookSubscriptions = WebhookEvents[:7]

// Webhook is an account webhook: every event it subscribes to is POSTed to
// URL, signed with Secret (see docs/webhooks.md).
type Webhook struct {
	ID            int64
	AccountID     int64
	Name          string
	URL           string
	Subscriptions []string
	// Secret signs every delivery. It is shown once, when the webhook is
	// created.
	Secret    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Subscribes reports whether the webhook receives event.
func (w *Webhook) Subscribes(event string) bool { return slices.Contains(w.Subscriptions, event) }

// WebhookInput creates or changes a webhook. Nil fields are absent: on
// create they take their defaults, on update they stay as they are.
type WebhookInput struct {
	Name          *string
	URL           *string
	Subscriptions *[]string
}

// validateReceiverURL checks the URL of a webhook, bot or push integration:
// absolute http or https, with a host; with DenyPrivateURLs, not a literal
// loopback, private, link-local or unspecified address. Host names are
// checked again when delivering, against the address they resolve to.
func (s *Service) validateReceiverURL(v *invalid, field, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		v.addf("%s must be an absolute http(s) URL", field)
		return
	}
	if s.DenyPrivateURLs {
		if ip := net.ParseIP(u.Hostname()); ip != nil && PrivateIP(ip) {
			v.addf("%s must not be a private or loopback address", field)
		}
	}
}

// PrivateIP reports whether ip is an address a server with private
// addresses refused must not call: loopback, private (RFC 1918, RFC 4193),
// link-local, unspecified, multicast, or carrier-grade NAT (100.64/10).
func PrivateIP(ip net.IP) bool {
	if ip4 := ip.To4(); ip4 != nil && ip4[0] == 100 && ip4[1]&0xc0 == 64 {
		return true
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified()
}

// maxWebhooks bounds the webhooks of one account.
const maxWebhooks = 100

// applyWebhook sets the fields of in on w and validates the result.
func (s *Service) applyWebhook(w *Webhook, in WebhookInput) error {
	if in.Name != nil {
		w.Name = strings.TrimSpace(*in.Name)
	}
	if in.URL != nil {
		w.URL = strings.TrimSpace(*in.URL)
	}
	if in.Subscriptions != nil {
		w.Subscriptions = slices.Compact(slices.Sorted(slices.Values(*in.Subscriptions)))
	}
	var v invalid
	s.validateReceiverURL(&v, "url", w.URL)
	if len(w.Name) > s.Limits.MaxNameChars {
		v.addf("name must be at most %d characters", s.Limits.MaxNameChars)
	}
	if len(w.Subscriptions) == 0 {
		v.addf("subscriptions must be a non-empty array of events")
	}
	for _, e := range w.Subscriptions {
		if !slices.Contains(WebhookEvents, e) {
			v.addf("subscriptions: %q is not an event; use %s", e, strings.Join(WebhookEvents, ", "))
			break
		}
	}
	return v.err()
}

// Webhooks returns the webhooks of the actor's account, oldest first,
// without their secrets. Only administrators may list them.
func (s *Service) Webhooks(ctx context.Context, actor Actor) ([]*Webhook, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	list, err := s.Store.FindWebhooks(ctx, actor.AccountID)
	for _, w := range list {
		w.Secret = ""
	}
	return list, err
}

// CreateWebhook adds a webhook to the actor's account and returns it with
// its signing secret, the only time the secret is shown. Only
// administrators may. Without subscriptions it gets
// DefaultWebhookSubscriptions; a URL the account already has is EINVALID.
func (s *Service) CreateWebhook(ctx context.Context, actor Actor, in WebhookInput) (*Webhook, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	now := s.now()
	w := &Webhook{AccountID: actor.AccountID, Subscriptions: slices.Clone(DefaultWebhookSubscriptions),
		Secret: s.NewToken() + s.NewToken(), CreatedAt: now, UpdatedAt: now}
	if in.URL == nil {
		in.URL = new(string)
	}
	if err := s.applyWebhook(w, in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx Tx) error {
		if list, err := tx.FindWebhooks(ctx, actor.AccountID); err != nil {
			return err
		} else if len(list) >= maxWebhooks {
			return Errorf(EINVALID, "an account may have at most %d webhooks", maxWebhooks)
		}
		s.receiversChanged(tx, actor.AccountID)
		return tx.CreateWebhook(ctx, w)
	})
	if ErrorCode(err) == ECONFLICT {
		return nil, Errorf(EINVALID, "url has already been taken")
	} else if err != nil {
		return nil, err
	}
	return w, nil
}

// UpdateWebhook changes a webhook of the actor's account (name, url,
// subscriptions) and returns it without its secret. Only administrators may.
func (s *Service) UpdateWebhook(ctx context.Context, actor Actor, id int64, in WebhookInput) (*Webhook, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	var out *Webhook
	err := s.update(ctx, func(tx Tx) error {
		w, err := tx.FindWebhookByID(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := s.applyWebhook(w, in); err != nil {
			return err
		}
		w.UpdatedAt = s.now()
		s.receiversChanged(tx, actor.AccountID)
		out = w
		return tx.UpdateWebhook(ctx, w)
	})
	if ErrorCode(err) == ECONFLICT {
		return nil, Errorf(EINVALID, "url has already been taken")
	} else if err != nil {
		return nil, err
	}
	out.Secret = ""
	return out, nil
}

// DeleteWebhook removes a webhook of the actor's account. Only
// administrators may. Its deliveries that are still pending are parked as
// dead, with the error "receiver deleted", when their turn comes.
func (s *Service) DeleteWebhook(ctx context.Context, actor Actor, id int64) error {
	if err := actor.requireAdmin(); err != nil {
		return err
	}
	err := s.update(ctx, func(tx Tx) error {
		s.receiversChanged(tx, actor.AccountID)
		return tx.DeleteWebhook(ctx, actor.AccountID, id)
	})
	return err
}

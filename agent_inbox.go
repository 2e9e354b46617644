package novatalks

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// NewInbox is an SDK inbox an administrator creates.
type NewInbox struct {
	Name string
	// AdditionalSettings is merged over DefaultInboxSettings like an update.
	AdditionalSettings map[string]any
	Push               *PushIntegrationUpdate
}

// InboxUpdate changes an inbox. Nil fields stay as they are.
type InboxUpdate struct {
	Name *string
	// AdditionalSettings is merged into the inbox's settings key by key; a
	// key whose value is null is removed.
	AdditionalSettings map[string]any
	Push               *PushIntegrationUpdate
}

// PushIntegrationUpdate changes the push integration of an inbox. Nil fields
// stay as they are; Headers and AdditionalParams replace the whole map.
type PushIntegrationUpdate struct {
	Enabled          *bool
	URL              *string
	Headers          *map[string]string
	BearerToken      *string
	AdditionalParams *map[string]any
}

// apply returns p with the update's fields set.
func (u *PushIntegrationUpdate) apply(p PushIntegration) PushIntegration {
	if u == nil {
		return p
	}
	if u.Enabled != nil {
		p.Enabled = *u.Enabled
	}
	if u.URL != nil {
		p.URL = strings.TrimSpace(*u.URL)
	}
	if u.Headers != nil {
		p.Headers = maps.Clone(*u.Headers)
	}
	if u.BearerToken != nil {
		p.BearerToken = *u.BearerToken
	}
	if u.AdditionalParams != nil {
		p.AdditionalParams = maps.Clone(*u.AdditionalParams)
	}
	return p
}

// Limits of a push integration.
const (
	MaxPushHeaders     = 32
	MaxPushHeaderChars = 4096
	MaxPushParamsBytes = 16 << 10
)

// reservedPushHeaders are set by the server on every push and may not be
// configured as extra headers: the bearer token has its own setting.
var reservedPushHeaders = map[string]bool{
	"Authorization": true, "Content-Type": true, "Content-Length": true, "Host": true,
	"User-Agent": true, "Transfer-Encoding": true, "Connection": true, "X-Ntk-Delivery-Id": true, "X-Ntk-Event": true,
}

// Validate reports every problem of the integration as one EINVALID error:
// an enabled integration needs a URL; the URL must be http(s); extra headers
// must be valid, not one the server sets itself, and hold no line breaks;
// the bearer token holds no line breaks; additional_params stay small.
func (p PushIntegration) Validate() error {
	var v invalid
	switch {
	case p.URL != "" && !isHTTPURL(p.URL):
		v.addf("push_integration.webhook_url must be an http(s) URL")
	case p.Enabled && p.URL == "":
		v.addf("push_integration.webhook_url is required when the integration is enabled")
	}
	if len(p.Headers) > MaxPushHeaders {
		v.addf("push_integration.headers may hold at most %d headers", MaxPushHeaders)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Headers)) {
		value := p.Headers[name]
		switch {
		case !validHeaderName(name):
			v.addf("push_integration.headers: %q is not a valid header name", name)
		case reservedPushHeaders[http.CanonicalHeaderKey(name)]:
			v.addf("push_integration.headers: %s is set by the server and cannot be configured", http.CanonicalHeaderKey(name))
		case len(value) > MaxPushHeaderChars || strings.ContainsAny(value, "\r\n\x00"):
			v.addf("push_integration.headers: the value of %s must be one line of at most %d characters", name, MaxPushHeaderChars)
		}
	}
	if len(p.BearerToken) > MaxPushHeaderChars || strings.ContainsAny(p.BearerToken, "\r\n\x00") {
		v.addf("push_integration.bearer_token must be one line of at most %d characters", MaxPushHeaderChars)
	}
	if jsonSize(p.AdditionalParams) > MaxPushParamsBytes {
		v.addf("push_integration.additional_params must be at most %d bytes as JSON", MaxPushParamsBytes)
	}
	return v.err()
}

// validHeaderName reports whether s is an HTTP header field name (an RFC 9110 token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// MergeSettings returns old with patch merged in key by key: a key whose
// patch value is nil is removed, every other key is set. old is not changed.
func MergeSettings(old, patch map[string]any) map[string]any {
	out := maps.Clone(old)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// redactedFor returns the inbox as the actor may see it: an agent who is not
// an administrator gets a copy without the push integration's secrets (its
// bearer token and extra headers), marked Redacted.
func redactedFor(actor Actor, in *Inbox) *Inbox {
	if actor.Role == RoleAdministrator {
		return in
	}
	c := *in
	c.Push.BearerToken, c.Push.Headers, c.Push.Redacted = "", nil, true
	return &c
}

// Inboxes returns the inboxes of the actor's account, oldest first; see
// redactedFor for what agents who are not administrators see.
func (s *Service) Inboxes(ctx context.Context, actor Actor) ([]*Inbox, error) {
	list, err := s.Store.FindInboxes(ctx, actor.AccountID)
	for i, in := range list {
		list[i] = redactedFor(actor, in)
	}
	return list, err
}

// Inbox returns an inbox of the actor's account; ENOTFOUND otherwise.
func (s *Service) Inbox(ctx context.Context, actor Actor, id int64) (*Inbox, error) {
	in, err := s.Store.FindInboxByID(ctx, actor.AccountID, id)
	if err != nil {
		return nil, err
	}
	return redactedFor(actor, in), nil
}

func (s *Service) validateSettings(v *invalid, settings map[string]any) {
	if jsonSize(settings) > s.Limits.MaxCustomAttributesBytes {
		v.addf("additional_settings must be at most %d bytes as JSON", s.Limits.MaxCustomAttributesBytes)
	}
}

// CreateInbox creates an SDK inbox in the actor's account with a random
// public identifier. Only administrators may.
func (s *Service) CreateInbox(ctx context.Context, actor Actor, in NewInbox) (*Inbox, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	inbox := &Inbox{
		AccountID: actor.AccountID, Name: strings.TrimSpace(in.Name), Channel: ChannelSDK, Identifier: s.NewToken(),
		AdditionalSettings: MergeSettings(DefaultInboxSettings(), in.AdditionalSettings),
		Push:               in.Push.apply(PushIntegration{}), CreatedAt: s.now(),
	}
	var v invalid
	s.validateName(&v, "name", in.Name)
	s.validateSettings(&v, inbox.AdditionalSettings)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.validatePush(inbox.Push); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.FindAccountByID(ctx, actor.AccountID); err != nil {
			return err
		}
		s.receiversChanged(tx, actor.AccountID)
		return tx.CreateInbox(ctx, inbox)
	})
	if err != nil {
		return nil, err
	}
	return inbox, nil
}

// UpdateInbox changes an inbox of the actor's account: its name, its
// additional_settings (merged) and its push integration. Only administrators
// may. An invalid result changes nothing.
func (s *Service) UpdateInbox(ctx context.Context, actor Actor, id int64, upd InboxUpdate) (*Inbox, error) {
	if err := actor.requireAdmin(); err != nil {
		return nil, err
	}
	var out *Inbox
	err := s.update(ctx, func(tx Tx) error {
		inbox, err := tx.FindInboxByID(ctx, actor.AccountID, id)
		if err != nil {
			return err
		}
		var v invalid
		if upd.Name != nil {
			s.validateName(&v, "name", *upd.Name)
			inbox.Name = strings.TrimSpace(*upd.Name)
		}
		if upd.AdditionalSettings != nil {
			inbox.AdditionalSettings = MergeSettings(inbox.AdditionalSettings, upd.AdditionalSettings)
			s.validateSettings(&v, inbox.AdditionalSettings)
		}
		if err := v.err(); err != nil {
			return err
		}
		inbox.Push = upd.Push.apply(inbox.Push)
		if err := s.validatePush(inbox.Push); err != nil {
			return err
		}
		if err := tx.UpdateInbox(ctx, inbox); err != nil {
			return err
		}
		s.receiversChanged(tx, actor.AccountID)
		out = inbox
		return nil
	})
	return out, err
}

// validatePush is PushIntegration.Validate with the server's URL policy
// (DenyPrivateURLs).
func (s *Service) validatePush(p PushIntegration) error {
	if err := p.Validate(); err != nil || p.URL == "" {
		return err
	}
	var v invalid
	s.validateReceiverURL(&v, "push_integration.webhook_url", p.URL)
	return v.err()
}

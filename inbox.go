package novatalks

import "time"

// ChannelSDK is the channel of an SDK inbox, as it appears on the wire.
const ChannelSDK = "Sdk"

// Inbox is a channel through which contacts reach an account. SDK inboxes are
// addressed by their public Identifier (the inbox_identifier header).
type Inbox struct {
	ID         int64
	AccountID  int64
	Name       string
	Channel    string
	Identifier string
	// AdditionalSettings is the free-form settings object the documentation
	// shows on conversation events (autoanswer, utilization, ...).
	AdditionalSettings map[string]any
	// Push is the inbox's push-notification webhook integration.
	Push PushIntegration
	// AgentBotID is the bot the inbox is handed to, or nil.
	AgentBotID *int64
	CreatedAt  time.Time
}

// PushIntegration configures the push-notification webhook of an SDK inbox.
type PushIntegration struct {
	Enabled          bool
	URL              string
	Headers          map[string]string
	BearerToken      string
	AdditionalParams map[string]any
	// Redacted is set on copies made for callers who may not see the
	// secrets (agents who are not administrators): BearerToken and Headers
	// are then empty whatever is stored.
	Redacted bool
}

// InboxSettings is what a client may read about an inbox before its first
// request: its public name and the limits and choices the server enforces.
type InboxSettings struct {
	Inbox     *Inbox
	Limits    Limits
	Reactions []string
	// Attachments says whether the server stores files.
	Attachments bool
}

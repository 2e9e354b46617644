package sdk

import (
	"context"
	"net/url"
	"strconv"
)

// NewConversation is what CreateConversation sends. Only Name is required;
// empty fields are left out.
type NewConversation struct {
	// Name is the contact's name, 1 to 255 characters.
	Name string
	// Email is a plain address of at most 74 characters.
	Email string
	// PhoneNumber is in E.164 form, like +14155550100.
	PhoneNumber          string
	CustomAttributes     map[string]any
	AdditionalAttributes map[string]any
	// PushToken registers a device for push notifications at once.
	PushToken string
	// Message, when not empty, is the contact's first message; it opens the
	// conversation. MessageEchoID is its echo_id, generated when empty.
	Message       string
	MessageEchoID string
}

// Started is a conversation CreateConversation made.
type Started struct {
	// Token is the contact's credential (the pubsubToken): keep it to act as
	// this contact later, with WithToken.
	Token        string
	AccountID    int64
	Contact      Contact
	Conversation Conversation
	// MessageEchoID is the echo_id of the first message, or "".
	MessageEchoID string
}

// CreateConversation creates a contact and its conversation. Without a first
// message the conversation starts resolved, with no dialog. It needs no
// token; use c.WithToken(started.Token) to act as the new contact. It is not
// retried, since a retry after a lost answer would create a second contact.
func (c *Client) CreateConversation(ctx context.Context, in NewConversation) (*Started, error) {
	body := map[string]any{"name": in.Name}
	for k, v := range map[string]string{"email": in.Email, "phone_number": in.PhoneNumber, "push_token": in.PushToken} {
		if v != "" {
			body[k] = v
		}
	}
	if in.CustomAttributes != nil {
		body["custom_attributes"] = in.CustomAttributes
	}
	if in.AdditionalAttributes != nil {
		body["additional_attributes"] = in.AdditionalAttributes
	}
	echo := ""
	if in.Message != "" {
		echo = orNewEchoID(in.MessageEchoID)
		body["message"] = map[string]string{"content": in.Message, "echo_id": echo}
	}
	var out struct {
		Payload struct {
			Contact      Contact `json:"contact"`
			ContactInbox struct {
				PubsubToken string `json:"pubsubToken"`
			} `json:"contactInbox"`
			AccountID    int64        `json:"account_id"`
			Conversation Conversation `json:"conversation"`
		} `json:"payload"`
	}
	err := c.call(ctx, request{method: "POST", path: "/api/v1/sdk/conversations", body: body, public: true, once: true}, &out)
	if err != nil {
		return nil, err
	}
	p := out.Payload
	p.Conversation.AccountID = p.AccountID
	return &Started{Token: p.ContactInbox.PubsubToken, AccountID: p.AccountID, Contact: p.Contact,
		Conversation: p.Conversation, MessageEchoID: echo}, nil
}

// Conversation returns the contact's conversation and its latest limit
// messages, oldest first (limit 0 means the server's default, 20; it caps
// larger values at 100).
func (c *Client) Conversation(ctx context.Context, limit int) (*Conversation, []*Message, error) {
	var out struct {
		Conversation Conversation `json:"conversation"`
		Messages     []*Message   `json:"messages"`
	}
	if err := c.call(ctx, request{method: "GET", path: "/api/v1/sdk/conversations", query: limitQuery(limit)}, &out); err != nil {
		return nil, nil, err
	}
	return &out.Conversation, out.Messages, nil
}

// Settings returns the public settings of the inbox: accepted reactions,
// limits, the WebSocket address. It needs no token.
func (c *Client) Settings(ctx context.Context) (*Settings, error) {
	var out Settings
	if err := c.call(ctx, request{method: "GET", path: "/api/v1/sdk/settings", public: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RegisterPushToken registers a device's push token on the conversation, so
// that the server's push webhook names it. Registering a token again
// changes nothing.
func (c *Client) RegisterPushToken(ctx context.Context, token string) error {
	return c.call(ctx, request{method: "POST", path: "/api/v1/sdk/notifications", body: map[string]string{"push_token": token}}, nil)
}

// RemovePushToken removes a push token from the conversation. A token that is
// not registered there is an *Error with status 404. The token is escaped in
// the path, so tokens with "/" work. It is not retried: a retry after a lost
// answer would report 404 for a token it did remove.
func (c *Client) RemovePushToken(ctx context.Context, token string) error {
	return c.call(ctx, request{method: "DELETE", path: "/api/v1/sdk/notifications/" + url.PathEscape(token), once: true}, nil)
}

// limitQuery returns a new query of a listing limited to limit items (no
// limit parameter for 0).
func limitQuery(limit int) url.Values {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

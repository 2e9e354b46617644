package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the SDK API of one novatalks server as one contact. Build it
// with New. A Client is immutable and safe for concurrent use; WithToken
// returns a copy for another contact.
type Client struct {
	baseURL string
	wsURL   string
	http    *http.Client
	token   string
	// tokenHeader is the header that carries token: access_token on the SDK
	// API, api_access_token on the agent API.
	tokenHeader string
	inbox       string
	account     int64
	retries     int
	backoff     Backoff
}

// Option configures a Client or an AgentClient. Options that concern one
// side only say so; the other side ignores them.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests, and open its WebSocket,
// through hc instead of http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithToken sets the contact's token (the pubsubToken that CreateConversation
// returns), sent as the access_token header.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithInbox names the SDK inbox by its public identifier, sent as the
// inbox_identifier header. Without it the server uses its default SDK inbox.
// It concerns the contact side only.
func WithInbox(identifier string) Option { return func(c *Client) { c.inbox = identifier } }

// WithAccount sets the account an AgentClient works in, the {account_id} of
// the agent API's paths. Without it the AgentClient reads the account from
// the agent's profile at its first call. It concerns the agent side only.
func WithAccount(id int64) Option { return func(c *Client) { c.account = id } }

// WithRetries sets how many times an idempotent request is tried again after
// a network error or a 408, 429, 500, 502, 503 or 504 answer (2 by default),
// waiting as b says between tries (at least as long as a Retry-After asks).
// Every call of this package is idempotent except CreateConversation and
// messages with files, which are never retried.
func WithRetries(n int, b Backoff) Option {
	return func(c *Client) { c.retries, c.backoff = max(n, 0), b }
}

// WithWebSocketURL sets the address of the realtime endpoint; by default it
// is the base URL with the ws or wss scheme and the path /ws.
func WithWebSocketURL(u string) Option { return func(c *Client) { c.wsURL = u } }

// New returns a Client of the server at baseURL ("https://chat.example.com").
// New does not contact the server; an unusable baseURL makes every call fail.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		baseURL: strings.TrimRight(baseURL, "/"), http: http.DefaultClient, tokenHeader: "access_token",
		retries: 2, backoff: Backoff{Min: 100 * time.Millisecond, Max: 2 * time.Second},
	}
	for _, o := range opts {
		o(c)
	}
	if c.wsURL == "" {
		c.wsURL = "ws" + strings.TrimPrefix(c.baseURL, "http") + "/ws"
	}
	return c
}

// WithToken returns a copy of c that acts as the contact whose token is token.
func (c *Client) WithToken(token string) *Client {
	cc := *c
	cc.token = token
	return &cc
}

// Token returns the contact's token, or "" when the Client has none.
func (c *Client) Token() string { return c.token }

// Backoff spaces out repeated attempts: attempt n (from 0) waits a random
// duration between d/2 and d, where d is Min·2ⁿ capped at Max (a zero Max
// keeps d at Min). The random half ("jitter") keeps many clients that lost
// the same server from returning to it in step.
type Backoff struct {
	Min, Max time.Duration
	// Rand returns a number in [0, 1); nil means math/rand/v2. Tests set it
	// to make delays exact.
	Rand func() float64
}

// Delay returns the wait before attempt n (0 for the first retry). It is
// never negative and never more than Max (or Min when Max is smaller).
func (b Backoff) Delay(n int) time.Duration {
	d := max(b.Min, 0)
	for i := 0; i < n && d < b.Max && d < 1<<61; i++ {
		d *= 2
	}
	if b.Max > 0 && d > b.Max {
		d = max(b.Max, b.Min)
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return d/2 + time.Duration(r()*float64(d-d/2))
}

// request is one SDK call.
type request struct {
	method, path string
	query        url.Values
	// body is a replayable JSON body (nil for none); multipart is a one-shot
	// body with its content type, for files.
	body      any
	multipart func() (io.Reader, string)
	public    bool // sent without the token
	once      bool // not idempotent: never retried
	// header, when set, receives the headers of a successful answer.
	header *http.Header
}

// call sends r, retrying idempotent requests as WithRetries says, and decodes
// a successful JSON answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("sdk: encode %s %s: %w", r.method, r.path, err)
		}
	}
	tries := 1
	if !r.once && r.multipart == nil {
		tries += c.retries
	}
	for attempt := 0; ; attempt++ {
		err := c.send(ctx, r, body, out)
		if err == nil || attempt+1 >= tries || !retryable(ctx, err) {
			return err
		}
		delay := c.backoff.Delay(attempt)
		var e *Error
		if errors.As(err, &e) && e.RetryAfter > delay {
			delay = e.RetryAfter
		}
		if err := sleep(ctx, delay); err != nil {
			return err
		}
	}
}

// send makes one HTTP exchange.
func (c *Client) send(ctx context.Context, r request, body []byte, out any) error {
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var rd io.Reader
	contentType := ""
	switch {
	case r.multipart != nil:
		rd, contentType = r.multipart()
	case body != nil:
		rd, contentType = bytes.NewReader(body), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		if c, ok := rd.(io.Closer); ok {
			c.Close() // ends the goroutine writing a multipart body
		}
		return fmt.Errorf("sdk: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "novatalks-go-sdk")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if !r.public && c.token != "" {
		req.Header.Set(c.tokenHeader, c.token)
	}
	if c.inbox != "" {
		req.Header.Set("inbox_identifier", c.inbox)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return readError(resp)
	}
	if r.header != nil {
		*r.header = resp.Header
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("sdk: decode the answer to %s %s: %w", r.method, r.path, err)
	}
	return nil
}

// retryable reports whether a failed try may be repeated: a network error or
// a status that says "try again", and never once ctx is done.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var ue *url.Error
	return errors.As(err, &ue)
}

// sleep waits d or until ctx is done, returning ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// EventType names a realtime event.
type EventType string

// The realtime events a contact receives.
const (
	EventMessageCreated  EventType = "message.created"
	EventMessageUpdated  EventType = "message.updated"
	EventMessageDeleted  EventType = "message.deleted"
	EventReactionUpdated EventType = "message.reaction_updated"
	EventStatusChanged   EventType = "conversation.status_changed"
	EventTyping          EventType = "typing"
)

// Event is one change of the contact's conversation, or of a conversation
// of the agent's account.
type Event struct {
	Type EventType
	// Message is set for the four message events. Live message.created and
	// message.updated events carry the whole message; a live message.deleted
	// only ID, ConversationID, CreatedAt, UpdatedAt and DeletedAt; a live
	// message.reaction_updated only ID, ConversationID, AccountID, Reactions
	// and UpdatedAt. Caught-up messages are whole; on an agent's stream they
	// come from the agent API (see AgentClient.Messages).
	Message *Message
	// Conversation is set for conversation.status_changed. A live event
	// carries the server's conversation object; a caught-up one the fields
	// of Client.Conversation, or of AgentClient.Conversation on an agent's
	// stream.
	Conversation *Conversation
	// Typing is set for typing.
	Typing *Typing
	// CaughtUp is true when the event was recovered after a (re)connect
	// rather than received live.
	CaughtUp bool
}

// Typing says that an agent or a bot (or, on an agent's stream, the
// contact) is typing in the conversation.
type Typing struct {
	ConversationID int64 `json:"conversation_id"`
	// SenderType is SenderUser or SenderAgentBot, or SenderContact.
	SenderType string `json:"sender_type"`
	// Sender has the ID and Name of who is typing.
	Sender Sender `json:"sender"`
}

// StreamOptions configures a Stream. The zero value is usable.
type StreamOptions struct {
	// Since is the update time, in Unix milliseconds, up to which the caller
	// has seen every change: the stream first delivers, as caught-up events,
	// every message changed after it. 0 delivers the whole history; after
	// showing a page of messages, pass Watermark of that page; to resume an
	// earlier stream, pass its Since.
	//
	// For an agent's stream, Since is a time of the server: the stream first
	// delivers the messages created since then, to the second, in the
	// conversations active since. 0 means the server's time when the stream
	// first connects; to resume an earlier stream, pass its Since.
	Since int64
	// Backoff spaces out reconnection attempts; the zero value means 500ms
	// growing to 30s. The delay starts again from Min after a connection
	// that got as far as receiving live events.
	Backoff Backoff
	// Timeout bounds each step of connecting: the WebSocket handshake, the
	// subscription and each catch-up request (which may otherwise wait on a
	// dead keep-alive connection). 0 means 10s.
	Timeout time.Duration
	// PingInterval is how often the stream pings the server to find a dead
	// connection (one whose pong does not come back within the interval):
	// 0 means 30s, a negative value never pings.
	PingInterval time.Duration
	// OnState, when set, is called from Run's goroutine each time the
	// stream connects (after it caught up) and each time it loses its
	// connection.
	OnState func(State)
}

// State is a change of a Stream's connection.
type State struct {
	// Connected is true once the stream is subscribed and caught up.
	Connected bool
	// Err is why the connection ended or could not be made (when Connected
	// is false).
	Err error
	// Attempt counts the reconnection attempts since the stream was last
	// connected, and RetryIn is the wait before the next one. Both are 0 when
	// Run is about to return Err.
	Attempt int
	RetryIn time.Duration
}

// ErrNotConnected is returned by Stream.Typing between connections.
var ErrNotConnected = errors.New("sdk: the stream is not connected")

// Limits of a stream's connection.
const (
	writeTimeout   = 10 * time.Second
	maxFrameBytes  = 4 << 20
	frameQueueSize = 256 // frames read ahead while the caller handles events
)

// Stream delivers realtime events: those of a contact's conversation,
// exactly once and in order across reconnections, or those of an agent's
// account, with the lesser guarantee of an agent's stream; see the package
// documentation for both and their limits. Create one with Client.Stream or
// AgentClient.Stream, then call Run. Its methods are safe for concurrent
// use.
type Stream struct {
	c     *Client
	side  streamSide
	opts  StreamOptions
	since atomic.Int64
	busy  atomic.Bool

	mu      sync.Mutex
	conn    *websocket.Conn // nil between connections
	convID  int64
	account int64
}

// streamSide is what differs between a contact's stream (contactSide) and an
// agent's (agentSide): the token to subscribe with, how to catch up after
// subscribing, and which events were delivered already. Its methods run on
// Run's goroutine and own the side's state.
type streamSide interface {
	// subscription returns the pubsub token to subscribe with and the
	// account, 0 when unknown.
	subscription(ctx context.Context, s *Stream) (token string, account int64, err error)
	// catchUp runs once the subscription is confirmed, before live events:
	// it delivers what the caller missed.
	catchUp(ctx context.Context, s *Stream, fn func(Event)) error
	// liveMessage delivers a live message event unless it was delivered
	// already.
	liveMessage(s *Stream, e Event, fn func(Event))
	// liveStatus delivers a live conversation.status_changed.
	liveStatus(s *Stream, c *Conversation, fn func(Event))
}

// Stream returns a stream of the contact's events; it does not connect until
// Run is called.
func (c *Client) Stream(opts StreamOptions) *Stream {
	return newStream(c, &contactSide{c: c}, opts)
}

func newStream(c *Client, side streamSide, opts StreamOptions) *Stream {
	if opts.Backoff.Min == 0 && opts.Backoff.Max == 0 {
		opts.Backoff.Min, opts.Backoff.Max = 500*time.Millisecond, 30*time.Second
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	s := &Stream{c: c, side: side, opts: opts}
	s.since.Store(opts.Since)
	return s
}

// Since returns the update time, in Unix milliseconds, up to which the
// stream has delivered every change: pass it as StreamOptions.Since to
// resume later. A contact's stream then misses and repeats nothing; for an
// agent's stream it is the server's time of the latest change delivered,
// from which a new stream catches up with the limits of an agent's stream.
func (s *Stream) Since() int64 { return s.since.Load() }

// Run connects, subscribes and calls fn for every event until ctx is done,
// reconnecting by itself with backoff whenever the connection is lost. fn
// is called from Run's goroutine, one event at a time, in order; a slow fn
// delays reading, and if the server drops the connection for it, the next
// connection catches up. Run returns ctx's error once ctx is done, or an
// *Error when the server refuses the token (401) or the conversation (4xx):
// retrying cannot help then. When Run returns, every goroutine it started
// has ended. Run may not be called again while it is running.
func (s *Stream) Run(ctx context.Context, fn func(Event)) error {
	if !s.busy.CompareAndSwap(false, true) {
		return errors.New("sdk: Stream.Run is already running")
	}
	defer s.busy.Store(false)
	for attempt := 0; ; {
		live, err := s.connect(ctx, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if permanent(err) {
			s.notify(State{Err: err})
			return err
		}
		if live {
			attempt = 0
		}
		delay := s.opts.Backoff.Delay(attempt)
		attempt++
		s.notify(State{Err: err, Attempt: attempt, RetryIn: delay})
		if err := sleep(ctx, delay); err != nil {
			return err
		}
	}
}

// errAgentTyping is Typing's error on an agent's stream.
var errAgentTyping = errors.New("sdk: an agent's stream has no conversation to type in: use AgentClient.Typing")

// Typing tells the conversation's agents that the contact is typing. The
// server forwards at most one typing frame every two seconds per connection
// and drops the others. It returns ErrNotConnected between connections, and
// an error on an agent's stream, which has no one conversation: agents use
// AgentClient.Typing.
func (s *Stream) Typing(ctx context.Context) error {
	if _, ok := s.side.(*agentSide); ok {
		return errAgentTyping
	}
	s.mu.Lock()
	conn, conv, account := s.conn, s.convID, s.account
	s.mu.Unlock()
	if conn == nil || conv == 0 {
		return ErrNotConnected
	}
	data := map[string]int64{"conversation_id": conv}
	if account != 0 {
		data["account_id"] = account
	}
	return writeFrame(ctx, conn, "typing", data)
}

// frame is one WebSocket message: {"event": ..., "data": ...}.
type frame struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data,omitempty"`
}

func writeFrame(ctx context.Context, conn *websocket.Conn, event string, data any) error {
	f := frame{Event: event}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		f.Data = b
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, b)
}

// connect runs one connection: dial, subscribe, catch up, then deliver live
// events until the connection ends. live reports whether it got as far as
// live events. It returns only after its goroutines have ended.
func (s *Stream) connect(ctx context.Context, fn func(Event)) (live bool, err error) {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var token string
	var account int64
	err = s.request(sctx, func(ctx context.Context) (err error) {
		token, account, err = s.side.subscription(ctx, s)
		return err
	})
	if err != nil {
		return false, err
	}
	if account != 0 {
		s.setAccount(account)
	}
	dctx, dcancel := context.WithTimeout(sctx, s.opts.Timeout)
	conn, _, err := websocket.Dial(dctx, s.c.wsURL, &websocket.DialOptions{HTTPClient: s.c.http})
	dcancel()
	if err != nil {
		return false, err
	}
	conn.SetReadLimit(maxFrameBytes)
	frames := make(chan frame, frameQueueSize)
	var wg sync.WaitGroup
	defer func() {
		cancel(nil)
		conn.CloseNow()
		wg.Wait()
	}()
	wg.Go(func() { s.read(sctx, cancel, conn, frames) })

	early, err := s.subscribe(sctx, cancel, conn, frames, token)
	if err != nil {
		return false, reason(sctx, err)
	}
	if s.opts.PingInterval > 0 {
		wg.Go(func() { ping(sctx, cancel, conn, s.opts.PingInterval) })
	}
	s.setConn(conn)
	defer s.setConn(nil)
	if err := s.side.catchUp(sctx, s, fn); err != nil {
		return false, reason(sctx, err)
	}
	s.notify(State{Connected: true})
	for _, f := range early {
		s.handle(f, fn)
	}
	for f := range frames {
		if ctx.Err() != nil {
			break
		}
		s.handle(f, fn)
	}
	return true, context.Cause(sctx)
}

// reason returns why the connection of ctx ended when it did (a read error,
// a lost pong), rather than err, the failure of a request that it cut short.
func reason(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// subscribe sends the subscription and waits for the server's answer. The
// server may send the first events just before its confirmation: subscribe
// returns them (early) for the caller to handle after catching up.
func (s *Stream) subscribe(ctx context.Context, cancel context.CancelCauseFunc, conn *websocket.Conn, frames <-chan frame, token string) (early []frame, err error) {
	data := map[string]any{"pubsub_token": token}
	if a := s.accountID(); a != 0 {
		data["account_id"] = a
	}
	if err := writeFrame(ctx, conn, "subscribe", data); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(s.opts.Timeout, func() { cancel(errors.New("sdk: no answer to the subscription")) })
	defer timer.Stop()
	for f := range frames {
		switch f.Event {
		case "confirm_subscription":
			return early, nil
		case "reject_subscription":
			return nil, errRejected()
		case "error":
			// The server's complaint about a frame; nothing this stream sent
			// depends on it.
		default:
			early = append(early, f)
		}
	}
	return nil, context.Cause(ctx)
}

// read reads frames into frames until the connection fails, answering the
// server's keepalive (presence.update) at once so that a busy caller is not
// taken for a dead client. It records why it stopped as ctx's cause.
func (s *Stream) read(ctx context.Context, cancel context.CancelCauseFunc, conn *websocket.Conn, frames chan<- frame) {
	defer close(frames)
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == closeUnauthorized {
				err = errRejected()
			}
			cancel(err)
			return
		}
		var f frame
		if json.Unmarshal(b, &f) != nil {
			continue // not a frame of this protocol
		}
		if f.Event == "presence.update" {
			if err := writeFrame(ctx, conn, "update_presence", nil); err != nil {
				cancel(err)
				return
			}
			continue
		}
		select {
		case frames <- f:
		case <-ctx.Done():
			return
		}
	}
}

// ping pings the server every interval and ends the connection when a pong
// does not come back within the interval.
func ping(ctx context.Context, cancel context.CancelCauseFunc, conn *websocket.Conn, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, pcancel := context.WithTimeout(ctx, interval)
		err := conn.Ping(pctx)
		pcancel()
		if err != nil {
			cancel(fmt.Errorf("sdk: no pong within %v: %w", interval, err))
			return
		}
	}
}

// request runs one request of the stream's with its Timeout.
func (s *Stream) request(ctx context.Context, do func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	return do(ctx)
}

// contactSide is the part of a contact's stream that is the contact's: its
// one conversation, whose changes it catches up by update time.
type contactSide struct {
	c *Client
	// The conversation state last reported.
	known  bool
	status conversationState
}

type conversationState struct{ status, substatus string }

func (cs *contactSide) subscription(context.Context, *Stream) (string, int64, error) {
	return cs.c.token, 0, nil
}

// catchUp reads the conversation, reports its status if it changed, and
// delivers every message changed after the watermark, page by page. A
// message created after the watermark is reported as created (in its
// current state), a tombstone as deleted, anything else as updated.
func (cs *contactSide) catchUp(ctx context.Context, s *Stream, fn func(Event)) error {
	var conv *Conversation
	err := s.request(ctx, func(ctx context.Context) (err error) {
		conv, _, err = cs.c.Conversation(ctx, 1)
		return err
	})
	if err != nil {
		return err
	}
	s.setConversation(conv.ID)
	cs.syncStatus(conv, true, fn)
	syncPoint := s.since.Load()
	for {
		from := s.since.Load()
		var page []*Message
		err := s.request(ctx, func(ctx context.Context) (err error) {
			page, err = cs.c.Changes(ctx, from, maxPageSize)
			return err
		})
		if err != nil {
			return err
		}
		for _, m := range page {
			t := EventMessageUpdated
			switch {
			case m.Deleted():
				t = EventMessageDeleted
			case m.CreatedAt.Millis() > syncPoint:
				t = EventMessageCreated
			}
			s.deliver(Event{Type: t, Message: m, CaughtUp: true}, fn)
		}
		if len(page) < maxPageSize {
			return nil
		}
		if s.since.Load() == from {
			return fmt.Errorf("sdk: the server listed no change after %d in a full page", from)
		}
	}
}

func (cs *contactSide) liveMessage(s *Stream, e Event, fn func(Event)) { s.deliver(e, fn) }

func (cs *contactSide) liveStatus(s *Stream, c *Conversation, fn func(Event)) {
	cs.syncStatus(c, false, fn)
}

// handle delivers one live frame.
func (s *Stream) handle(f frame, fn func(Event)) {
	switch t := EventType(f.Event); t {
	case EventMessageCreated, EventMessageUpdated, EventMessageDeleted, EventReactionUpdated:
		var m Message
		if json.Unmarshal(f.Data, &m) == nil {
			s.side.liveMessage(s, Event{Type: t, Message: &m}, fn)
		}
	case EventStatusChanged:
		var c Conversation
		if json.Unmarshal(f.Data, &c) == nil {
			s.side.liveStatus(s, &c, fn)
		}
	case EventTyping:
		var ty Typing
		if json.Unmarshal(f.Data, &ty) == nil {
			fn(Event{Type: t, Typing: &ty})
		}
	}
}

// deliver calls fn with a message event unless the watermark shows that it
// was delivered already: update times strictly increase within a
// conversation, so a change at or before the watermark has been seen (live
// and caught-up events overlap after a reconnect).
func (s *Stream) deliver(e Event, fn func(Event)) {
	m := e.Message
	if u := m.UpdatedAt.Millis(); u != 0 {
		if u <= s.since.Load() {
			return
		}
		s.since.Store(u)
	}
	if m.AccountID != 0 {
		s.setAccount(m.AccountID)
	}
	fn(e)
}

// syncStatus reports c's status when it differs from the last one reported.
// The first status a stream learns from the server is recorded, not
// reported.
func (cs *contactSide) syncStatus(c *Conversation, caughtUp bool, fn func(Event)) {
	st := conversationState{c.Status, c.Substatus}
	if cs.known && st == cs.status {
		return
	}
	first := !cs.known
	cs.known, cs.status = true, st
	if first && caughtUp {
		return
	}
	fn(Event{Type: EventStatusChanged, Conversation: c, CaughtUp: caughtUp})
}

// setConn records the connection (nil between connections), which Typing
// uses; the conversation it types in is set once known.
func (s *Stream) setConn(conn *websocket.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = conn
	if conn == nil {
		s.convID = 0
	}
}

func (s *Stream) setConversation(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.convID = id
}

func (s *Stream) setAccount(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account = id
}

func (s *Stream) accountID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account
}

func (s *Stream) notify(st State) {
	if s.opts.OnState != nil {
		s.opts.OnState(st)
	}
}

// closeUnauthorized is the close code of a rejected subscription.
const closeUnauthorized websocket.StatusCode = 4001

// errRejected is the error of a subscription the server refused.
func errRejected() *Error {
	return &Error{StatusCode: http.StatusUnauthorized, Reason: http.StatusText(http.StatusUnauthorized),
		Messages: []string{"the server rejected the subscription: invalid token"}}
}

// permanent reports whether err is an answer of the server that another
// attempt cannot change: a 4xx other than 408 and 429.
func permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode >= 400 && e.StatusCode < 500 &&
		e.StatusCode != http.StatusRequestTimeout && e.StatusCode != http.StatusTooManyRequests
}

package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/sdk"
)

// recorder keeps what a stream delivered.
type recorder struct {
	mu     sync.Mutex
	events []sdk.Event
	states []sdk.State
	// then, when set, runs after each event is recorded (on Run's goroutine).
	then func(sdk.Event)
}

func (r *recorder) event(e sdk.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	then := r.then
	r.mu.Unlock()
	if then != nil {
		then(e)
	}
}

func (r *recorder) state(s sdk.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, s)
}

func (r *recorder) Events() []sdk.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sdk.Event(nil), r.events...)
}

func (r *recorder) States() []sdk.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sdk.State(nil), r.states...)
}

// connections counts the times the stream got connected.
func (r *recorder) connections() int {
	n := 0
	for _, s := range r.States() {
		if s.Connected {
			n++
		}
	}
	return n
}

// waitEvents waits until the stream delivered n events and returns them.
func (r *recorder) waitEvents(tb testing.TB, n int) []sdk.Event {
	tb.Helper()
	apptest.Eventually(tb, fmt.Sprintf("%d events", n), func() bool { return len(r.Events()) >= n })
	return r.Events()
}

// running is a Stream whose Run goroutine a test controls.
type running struct {
	*sdk.Stream
	*recorder
	cancel context.CancelFunc
	done   chan error
}

// streamer is a client with a Stream: an *sdk.Client or an *sdk.AgentClient.
type streamer interface {
	Stream(sdk.StreamOptions) *sdk.Stream
}

// runStream starts Run on a stream of c; the stream stops when the test ends.
func runStream(tb testing.TB, c streamer, opts sdk.StreamOptions) *running {
	tb.Helper()
	rec := &recorder{}
	opts.OnState = rec.state
	st := c.Stream(opts)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Stream: st, recorder: rec, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- st.Run(ctx, rec.event) }()
	tb.Cleanup(func() { r.Stop(tb) })
	return r
}

// Stop cancels Run and returns its error once it has returned.
func (r *running) Stop(tb testing.TB) error {
	tb.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for a second Stop
		return err
	case <-time.After(5 * time.Second):
		tb.Fatal("Run did not return after its context was cancelled")
		return nil
	}
}

// waitConnected waits until the stream has connected n times in all.
func (r *running) waitConnected(tb testing.TB, n int) {
	tb.Helper()
	apptest.Eventually(tb, fmt.Sprintf("connection %d", n), func() bool { return r.connections() >= n })
}

// fast is a reconnection backoff for tests.
var fast = sdk.Backoff{Min: 2 * time.Millisecond, Max: 20 * time.Millisecond}

func TestStreamEvents(t *testing.T) {
	var typing atomic.Pointer[novatalks.Typing]
	srv := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.Publisher = novatalks.EventPublisherFunc(func(events ...novatalks.Event) {
			for _, e := range events {
				if e.Type == novatalks.EventTyping && e.Typing.SenderType == novatalks.SenderContact {
					typing.Store(e.Typing)
				}
			}
		})
	})
	ctx := context.Background()
	c, started := srv.Contact(t)
	conv := started.Conversation.ID
	st := runStream(t, c, sdk.StreamOptions{})
	st.waitConnected(t, 1)

	agent := srv.AgentText(t, conv, "hello")
	echo, err := c.SendText(ctx, "hi")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MarkSeen(ctx, agent.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.React(ctx, agent.ID, "👍"); err != nil {
		t.Fatal(err)
	}
	mine, _ := c.Messages(ctx, sdk.MessageQuery{After: agent.ID})
	if err := c.Delete(ctx, mine[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App().Service.ChangeStatus(ctx, srv.Admin, conv, novatalks.StatusResolved, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.App().Service.AgentTyping(ctx, srv.Admin, conv, true, false); err != nil {
		t.Fatal(err)
	}

	want := []struct {
		typ   sdk.EventType
		check func(e sdk.Event) bool
	}{
		{sdk.EventMessageCreated, func(e sdk.Event) bool {
			m := e.Message
			return m.ID == agent.ID && m.Content == "hello" && m.SenderType == sdk.SenderUser && m.SenderName() == "Administrator" && !m.FromContact()
		}},
		{sdk.EventStatusChanged, func(e sdk.Event) bool {
			c := e.Conversation
			return c.ID == conv && c.Status == sdk.ConversationOpen && c.Substatus == "oninbox" && c.DialogID != "" && c.AccountID == 1
		}},
		{sdk.EventMessageCreated, func(e sdk.Event) bool { return e.Message.EchoID == echo && e.Message.FromContact() }},
		{sdk.EventMessageUpdated, func(e sdk.Event) bool { return e.Message.ID == agent.ID && e.Message.Status == sdk.StatusSeen }},
		{sdk.EventReactionUpdated, func(e sdk.Event) bool {
			m := e.Message
			return m.ID == agent.ID && len(m.Reactions) == 1 && m.Reactions[0].Emoji == "👍" && m.UpdatedAt.Millis() > 0
		}},
		{sdk.EventMessageDeleted, func(e sdk.Event) bool { return e.Message.ID == mine[0].ID && e.Message.Deleted() }},
		{sdk.EventStatusChanged, func(e sdk.Event) bool { return e.Conversation.Status == sdk.ConversationResolved }},
		{sdk.EventTyping, func(e sdk.Event) bool {
			ty := e.Typing
			return ty.ConversationID == conv && ty.SenderType == sdk.SenderUser && ty.Sender.Name == "Administrator"
		}},
	}
	got := st.waitEvents(t, len(want))
	for i, w := range want {
		if got[i].Type != w.typ || got[i].CaughtUp || !w.check(got[i]) {
			t.Errorf("event %d = %s %+v %+v, want %s", i, got[i].Type, got[i].Message, got[i].Conversation, w.typ)
		}
	}
	time.Sleep(20 * time.Millisecond)
	if n := len(st.Events()); n != len(want) {
		t.Errorf("%d events, want %d", n, len(want))
	}

	t.Run("Typing", func(t *testing.T) {
		if err := st.Typing(ctx); err != nil {
			t.Fatal(err)
		}
		apptest.Eventually(t, "the contact's typing to reach the server", func() bool { return typing.Load() != nil })
		if ty := typing.Load(); ty.SenderType != novatalks.SenderContact || ty.Sender.Name != "Ada" {
			t.Errorf("typing = %+v", ty)
		}
	})
	t.Run("ErrNotConnected", func(t *testing.T) {
		if err := c.Stream(sdk.StreamOptions{}).Typing(ctx); !errors.Is(err, sdk.ErrNotConnected) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ErrAlreadyRunning", func(t *testing.T) {
		if err := st.Run(ctx, func(sdk.Event) {}); err == nil {
			t.Error("a second Run of the same stream started")
		}
	})
}

// TestStreamResume stops a stream, lets the conversation change and starts a
// new stream from the first one's Since: it gets exactly what it missed,
// in the order of the changes.
func TestStreamResume(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)
	conv := started.Conversation.ID
	sendAll(t, c, "before")
	first := runStream(t, c, sdk.StreamOptions{})
	if e := first.waitEvents(t, 1)[0]; e.Type != sdk.EventMessageCreated || !e.CaughtUp || e.Message.Content != "before" {
		t.Errorf("history from 0: %+v", e)
	}
	old := srv.AgentText(t, conv, "seen live")
	first.waitEvents(t, 2)
	first.Stop(t)
	since := first.Since()
	if since != old.UpdatedAt.UnixMilli() {
		t.Errorf("Since = %d, want the last change %d", since, old.UpdatedAt.UnixMilli())
	}

	missed1 := srv.AgentText(t, conv, "missed 1")
	if err := c.MarkSeen(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	mine, _ := c.Messages(ctx, sdk.MessageQuery{Limit: 1, Before: old.ID})
	if err := c.Delete(ctx, mine[0].ID); err != nil {
		t.Fatal(err)
	}
	missed2 := srv.AgentText(t, conv, "missed 2")
	if err := c.MarkDelivered(ctx, missed2.ID); err != nil { // created and changed while away: one event
		t.Fatal(err)
	}
	if _, err := srv.App().Service.ChangeStatus(ctx, srv.Admin, conv, novatalks.StatusPending, nil); err != nil {
		t.Fatal(err)
	}

	second := runStream(t, c, sdk.StreamOptions{Since: since})
	got := second.waitEvents(t, 4)
	type ev struct {
		typ sdk.EventType
		id  int64
	}
	want := []ev{
		{sdk.EventMessageCreated, missed1.ID},
		{sdk.EventMessageUpdated, old.ID},
		{sdk.EventMessageDeleted, mine[0].ID},
		{sdk.EventMessageCreated, missed2.ID},
	}
	for i, w := range want {
		if e := got[i]; e.Type != w.typ || e.Message.ID != w.id || !e.CaughtUp {
			t.Errorf("event %d = %s %d (caught up %v), want %s %d", i, e.Type, e.Message.ID, e.CaughtUp, w.typ, w.id)
		}
	}
	if got[3].Message.Status != sdk.StatusDelivered {
		t.Errorf("a message created and changed while away comes in its latest state: %+v", got[3].Message)
	}
	// The status changed while the second stream was not yet connected: its
	// first connection learns the status and does not report it.
	time.Sleep(20 * time.Millisecond)
	if n := len(second.Events()); n != 4 {
		t.Errorf("%d events, want 4", n)
	}
}

// agentSender sends agent messages to a conversation until stopped, as fast
// as the server takes them, through whichever server is running.
type agentSender struct {
	mu   sync.Mutex
	ids  []int64
	stop chan struct{}
	done chan struct{}
}

func startAgentSender(t *testing.T, srv *Server, conv int64, n int) *agentSender {
	s := &agentSender{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for i := range n {
			select {
			case <-s.stop:
				return
			default:
			}
			text := fmt.Sprintf("agent %d", i)
			m, err := srv.App().Service.SendAgentMessage(context.Background(), srv.Admin, conv, novatalks.NewAgentMessage{Content: &text})
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			s.mu.Lock()
			s.ids = append(s.ids, m.ID)
			s.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	t.Cleanup(func() {
		close(s.stop)
		<-s.done
	})
	return s
}

func (s *agentSender) sent() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.ids...)
}

func (s *agentSender) waitSent(tb testing.TB, n int) {
	tb.Helper()
	apptest.Eventually(tb, fmt.Sprintf("%d agent messages", n), func() bool { return len(s.sent()) >= n })
}

// checkExactlyOnce fails unless the created events are exactly the messages
// of ids, once each and in order, and says how many were caught up.
func checkExactlyOnce(tb testing.TB, events []sdk.Event, ids []int64) (caughtUp int) {
	tb.Helper()
	var got []int64
	for _, e := range events {
		if e.Type == sdk.EventMessageCreated {
			got = append(got, e.Message.ID)
			if e.CaughtUp {
				caughtUp++
			}
		}
	}
	if len(got) != len(ids) {
		tb.Errorf("%d messages delivered, %d sent", len(got), len(ids))
	}
	for i := range min(len(got), len(ids)) {
		if got[i] != ids[i] {
			tb.Fatalf("delivery %d is message %d, want %d (delivered %v)", i, got[i], ids[i], got)
		}
	}
	return caughtUp
}

// TestStreamAcrossServerRestarts is the guarantee of the package: while an
// agent keeps sending, the server cuts every socket (its gateway closes, then
// it restarts on the same database) twice, and the contact's stream still
// delivers every message exactly once and in order.
func TestStreamAcrossServerRestarts(t *testing.T) {
	srv := MustStartServer(t)
	c, started := srv.Contact(t)
	st := runStream(t, c, sdk.StreamOptions{Backoff: fast})
	st.waitConnected(t, 1)
	const n = 300
	sender := startAgentSender(t, srv, started.Conversation.ID, n)

	// Cut 1: the gateway closes every socket and refuses new ones while the
	// agent goes on sending; then the server restarts.
	sender.waitSent(t, n/3)
	srv.App().Gateway.Close()
	time.Sleep(30 * time.Millisecond)
	srv.Restart(t)
	st.waitConnected(t, 2)

	// Cut 2: a plain restart.
	sender.waitSent(t, 2*n/3)
	srv.Restart(t)
	st.waitConnected(t, 3)

	<-sender.done
	ids := sender.sent()
	if len(ids) != n {
		t.Fatalf("sent %d of %d", len(ids), n)
	}
	st.waitEvents(t, n)
	caughtUp := checkExactlyOnce(t, st.Events(), ids)
	if caughtUp == 0 {
		t.Error("no message was recovered by catch-up: the cuts did not test it")
	}
	var lost int
	for _, s := range st.States() {
		if !s.Connected {
			lost++
		}
	}
	t.Logf("%d messages, %d caught up, %d failed connections or attempts", n, caughtUp, lost)
}

// TestStreamAcrossNetworkCuts cuts the TCP connections between client and
// server (no close frame) three times while the agent sends and the
// contact's handler marks each message delivered: every message arrives
// once, and so does every status change.
func TestStreamAcrossNetworkCuts(t *testing.T) {
	srv := MustStartServer(t)
	proxy := StartProxy(t, srv.Addr)
	_, started := srv.Contact(t)
	c := sdk.New(proxy.URL, sdk.WithToken(started.Token), sdk.WithRetries(10, fast))
	rec := &recorder{}
	rec.then = func(e sdk.Event) {
		if e.Type == sdk.EventMessageCreated {
			if err := c.MarkDelivered(context.Background(), e.Message.ID); err != nil {
				t.Errorf("mark delivered: %v", err)
			}
		}
	}
	st := c.Stream(sdk.StreamOptions{Backoff: fast, OnState: rec.state})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx, rec.event) }()
	defer func() {
		cancel()
		<-done
	}()
	apptest.Eventually(t, "the first connection", func() bool { return rec.connections() >= 1 })

	const n = 200
	sender := startAgentSender(t, srv, started.Conversation.ID, n)
	for cut := 1; cut <= 3; cut++ {
		sender.waitSent(t, cut*n/4)
		proxy.Cut()
		apptest.Eventually(t, "a reconnection", func() bool { return rec.connections() > cut })
	}
	<-sender.done
	ids := sender.sent()
	apptest.Eventually(t, "every message and its delivery", func() bool { return len(rec.Events()) >= 2*n })
	events := rec.Events()
	checkExactlyOnce(t, events, ids)
	updates := map[int64]int{}
	created := map[int64]bool{}
	for _, e := range events {
		switch e.Type {
		case sdk.EventMessageCreated:
			created[e.Message.ID] = true
		case sdk.EventMessageUpdated:
			if !created[e.Message.ID] || e.Message.Status != sdk.StatusDelivered {
				t.Errorf("update of %d before its creation or not delivered: %+v", e.Message.ID, e.Message)
			}
			updates[e.Message.ID]++
		default:
			t.Errorf("unexpected %s event", e.Type)
		}
	}
	for _, id := range ids {
		if updates[id] != 1 {
			t.Errorf("message %d: %d delivery updates, want 1", id, updates[id])
		}
	}
	if len(events) != 2*n {
		t.Errorf("%d events, want %d", len(events), 2*n)
	}
}

// TestStreamBackoff checks the waits between attempts against a server that
// is down, then that the stream connects once it is back and starts its
// backoff again from the start after a connection.
func TestStreamBackoff(t *testing.T) {
	srv := MustStartServer(t)
	c, started := srv.Contact(t)
	srv.Stop()
	b := sdk.Backoff{Min: 2 * time.Millisecond, Max: 16 * time.Millisecond, Rand: func() float64 { return 0.999 }}
	st := runStream(t, c, sdk.StreamOptions{Backoff: b})
	apptest.Eventually(t, "six attempts", func() bool { return len(st.States()) >= 6 })
	for i, s := range st.States()[:6] {
		want := b.Delay(i)
		if s.Connected || s.Err == nil || s.Attempt != i+1 || s.RetryIn != want {
			t.Errorf("state %d = %+v, want attempt %d retrying in %v", i, s, i+1, want)
		}
	}
	if got := st.States()[5].RetryIn; got < 15*time.Millisecond || got > 16*time.Millisecond {
		t.Errorf("the wait stops growing at Max: %v", got)
	}

	srv.Restart(t)
	st.waitConnected(t, 1)
	srv.AgentText(t, started.Conversation.ID, "back")
	if e := st.waitEvents(t, 1)[0]; e.Message == nil || e.Message.Content != "back" {
		t.Errorf("event %+v", e)
	}
	n := len(st.States())
	srv.Restart(t)
	st.waitConnected(t, 2)
	if s := st.States()[n]; s.Connected || s.Attempt != 1 || s.RetryIn > b.Min {
		t.Errorf("after a connection the backoff starts again: %+v", s)
	}
}

// TestStreamKeepalive runs a server whose keepalive would disconnect a silent
// client after 90ms; the stream answers it (and sends no pings, which would
// also count as life) and stays connected.
func TestStreamKeepalive(t *testing.T) {
	srv := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.Gateway.PresenceInterval = 30 * time.Millisecond
		cfg.Gateway.SweepInterval = 5 * time.Millisecond
	})
	c, started := srv.Contact(t)
	st := runStream(t, c, sdk.StreamOptions{PingInterval: -1, Backoff: fast})
	st.waitConnected(t, 1)
	time.Sleep(400 * time.Millisecond)
	if states := st.States(); len(states) != 1 {
		t.Errorf("states %+v, want one connection that lasted", states)
	}
	srv.AgentText(t, started.Conversation.ID, "still here")
	st.waitEvents(t, 1)
}

// TestStreamPingFindsDeadConnection freezes the network under an open
// connection (nothing is delivered, nothing is closed): the stream's ping
// finds out and it reconnects, without waiting on the frozen keep-alive
// connection of its HTTP client either.
func TestStreamPingFindsDeadConnection(t *testing.T) {
	srv := MustStartServer(t)
	proxy := StartProxy(t, srv.Addr)
	_, started := srv.Contact(t)
	c := sdk.New(proxy.URL, sdk.WithToken(started.Token))
	st := runStream(t, c, sdk.StreamOptions{PingInterval: 30 * time.Millisecond, Timeout: 200 * time.Millisecond, Backoff: fast})
	st.waitConnected(t, 1)
	proxy.Freeze()
	st.waitConnected(t, 2)
	var pongless bool
	for _, s := range st.States() {
		pongless = pongless || (s.Err != nil && strings.Contains(s.Err.Error(), "no pong"))
	}
	if !pongless {
		t.Errorf("states %+v, want a lost pong", st.States())
	}
	srv.AgentText(t, started.Conversation.ID, "after the freeze")
	if e := st.waitEvents(t, 1)[0]; e.Message.Content != "after the freeze" {
		t.Errorf("event %+v", e)
	}
}

func TestStreamRejected(t *testing.T) {
	srv := MustStartServer(t)
	st := runStream(t, srv.Client(sdk.WithToken("kJGO53QxaEuhHaOU3h5Dc5")), sdk.StreamOptions{Backoff: fast})
	select {
	case err := <-st.done:
		if !sdk.IsUnauthorized(err) {
			t.Errorf("Run = %v, want 401", err)
		}
		st.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept retrying a refused token")
	}
	if s := st.States(); len(s) != 1 || s[0].Connected || s[0].Attempt != 0 || !sdk.IsUnauthorized(s[0].Err) {
		t.Errorf("states %+v", s)
	}
}

// TestStreamStops checks that cancelling Run's context ends it promptly and
// leaves no goroutine behind, the stream's nor the connection's.
func TestStreamStops(t *testing.T) {
	srv := MustStartServer(t)
	_, started := srv.Contact(t)
	transport := &http.Transport{}
	c := sdk.New(srv.URL, sdk.WithHTTPClient(&http.Client{Transport: transport}), sdk.WithToken(started.Token))
	if _, err := c.Settings(context.Background()); err != nil { // an idle connection in the baseline
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	st := runStream(t, c, sdk.StreamOptions{PingInterval: 10 * time.Millisecond})
	st.waitConnected(t, 1)
	srv.AgentText(t, started.Conversation.ID, "one")
	st.waitEvents(t, 1)
	start := time.Now()
	if err := st.Stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run took %v to return", d)
	}
	transport.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after Run returned, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	apptest.Eventually(t, "the server to see the socket closed", func() bool { return srv.App().Gateway.Connections() == 0 })
}

// TestStreamStopsWhileReconnecting cancels Run while it waits to reconnect.
func TestStreamStopsWhileReconnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	st := runStream(t, sdk.New("http://"+addr, sdk.WithToken("t")), sdk.StreamOptions{Backoff: sdk.Backoff{Min: time.Hour}})
	apptest.Eventually(t, "a failed attempt", func() bool { return len(st.States()) > 0 })
	if err := st.Stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
}

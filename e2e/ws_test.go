package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

func adminToken(srv *Server) string { return srv.App.Bootstrap.Admin.PubsubToken }

func TestWebSocketEvents(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "sdk-contact-494"})
	other := srv.StartConversation(t, map[string]any{"name": "someone else"})
	contact := srv.DialWS(t)
	contact.Subscribe(t, c.Token)
	agent := srv.DialWS(t)
	agent.Subscribe(t, adminToken(srv))
	bystander := srv.DialWS(t)
	bystander.Subscribe(t, other.Token)

	t.Run("ContactMessageOpensConversation", func(t *testing.T) {
		srv.Send(t, c, "hello", "589")
		for _, ws := range []*WSClient{contact, agent} {
			status := ws.Expect(t, "conversation.status_changed")
			assertDocumentedKeys(t, "ws-conversation-status-changed.json", status.Data)
			var conv struct {
				Status, Substatus string
				DialogID          string `json:"dialog_id"`
				Meta              struct{ Sender struct{ Name string } }
			}
			json.Unmarshal(status.Data, &conv)
			if conv.Status != "open" || conv.Substatus != "oninbox" || conv.DialogID == "" || conv.Meta.Sender.Name != "sdk-contact-494" {
				t.Errorf("status_changed = %s", status.Data)
			}
			created := ws.Expect(t, "message.created")
			assertDocumentedKeys(t, "ws-message-created-by-contact.json", created.Data)
			var m struct {
				Content     string
				MessageType string `json:"message_type"`
			}
			json.Unmarshal(created.Data, &m)
			if m.Content != "hello" || m.MessageType != "incoming" {
				t.Errorf("message.created = %s", created.Data)
			}
		}
	})

	t.Run("AgentMessageAndPrivateNote", func(t *testing.T) {
		agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("hi there"), EchoID: "fad29d60472f"})
		for _, ws := range []*WSClient{contact, agent} {
			f := ws.Expect(t, "message.created")
			assertDocumentedKeys(t, "ws-message-created-by-agent.json", f.Data)
			if !strings.Contains(string(f.Data), `"message_type":"outgoing"`) || !strings.Contains(string(f.Data), `"sender_type":"User"`) {
				t.Errorf("agent message = %s", f.Data)
			}
		}
		agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("secret note"), Private: true})
		note := agent.Expect(t, "message.created")
		if !strings.Contains(string(note.Data), "secret note") {
			t.Errorf("agent did not get the note: %s", note.Data)
		}
		contact.ExpectNothing(t, 200*time.Millisecond)
	})

	t.Run("UpdatedReactionDeleted", func(t *testing.T) {
		srv.Send(t, c, "to be changed", "chg")
		contact.Expect(t, "message.created")
		agent.Expect(t, "message.created")
		id := ids(srv.Messages(t, c, "?limit=1"))[0]
		srv.SDK(t, 200, Request{Method: "PATCH", Path: messagesPath + "/status", Token: c.Token, Body: fmt.Sprintf(`{"status":"delivered","messageIds":[%d]}`, id)})
		srv.SDK(t, 200, Request{Method: "POST", Path: fmt.Sprintf("%s/%d/reactions", messagesPath, id), Token: c.Token, Body: `{"reaction":"👍"}`})
		srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, id), Token: c.Token})
		for _, ws := range []*WSClient{contact, agent} {
			assertDocumentedKeys(t, "ws-message-updated.json", ws.Expect(t, "message.updated").Data)
			assertDocumentedKeys(t, "ws-message-reaction-updated.json", ws.Expect(t, "message.reaction_updated").Data)
			assertDocumentedKeys(t, "ws-message-deleted.json", ws.Expect(t, "message.deleted").Data)
		}
	})

	t.Run("NoOneElse", func(t *testing.T) {
		bystander.ExpectNothing(t, 100*time.Millisecond)
	})

	t.Run("TypingBothWays", func(t *testing.T) {
		contact.Send(t, map[string]any{"event": "typing", "data": map[string]any{"conversation_id": c.ConversationID, "account_id": 1}})
		f := agent.Expect(t, "typing")
		assertDocumentedKeys(t, "ws-typing-from-contact.json", f.Data)
		if !strings.Contains(string(f.Data), `"sender_type":"Contact"`) || !strings.Contains(string(f.Data), "sdk-contact-494") {
			t.Errorf("typing = %s", f.Data)
		}
		contact.ExpectNothing(t, 50*time.Millisecond)
		// A second frame inside the throttle interval is dropped.
		contact.Send(t, map[string]any{"event": "typing", "data": map[string]any{"conversation_id": c.ConversationID, "account_id": 1}})
		agent.ExpectNothing(t, 100*time.Millisecond)

		if err := srv.App.Service.AgentTyping(context.Background(), novatalks.UserActor(srv.App.Bootstrap.Admin), c.ConversationID, true, false); err != nil {
			t.Fatal(err)
		}
		f = contact.Expect(t, "typing")
		assertDocumentedKeys(t, "ws-typing-from-agent.json", f.Data)
		if !strings.Contains(string(f.Data), `"sender_type":"User"`) {
			t.Errorf("typing = %s", f.Data)
		}
		agent.Expect(t, "typing")
		bystander.ExpectNothing(t, 50*time.Millisecond)
	})

	t.Run("TypingInAnotherConversationRefused", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Subscribe(t, other.Token)
		ws.Send(t, map[string]any{"event": "typing", "data": map[string]any{"conversation_id": c.ConversationID}})
		ws.Expect(t, "error")
		agent.ExpectNothing(t, 100*time.Millisecond)
	})
}

func TestWebSocketProtocolErrors(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "a"})

	t.Run("RejectBadToken", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Send(t, map[string]any{"event": "subscribe", "data": map[string]any{"pubsub_token": "kJGO53QxaEuhHaOU3h5Dc5", "account_id": 1}})
		f := ws.Expect(t, "reject_subscription")
		if string(f.Data) != `"unauthorized"` {
			t.Errorf("data %s", f.Data)
		}
		if code := ws.ExpectClose(t); code != 4001 {
			t.Errorf("close code %d, want 4001", code)
		}
	})
	t.Run("RejectWrongAccount", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Send(t, map[string]any{"event": "subscribe", "data": map[string]any{"pubsub_token": c.Token, "account_id": 2}})
		ws.Expect(t, "reject_subscription")
	})
	t.Run("ErrorFrames", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.SendRaw(t, websocket.MessageText, []byte(`{not json`))
		if f := ws.Expect(t, "error"); !strings.Contains(string(f.Data), "malformed") {
			t.Errorf("error %s", f.Data)
		}
		ws.Send(t, map[string]any{"event": "dance"})
		if f := ws.Expect(t, "error"); !strings.Contains(string(f.Data), "unknown event") {
			t.Errorf("error %s", f.Data)
		}
		ws.SendRaw(t, websocket.MessageBinary, []byte{1, 2, 3})
		ws.Expect(t, "error")
		ws.Send(t, map[string]any{"event": "subscribe", "data": map[string]any{}})
		ws.Expect(t, "error")
		// Still usable after errors.
		ws.Subscribe(t, c.Token)
	})
	t.Run("FrameOver64KiB", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Subscribe(t, c.Token)
		// The server may close as soon as the frame header announces the
		// size, so the write itself may fail: only the close code matters.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ws.conn.Write(ctx, websocket.MessageText, []byte(`{"event":"typing","data":"`+strings.Repeat("x", 65<<10)+`"}`))
		if code := ws.ExpectClose(t); code != websocket.StatusMessageTooBig {
			t.Errorf("close code %d, want 1009", code)
		}
	})
	t.Run("SeveralSubscriptionsOnOneConnection", func(t *testing.T) {
		d := srv.StartConversation(t, map[string]any{"name": "d"})
		ws := srv.DialWS(t)
		ws.Subscribe(t, c.Token)
		ws.Subscribe(t, d.Token)
		srv.Send(t, c, "to c", "c1")
		srv.Send(t, d, "to d", "d1")
		got := map[string]bool{}
		for range 4 { // status_changed + message.created for each
			f := ws.Next(t)
			if f.Event == "message.created" {
				var m struct{ Content string }
				json.Unmarshal(f.Data, &m)
				got[m.Content] = true
			}
		}
		if !got["to c"] || !got["to d"] {
			t.Errorf("got %v", got)
		}
	})
}

func TestWebSocketKeepaliveAndDeadlines(t *testing.T) {
	srv := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.Gateway.PresenceInterval = 100 * time.Millisecond
		cfg.Gateway.SweepInterval = 20 * time.Millisecond
		cfg.Gateway.SubscribeTimeout = 200 * time.Millisecond
	})
	c := srv.StartConversation(t, map[string]any{"name": "a"})

	t.Run("SubscribeDeadline", func(t *testing.T) {
		ws := srv.DialWS(t)
		if code := ws.ExpectClose(t); code != 4008 {
			t.Errorf("close code %d, want 4008", code)
		}
	})
	t.Run("PresenceKeepsAnsweringClientAlive", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Subscribe(t, c.Token)
		deadline := time.Now().Add(700 * time.Millisecond) // over twice the idle limit of 300ms
		presences := 0
		for time.Now().Before(deadline) {
			select {
			case f := <-ws.frames:
				if f.Event == "presence.update" {
					presences++
					if string(f.Data) != "{}" {
						t.Errorf("presence data %s", f.Data)
					}
					ws.Send(t, map[string]any{"event": "update_presence"})
				}
			case <-ws.closed:
				t.Fatalf("an answering client was disconnected: %v", ws.err)
			case <-time.After(50 * time.Millisecond):
			}
		}
		if presences < 3 {
			t.Errorf("%d presence.update frames in 700ms at a 100ms interval", presences)
		}
	})
	t.Run("SilentClientDisconnected", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Subscribe(t, c.Token)
		start := time.Now()
		if code := ws.ExpectClose(t); code != 4009 {
			t.Errorf("close code %d, want 4009", code)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("disconnected after %v, before three intervals", d)
		}
	})
	t.Run("PingCountsAsAlive", func(t *testing.T) {
		ws := srv.DialWS(t)
		ws.Subscribe(t, c.Token)
		for range 6 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := ws.conn.Ping(ctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			cancel()
			time.Sleep(80 * time.Millisecond)
		}
	})
}

// TestWebSocketKeepalivesAreSpread: each connection gets its keepalive on
// the rhythm of its own opening, so two connections opened half an interval
// apart never get theirs in the same sweep (a busy node would otherwise
// write one to every client at once).
func TestWebSocketKeepalivesAreSpread(t *testing.T) {
	const interval = 400 * time.Millisecond
	srv := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.Gateway.PresenceInterval = interval
		cfg.Gateway.SweepInterval = 20 * time.Millisecond
	})
	c := srv.StartConversation(t, map[string]any{"name": "a"})
	first := srv.DialWS(t)
	first.Subscribe(t, c.Token)
	time.Sleep(interval / 2)
	second := srv.DialWS(t)
	second.Subscribe(t, c.Token)

	var arrivals [2][]time.Time
	deadline := time.After(3*interval + interval/4)
	for done := false; !done; {
		select {
		case f := <-first.frames:
			if f.Event == "presence.update" {
				arrivals[0] = append(arrivals[0], time.Now())
				first.Send(t, map[string]any{"event": "update_presence"})
			}
		case f := <-second.frames:
			if f.Event == "presence.update" {
				arrivals[1] = append(arrivals[1], time.Now())
				second.Send(t, map[string]any{"event": "update_presence"})
			}
		case <-first.closed:
			t.Fatalf("first client disconnected: %v", first.err)
		case <-second.closed:
			t.Fatalf("second client disconnected: %v", second.err)
		case <-deadline:
			done = true
		}
	}
	if len(arrivals[0]) < 2 || len(arrivals[1]) < 2 {
		t.Fatalf("keepalives: %d and %d in %v at a %v interval", len(arrivals[0]), len(arrivals[1]), 3*interval, interval)
	}
	for _, b := range arrivals[1] {
		for _, a := range arrivals[0] {
			if gap := b.Sub(a).Abs(); gap < interval/4 {
				t.Fatalf("the two clients' keepalives came %v apart; connections opened %v apart must get theirs about that far apart", gap, interval/2)
			}
		}
	}
}

// TestWebSocketOrdering sends many messages from several goroutines to one
// conversation: subscribers must see them in commit (ID) order.
func TestWebSocketOrdering(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "a", "message": map[string]any{"content": "start", "echo_id": "s"}})
	ws := srv.DialWS(t)
	ws.Subscribe(t, c.Token)
	agent := srv.DialWS(t)
	agent.Subscribe(t, adminToken(srv))
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				resp := srv.Do(t, Request{Method: "POST", Path: messagesPath, Token: c.Token,
					Body: map[string]any{"message": map[string]any{"content": "m", "echo_id": fmt.Sprintf("%d-%d", w, i)}}})
				if resp.Status != 200 {
					t.Errorf("status %d", resp.Status)
				}
			}
		}()
	}
	wg.Wait()
	for _, client := range []*WSClient{ws, agent} {
		last := int64(0)
		for range writers * each {
			f := client.Expect(t, "message.created")
			var m struct{ ID int64 }
			json.Unmarshal(f.Data, &m)
			if m.ID <= last {
				t.Fatalf("message %d arrived after %d", m.ID, last)
			}
			last = m.ID
		}
	}
}

// TestWebSocketSlowConsumer checks that a client that stops reading is
// disconnected and does not hold up anyone else.
func TestWebSocketSlowConsumer(t *testing.T) {
	srv := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.Gateway.MaxQueueBytes = 64 << 10
		cfg.Gateway.SocketWriteBuffer = 8 << 10
	})
	c := srv.StartConversation(t, map[string]any{"name": "a"})
	// The slow client: a raw TCP WebSocket that never reads after subscribing.
	slow := dialRawWS(t, srv, c.Token)
	fast := srv.DialWS(t)
	fast.Subscribe(t, c.Token)

	big := strings.Repeat("x", 9000)
	const n = 300 // ~2.7 MB of events: far more than the slow client's buffers
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			srv.Send(t, c, big, fmt.Sprintf("big-%d", i))
		}
	}()
	got := 0
	for got < n {
		f := fast.Next(t)
		if f.Event == "message.created" {
			got++
		}
	}
	<-done
	apptest.Eventually(t, "the slow client to be disconnected", func() bool { return srv.App.Gateway.Connections() == 1 })
	slow.Close()
}

// dialRawWS performs a WebSocket handshake and subscription over a raw TCP
// connection with a tiny receive buffer, then never reads again.
func dialRawWS(t *testing.T, srv *Server, token string) interface{ Close() error } {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"event": "subscribe", "data": map[string]any{"pubsub_token": token}})
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	if _, _, err := conn.Read(ctx); err != nil { // confirm_subscription
		t.Fatal(err)
	}
	return closer(func() error { return conn.CloseNow() })
}

type closer func() error

func (c closer) Close() error { return c() }

// TestWebSocketShutdown checks that closing the server closes every socket
// cleanly with 1001 and leaves no goroutine behind.
func TestWebSocketShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := MustStartServerWith(t, func(*app.Config) {})
	c := srv.StartConversation(t, map[string]any{"name": "a"})
	var clients []*WSClient
	for range 5 {
		ws := srv.DialWS(t)
		ws.Subscribe(t, c.Token)
		clients = append(clients, ws)
	}
	srv.App.Gateway.Close()
	for _, ws := range clients {
		if code := ws.ExpectClose(t); code != websocket.StatusGoingAway {
			t.Errorf("close code %d, want 1001", code)
		}
	}
	for _, ws := range clients {
		ws.conn.CloseNow()
	}
	srv.Stop()
	expectGoroutinesBack(t, before)
}

// TestWebSocketResyncIsSpread asks the gateway to send every client to catch
// up, as the server does when its broker lost events: every connection is
// closed with 1012, but ResyncRate a second, so that the clients of a busy
// node do not all reconnect at once; a gateway that closes meanwhile closes
// the rest with 1001, and nothing is left running.
func TestWebSocketResyncIsSpread(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := MustStartServerWith(t, func(cfg *app.Config) { cfg.Gateway.ResyncRate = 100 }) // 10 each tenth of a second
	c := srv.StartConversation(t, map[string]any{"name": "a"})
	const n = 30
	clients := make([]*WSClient, n)
	for i := range clients {
		clients[i] = srv.DialWS(t)
		clients[i].Subscribe(t, c.Token)
	}
	start := time.Now()
	if got := srv.App.Gateway.Resync(); got != n {
		t.Fatalf("Resync closes %d connections, want %d", got, n)
	}
	// The second share is closed a tenth of a second after the first, at
	// the earliest: half of that in, at most the first share is.
	time.Sleep(50*time.Millisecond - time.Since(start))
	closedEarly := 0
	for _, ws := range clients {
		select {
		case <-ws.closed:
			closedEarly++
		default:
		}
	}
	if closedEarly > 10 {
		t.Errorf("%d of %d connections closed within 50 ms, want at most 10 (100 a second)", closedEarly, n)
	}
	for _, ws := range clients {
		if code := ws.ExpectClose(t); code != websocket.StatusServiceRestart {
			t.Errorf("close code %d, want 1012", code)
		}
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("all %d connections closed in %v, want three shares a tenth of a second apart", n, took)
	}

	// A resync cut short by the gateway closing.
	late := make([]*WSClient, n)
	for i := range late {
		late[i] = srv.DialWS(t)
		late[i].Subscribe(t, c.Token)
	}
	srv.App.Gateway.Resync()
	srv.App.Gateway.Close()
	for _, ws := range late {
		if code := ws.ExpectClose(t); code != websocket.StatusServiceRestart && code != websocket.StatusGoingAway {
			t.Errorf("close code %d, want 1012 or 1001", code)
		}
	}
	for _, ws := range append(clients, late...) {
		ws.conn.CloseNow()
	}
	srv.Stop()
	expectGoroutinesBack(t, before)
}

// expectGoroutinesBack fails the test unless the process is back to at most
// before goroutines within 3 s (after the server stopped).
func expectGoroutinesBack(t *testing.T, before int) {
	t.Helper()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines after shutdown, %d before:\n%s", n, before, buf)
	}
}

// TestWebSocketConnectionBound: a node holds at most MaxConnections
// sockets. One more upgrade is refused with 503 and Retry-After before it
// becomes a WebSocket (the node keeps its open files for its API), and is
// taken again once a socket has closed.
func TestWebSocketConnectionBound(t *testing.T) {
	srv := MustStartServerWith(t, func(cfg *app.Config) { cfg.Gateway.MaxConnections = 2 })
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	dial := func() (*websocket.Conn, *http.Response, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return websocket.Dial(ctx, url, nil)
	}
	first := srv.DialWS(t)
	srv.DialWS(t)
	if conn, resp, err := dial(); err == nil {
		conn.CloseNow()
		t.Fatal("a third socket was accepted over a bound of 2")
	} else if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the third upgrade: %v, response %+v; want 503 with Retry-After", err, resp)
	}
	// The API still answers while the gateway is full.
	srv.StartConversation(t, map[string]any{"name": "while full"})

	first.conn.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for srv.App.Gateway.Connections() > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the gateway still counts %d sockets after one closed", srv.App.Gateway.Connections())
		}
		time.Sleep(10 * time.Millisecond)
	}
	conn, _, err := dial()
	if err != nil {
		t.Fatalf("an upgrade after a socket closed: %v", err)
	}
	conn.CloseNow()
}

package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// WSClient is a real WebSocket client of the server. A goroutine reads every
// frame into a channel so that a test can wait for one, or make sure none comes.
type WSClient struct {
	conn   *websocket.Conn
	frames chan WSFrame
	closed chan struct{}
	err    error // why reading stopped, set before closed is closed
}

// WSFrame is one server frame.
type WSFrame struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	Raw   []byte          `json:"-"`
}

// DialWS opens a WebSocket to /ws and closes it when the test ends.
func (s *Server) DialWS(tb testing.TB) *WSClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws", nil)
	if err != nil {
		tb.Fatalf("dial /ws: %v", err)
	}
	conn.SetReadLimit(4 << 20)
	c := &WSClient{conn: conn, frames: make(chan WSFrame, 4096), closed: make(chan struct{})}
	go func() {
		defer close(c.closed)
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				c.err = err
				return
			}
			var f WSFrame
			if jerr := json.Unmarshal(b, &f); jerr != nil {
				c.err = jerr
				return
			}
			f.Raw = b
			c.frames <- f
		}
	}()
	tb.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	return c
}

// Send writes v as a JSON text frame.
func (c *WSClient) Send(tb testing.TB, v any) {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	c.SendRaw(tb, websocket.MessageText, b)
}

// SendRaw writes one frame as it is.
func (c *WSClient) SendRaw(tb testing.TB, typ websocket.MessageType, b []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, typ, b); err != nil {
		tb.Fatalf("write: %v", err)
	}
}

// Next returns the next frame other than presence.update.
func (c *WSClient) Next(tb testing.TB) WSFrame {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case f := <-c.frames:
			if f.Event == "presence.update" {
				continue
			}
			return f
		case <-c.closed:
			select {
			case f := <-c.frames:
				if f.Event != "presence.update" {
					return f
				}
				continue
			default:
			}
			tb.Fatalf("connection closed while waiting for a frame: %v", c.err)
		case <-deadline:
			tb.Fatal("timed out waiting for a frame")
		}
	}
}

// Expect returns the next frame and fails unless it is event.
func (c *WSClient) Expect(tb testing.TB, event string) WSFrame {
	tb.Helper()
	f := c.Next(tb)
	if f.Event != event {
		tb.Fatalf("got %s frame %s, want %s", f.Event, f.Raw, event)
	}
	return f
}

// ExpectNothing fails if a frame other than presence.update arrives within d.
func (c *WSClient) ExpectNothing(tb testing.TB, d time.Duration) {
	tb.Helper()
	deadline := time.After(d)
	for {
		select {
		case f := <-c.frames:
			if f.Event != "presence.update" {
				tb.Fatalf("unexpected frame %s", f.Raw)
			}
		case <-deadline:
			return
		}
	}
}

// ExpectClose waits for the server to close the socket and returns the close code.
func (c *WSClient) ExpectClose(tb testing.TB) websocket.StatusCode {
	tb.Helper()
	select {
	case <-c.closed:
		return websocket.CloseStatus(c.err)
	case <-time.After(5 * time.Second):
		tb.Fatal("server did not close the connection")
		return 0
	}
}

// Subscribe subscribes with token and waits for confirm_subscription.
func (c *WSClient) Subscribe(tb testing.TB, token string) {
	tb.Helper()
	c.Send(tb, map[string]any{"event": "subscribe", "data": map[string]any{"pubsub_token": token, "account_id": 1}})
	f := c.Expect(tb, "confirm_subscription")
	if string(f.Data) != `"confirmed"` {
		tb.Fatalf("confirm data %s", f.Data)
	}
}

// assertDocumentedKeys fails unless got has every key of the documented
// example (recursively into objects and the first element of arrays).
func assertDocumentedKeys(tb testing.TB, example string, got json.RawMessage) {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(specDir(), "examples", example))
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct{ Data any }
	var have any
	if err := json.Unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		tb.Fatal(err)
	}
	if missing := missingKeys("data", doc.Data, have); len(missing) > 0 {
		tb.Errorf("%s: missing documented fields %v in %s", example, missing, got)
	}
}

func missingKeys(path string, want, have any) []string {
	var out []string
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			if have == nil {
				return nil // documented object, null here (reply, assignee): allowed
			}
			return []string{path + " (not an object)"}
		}
		for k, v := range w {
			hv, present := h[k]
			if !present {
				out = append(out, path+"."+k)
				continue
			}
			out = append(out, missingKeys(path+"."+k, v, hv)...)
		}
	case []any:
		h, ok := have.([]any)
		if ok && len(w) > 0 && len(h) > 0 {
			out = append(out, missingKeys(path+"[0]", w[0], h[0])...)
		}
	}
	return out
}

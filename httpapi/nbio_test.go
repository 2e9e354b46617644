package httpapi_test

import (
	"bytes"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/fanout"
	"github.com/novatalks/novatalks/httpapi"
)

// TestGatewayCloseRightAfterStart closes gateways as soon as they start.
// With nbio v1.6.8 a poller whose goroutine entered its loop only after Stop
// never stopped, and Close hung about once in a hundred tries; the gateway
// now waits for its pollers to run (httpapi/nbio.go).
func TestGatewayCloseRightAfterStart(t *testing.T) {
	var logs bytes.Buffer // slog's handler serializes its writes
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for i := range 500 {
		g, err := httpapi.NewGateway(&novatalks.Service{}, fanout.NewLocal(), httpapi.GatewayConfig{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() {
			g.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("Close of gateway %d hung:\n%s", i, buf[:runtime.Stack(buf, true)])
		}
	}
	if logs.Len() > 0 {
		t.Errorf("the gateway could not check its pollers:\n%s", logs.String())
	}
}

// Package apptest runs the real novatalks server in-process for the tests of
// other packages: the wiring of internal/app on a SQLite database in a
// folder, served on a loopback address. A test can restart the server on the
// same folder and address, as an operator restarting it would, to see what
// clients do when every connection drops.
package apptest

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/pgtest"
)

// StartApp builds the server on the database in dir and serves it on addr
// ("127.0.0.1:0" for any port). It waits a little for addr when a server that
// just stopped still holds it. Stop the pair with hs.Close, then a.Close.
func StartApp(dir, addr string, tweak func(*app.Config)) (a *app.App, hs *httptest.Server, err error) {
	var ln net.Listener
	for try := 0; ; try++ {
		if ln, err = net.Listen("tcp", addr); err == nil || try == 50 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return nil, nil, err
	}
	// The public URL is the address clients really use, as in a deployment:
	// attachment URLs then load in a browser under the pages' policy.
	cfg := app.Config{DataDir: dir, PublicURL: "http://" + ln.Addr().String()}
	if tweak != nil {
		tweak(&cfg)
	}
	if a, err = app.New(context.Background(), cfg); err != nil {
		ln.Close()
		return nil, nil, err
	}
	hs = httptest.NewUnstartedServer(a.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	return a, hs, nil
}

// StoreEnv names the environment variable that picks the store of the
// servers Start starts: "postgres" keeps each data folder's data in a
// PostgreSQL schema of its own (on pgtest.EnvURL, which must then be set),
// so that the end-to-end tests run unchanged against PostgreSQL; anything
// else keeps SQLite.
const StoreEnv = "NOVATALKS_TEST_STORE"

// databases maps a data folder to its PostgreSQL URL, so that a restart, or
// a second server on the same folder, finds the same data.
var databases sync.Map

// withStore returns tweak followed by the choice of the store of StoreEnv.
func withStore(tb testing.TB, tweak func(*app.Config)) func(*app.Config) {
	tb.Helper()
	return func(cfg *app.Config) {
		if tweak != nil {
			tweak(cfg)
		}
		if cfg.DatabaseURL != "" || os.Getenv(StoreEnv) != "postgres" {
			return
		}
		url, ok := databases.Load(cfg.DataDir)
		if !ok {
			url, _ = databases.LoadOrStore(cfg.DataDir, pgtest.URL(tb))
		}
		cfg.DatabaseURL = url.(string)
	}
}

// Server is a running server of one test.
type Server struct {
	URL  string // http://127.0.0.1:port, the same across restarts
	Addr string
	// Admin is the administrator the first start created, the agent of the
	// tests (a restart on the same database creates no one), and AdminToken
	// its API access token.
	Admin      novatalks.Actor
	AdminToken string

	dir   string
	tweak func(*app.Config)

	mu  sync.RWMutex
	app *app.App
	hs  *httptest.Server
}

// Start starts a server on a fresh database in a temporary folder, with an
// optional configuration tweak; it stops when the test ends.
func Start(tb testing.TB, tweak func(*app.Config)) *Server {
	tb.Helper()
	s := &Server{dir: tb.TempDir(), tweak: tweak}
	a, hs, err := StartApp(s.dir, "127.0.0.1:0", withStore(tb, tweak))
	if err != nil {
		tb.Fatal(err)
	}
	s.app, s.hs, s.URL, s.Addr = a, hs, hs.URL, hs.Listener.Addr().String()
	if a.Bootstrap.Created { // a tweak may point at a folder that is set up already
		s.Admin, s.AdminToken = novatalks.UserActor(a.Bootstrap.Admin), a.Bootstrap.AdminToken
	}
	tb.Cleanup(s.Stop)
	return s
}

// App returns the running app; while the server restarts it waits, and
// after Stop it returns nil.
func (s *Server) App() *app.App {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.app
}

// Stop stops the server as the binary does: HTTP first, then the WebSocket
// gateway and the database. It is safe to call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.app == nil {
		return
	}
	s.hs.Close()
	s.app.Close()
	s.app, s.hs = nil, nil
}

// Restart stops the server (if it runs) and starts a new one on the same
// database and address: every WebSocket is closed and clients must
// reconnect.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
	a, hs, err := StartApp(s.dir, s.Addr, withStore(tb, s.tweak))
	if err != nil {
		tb.Fatalf("restart: %v", err)
	}
	s.app, s.hs = a, hs
}

// AgentSays sends a message as the administrator through the domain
// service, as the agent API will.
func (s *Server) AgentSays(tb testing.TB, conversationID int64, m novatalks.NewAgentMessage) *novatalks.Message {
	tb.Helper()
	out, err := s.App().Service.SendAgentMessage(context.Background(), s.Admin, conversationID, m)
	if err != nil {
		tb.Fatalf("agent message: %v", err)
	}
	return out
}

// AgentText sends a text message as the administrator.
func (s *Server) AgentText(tb testing.TB, conversationID int64, text string) *novatalks.Message {
	tb.Helper()
	return s.AgentSays(tb, conversationID, novatalks.NewAgentMessage{Content: &text})
}

// Eventually polls cond until it holds, failing the test when ten seconds
// pass first.
func Eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

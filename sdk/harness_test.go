package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/sdk"
)

// baseURL is the address of the server the examples talk to: a real
// novatalks server that TestMain starts in-process. adminToken is the API
// access token of its administrator.
var (
	baseURL    string
	adminToken string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "novatalks-sdk-examples")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	a, hs, err := apptest.StartApp(dir, "127.0.0.1:0", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	baseURL, adminToken = hs.URL, a.Bootstrap.AdminToken
	code := m.Run()
	hs.Close()
	a.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Server is the real server of one test, which it may restart.
type Server struct{ *apptest.Server }

// MustStartServer starts a server on a fresh database; it stops when the test ends.
func MustStartServer(tb testing.TB) *Server { return MustStartServerWith(tb, nil) }

// MustStartServerWith is MustStartServer with a configuration tweak.
func MustStartServerWith(tb testing.TB, tweak func(*app.Config)) *Server {
	tb.Helper()
	return &Server{apptest.Start(tb, tweak)}
}

// Client returns a client of the server with its own HTTP transport, so that
// a test can close its idle connections.
func (s *Server) Client(opts ...sdk.Option) *sdk.Client {
	hc := &http.Client{Transport: &http.Transport{}}
	return sdk.New(s.URL, append([]sdk.Option{sdk.WithHTTPClient(hc)}, opts...)...)
}

// Contact starts a conversation and returns a client acting as its contact.
func (s *Server) Contact(tb testing.TB, opts ...sdk.Option) (*sdk.Client, *sdk.Started) {
	tb.Helper()
	c := s.Client(opts...)
	started, err := c.CreateConversation(context.Background(), sdk.NewConversation{Name: "Ada"})
	if err != nil {
		tb.Fatal(err)
	}
	return c.WithToken(started.Token), started
}

// Agent returns an agent client of the server acting as its administrator,
// with its own HTTP transport.
func (s *Server) Agent(opts ...sdk.Option) *sdk.AgentClient {
	hc := &http.Client{Transport: &http.Transport{}}
	return sdk.NewAgentClient(s.URL, s.AdminToken, append([]sdk.Option{sdk.WithHTTPClient(hc)}, opts...)...)
}

// Proxy is a TCP proxy in front of a server whose connections a test can
// cut, as a flaky network would.
type Proxy struct {
	URL  string
	ln   net.Listener
	down atomic.Bool // refuse new connections

	mu    sync.Mutex
	conns map[net.Conn]bool // true: frozen, what it reads is dropped
	wg    sync.WaitGroup
}

// StartProxy forwards a local port to target (host:port) until the test ends.
func StartProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.track(in, out)
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

func (p *Proxy) track(in, out net.Conn) {
	p.mu.Lock()
	p.conns[in], p.conns[out] = false, false
	p.mu.Unlock()
	pipe := func(dst, src net.Conn) {
		defer p.wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			p.mu.Lock()
			frozen := p.conns[src]
			p.mu.Unlock()
			if n > 0 && !frozen {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
		p.mu.Lock()
		delete(p.conns, dst)
		delete(p.conns, src)
		p.mu.Unlock()
	}
	p.wg.Add(2)
	go pipe(in, out)
	go pipe(out, in)
}

// Cut closes every connection through the proxy at once, without a
// WebSocket close frame; new connections are still forwarded.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// Down cuts every connection and refuses new ones until Up, as a network
// that is down would.
func (p *Proxy) Down() {
	p.down.Store(true)
	p.Cut()
}

// Up accepts connections again after Down.
func (p *Proxy) Up() { p.down.Store(false) }

// Freeze makes the connections open now drop everything they carry, without
// closing them, as a network that went silent would; new connections work.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		p.conns[c] = true
	}
}

// wantError fails unless err is an *sdk.Error with status whose message
// contains message.
func wantError(tb testing.TB, err error, status int, message string) {
	tb.Helper()
	var e *sdk.Error
	if !errors.As(err, &e) || e.StatusCode != status || !strings.Contains(e.Message(), message) {
		tb.Errorf("err = %v, want a %d *sdk.Error saying %q", err, status, message)
	}
}

func ptr[T any](v T) *T { return &v }

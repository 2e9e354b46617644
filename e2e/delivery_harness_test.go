package e2e_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
)

// fastDelivery makes the delivery engine retry within milliseconds, so that
// tests see retries, dead letters and recoveries without sleeping.
func fastDelivery(cfg *app.Config) {
	cfg.Delivery.MinBackoff = 5 * time.Millisecond
	cfg.Delivery.MaxBackoff = 40 * time.Millisecond
	cfg.Delivery.PollInterval = 20 * time.Millisecond
	cfg.Delivery.Timeout = 3 * time.Second
	cfg.Delivery.RetryFor = 20 * time.Second
}

// Delivered is one request a Receiver got.
type Delivered struct {
	Path   string
	Header http.Header
	Body   []byte
	Status int // what the receiver answered
	At     time.Time
}

// ID is the delivery id of the request.
func (d Delivered) ID() string { return d.Header.Get("X-Ntk-Delivery-Id") }

// JSON decodes the body into a generic object.
func (d Delivered) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(d.Body, &m); err != nil {
		tb.Fatalf("body %s: %v", d.Body, err)
	}
	return m
}

// Receiver is a real HTTP receiver of pushes, webhooks and bot events,
// listening on a fixed loopback address that can go down (nothing listens)
// and come back. Answer decides each response; by default 200. It records
// every request, and Unique drops duplicates by delivery id, as a careful
// receiver does.
type Receiver struct {
	URL  string
	addr string

	mu      sync.Mutex
	srv     *http.Server
	got     []Delivered
	answer  func(n int, d Delivered) int // n counts requests from 1
	changed chan struct{}
}

// MustStartReceiver starts a receiver; it stops with the test.
func MustStartReceiver(tb testing.TB) *Receiver {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	rc := &Receiver{addr: ln.Addr().String(), changed: make(chan struct{}, 1)}
	rc.URL = "http://" + rc.addr
	rc.serve(ln)
	tb.Cleanup(rc.Down)
	return rc
}

func (rc *Receiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: rc}
	rc.mu.Lock()
	rc.srv = srv
	rc.mu.Unlock()
	go srv.Serve(ln)
}

// Down stops listening: deliveries then fail with a network error.
func (rc *Receiver) Down() {
	rc.mu.Lock()
	srv := rc.srv
	rc.srv = nil
	rc.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Up listens again on the same address.
func (rc *Receiver) Up(tb testing.TB) {
	tb.Helper()
	ln, err := net.Listen("tcp", rc.addr)
	if err != nil {
		tb.Fatalf("listen again on %s: %v", rc.addr, err)
	}
	rc.serve(ln)
}

// Answer sets how the receiver answers: fn gets the request's number
// (counting every request from 1) and the request, and returns the status.
func (rc *Receiver) Answer(fn func(n int, d Delivered) int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = fn
}

// ServeHTTP implements http.Handler.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d := Delivered{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Status: http.StatusOK, At: time.Now()}
	rc.mu.Lock()
	if rc.answer != nil {
		d.Status = rc.answer(len(rc.got)+1, d)
	}
	status := d.Status
	rc.got = append(rc.got, d)
	rc.mu.Unlock()
	select {
	case rc.changed <- struct{}{}:
	default:
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
}

// All returns every request so far, in arrival order.
func (rc *Receiver) All() []Delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Delivered(nil), rc.got...)
}

// Unique returns the requests the receiver accepted (2xx), keeping the
// first of each delivery id, in arrival order.
func (rc *Receiver) Unique() []Delivered {
	seen := map[string]bool{}
	var out []Delivered
	for _, d := range rc.All() {
		if d.Status >= 300 || seen[d.ID()] {
			continue
		}
		seen[d.ID()] = true
		out = append(out, d)
	}
	return out
}

// Accepted returns the accepted unique requests to one path.
func (rc *Receiver) Accepted(path string) []Delivered {
	var out []Delivered
	for _, d := range rc.Unique() {
		if d.Path == path {
			out = append(out, d)
		}
	}
	return out
}

// WaitAccepted waits until path has accepted n unique deliveries and
// returns them; more than n fails the test.
func (rc *Receiver) WaitAccepted(tb testing.TB, path string, n int) []Delivered {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		got := rc.Accepted(path)
		if len(got) > n {
			tb.Fatalf("%s got %d deliveries, want %d: %s", path, len(got), n, events(got))
		} else if len(got) == n {
			return got
		}
		select {
		case <-rc.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			tb.Fatalf("%s got %d deliveries, want %d: %s", path, len(got), n, events(got))
		}
	}
}

// events lists the event header of deliveries, for failure messages.
func events(list []Delivered) []string {
	out := make([]string, len(list))
	for i, d := range list {
		out[i] = d.Header.Get("X-Ntk-Event")
	}
	return out
}

// adminActor is account 1's administrator as the service sees it.
func adminActor(tb testing.TB, s *Server) novatalks.Actor {
	tb.Helper()
	return novatalks.UserActor(s.App.Bootstrap.Admin)
}

// deliveryFilter selects account 1's deliveries of a status.
func deliveryFilter(status string) novatalks.DeliveryFilter {
	return novatalks.DeliveryFilter{AccountID: novatalks.DefaultAccountID, Status: status, Limit: novatalks.DeliveryListLimit}
}

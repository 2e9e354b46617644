package nats_test

import (
	"encoding/json"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/nats"
	"github.com/prometheus/client_golang/prometheus"
)

// MustOpen opens a broker on the NATS server of NOVATALKS_TEST_NATS_URL, on a
// subject of the test's own, or skips the test.
func MustOpen(tb testing.TB, subject string) *nats.Broker {
	tb.Helper()
	return MustOpenConfig(tb, nats.Config{Subject: subject})
}

// MustOpenConfig is MustOpen with a configuration; its URL is set here.
func MustOpenConfig(tb testing.TB, cfg nats.Config) *nats.Broker {
	tb.Helper()
	cfg.URL = os.Getenv("NOVATALKS_TEST_NATS_URL")
	if cfg.URL == "" {
		tb.Skip("NOVATALKS_TEST_NATS_URL is not set: skipping the NATS broker tests (.ci/run sets it)")
	}
	b, err := nats.Open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}

func uniqueSubject() string { return "novatalks.test." + novatalks.NewToken() }

// TestTwoNodes publishes on one broker and receives on another, as two nodes
// of one deployment would: every event arrives, once, in order, intact.
func TestTwoNodes(t *testing.T) {
	subject := uniqueSubject()
	nodeA, nodeB := MustOpen(t, subject), MustOpen(t, subject)
	var mu sync.Mutex
	var gotA, gotB []novatalks.Event
	nodeA.Subscribe(func(e novatalks.Event) { mu.Lock(); gotA = append(gotA, e); mu.Unlock() })
	unsubscribe := nodeB.Subscribe(func(e novatalks.Event) { mu.Lock(); gotB = append(gotB, e); mu.Unlock() })

	content := "héllo 👍"
	at := time.UnixMilli(1745404967805).UTC()
	sender := int64(36)
	sample := novatalks.Event{Type: novatalks.EventMessageCreated, AccountID: 1, InboxID: 1, ConversationID: 27, ContactID: 36,
		Message: &novatalks.Message{ID: 8330, AccountID: 1, ConversationID: 27, DialogID: "d", MessageType: "incoming",
			ContentType: "text", Content: &content, ContentAttributes: map[string]any{"in_reply_to": float64(3)},
			Status: "sent", SenderType: "Contact", SenderID: &sender, CreatedAt: at, UpdatedAt: at,
			Sender:    &novatalks.Sender{ID: 36, Type: "Contact", Name: "sdk-contact-494"},
			Reactions: []*novatalks.Reaction{{ID: 1, Content: "👍", SenderType: "Contact", SenderID: 36, CreatedAt: at}}}}
	const n = 500
	for i := range n {
		e := sample
		e.ConversationID = int64(i)
		nodeA.Publish(e)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		done := len(gotA) == n && len(gotB) == n
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if len(gotA) != n || len(gotB) != n {
		mu.Unlock()
		t.Fatalf("node A got %d, node B got %d events, want %d each", len(gotA), len(gotB), n)
	}
	for i, e := range gotB {
		if e.ConversationID != int64(i) {
			t.Fatalf("event %d arrived at position %d", e.ConversationID, i)
		}
	}
	want, _ := json.Marshal(sample.Message)
	got, _ := json.Marshal(gotB[0].Message)
	if string(got) != string(want) {
		t.Errorf("event changed in transit:\n got %s\nwant %s", got, want)
	}
	mu.Unlock()
	if err := nodeB.Ping(); err != nil {
		t.Error(err)
	}

	// After unsubscribing, node B's subscriber gets nothing more.
	unsubscribe()
	nodeA.Publish(sample)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(gotB) != n {
		t.Errorf("unsubscribed function still called")
	}
}

func TestOpenFailsWithoutServer(t *testing.T) {
	if _, err := nats.Open(nats.Config{URL: "nats://127.0.0.1:1"}); err == nil {
		t.Error("Open succeeded with no server")
	}
}

// TestFallingBehindReportsMissedEvents stalls node B's subscriber while node A
// publishes more than B may keep waiting: NATS drops the excess, and B
// reports missed events once, after the dropping has stopped, not while its
// subscriber is still stuck.
func TestFallingBehindReportsMissedEvents(t *testing.T) {
	subject := uniqueSubject()
	nodeA := MustOpen(t, subject)
	registry := prometheus.NewRegistry()
	nodeB := MustOpenConfig(t, nats.Config{Subject: subject, MaxPending: 10,
		SettleInterval: 50 * time.Millisecond, Registerer: registry})
	missed := make(chan struct{}, 10)
	nodeB.OnMissedEvents(func() { missed <- struct{}{} })
	stuck := make(chan struct{})
	release := sync.OnceFunc(func() { close(stuck) })
	t.Cleanup(release) // before the brokers close: a failed test leaves no subscriber stuck
	var received atomic.Int64
	nodeB.Subscribe(func(novatalks.Event) {
		<-stuck
		received.Add(1)
	})

	const n = 200
	for i := range n {
		nodeA.Publish(novatalks.Event{Type: novatalks.EventTyping, AccountID: 1, ConversationID: int64(i)})
	}
	select {
	case <-missed:
		t.Fatal("missed events reported while the subscriber was still stuck")
	case <-time.After(300 * time.Millisecond):
	}
	release()
	select {
	case <-missed:
	case <-time.After(10 * time.Second):
		t.Fatal("no missed events reported after NATS dropped events")
	}
	select {
	case <-missed:
		t.Fatal("one episode reported twice")
	case <-time.After(200 * time.Millisecond):
	}
	// Every event was either received or counted as missed. (The last
	// received one may still be on its way through the subscriber when the
	// report comes: NATS counts an event as taken before it calls it.)
	missedCount := int(counterValue(t, registry, "novatalks_nats_events_missed_total"))
	got := int(received.Load())
	for deadline := time.Now().Add(5 * time.Second); got+missedCount < n && time.Now().Before(deadline); got = int(received.Load()) {
		time.Sleep(10 * time.Millisecond)
	}
	if got == 0 || missedCount == 0 || got+missedCount != n {
		t.Errorf("received %d and counted %d missed of %d events, want some of each and all accounted for", got, missedCount, n)
	}
}

// counterValue returns the value of the counter registered under name.
func counterValue(t *testing.T, registry *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

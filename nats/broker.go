// Package nats implements novatalks.Broker on a NATS server, so that several
// novatalks nodes share their events: a WebSocket client connected to node A
// receives the events caused by a request to node B.
//
// Every node publishes the events it commits to one subject and subscribes to
// it; a node's own events come back to it through NATS like everyone else's,
// so every node sees the same stream. NATS keeps the order of the messages of
// one publisher, so the events a node commits for a conversation reach every
// subscriber in commit order.
//
// While NATS is unreachable the client library buffers what is published (up
// to ReconnectBuffer bytes) and sends it after reconnecting; past that,
// events are dropped and counted. What other nodes publish meanwhile never
// reaches this node: NATS keeps no history. A node that cannot take events as
// fast as they come (more than MaxPending waiting for it) loses the excess
// too: NATS drops them for a slow consumer rather than let it grow without
// bound.
//
// Realtime clients never depend on an event arriving: after a reconnect they
// catch up with GET /api/v1/sdk/conversations/messages?updated_at=, which
// reads the database. So that clients connected while events were lost do
// reconnect, the function set with OnMissedEvents runs when the connection
// comes back and when a slow-consumer episode is over (the server closes its
// WebSocket connections then).
package nats

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/novatalks/novatalks"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSubject is the subject events travel on.
const DefaultSubject = "novatalks.events"

// Config configures a Broker.
type Config struct {
	URL string
	// Subject defaults to DefaultSubject; deployments sharing a NATS server
	// use one subject each.
	Subject string
	// ReconnectBuffer is how many bytes of events are kept while NATS is
	// unreachable (8 MiB).
	ReconnectBuffer int
	// MaxPending is how many received events may wait for this node before
	// NATS drops the next ones (1,048,576; at most 256 MiB of them).
	MaxPending int
	// SettleInterval is how long NATS must have dropped nothing, with this
	// node nearly caught up, before a slow-consumer episode counts as over
	// (250 ms).
	SettleInterval time.Duration
	Logger         *slog.Logger
	Registerer     prometheus.Registerer
}

// Broker is a novatalks.Broker on NATS. It is safe for concurrent use.
type Broker struct {
	conn    *nats.Conn
	sub     *nats.Subscription
	subject string
	logger  *slog.Logger

	mu             sync.RWMutex
	next           int
	subs           map[int]func(novatalks.Event)
	onMissedEvents func()

	settle     time.Duration
	caughtUp   int           // the events waiting for this node when a slow-consumer episode counts as over
	catchingUp atomic.Bool   // a slow-consumer episode is being waited out
	done       chan struct{} // closed by Close
	closeOnce  sync.Once

	published, received, dropped, reconnects prometheus.Counter
}

var _ novatalks.Broker = (*Broker)(nil)

// Open connects to NATS and subscribes to the event subject. It fails if NATS
// cannot be reached at start; later outages are retried forever.
func Open(cfg Config) (*Broker, error) {
	if cfg.Subject == "" {
		cfg.Subject = DefaultSubject
	}
	if cfg.ReconnectBuffer == 0 {
		cfg.ReconnectBuffer = 8 << 20
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = 1 << 20
	}
	if cfg.SettleInterval == 0 {
		cfg.SettleInterval = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "novatalks", Subsystem: "nats", Name: name, Help: help})
	}
	b := &Broker{
		subject: cfg.Subject, logger: cfg.Logger, subs: map[int]func(novatalks.Event){},
		settle: cfg.SettleInterval, caughtUp: cfg.MaxPending / 100, done: make(chan struct{}),
		published: counter("events_published_total", "Events published to NATS."),
		received:  counter("events_received_total", "Events received from NATS."),
		dropped:   counter("events_dropped_total", "Events that could not be published or decoded."),
		reconnects: counter("reconnects_total",
			"Times the connection to NATS came back after it was lost (events of other nodes in between were missed)."),
	}
	// The events dropped for a slow consumer are the subscription's own count.
	missed := prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "novatalks", Subsystem: "nats", Name: "events_missed_total",
		Help: "Events NATS dropped because this node fell behind (its realtime clients are sent to catch up)."},
		func() float64 {
			n, _ := b.sub.Dropped() // -1 before the subscription and after Close
			return float64(max(n, 0))
		})
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(b.published, b.received, b.dropped, missed, b.reconnects)
	}
	conn, err := nats.Connect(cfg.URL,
		nats.Name("novatalks"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.ReconnectBufSize(cfg.ReconnectBuffer),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.logger.Warn("NATS disconnected; events are buffered until it is back", "err", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) { b.reconnected() }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) && sub != nil {
				b.fellBehind(sub)
				return
			}
			b.logger.Error("NATS error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", cfg.URL, err)
	}
	b.conn = conn
	if b.sub, err = conn.Subscribe(cfg.Subject, b.receive); err != nil {
		conn.Close()
		return nil, fmt.Errorf("subscribe to %s: %w", cfg.Subject, err)
	}
	// Subscribers must not block; a node that still falls this far behind
	// loses events rather than memory (clients catch up from the database).
	_ = b.sub.SetPendingLimits(cfg.MaxPending, 256<<20)
	if err := conn.Flush(); err != nil {
		conn.Close()
		return nil, err
	}
	return b, nil
}

// Publish implements novatalks.EventPublisher. It does not wait for NATS.
func (b *Broker) Publish(events ...novatalks.Event) {
	for i := range events {
		data, err := json.Marshal(&events[i])
		if err == nil {
			err = b.conn.Publish(b.subject, data)
		}
		if err != nil {
			b.dropped.Inc()
			b.logger.Error("publish event to NATS", "type", events[i].Type, "conversation_id", events[i].ConversationID, "err", err)
			continue
		}
		b.published.Inc()
	}
}

// receive decodes one event and hands it to every local subscriber. NATS
// calls it from one goroutine per subscription, in publication order.
func (b *Broker) receive(m *nats.Msg) {
	var e novatalks.Event
	if err := json.Unmarshal(m.Data, &e); err != nil {
		b.dropped.Inc()
		b.logger.Error("decode event from NATS", "err", err)
		return
	}
	b.received.Inc()
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(e)
	}
}

// Subscribe implements novatalks.Broker.
func (b *Broker) Subscribe(fn func(novatalks.Event)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// OnMissedEvents sets the function called each time this node may have
// missed events, replacing any set before: when the connection to NATS came
// back after it was lost (the events other nodes published in between are
// gone), and when NATS dropped events because this node fell behind (called
// once the dropping has stopped for a SettleInterval). By then events flow
// again, so fn should make this node's realtime clients catch up from the
// database. fn runs on a goroutine of its own or of the NATS client,
// possibly while events are being delivered to subscribers.
func (b *Broker) OnMissedEvents(fn func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onMissedEvents = fn
}

// missedEvents calls the function set with OnMissedEvents.
func (b *Broker) missedEvents() {
	b.mu.RLock()
	fn := b.onMissedEvents
	b.mu.RUnlock()
	if fn != nil {
		fn()
	}
}

// reconnected is the NATS client's reconnect handler.
func (b *Broker) reconnected() {
	b.reconnects.Inc()
	b.logger.Warn("NATS reconnected; events other nodes published while it was unreachable were missed")
	b.missedEvents()
}

// fellBehind handles NATS's report that sub dropped events because this
// node did not take them as fast as they came. NATS reports it once per
// episode, at the first drop, and may drop more after that; so fellBehind
// waits until a SettleInterval passed without a drop and with at most a
// hundredth of MaxPending events still waiting (clients sent to catch up
// earlier could miss later drops, or be sent stale events after catching
// up), and then reports the missed events. A second report while it waits
// changes nothing.
func (b *Broker) fellBehind(sub *nats.Subscription) {
	if !b.catchingUp.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer b.catchingUp.Store(false)
		last := -1
		for {
			select {
			case <-time.After(b.settle):
			case <-b.done:
				return
			}
			dropped, err := sub.Dropped()
			pending, _, err2 := sub.Pending()
			if err != nil || err2 != nil { // unsubscribed: the broker is closing
				return
			}
			if dropped == last && pending <= b.caughtUp {
				break
			}
			last = dropped
		}
		b.logger.Warn("this node fell behind the events on NATS and missed some; realtime clients are sent to catch up",
			"missed_since_start", last)
		b.missedEvents()
	}()
}

// Ping checks that NATS is connected, for readiness probes.
func (b *Broker) Ping() error {
	if !b.conn.IsConnected() {
		return fmt.Errorf("NATS is not connected (status %v)", b.conn.Status())
	}
	return nil
}

// Close sends what is buffered, stops receiving and disconnects. It may be
// called more than once (later calls report that the connection is closed).
func (b *Broker) Close() error {
	b.closeOnce.Do(func() { close(b.done) })
	err := b.conn.Drain()
	for !b.conn.IsClosed() {
		time.Sleep(5 * time.Millisecond)
	}
	return err
}

package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio"
	nblog "github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/novatalks/novatalks"
	"github.com/prometheus/client_golang/prometheus"
)

// GatewayConfig tunes the realtime gateway. Zero fields take the defaults of
// CONTRACT.md ("WebSocket").
type GatewayConfig struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// PublicURL is the absolute URL (without a trailing slash) clients reach
	// the server at; attachment URLs in events are under it.
	PublicURL string
	// PresenceInterval is how often subscribed clients get presence.update (30s).
	PresenceInterval time.Duration
	// IdleIntervals is how many presence intervals a client may stay silent
	// before it is disconnected (3).
	IdleIntervals int
	// SubscribeTimeout is how long a connection may stay without a subscription (10s).
	SubscribeTimeout time.Duration
	// SweepInterval is how often deadlines are checked (1s).
	SweepInterval time.Duration
	// TypingInterval is the least time between two typing events forwarded
	// for one client (2s); typing frames in between are dropped.
	TypingInterval time.Duration
	// MaxFrameBytes is the largest frame a client may send; larger ones close
	// the socket with 1009 (64 KiB).
	MaxFrameBytes int
	// MaxQueueBytes bounds what is waiting to be written to one client once
	// the kernel's socket buffer is full; a client that falls further behind
	// is disconnected (256 KiB).
	MaxQueueBytes int
	// SocketWriteBuffer, when set, is the kernel send buffer of each socket
	// (SO_SNDBUF); tests set it small to reach the queue bound quickly.
	SocketWriteBuffer int
	// MaxConnections bounds the WebSockets the gateway holds at once: an
	// upgrade beyond it is refused with 503 Service Unavailable and
	// Retry-After, so that a flood of sockets leaves the node the open files
	// its API, database and attachments need instead of exhausting them.
	// Upgrades in flight at the same moment may pass it by a few. Zero: no
	// bound.
	MaxConnections int
	// ResyncRate is how many connections per second Resync closes (2,000),
	// so that the clients of a busy node do not all reconnect and catch up
	// in the same moment.
	ResyncRate int
	// Now is the clock; tests replace it.
	Now func() time.Time
}

func (c *GatewayConfig) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	setDefault(&c.PresenceInterval, 30*time.Second)
	setDefault(&c.IdleIntervals, 3)
	setDefault(&c.SubscribeTimeout, 10*time.Second)
	setDefault(&c.SweepInterval, time.Second)
	setDefault(&c.TypingInterval, 2*time.Second)
	setDefault(&c.MaxFrameBytes, 64<<10)
	setDefault(&c.MaxQueueBytes, 256<<10)
	setDefault(&c.ResyncRate, 2000)
	if c.Now == nil {
		c.Now = time.Now
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Close codes the gateway sends.
const (
	closeGoingAway        = 1001
	closeServiceRestart   = 1012
	closeUnauthorized     = 4001
	closeSubscribeTimeout = 4008
	closeIdle             = 4009
)

// Gateway is the /ws realtime endpoint (CONTRACT.md, "WebSocket").
//
// Upgrades are served by the standard library's HTTP server; each upgraded
// socket then moves to nbio's epoll pollers, so an idle connection costs no
// goroutine and no buffer, only its small client record. Events arrive from
// the Broker (in commit order per conversation), wait in a queue that one
// dispatcher goroutine empties in order (so that the publisher, the store's
// writer, neither encodes nor writes them), and are written to each
// subscriber at once; nbio queues what the kernel cannot take yet, up to
// MaxQueueBytes per connection, and closes a connection that falls further
// behind, so a slow reader never delays anyone else. One sweeper goroutine
// sends keepalives and enforces the subscribe and idle deadlines for all
// connections. Close closes every socket (http.Server.Shutdown does not
// close hijacked connections).
type Gateway struct {
	service  *novatalks.Service
	cfg      GatewayConfig
	logger   *slog.Logger
	engine   *nbhttp.Engine
	upgrader *websocket.Upgrader
	metrics  *gatewayMetrics
	unsub    func()

	mu       sync.RWMutex
	closed   bool
	clients  map[*websocket.Conn]*client
	contacts index // by conversation ID
	agents   index // by account ID

	// Events wait in queue for the dispatcher goroutine, so that encoding
	// and writing them is not done by the publisher (the store's single
	// writer). One goroutine keeps them in the order they were published.
	queueMu    sync.Mutex
	queue      []novatalks.Event
	queueSpare []novatalks.Event
	queued     chan struct{} // signalled when queue becomes non-empty
	dispatched chan struct{} // closed when the dispatcher has stopped

	stop chan struct{}
	done chan struct{}
}

// client is one connection's state. It is kept small: it is what an idle
// connection costs besides the kernel's socket.
type client struct {
	conn     *websocket.Conn
	opened   int64        // unix nanoseconds
	lastSeen atomic.Int64 // unix nanoseconds of the last frame from the client
	closing  atomic.Bool

	mu         sync.Mutex // guards subs and lastTyping
	subs       []subscription
	lastTyping int64
}

// subscription is one confirmed subscription: a contact's conversation or an
// agent's account. It keeps only IDs and a name, not the session it was made
// from: it lives as long as the connection, so it is part of what an idle
// connection costs.
type subscription struct {
	agent          bool
	accountID      int64
	conversationID int64 // contact subscriptions
	contactID      int64
	inboxID        int64
	name           string          // the contact's or agent's name, for typing
	actor          novatalks.Actor // agent subscriptions
}

// session rebuilds the contact session of a contact subscription.
func (s *subscription) session() *novatalks.ContactSession {
	return &novatalks.ContactSession{
		ContactInbox: novatalks.ContactInbox{AccountID: s.accountID, ContactID: s.contactID, InboxID: s.inboxID, ConversationID: s.conversationID},
		Contact:      &novatalks.Contact{ID: s.contactID, AccountID: s.accountID, Name: s.name},
	}
}

// index maps a conversation (contact subscriptions) or an account (agent
// subscriptions) to its subscribers, each at most once. A slice, not a set:
// most conversations have one subscriber, and a slice of one costs far less
// than a map of one.
type index map[int64][]*client

func (ix index) add(key int64, c *client) {
	if !slices.Contains(ix[key], c) {
		ix[key] = append(ix[key], c)
	}
}

func (ix index) remove(key int64, c *client) {
	list := ix[key]
	if i := slices.Index(list, c); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(ix, key)
	} else {
		ix[key] = list
	}
}

// indexOf returns the index and key a subscription is filed under.
func (g *Gateway) indexOf(s *subscription) (index, int64) {
	if s.agent {
		return g.agents, s.accountID
	}
	return g.contacts, s.conversationID
}

// NewGateway starts the gateway's pollers and sweeper and subscribes it to
// broker. Call Close to stop it.
func NewGateway(service *novatalks.Service, broker novatalks.Broker, cfg GatewayConfig) (*Gateway, error) {
	cfg.setDefaults()
	// nbio logs to stdout by default; its notable events (slow consumers,
	// deadlines) are reported through this package's logger and metrics.
	nblog.SetLevel(nblog.LevelError)
	g := &Gateway{
		service: service, cfg: cfg, logger: cfg.Logger, metrics: newGatewayMetrics(cfg.Registerer),
		clients:  map[*websocket.Conn]*client{},
		contacts: index{}, agents: index{},
		queued: make(chan struct{}, 1), dispatched: make(chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	npoller := runtime.NumCPU()
	g.engine = nbhttp.NewEngine(nbhttp.Config{
		Name: "novatalks-ws", NPoller: npoller, ReleaseWebsocketPayload: true,
		MaxWriteBufferSize: cfg.MaxQueueBytes, ReadBufferSize: 4 << 10,
	})
	probe := newPollerProbe(npoller)
	g.engine.OnClose(probe.OnClose)
	if err := g.engine.Start(); err != nil {
		return nil, err
	}
	if err := probe.run(g.engine, npoller, 5*time.Second); err != nil {
		g.logger.Warn("could not check that the websocket pollers run; closing the gateway may hang", "err", err)
	}
	u := websocket.NewUpgrader()
	u.Engine = g.engine
	u.BlockingModTrasferConnToPoller = true
	u.MessageLengthLimit = cfg.MaxFrameBytes
	u.KeepaliveTime = 0 // deadlines are the sweeper's: no timer per connection
	// Clients authenticate with a token inside the socket, never with cookies,
	// so any origin may connect (apps and widgets live on other origins).
	u.CheckOrigin = func(*http.Request) bool { return true }
	u.OnOpen(func(c *websocket.Conn) { g.clientOf(c) })
	u.OnMessage(g.onMessage)
	u.OnClose(g.onClose)
	u.SetPingHandler(func(c *websocket.Conn, data string) {
		g.clientOf(c).seen(g.cfg.Now())
		_ = c.WriteMessage(websocket.PongMessage, []byte(data))
	})
	u.SetPongHandler(func(c *websocket.Conn, _ string) { g.clientOf(c).seen(g.cfg.Now()) })
	g.upgrader = u
	g.unsub = broker.Subscribe(g.enqueue)
	go g.dispatcher()
	go g.sweep()
	return g, nil
}

// ServeHTTP upgrades GET /ws.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.RLock()
	closed := g.closed
	g.mu.RUnlock()
	if closed {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if g.full() {
		g.metrics.refused.Inc()
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many WebSocket connections on this node; retry later", http.StatusServiceUnavailable)
		return
	}
	conn, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		g.logger.Debug("websocket upgrade failed", "err", err)
		return
	}
	if g.cfg.SocketWriteBuffer > 0 {
		if nc, ok := conn.UnderlayerConn().(*nbio.Conn); ok {
			_ = nc.SetWriteBuffer(g.cfg.SocketWriteBuffer)
		}
	}
}

// full reports whether the gateway holds MaxConnections sockets. Every
// upgraded socket has its record from the upgrade (OnOpen) until it closes.
func (g *Gateway) full() bool {
	return g.cfg.MaxConnections > 0 && g.Connections() >= g.cfg.MaxConnections
}

// clientOf returns the record of conn, creating it on first use.
func (g *Gateway) clientOf(conn *websocket.Conn) *client {
	g.mu.RLock()
	c := g.clients[conn]
	g.mu.RUnlock()
	if c != nil {
		return c
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if c = g.clients[conn]; c == nil {
		now := g.cfg.Now().UnixNano()
		c = &client{conn: conn, opened: now}
		c.lastSeen.Store(now)
		g.clients[conn] = c
		g.metrics.connections.Inc()
	}
	return c
}

func (c *client) seen(now time.Time) { c.lastSeen.Store(now.UnixNano()) }

func (c *client) subscribed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.subs) > 0
}

// send writes a frame; nbio queues it if the socket is busy and closes the
// connection if the queue overflows.
func (c *client) send(b []byte) {
	if c.closing.Load() {
		return
	}
	_ = c.conn.WriteMessage(websocket.TextMessage, b)
}

func (c *client) sendJSON(v frame) {
	b, err := json.Marshal(v)
	if err == nil {
		c.send(b)
	}
}

// close sends a close frame with code and closes the socket.
func (c *client) close(code int, reason string) {
	if c.closing.Swap(true) {
		return
	}
	_ = c.conn.WriteClose(code, reason)
	_ = c.conn.Close()
}

func (g *Gateway) sendError(c *client, reason string) {
	g.metrics.errors.Inc()
	c.sendJSON(frame{Event: "error", Data: reason})
}

// inbound is a frame from a client.
type inbound struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

func (g *Gateway) onMessage(conn *websocket.Conn, mt websocket.MessageType, data []byte) {
	c := g.clientOf(conn)
	c.seen(g.cfg.Now())
	if mt != websocket.TextMessage {
		g.sendError(c, "frames must be JSON text")
		return
	}
	var in inbound
	if err := json.Unmarshal(data, &in); err != nil || in.Event == "" {
		g.sendError(c, `malformed frame: expected {"event": "...", "data": {...}}`)
		return
	}
	switch in.Event {
	case "subscribe":
		g.subscribe(c, in.Data)
	case "update_presence":
		// The client is alive; seen above.
	case "typing":
		g.typing(c, in.Data)
	default:
		g.sendError(c, "unknown event "+quoteJSON(in.Event))
	}
}

// quoteJSON returns s as a JSON string literal, for error frames.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// subscribe authenticates a pubsub token, a contact's or an agent's, and adds
// the subscription. A bad token is rejected and the socket closed with 4001.
func (g *Gateway) subscribe(c *client, raw json.RawMessage) {
	var d struct {
		PubsubToken string `json:"pubsub_token"`
		AccountID   *int64 `json:"account_id"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.PubsubToken == "" {
		g.sendError(c, "subscribe needs data.pubsub_token")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var sub subscription
	sess, err := g.service.AuthenticateContactUncached(ctx, d.PubsubToken, "")
	if err == nil {
		sub = subscription{accountID: sess.AccountID, conversationID: sess.ConversationID, contactID: sess.ContactID,
			inboxID: sess.InboxID, name: sess.Contact.Name}
	} else if novatalks.ErrorCode(err) == novatalks.EUNAUTHORIZED {
		var user *novatalks.User
		if user, err = g.service.AuthenticateUserPubsub(ctx, d.PubsubToken); err == nil {
			sub = subscription{agent: true, accountID: user.AccountID, actor: novatalks.UserActor(user)}
		}
	}
	if err != nil && novatalks.ErrorCode(err) != novatalks.EUNAUTHORIZED {
		g.logger.Error("websocket subscribe", "err", err)
		g.sendError(c, "internal error, try again")
		return
	}
	if err != nil || (d.AccountID != nil && *d.AccountID != sub.accountID) {
		g.metrics.rejected.Inc()
		c.sendJSON(frame{Event: "reject_subscription", Data: "unauthorized"})
		c.close(closeUnauthorized, "unauthorized")
		return
	}
	g.mu.Lock()
	if _, open := g.clients[c.conn]; open {
		c.mu.Lock()
		c.subs = append(c.subs, sub)
		c.mu.Unlock()
		ix, key := g.indexOf(&sub)
		ix.add(key, c)
		g.metrics.subscriptions.Inc()
	}
	g.mu.Unlock()
	c.sendJSON(frame{Event: "confirm_subscription", Data: "confirmed"})
}

// typing forwards a client's typing frame {conversation_id, account_id}, at
// most once per TypingInterval per client.
func (g *Gateway) typing(c *client, raw json.RawMessage) {
	var d struct {
		ConversationID int64 `json:"conversation_id"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.ConversationID <= 0 {
		g.sendError(c, "typing needs data.conversation_id")
		return
	}
	now := g.cfg.Now().UnixNano()
	c.mu.Lock()
	if now-c.lastTyping < int64(g.cfg.TypingInterval) {
		c.mu.Unlock()
		g.metrics.typingDropped.Inc()
		return
	}
	var sub *subscription
	for i := range c.subs {
		s := &c.subs[i]
		if (!s.agent && s.conversationID == d.ConversationID) || (s.agent && sub == nil) {
			sub = s
		}
	}
	if sub != nil {
		c.lastTyping = now
	}
	c.mu.Unlock()
	if sub == nil {
		g.sendError(c, "subscribe before sending typing")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if sub.agent {
		err = g.service.AgentTyping(ctx, sub.actor, d.ConversationID, true, false)
	} else {
		err = g.service.ContactTyping(ctx, sub.session(), d.ConversationID)
	}
	if err != nil {
		g.sendError(c, "conversation not found")
	}
}

// enqueue queues a committed event for the dispatcher. It runs on the
// broker's goroutine (the store's writer, for an in-process broker) and only
// appends to a slice: encoding and writing happen on the dispatcher.
func (g *Gateway) enqueue(e novatalks.Event) {
	g.queueMu.Lock()
	g.queue = append(g.queue, e)
	first := len(g.queue) == 1
	g.queueMu.Unlock()
	if first {
		select {
		case g.queued <- struct{}{}:
		default:
		}
	}
}

// dispatcher sends queued events, in the order they were queued, until the
// gateway stops; then it sends what is still queued and returns. The queue
// holds only what the dispatcher has not caught up with: sending an event is
// less work than the transaction that produced it.
func (g *Gateway) dispatcher() {
	defer close(g.dispatched)
	for {
		stopping := false
		select {
		case <-g.queued:
		case <-g.stop:
			stopping = true
		}
		g.queueMu.Lock()
		batch := g.queue
		g.queue, g.queueSpare = g.queueSpare[:0], nil
		g.queueMu.Unlock()
		for i := range batch {
			g.dispatch(&batch[i])
		}
		clear(batch) // let the events' messages go
		g.queueMu.Lock()
		g.queueSpare = batch[:0]
		g.queueMu.Unlock()
		if stopping {
			return
		}
	}
}

// dispatch sends a committed event to its subscribers: the contact of the
// conversation (unless the event is for agents only) and every agent of the
// account. It never blocks on a client.
func (g *Gateway) dispatch(e *novatalks.Event) {
	b, ok := encodeEvent(e, g.cfg.PublicURL)
	if !ok {
		return
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	contacts := g.contacts[e.ConversationID]
	if !e.VisibleToContact() {
		contacts = nil
	}
	for _, c := range contacts {
		c.send(b)
	}
	for _, c := range g.agents[e.AccountID] {
		if !slices.Contains(contacts, c) {
			c.send(b)
		}
	}
	g.metrics.event(e.Type).Inc()
}

func (g *Gateway) onClose(conn *websocket.Conn, err error) {
	g.remove(conn)
	if errors.Is(err, nbio.ErrOverflow) {
		g.metrics.slowConsumers.Inc()
		g.logger.Info("websocket client disconnected: too slow to read its events")
	}
}

// remove drops the record of conn and its subscriptions; a second call does
// nothing. nbio's close handler calls it, and so does the sweeper for the
// sockets it closes: a socket that closed while its upgrade was finishing
// can get its record (OnOpen) after its close handler ran, and would
// otherwise keep it, counted among the connections, for good.
func (g *Gateway) remove(conn *websocket.Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.clients[conn]
	if c == nil {
		return
	}
	delete(g.clients, conn)
	g.metrics.connections.Dec()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.subs {
		ix, key := g.indexOf(&c.subs[i])
		ix.remove(key, c)
		g.metrics.subscriptions.Dec()
	}
}

// sweep sends keepalives and enforces the subscribe and idle deadlines.
func (g *Gateway) sweep() {
	defer close(g.done)
	ticker := time.NewTicker(g.cfg.SweepInterval)
	defer ticker.Stop()
	presence, _ := json.Marshal(frame{Event: "presence.update", Data: struct{}{}})
	lastSweep := g.cfg.Now()
	idleAfter := time.Duration(g.cfg.IdleIntervals) * g.cfg.PresenceInterval
	type closing struct {
		c      *client
		code   int
		reason string
	}
	for {
		select {
		case <-g.stop:
			return
		case <-ticker.C:
		}
		now := g.cfg.Now()
		var toClose []closing
		g.mu.RLock()
		for _, c := range g.clients {
			switch {
			case !c.subscribed():
				if now.Sub(time.Unix(0, c.opened)) >= g.cfg.SubscribeTimeout {
					toClose = append(toClose, closing{c, closeSubscribeTimeout, "subscribe timeout"})
				}
			case now.Sub(time.Unix(0, c.lastSeen.Load())) >= idleAfter:
				toClose = append(toClose, closing{c, closeIdle, "idle"})
			case presenceDue(time.Unix(0, c.opened), lastSweep, now, g.cfg.PresenceInterval):
				c.send(presence)
			}
		}
		g.mu.RUnlock()
		lastSweep = now
		for _, x := range toClose {
			g.metrics.timeouts.WithLabelValues(x.reason).Inc()
			x.c.close(x.code, x.reason)
			g.remove(x.c.conn)
		}
	}
}

// presenceDue reports whether a connection opened at opened is owed a
// presence.update by the sweep at now, the previous sweep having run at
// prev: one whenever a whole interval since opened has passed in between.
// Each connection thus keeps the rhythm of its own opening, and a node's
// keepalives are spread over the interval instead of written to every
// client in one sweep (18,000 frames at once on a busy node, a burst that
// delayed everyone's events).
func presenceDue(opened, prev, now time.Time, interval time.Duration) bool {
	if interval <= 0 || !now.After(prev) {
		return false
	}
	return now.Sub(opened)/interval > max(prev.Sub(opened), 0)/interval
}

// Connections returns how many sockets are open.
func (g *Gateway) Connections() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.clients)
}

// Resync closes every open connection with close code 1012 (service
// restart) and returns how many it will close. Clients reconnect, to this
// node or another, and catch up with GET …/messages?updated_at= on what they
// missed. The server calls it when its broker may have lost events (NATS
// came back after an outage, or this node fell behind it), since a client
// that stays connected would never learn of them. It closes ResyncRate
// connections a second, in tenths of a second, in the background, so that
// the reconnections and catch-up requests of a node's clients arrive spread
// out rather than at once; it returns at once. New connections are accepted
// as before, and a gateway that closes meanwhile closes the rest itself.
func (g *Gateway) Resync() int {
	g.mu.RLock()
	clients := make([]*client, 0, len(g.clients))
	for _, c := range g.clients {
		clients = append(clients, c)
	}
	g.mu.RUnlock()
	g.metrics.resyncs.Add(float64(len(clients)))
	if len(clients) > 0 {
		go g.closeGradually(clients)
	}
	return len(clients)
}

// resyncStep is how often closeGradually closes its next share.
const resyncStep = 100 * time.Millisecond

// closeGradually closes clients with 1012, ResyncRate a second, until all
// are closed or the gateway stops.
func (g *Gateway) closeGradually(clients []*client) {
	perStep := max(1, int(time.Duration(g.cfg.ResyncRate)*resyncStep/time.Second))
	for i := 0; i < len(clients); i += perStep {
		if i > 0 {
			select {
			case <-time.After(resyncStep):
			case <-g.stop:
				return
			}
		}
		for _, c := range clients[i:min(i+perStep, len(clients))] {
			c.close(closeServiceRestart, "reconnect and catch up")
		}
	}
}

// Close stops taking connections, closes every socket with 1001 (going away)
// and stops the pollers and the sweeper.
func (g *Gateway) Close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	clients := make([]*client, 0, len(g.clients))
	for _, c := range g.clients {
		clients = append(clients, c)
	}
	g.mu.Unlock()
	g.unsub()
	close(g.stop)
	<-g.done
	<-g.dispatched
	for _, c := range clients {
		c.close(closeGoingAway, "server shutting down")
	}
	g.engine.Stop()
}

// gatewayMetrics are the realtime figures on /metrics.
type gatewayMetrics struct {
	connections, subscriptions                     prometheus.Gauge
	events, timeouts                               *prometheus.CounterVec
	rejected, errors, slowConsumers, typingDropped prometheus.Counter
	resyncs, refused                               prometheus.Counter
	// eventCounters holds the events counter of each type seen, so that
	// counting an event does not hash its label; only the dispatcher uses it.
	eventCounters map[novatalks.EventType]prometheus.Counter
}

// event returns the events counter of type t. Only the dispatcher calls it.
func (m *gatewayMetrics) event(t novatalks.EventType) prometheus.Counter {
	c, ok := m.eventCounters[t]
	if !ok {
		c = m.events.WithLabelValues(string(t))
		m.eventCounters[t] = c
	}
	return c
}

func newGatewayMetrics(reg prometheus.Registerer) *gatewayMetrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "novatalks", Subsystem: "ws", Name: name, Help: help}
	}
	m := &gatewayMetrics{
		connections:   prometheus.NewGauge(prometheus.GaugeOpts(opts("connections", "Open WebSocket connections."))),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts(opts("subscriptions", "Confirmed subscriptions."))),
		events:        prometheus.NewCounterVec(prometheus.CounterOpts(opts("events_total", "Events dispatched, by type.")), []string{"event"}),
		timeouts:      prometheus.NewCounterVec(prometheus.CounterOpts(opts("timeouts_total", "Connections closed by a deadline, by reason.")), []string{"reason"}),
		rejected:      prometheus.NewCounter(prometheus.CounterOpts(opts("rejected_subscriptions_total", "Subscriptions rejected for a bad token."))),
		errors:        prometheus.NewCounter(prometheus.CounterOpts(opts("error_frames_total", "Error frames sent for malformed or unknown frames."))),
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts(opts("slow_consumer_disconnects_total", "Connections closed because they fell too far behind."))),
		typingDropped: prometheus.NewCounter(prometheus.CounterOpts(opts("typing_throttled_total", "Typing frames dropped by the per-client throttle."))),
		resyncs:       prometheus.NewCounter(prometheus.CounterOpts(opts("resync_disconnects_total", "Connections closed so that their clients catch up after the broker lost events."))),
		refused:       prometheus.NewCounter(prometheus.CounterOpts(opts("refused_total", "Upgrades refused because the node held its most WebSocket connections."))),
		eventCounters: map[novatalks.EventType]prometheus.Counter{},
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.subscriptions, m.events, m.timeouts, m.rejected, m.errors, m.slowConsumers, m.typingDropped, m.resyncs, m.refused)
	}
	return m
}

package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/prometheus/client_golang/prometheus"
)

// UserAgent is the User-Agent of every delivery, as the SDK documentation
// shows it.
const UserAgent = "NovaTalks.Engine"

// Headers of every delivery. Webhook and bot deliveries are also sent the
// signature and its timestamp under Chatwoot's names, so that receivers
// written for Chatwoot verify them unchanged.
const (
	HeaderDeliveryID = "X-Ntk-Delivery-Id" // the delivery's UID, the same on every retry
	HeaderEvent      = "X-Ntk-Event"       // the event name
	HeaderTimestamp  = "X-Ntk-Timestamp"   // Unix seconds of the attempt, part of the signed text
	HeaderSignature  = "X-Ntk-Signature"   // "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>"
)

// Config configures an Engine. Zero durations and counts take the defaults.
type Config struct {
	Store      novatalks.Store
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil registers no metrics
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Timeout bounds one attempt, connection and response included
	// (default 10s).
	Timeout time.Duration
	// RetryFor is how long a delivery is retried after its first attempt
	// (or an operator's retry) before it is parked as dead (default 24h).
	RetryFor time.Duration
	// MinBackoff and MaxBackoff bound the wait between two attempts, which
	// doubles from MinBackoff with every failed attempt (defaults 5s, 1h);
	// a random jitter takes up to half of it off.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Workers is how many deliveries are in flight at once (default 8).
	Workers int
	// PollInterval is how often the outbox is checked when nothing wakes
	// the engine (default 1s): it picks up rows other processes write
	// (novatalks admin retry-delivery, another node).
	PollInterval time.Duration
	// DenyPrivate refuses to connect to loopback, private and link-local
	// addresses (novatalks.PrivateIP), checked on the address each
	// connection actually dials, after DNS resolution.
	DenyPrivate bool
	// Transport, when set, replaces the engine's own (tests); DenyPrivate
	// then has no effect.
	Transport http.RoundTripper
	// KeepDelivered is how long delivered rows are kept, for operators to
	// look at, before the engine deletes them (default 7 days), and KeepDead
	// how long dead rows are kept for an operator to retry (default 30
	// days, counted from when they died or were last retried).
	KeepDelivered time.Duration
	KeepDead      time.Duration
	// CleanupInterval is how often old rows are looked for (default an hour).
	CleanupInterval time.Duration
}

// Engine delivers the outbox. Start it once; Close stops it. It is safe for
// concurrent use.
type Engine struct {
	cfg     Config
	client  *http.Client
	metrics *metrics

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	slots  chan struct{} // one token per delivery in flight
	wg     sync.WaitGroup
	done   chan struct{}
	start  sync.Once

	mu          sync.Mutex
	lastStats   time.Time
	lastCleanup time.Time
	jitter      *rand.Rand
}

// errPrivateAddress is returned when DenyPrivate refuses an address.
var errPrivateAddress = errors.New("refused to connect to a private or loopback address")

// New returns an Engine for cfg; it delivers nothing until Start.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	setDefault(&cfg.Timeout, 10*time.Second)
	setDefault(&cfg.RetryFor, 24*time.Hour)
	setDefault(&cfg.MinBackoff, 5*time.Second)
	setDefault(&cfg.MaxBackoff, time.Hour)
	setDefault(&cfg.PollInterval, time.Second)
	setDefault(&cfg.KeepDelivered, 7*24*time.Hour)
	setDefault(&cfg.KeepDead, 30*24*time.Hour)
	setDefault(&cfg.CleanupInterval, time.Hour)
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	transport := cfg.Transport
	if transport == nil {
		transport = newTransport(cfg.DenyPrivate)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{
		cfg: cfg, metrics: newMetrics(cfg.Registerer),
		client: &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, not a delivery
		}},
		ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers),
		done: make(chan struct{}), jitter: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// newTransport is an HTTP transport that never uses a proxy (so that the
// address it dials is the receiver's) and, with denyPrivate, refuses private
// addresses at dial time: a host name that resolves to one, at any moment
// (DNS rebinding), is refused too.
func newTransport(denyPrivate bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if denyPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if ip := net.ParseIP(host); err != nil || ip == nil || novatalks.PrivateIP(ip) {
				return fmt.Errorf("%w (%s)", errPrivateAddress, host)
			}
			return nil
		}
	}
	return &http.Transport{
		Proxy: nil, DialContext: dialer.DialContext, ForceAttemptHTTP2: true,
		MaxIdleConns: 100, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 30 * time.Second,
	}
}

// Start runs the engine in its own goroutines until Close. Calling it again
// does nothing.
func (e *Engine) Start() { e.start.Do(func() { go e.loop() }) }

// Wake tells the engine that deliveries were written; it never blocks. The
// server calls it after every change that wrote some
// (novatalks.Service.DeliveriesWritten).
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close stops claiming deliveries, cancels the attempts in flight and
// releases their leases (so that the next start sends them at once), and
// waits for all of it. Call it before the store closes. Close is idempotent.
func (e *Engine) Close() error {
	e.cancel()
	e.start.Do(func() { close(e.done) }) // never started: nothing to wait for
	<-e.done
	e.wg.Wait()
	return nil
}

// loop claims due deliveries whenever it is woken, a delivery finishes, or
// the poll interval passes.
func (e *Engine) loop() {
	defer close(e.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
		case <-timer.C:
		}
		timer.Reset(e.cycle())
	}
}

// cycle claims as many due deliveries as there are free workers and starts
// them; it returns how long to wait before the next cycle.
func (e *Engine) cycle() time.Duration {
	now := e.cfg.Now()
	e.observeQueue(now)
	e.cleanup(now)
	free := cap(e.slots) - len(e.slots)
	if free == 0 {
		return e.cfg.PollInterval // a finishing delivery wakes the loop
	}
	due, ok, err := e.cfg.Store.NextDeliveryDue(e.ctx)
	if err != nil {
		if e.ctx.Err() == nil {
			e.cfg.Logger.Error("delivery: look for due deliveries", "err", err)
		}
		return e.cfg.PollInterval
	}
	if !ok {
		return e.cfg.PollInterval
	}
	if wait := due.Sub(now); wait > 0 {
		return min(wait, e.cfg.PollInterval)
	}
	var claimed []*novatalks.Delivery
	err = e.cfg.Store.Update(e.ctx, func(tx novatalks.Tx) error {
		var err error
		claimed, err = tx.ClaimDeliveries(e.ctx, now, e.cfg.Timeout+5*time.Second, free)
		return err
	})
	if err != nil {
		if e.ctx.Err() == nil {
			e.cfg.Logger.Error("delivery: claim", "err", err)
		}
		return e.cfg.PollInterval
	}
	for _, d := range claimed {
		e.slots <- struct{}{}
		e.wg.Add(1)
		go e.run(d)
	}
	if len(claimed) == free {
		return 0 // there may be more
	}
	return e.cfg.PollInterval
}

// observeQueue refreshes the queue gauges, at most once per poll interval.
func (e *Engine) observeQueue(now time.Time) {
	if e.metrics == nil || now.Sub(e.lastStats) < e.cfg.PollInterval {
		return
	}
	e.lastStats = now
	if stats, err := e.cfg.Store.CountDeliveries(e.ctx); err == nil {
		e.metrics.pending.Set(float64(stats.Pending))
		e.metrics.dead.Set(float64(stats.Dead))
	}
}

// cleanupBatch is how many delivered rows one clean-up transaction deletes.
const cleanupBatch = 1000

// cleanup deletes delivered rows older than KeepDelivered and dead rows
// older than KeepDead, once every CleanupInterval, in small transactions so
// that no writer is held long.
func (e *Engine) cleanup(now time.Time) {
	if now.Sub(e.lastCleanup) < e.cfg.CleanupInterval {
		return
	}
	e.lastCleanup = now
	for _, old := range []struct {
		status string
		keep   time.Duration
	}{{novatalks.DeliveryDelivered, e.cfg.KeepDelivered}, {novatalks.DeliveryDead, e.cfg.KeepDead}} {
		if err := e.deleteOld(old.status, now.Add(-old.keep)); err != nil {
			if e.ctx.Err() == nil {
				e.cfg.Logger.Error("delivery: delete old deliveries", "status", old.status, "err", err)
			}
			return
		}
	}
}

// deleteOld deletes the rows of status last changed before t, a batch at a
// time.
func (e *Engine) deleteOld(status string, before time.Time) error {
	for e.ctx.Err() == nil {
		var n int
		err := e.cfg.Store.Update(e.ctx, func(tx novatalks.Tx) error {
			var err error
			n, err = tx.DeleteDeliveries(e.ctx, status, before, cleanupBatch)
			return err
		})
		if err != nil || n < cleanupBatch {
			return err
		}
	}
	return nil
}

// outcome is what one attempt came to.
type outcome struct {
	status     int
	err        error
	retry      bool          // worth trying again
	retryAfter time.Duration // the receiver's Retry-After, 0 when none
	url        string
}

// run makes one attempt of a claimed delivery and records it.
func (e *Engine) run(d *novatalks.Delivery) {
	defer func() {
		<-e.slots
		e.wg.Done()
		e.Wake()
	}()
	start := e.cfg.Now()
	o := e.attempt(d, start)
	elapsed := e.cfg.Now().Sub(start)
	if o.err != nil && e.ctx.Err() != nil {
		// Shutting down: the attempt was cut short. Free the lease so that
		// the next start sends it at once; it counts as no attempt.
		e.release(d)
		return
	}
	if err := e.record(d, o, start, elapsed); err != nil {
		e.cfg.Logger.Error("delivery: record attempt", "delivery", d.ID, "err", err)
	}
}

// release frees the lease of a delivery without recording an attempt.
func (e *Engine) release(d *novatalks.Delivery) {
	err := e.cfg.Store.Update(context.Background(), func(tx novatalks.Tx) error {
		d.LockedUntil = time.Time{}
		return tx.UpdateDelivery(context.Background(), d)
	})
	if err != nil {
		e.cfg.Logger.Warn("delivery: release lease", "delivery", d.ID, "err", err)
	}
}

// attempt sends d once.
func (e *Engine) attempt(d *novatalks.Delivery, at time.Time) outcome {
	req, err := e.request(d, at)
	if err != nil {
		// A receiver that is gone is final; a failed lookup is not.
		var gone receiverError
		return outcome{err: err, url: d.URL, retry: !errors.As(err, &gone)}
	}
	o := outcome{url: req.URL.String()}
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.Timeout)
	defer cancel()
	resp, err := e.client.Do(req.WithContext(ctx))
	if err != nil {
		o.err, o.retry = err, !errors.Is(err, errPrivateAddress)
		return o
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	o.status = resp.StatusCode
	switch {
	case o.status >= 200 && o.status < 300:
	case o.status == http.StatusRequestTimeout || o.status == http.StatusTooManyRequests || o.status >= 500:
		o.err, o.retry = fmt.Errorf("receiver answered %d", o.status), true
		o.retryAfter = retryAfter(resp.Header.Get("Retry-After"), at)
	default:
		o.err = fmt.Errorf("receiver answered %d", o.status)
	}
	return o
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// receiverError is a delivery whose receiver is gone or switched off: it is
// dead at once.
type receiverError struct{ msg string }

func (r receiverError) Error() string { return r.msg }

// gone turns the failed lookup of a receiver into a receiverError when the
// receiver no longer exists.
func gone(err error, what string) error {
	if novatalks.ErrorCode(err) == novatalks.ENOTFOUND {
		return receiverError{"the " + what + " was deleted"}
	}
	return err
}

// request builds the HTTP request of an attempt at time at, with the
// receiver's settings as they are now.
func (e *Engine) request(d *novatalks.Delivery, at time.Time) (*http.Request, error) {
	ctx := context.Background()
	body, target := d.Body, ""
	headers := http.Header{}
	var secret string
	switch d.Kind {
	case novatalks.DeliveryPush:
		in, err := e.cfg.Store.FindInboxByID(ctx, d.AccountID, d.ReceiverID)
		if err != nil {
			return nil, gone(err, "inbox")
		} else if !in.Push.Enabled || in.Push.URL == "" {
			return nil, receiverError{"the inbox's push integration is disabled"}
		}
		target = in.Push.URL
		for k, v := range in.Push.Headers {
			headers.Set(k, v)
		}
		if in.Push.BearerToken != "" {
			headers.Set("Authorization", "Bearer "+in.Push.BearerToken)
		}
		if body, err = stampPush(d.Event, d.Body, at); err != nil {
			return nil, err
		}
	case novatalks.DeliveryWebhook:
		w, err := e.cfg.Store.FindWebhookByID(ctx, d.AccountID, d.ReceiverID)
		if err != nil {
			return nil, gone(err, "webhook")
		}
		target, secret = w.URL, w.Secret
	case novatalks.DeliveryAgentBot:
		b, err := e.cfg.Store.FindAgentBotByID(ctx, d.AccountID, d.ReceiverID)
		if err != nil {
			return nil, gone(err, "agent bot")
		} else if b.OutgoingURL == "" {
			return nil, receiverError{"the agent bot has no outgoing_url"}
		}
		target, secret = b.OutgoingURL, b.AccessToken
	default:
		return nil, receiverError{"unknown delivery kind " + d.Kind}
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, receiverError{"invalid receiver URL"}
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderDeliveryID, d.UID)
	req.Header.Set(HeaderEvent, d.Event)
	if secret != "" {
		ts := strconv.FormatInt(at.Unix(), 10)
		sig := Sign(secret, at.Unix(), body)
		req.Header.Set(HeaderTimestamp, ts)
		req.Header.Set(HeaderSignature, sig)
		req.Header.Set("X-Chatwoot-Timestamp", ts)
		req.Header.Set("X-Chatwoot-Signature", sig)
		req.Header.Set("X-Chatwoot-Delivery", d.UID)
	}
	return req, nil
}

// Sign returns the signature of a webhook delivery: "sha256=" followed by
// the hex HMAC-SHA256, keyed with secret, of the decimal timestamp (Unix
// seconds), a dot and the body, exactly as sent.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// backoff returns the wait after the n-th failed attempt: MinBackoff doubled
// n-1 times, at most MaxBackoff, less a random part of up to half of it.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.MinBackoff
	for i := 1; i < n && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.cfg.MaxBackoff)
	e.mu.Lock()
	j := e.jitter.Int64N(int64(d)/2 + 1)
	e.mu.Unlock()
	return d - time.Duration(j)
}

// record writes the outcome of an attempt: delivered, pending again after a
// backoff, or dead.
func (e *Engine) record(d *novatalks.Delivery, o outcome, at time.Time, elapsed time.Duration) error {
	now := at.Add(elapsed)
	a := &novatalks.DeliveryAttempt{DeliveryID: d.ID, At: at, Duration: elapsed, StatusCode: o.status}
	if d.Attempts == 0 {
		d.StartedAt = at // the retry window starts with the first attempt, not with the queueing
	}
	d.Attempts++
	d.URL, d.LastStatusCode, d.LastError, d.UpdatedAt, d.LockedUntil = o.url, o.status, "", now, time.Time{}
	result := "delivered"
	switch {
	case o.err == nil:
		d.Status, d.DeliveredAt = novatalks.DeliveryDelivered, &now
	case !o.retry:
		d.Status, d.LastError, result = novatalks.DeliveryDead, errorText(o.err), "dead"
	default:
		d.LastError, result = errorText(o.err), "retry"
		next := now.Add(max(e.backoff(d.Attempts), o.retryAfter))
		if deadline := d.StartedAt.Add(e.cfg.RetryFor); next.After(deadline) {
			d.Status, result = novatalks.DeliveryDead, "dead"
			d.LastError += fmt.Sprintf("; gave up after retrying for %s", e.cfg.RetryFor)
		} else {
			d.NextAttemptAt = next
		}
	}
	a.Error = d.LastError
	if e.metrics != nil {
		e.metrics.deliveries.WithLabelValues(d.Kind, result).Inc()
		e.metrics.attempts.WithLabelValues(d.Kind).Observe(elapsed.Seconds())
	}
	level := slog.LevelDebug
	if result != "delivered" {
		level = slog.LevelWarn
	}
	e.cfg.Logger.Log(context.Background(), level, "delivery attempt", "delivery", d.ID, "uid", d.UID, "kind", d.Kind,
		"event", d.Event, "url", d.URL, "status", o.status, "result", result, "err", d.LastError, "duration_ms", elapsed.Milliseconds())
	return e.cfg.Store.Update(context.Background(), func(tx novatalks.Tx) error {
		if err := tx.UpdateDelivery(context.Background(), d); err != nil {
			return err
		}
		return tx.AddDeliveryAttempt(context.Background(), a)
	})
}

// errorText is what an attempt's error says to an operator: short, without
// the method and URL that net/http adds to its errors.
func errorText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		s = "no answer within the timeout"
	}
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

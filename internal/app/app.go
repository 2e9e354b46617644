// Package app assembles a novatalks server from its pieces: the store, the
// file store, the domain service, the HTTP server, the WebSocket gateway, the
// browser pages, the delivery engine (pushes, webhooks, agent bots) and the
// background loops that reopen snoozed conversations and sweep files. It is the wiring of cmd/novatalks, kept
// in its own package so that end-to-end tests run exactly the server the
// binary runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/blob"
	"github.com/novatalks/novatalks/delivery"
	"github.com/novatalks/novatalks/fanout"
	"github.com/novatalks/novatalks/httpapi"
	"github.com/novatalks/novatalks/media"
	"github.com/novatalks/novatalks/nats"
	"github.com/novatalks/novatalks/postgres"
	"github.com/novatalks/novatalks/sqlite"
	"github.com/novatalks/novatalks/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what a server is built from.
type Config struct {
	// DataDir holds the SQLite database (unless DatabaseURL is set) and, in
	// its files folder, the attachments.
	DataDir string
	// DatabaseURL, when set, is the PostgreSQL database (postgres://...)
	// the server keeps its data in instead of the SQLite file in DataDir.
	// Several nodes share one.
	DatabaseURL string
	// DatabaseMaxConns bounds the PostgreSQL connection pool
	// (postgres.DefaultMaxConns when zero).
	DatabaseMaxConns int
	// PublicURL is the absolute URL clients reach the server at.
	PublicURL string
	// CORSOrigins are the origins whose pages may call the SDK API from a
	// browser (httpapi.Config.CORSOrigins); empty allows none but the
	// server's own.
	CORSOrigins []string
	// AdminToken is the administrator's API token on a fresh database; empty
	// means a random one.
	AdminToken string
	Logger     *slog.Logger
	// Publisher, when set, also receives every committed event (tests use it
	// to observe events).
	Publisher novatalks.EventPublisher
	// Gateway tunes the WebSocket gateway (keepalive, deadlines, limits);
	// zero values are the defaults.
	Gateway httpapi.GatewayConfig
	// SnoozeInterval is how often snoozed conversations whose time has come
	// are reopened (DefaultSnoozeInterval when zero); tests make it short.
	SnoozeInterval time.Duration
	// Limits are the input limits (novatalks.DefaultLimits when zero).
	Limits novatalks.Limits
	// UploadTimeout bounds how long a request body with files may take to
	// arrive (httpapi.DefaultUploadTimeout when zero).
	UploadTimeout time.Duration
	// BlobSweepInterval is how often the files of deleted messages that are
	// still stored are deleted (DefaultBlobSweepInterval when zero).
	BlobSweepInterval time.Duration
	// OrphanSweepInterval is how often stored files that no attachment
	// refers to are looked for (DefaultOrphanSweepInterval when zero), and
	// OrphanAge how old such a file must be to go (DefaultOrphanAge when
	// zero). OrphanAge must exceed UploadTimeout, or the files of a slow
	// upload could go before it commits.
	OrphanSweepInterval time.Duration
	OrphanAge           time.Duration
	// NATSURL, when set, spreads events over NATS so that several nodes
	// share them; otherwise they stay in this process.
	NATSURL string
	// NATSSubject is the subject events travel on (nats.DefaultSubject when
	// empty): deployments sharing a NATS server each use their own.
	NATSSubject string
	// DenyPrivateWebhooks refuses webhook, bot and push URLs on private and
	// loopback addresses: literal ones when they are set, resolved ones when
	// delivering. Off by default, so that local development works.
	DenyPrivateWebhooks bool
	// Delivery tunes the delivery engine (timeouts, backoff, retry window,
	// polling); zero values are the defaults. Store, Logger, Registerer and
	// DenyPrivate are set by New.
	Delivery delivery.Config
}

// Defaults of the background loops.
const (
	// DefaultSnoozeInterval is how often a server looks for snoozed
	// conversations to reopen: a snooze ends at most this late.
	DefaultSnoozeInterval = 5 * time.Second
	// DefaultBlobSweepInterval is how often files of deleted messages that
	// could not be deleted at once are deleted.
	DefaultBlobSweepInterval = time.Minute
	// DefaultOrphanSweepInterval and DefaultOrphanAge: files stored by
	// requests that never committed go after a day, looked for hourly.
	DefaultOrphanSweepInterval = time.Hour
	DefaultOrphanAge           = 24 * time.Hour
)

// setDefaults fills the zero values of cfg and checks that they fit together.
func (cfg *Config) setDefaults() error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Limits == (novatalks.Limits{}) {
		cfg.Limits = novatalks.DefaultLimits()
	}
	defaults := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.SnoozeInterval, DefaultSnoozeInterval}, {&cfg.UploadTimeout, httpapi.DefaultUploadTimeout},
		{&cfg.BlobSweepInterval, DefaultBlobSweepInterval}, {&cfg.OrphanSweepInterval, DefaultOrphanSweepInterval},
		{&cfg.OrphanAge, DefaultOrphanAge},
	}
	for _, d := range defaults {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if cfg.OrphanAge <= cfg.UploadTimeout {
		return fmt.Errorf("the orphan file age (%s) must be longer than the upload timeout (%s)", cfg.OrphanAge, cfg.UploadTimeout)
	}
	return nil
}

// Database is the store of an App: SQLite or PostgreSQL.
type Database interface {
	novatalks.Store
	// Ping checks that the database answers, for readiness probes.
	Ping(ctx context.Context) error
	// Close waits for running updates and closes the database.
	Close() error
}

// App is a wired server. Serve App.Handler with an http.Server; after that
// server has shut down, call Close.
type App struct {
	// DataDir is the data folder the App was built on (Config.DataDir).
	DataDir   string
	DB        Database
	Blobs     *blob.Local
	Broker    novatalks.Broker
	Gateway   *httpapi.Gateway
	Service   *novatalks.Service
	Server    *httpapi.Server
	Registry  *prometheus.Registry
	Bootstrap *novatalks.Bootstrap
	Delivery  *delivery.Engine

	stopLoops   []func()
	closeBroker func() error
}

// New opens the store in cfg.DataDir (creating and migrating it as needed),
// bootstraps a fresh database and builds the HTTP server.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var broker novatalks.Broker = fanout.NewLocal()
	closeBroker := func() error { return nil }
	brokerReady := func() error { return nil }
	var natsBroker *nats.Broker
	if cfg.NATSURL != "" {
		nb, err := nats.Open(nats.Config{URL: cfg.NATSURL, Subject: cfg.NATSSubject, Logger: cfg.Logger, Registerer: registry})
		if err != nil {
			return nil, err
		}
		broker, closeBroker, brokerReady, natsBroker = nb, nb.Close, nb.Ping, nb
	}
	// With PostgreSQL, transactions commit side by side (on this node and
	// others) and their events carry Seq: subscribers get each
	// conversation's events back in commit order. SQLite's single writer
	// publishes in commit order and numbers nothing, so its events go
	// straight through.
	if cfg.DatabaseURL != "" {
		broker = novatalks.SequencedBroker(broker, novatalks.DefaultSequenceWait)
	}
	blobs, err := blob.OpenLocal(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		closeBroker()
		return nil, err
	}
	if cfg.Publisher != nil {
		broker.Subscribe(func(e novatalks.Event) { cfg.Publisher.Publish(e) })
	}
	db, err := OpenDatabase(ctx, cfg, broker)
	if err != nil {
		blobs.Close()
		closeBroker()
		return nil, err
	}
	if sq, ok := db.(*sqlite.DB); ok {
		registerWriterMetrics(registry, sq)
	}
	service := novatalks.NewService(db)
	service.Publisher = broker
	publicURL := strings.TrimRight(cfg.PublicURL, "/")
	service.Renderer = delivery.Renderer{PublicURL: publicURL}
	service.DenyPrivateURLs = cfg.DenyPrivateWebhooks
	service.Publisher, service.Limits = broker, cfg.Limits
	service.Blobs, service.Media = blobs, media.NewProbe(runtime.NumCPU())
	// Changes committed by other nodes drop what this node's service caches
	// about them (its own it drops itself).
	broker.Subscribe(service.Forget)
	closeAll := func() { db.Close(); blobs.Close(); closeBroker() }
	boot, err := Bootstrap(ctx, db, service, cfg.AdminToken)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	server := httpapi.NewServer(service, httpapi.Config{
		Logger: cfg.Logger, PublicURL: publicURL, Registerer: registry,
		MetricsHandler: promhttp.HandlerFor(registry, promhttp.HandlerOpts{}), Ready: func(ctx context.Context) error { return errors.Join(db.Ping(ctx), brokerReady()) },
		UploadTimeout: cfg.UploadTimeout, CORSOrigins: cfg.CORSOrigins,
	})
	gwCfg := cfg.Gateway
	gwCfg.Logger, gwCfg.Registerer, gwCfg.PublicURL = cfg.Logger, registry, publicURL
	gateway, err := httpapi.NewGateway(service, broker, gwCfg)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start websocket gateway: %w", err)
	}
	server.Handle("GET /ws", gateway)
	if natsBroker != nil {
		// Events lost to a NATS outage or to this node falling behind never
		// arrive: drop what they would have kept fresh, and send this node's
		// clients to catch up from the database.
		natsBroker.OnMissedEvents(func() {
			service.ForgetAll()
			cfg.Logger.Warn("asked realtime clients to reconnect and catch up on missed events", "connections", gateway.Resync())
		})
	}
	web.New().Mount(server) // the agent console at /app, the demo widget at /widget
	dcfg := cfg.Delivery
	dcfg.Store, dcfg.Logger, dcfg.Registerer, dcfg.DenyPrivate = db, cfg.Logger, registry, cfg.DenyPrivateWebhooks
	engine := delivery.New(dcfg)
	service.DeliveriesWritten = engine.Wake
	engine.Start()
	loop := func(interval time.Duration, what string, fn func(context.Context) (int, error)) func() {
		return every(interval, func(ctx context.Context) {
			if n, err := fn(ctx); err != nil && ctx.Err() == nil {
				cfg.Logger.Error(what, "err", err)
			} else if n > 0 {
				cfg.Logger.Info(what, "count", n)
			}
		})
	}
	stops := []func(){
		loop(cfg.SnoozeInterval, "reopen snoozed conversations", service.ReopenDueSnoozed),
		loop(cfg.BlobSweepInterval, "delete files of deleted messages", service.SweepBlobDeletions),
		loop(cfg.OrphanSweepInterval, "delete files no message refers to", func(ctx context.Context) (int, error) {
			return service.SweepOrphanBlobs(ctx, time.Now().Add(-cfg.OrphanAge))
		}),
	}
	return &App{DataDir: cfg.DataDir, DB: db, Blobs: blobs, Broker: broker, closeBroker: closeBroker, Gateway: gateway, Service: service, Server: server,
		Registry: registry, Bootstrap: boot, Delivery: engine, stopLoops: stops}, nil
}

// OpenDatabase opens (creating and migrating as needed) the PostgreSQL
// database of cfg.DatabaseURL, or else the SQLite file in cfg.DataDir;
// committed events go to publisher, which may be nil.
func OpenDatabase(ctx context.Context, cfg Config, publisher novatalks.EventPublisher) (Database, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL, publisher, postgres.Options{MaxConns: cfg.DatabaseMaxConns, Logger: cfg.Logger})
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "novatalks.db"), publisher, cfg.Logger)
}

// registerWriterMetrics exports the SQLite writer's counters. Transactions
// divided by commits is the average group-commit batch.
func registerWriterMetrics(registry prometheus.Registerer, db *sqlite.DB) {
	counter := func(name, help string, read func(sqlite.WriterStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "novatalks", Subsystem: "sqlite", Name: name, Help: help},
			func() float64 { return float64(read(db.WriterStats())) })
	}
	registry.MustRegister(
		counter("commits_total", "SQLite commits (group commits) by the single writer.",
			func(s sqlite.WriterStats) int64 { return s.Commits }),
		counter("transactions_total", "Transactions those commits made durable.",
			func(s sqlite.WriterStats) int64 { return s.Transactions }),
		counter("log_flushes_total", "Flushes of the write-ahead log to disk.",
			func(s sqlite.WriterStats) int64 { return s.Flushes }),
		counter("log_flushes_spaced_total", "Times the writer's syncer waited before the next flush of the log, so that a busy store's flushes start at least 1 ms apart.",
			func(s sqlite.WriterStats) int64 { return s.SpacedFlushes }),
		counter("checkpoints_total", "Checkpoints copying the write-ahead log into the database file.",
			func(s sqlite.WriterStats) int64 { return s.Checkpoints }),
		counter("log_rewinds_total", "Times the writer copied the rest of the write-ahead log so that it starts over.",
			func(s sqlite.WriterStats) int64 { return s.Rewinds }),
		flushHistogram{db: db, desc: prometheus.NewDesc("novatalks_sqlite_log_flush_seconds",
			"How long flushes of the write-ahead log to disk took; every write of the flushed batch waits for its flush.", nil, nil)},
	)
}

// flushHistogram exports the SQLite writer's histogram of flush durations
// (sqlite.WriterStats.FlushTimes) as a Prometheus histogram.
type flushHistogram struct {
	db   *sqlite.DB
	desc *prometheus.Desc
}

func (h flushHistogram) Describe(ch chan<- *prometheus.Desc) { ch <- h.desc }

func (h flushHistogram) Collect(ch chan<- prometheus.Metric) {
	s := h.db.WriterStats()
	buckets := make(map[float64]uint64, len(sqlite.FlushBuckets))
	var count uint64
	for i, n := range s.FlushTimes {
		count += n
		if i < len(sqlite.FlushBuckets) {
			buckets[sqlite.FlushBuckets[i].Seconds()] = count
		}
	}
	ch <- prometheus.MustNewConstHistogram(h.desc, count, s.FlushTime.Seconds(), buckets)
}

// Bootstrap sets up a fresh database (novatalks.Service.Bootstrap). On
// PostgreSQL, nodes starting together take turns, so that only the first
// creates the account and its administrator.
func Bootstrap(ctx context.Context, db Database, service *novatalks.Service, adminToken string) (boot *novatalks.Bootstrap, err error) {
	run := func() error {
		boot, err = service.Bootstrap(ctx, adminToken)
		return err
	}
	if pg, ok := db.(*postgres.DB); ok {
		return boot, pg.Exclusively(ctx, run)
	}
	return boot, run()
}

// every runs fn at once and then every interval, in one goroutine, until
// the returned stop is called. stop cancels the context fn runs with and
// waits until fn has returned, so nothing runs after it.
func every(interval time.Duration, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// Handler returns the HTTP handler of every route.
func (a *App) Handler() http.Handler { return a.Server }

// Close releases what New opened, in order: the background loops (each
// waits for a run in progress), the delivery engine (which frees the leases
// of the attempts it interrupts), the WebSocket connections (which
// http.Server.Shutdown does not close), then the database and the file
// store. Call it after the HTTP server has stopped.
func (a *App) Close() error {
	for _, stop := range a.stopLoops {
		stop()
	}
	a.Delivery.Close()
	a.Gateway.Close()
	// The database's writer publishes what it commits on the way out, so the
	// broker closes after it.
	err := errors.Join(a.DB.Close(), a.Blobs.Close())
	return errors.Join(err, a.closeBroker())
}

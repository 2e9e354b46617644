// Package app assembles a novatalks server from its pieces: the store, the
// domain service, the HTTP server, the WebSocket gateway, the browser pages
// and the background loop that reopens snoozed conversations. It is the wiring of cmd/novatalks, kept
// in its own package so that end-to-end tests run exactly the server the
// binary runs.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/fanout"
	"github.com/novatalks/novatalks/httpapi"
	"github.com/novatalks/novatalks/sqlite"
	"github.com/novatalks/novatalks/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what a server is built from.
type Config struct {
	// DataDir holds the SQLite database.
	DataDir string
	// PublicURL is the absolute URL clients reach the server at.
	PublicURL string
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
}

// DefaultSnoozeInterval is how often a server looks for snoozed
// conversations to reopen: a snooze ends at most this late.
const DefaultSnoozeInterval = 5 * time.Second

// App is a wired server. Serve App.Handler with an http.Server; after that
// server has shut down, call Close.
type App struct {
	DB        *sqlite.DB
	Broker    novatalks.Broker
	Gateway   *httpapi.Gateway
	Service   *novatalks.Service
	Server    *httpapi.Server
	Registry  *prometheus.Registry
	Bootstrap *novatalks.Bootstrap

	stopSnoozes func()
}

// New opens the store in cfg.DataDir (creating and migrating it as needed),
// bootstraps a fresh database and builds the HTTP server.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	broker := fanout.NewLocal()
	if cfg.Publisher != nil {
		broker.Subscribe(func(e novatalks.Event) { cfg.Publisher.Publish(e) })
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "novatalks.db"), broker, cfg.Logger)
	if err != nil {
		return nil, err
	}
	service := novatalks.NewService(db)
	service.Publisher = broker
	boot, err := service.Bootstrap(ctx, cfg.AdminToken)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	server := httpapi.NewServer(service, httpapi.Config{
		Logger: cfg.Logger, PublicURL: cfg.PublicURL, Registerer: registry,
		MetricsHandler: promhttp.HandlerFor(registry, promhttp.HandlerOpts{}), Ready: db.Ping,
	})
	gwCfg := cfg.Gateway
	gwCfg.Logger, gwCfg.Registerer = cfg.Logger, registry
	gateway, err := httpapi.NewGateway(service, broker, gwCfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("start websocket gateway: %w", err)
	}
	server.Handle("GET /ws", gateway)
	web.New().Mount(server) // the agent console at /app, the demo widget at /widget
	if cfg.SnoozeInterval <= 0 {
		cfg.SnoozeInterval = DefaultSnoozeInterval
	}
	stopSnoozes := every(cfg.SnoozeInterval, func(ctx context.Context) {
		if n, err := service.ReopenDueSnoozed(ctx); err != nil && ctx.Err() == nil {
			cfg.Logger.Error("reopen snoozed conversations", "err", err)
		} else if n > 0 {
			cfg.Logger.Info("reopened snoozed conversations", "count", n)
		}
	})
	return &App{DB: db, Broker: broker, Gateway: gateway, Service: service, Server: server, Registry: registry,
		Bootstrap: boot, stopSnoozes: stopSnoozes}, nil
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

// Close releases what New opened, in order: the loop that reopens snoozed
// conversations, the WebSocket connections (which http.Server.Shutdown does
// not close), then the database. Call it after the HTTP server has stopped.
func (a *App) Close() error {
	a.stopSnoozes()
	a.Gateway.Close()
	return a.DB.Close()
}

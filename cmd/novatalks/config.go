package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// serveConfig is the configuration of "novatalks serve". Every flag has an
// environment variable that supplies its default.
type serveConfig struct {
	Addr      string
	DataDir   string
	PublicURL string
	// CORSOrigins are the origins whose pages may call the SDK API.
	CORSOrigins     []string
	AdminToken      string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
	// DenyPrivateWebhooks refuses webhook, bot and push URLs on private or
	// loopback addresses (off by default, for local development).
	DenyPrivateWebhooks bool
	// DeliveryTimeout bounds one delivery attempt; DeliveryRetryFor is how
	// long a failing delivery is retried before it is parked as dead.
	DeliveryTimeout  time.Duration
	DeliveryRetryFor time.Duration
	NATSURL          string
	// DatabaseURL selects PostgreSQL instead of the SQLite file in DataDir;
	// DatabaseMaxConns bounds its connection pool.
	DatabaseURL      string
	DatabaseMaxConns int
	// WSMaxConnections bounds the node's WebSockets (0: no bound).
	WSMaxConnections int
}

// envOr returns the environment variable name, or fallback when it is unset
// or empty.
func envOr(getenv func(string) string, name, fallback string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return fallback
}

func parseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (*serveConfig, error) {
	env := func(name, fallback string) string { return envOr(getenv, name, fallback) }
	var cfg serveConfig
	var level string
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("NOVATALKS_ADDR", "127.0.0.1:8080"), "listen address (NOVATALKS_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("NOVATALKS_DATA", "data"), "data folder: the SQLite database, the attachments (files/) and the generated admin token (NOVATALKS_DATA)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("NOVATALKS_DATABASE_URL", ""), "PostgreSQL database to keep the data in, e.g. postgres://novatalks@db/novatalks; empty keeps it in SQLite in --data (NOVATALKS_DATABASE_URL)")
	maxConns := env("NOVATALKS_DATABASE_MAX_CONNS", "16")
	fs.StringVar(&maxConns, "database-max-conns", maxConns, "most PostgreSQL connections this node opens (NOVATALKS_DATABASE_MAX_CONNS)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("NOVATALKS_PUBLIC_URL", ""), "absolute URL clients reach the server at; default http://<addr> (NOVATALKS_PUBLIC_URL)")
	origins := env("NOVATALKS_CORS_ORIGINS", "")
	fs.StringVar(&origins, "cors-origins", origins, "comma-separated origins whose web pages may call the SDK API, e.g. https://app.example.com,https://*.example.com, or * for any; empty allows only the server's own (NOVATALKS_CORS_ORIGINS)")
	wsMax := env("NOVATALKS_WS_MAX_CONNECTIONS", "auto")
	fs.StringVar(&wsMax, "ws-max-connections", wsMax, "most WebSockets this node holds; more are refused with 503 (auto: the open-files limit less a twentieth, at least 1,024, for everything else; 0: no bound) (NOVATALKS_WS_MAX_CONNECTIONS)")
	fs.StringVar(&cfg.NATSURL, "nats-url", env("NOVATALKS_NATS_URL", ""), "NATS server to share events with other nodes, e.g. nats://127.0.0.1:4222; empty keeps them in this process (NOVATALKS_NATS_URL)")
	fs.StringVar(&level, "log-level", env("NOVATALKS_LOG_LEVEL", "info"), "debug, info, warn or error (NOVATALKS_LOG_LEVEL)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("NOVATALKS_LOG_FORMAT", "text"), "text or json (NOVATALKS_LOG_FORMAT)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long shutdown waits for in-flight requests")
	deny := env("NOVATALKS_DENY_PRIVATE_WEBHOOKS", "false")
	fs.StringVar(&deny, "deny-private-webhooks", deny, "refuse webhook, bot and push URLs on private and loopback addresses, also after DNS resolution: true or false (NOVATALKS_DENY_PRIVATE_WEBHOOKS)")
	timeout, retryFor := env("NOVATALKS_DELIVERY_TIMEOUT", "10s"), env("NOVATALKS_DELIVERY_RETRY_FOR", "24h")
	fs.StringVar(&timeout, "delivery-timeout", timeout, "how long one delivery attempt may take (NOVATALKS_DELIVERY_TIMEOUT)")
	fs.StringVar(&retryFor, "delivery-retry-for", retryFor, "how long a failing delivery is retried before it is parked as dead (NOVATALKS_DELIVERY_RETRY_FOR)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var err error
	if cfg.DatabaseMaxConns, err = strconv.Atoi(maxConns); err != nil || cfg.DatabaseMaxConns < 1 {
		return nil, fmt.Errorf("--database-max-conns must be a positive number, not %q", maxConns)
	}
	if cfg.DatabaseURL != "" && !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		return nil, fmt.Errorf("--database-url must be a postgres:// URL")
	}
	if wsMax == "auto" {
		cfg.WSMaxConnections = wsConnectionBound(openFilesLimit())
	} else if cfg.WSMaxConnections, err = strconv.Atoi(wsMax); err != nil || cfg.WSMaxConnections < 0 {
		return nil, fmt.Errorf("--ws-max-connections must be auto, 0 or a positive number, not %q", wsMax)
	}
	if cfg.DenyPrivateWebhooks, err = strconv.ParseBool(deny); err != nil {
		return nil, fmt.Errorf("--deny-private-webhooks must be true or false, not %q", deny)
	}
	for _, d := range []struct {
		name, value string
		dst         *time.Duration
	}{{"delivery-timeout", timeout, &cfg.DeliveryTimeout}, {"delivery-retry-for", retryFor, &cfg.DeliveryRetryFor}} {
		if *d.dst, err = time.ParseDuration(d.value); err != nil || *d.dst <= 0 {
			return nil, fmt.Errorf("--%s must be a positive duration like 10s or 24h, not %q", d.name, d.value)
		}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if cfg.CORSOrigins, err = parseOrigins(origins); err != nil {
		return nil, err
	}
	cfg.AdminToken = getenv("NOVATALKS_ADMIN_TOKEN")
	if err := cfg.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format must be text or json, not %q", cfg.LogFormat)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.Addr
	}
	if _, ok := httpURL(cfg.PublicURL); !ok {
		return nil, fmt.Errorf("--public-url must be an absolute http(s) URL, not %q", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &cfg, nil
}

// wsConnectionBound is the default bound on a node's WebSockets, each of
// which holds an open file: the open-files limit less what the rest of the
// server needs (API connections, the database, attachments being written),
// a twentieth of the limit but at least 1,024 files, or half of a limit
// under 2,048. It is 0 (no bound) when the limit is unknown or unlimited.
func wsConnectionBound(openFiles uint64) int {
	if openFiles == 0 || openFiles > 1<<31 {
		return 0
	}
	reserve := max(min(1024, openFiles/2), openFiles/20)
	return int(openFiles - reserve)
}

// parseOrigins splits the comma-separated list of --cors-origins and checks
// each entry: "*" alone, or an http(s) origin without path, query or
// fragment, with at most one "*" in its host.
func parseOrigins(list string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, ok := httpURL(o)
			if !ok || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.Count(u.Host, "*") > 1 {
				return nil, fmt.Errorf("--cors-origins: %q is not an origin like https://app.example.com", o)
			}
		}
		origins = append(origins, o)
	}
	return origins, nil
}

// httpURL parses s and reports whether it is an absolute http(s) URL with a
// host.
func httpURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	return u, err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

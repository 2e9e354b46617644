package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// serveConfig is the configuration of "novatalks serve". Every flag has an
// environment variable that supplies its default.
type serveConfig struct {
	Addr            string
	DataDir         string
	PublicURL       string
	AdminToken      string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
	NATSURL         string
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
	fs.StringVar(&cfg.DataDir, "data", env("NOVATALKS_DATA", "data"), "data folder: the SQLite database and the generated admin token (NOVATALKS_DATA)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("NOVATALKS_PUBLIC_URL", ""), "absolute URL clients reach the server at; default http://<addr> (NOVATALKS_PUBLIC_URL)")
	fs.StringVar(&cfg.NATSURL, "nats-url", env("NOVATALKS_NATS_URL", ""), "NATS server to share events with other nodes, e.g. nats://127.0.0.1:4222; empty keeps them in this process (NOVATALKS_NATS_URL)")
	fs.StringVar(&level, "log-level", env("NOVATALKS_LOG_LEVEL", "info"), "debug, info, warn or error (NOVATALKS_LOG_LEVEL)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("NOVATALKS_LOG_FORMAT", "text"), "text or json (NOVATALKS_LOG_FORMAT)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long shutdown waits for in-flight requests")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve takes no arguments, got %q", fs.Args())
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
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--public-url must be an absolute http(s) URL, not %q", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &cfg, nil
}

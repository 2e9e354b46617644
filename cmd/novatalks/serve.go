package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/delivery"
	"github.com/novatalks/novatalks/httpapi"
	"github.com/novatalks/novatalks/internal/app"
)

// serve runs the server until ctx ends, then shuts it down: it stops taking
// requests, lets in-flight ones finish (up to ShutdownTimeout) and closes the
// database last.
func serve(ctx context.Context, cfg *serveConfig, stdout, stderr io.Writer) error {
	logger := newLogger(cfg, stderr)
	a, err := app.New(ctx, app.Config{DataDir: cfg.DataDir, PublicURL: cfg.PublicURL, CORSOrigins: cfg.CORSOrigins,
		AdminToken: cfg.AdminToken, Logger: logger,
		DatabaseURL: cfg.DatabaseURL, DatabaseMaxConns: cfg.DatabaseMaxConns,
		NATSURL: cfg.NATSURL, DenyPrivateWebhooks: cfg.DenyPrivateWebhooks,
		Delivery: delivery.Config{Timeout: cfg.DeliveryTimeout, RetryFor: cfg.DeliveryRetryFor},
		Gateway:  httpapi.GatewayConfig{MaxConnections: cfg.WSMaxConnections}})
	if err != nil {
		return err
	}
	if a.Bootstrap.Created {
		if err := announceAdmin(cfg.DataDir, cfg.AdminToken != "", a.Bootstrap, stdout); err != nil {
			a.Close()
			return err
		}
	}
	srv := &http.Server{
		Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Close()
		return err
	}
	logger.Info("novatalks listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "data", cfg.DataDir, "ws_max_connections", cfg.WSMaxConnections, "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		a.Close()
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	a.Server.SetDraining()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if cerr := a.Close(); cerr != nil {
		logger.Error("close", "err", cerr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// announceAdmin tells the operator what a fresh database got, and saves the
// administrator's token to <dataDir>/admin-token unless it came from the
// environment (fromEnv).
func announceAdmin(dataDir string, fromEnv bool, boot *novatalks.Bootstrap, stdout io.Writer) error {
	fmt.Fprintf(stdout, "Created account %d, SDK inbox %d (identifier %s) and administrator %q.\n",
		boot.Account.ID, boot.Inbox.ID, boot.Inbox.Identifier, boot.Admin.Email)
	if fromEnv {
		fmt.Fprintln(stdout, "The administrator's API access token is NOVATALKS_ADMIN_TOKEN.")
		return nil
	}
	path := filepath.Join(dataDir, "admin-token")
	if err := os.WriteFile(path, []byte(boot.AdminToken+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin token: %w", err)
	}
	fmt.Fprintf(stdout, "Administrator API access token (shown once, also saved to %s): %s\n", path, boot.AdminToken)
	return nil
}

func newLogger(cfg *serveConfig, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

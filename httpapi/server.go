// Package httpapi serves novatalks over HTTP: the SDK API of the contact side,
// the agent API (a compatible subset of Chatwoot's Application API), the
// OpenAPI document of both, health and readiness probes and Prometheus
// metrics. Handlers decode and
// validate the wire format, call novatalks.Service and render the result; they
// hold no rules of their own and never touch storage.
package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/cors"
)

// Server is the HTTP front of novatalks. Build it with NewServer; it is safe for
// concurrent use.
type Server struct {
	service   *novatalks.Service
	logger    *slog.Logger
	metrics   *metrics
	publicURL string
	// uploadTimeout bounds how long a multipart body may take to arrive.
	uploadTimeout time.Duration
	ready         func(context.Context) error
	draining      atomic.Bool
	cors          *cors.Cors // nil: no origin but the server's own
	mux           *http.ServeMux
	patterns      []string // every pattern registered with handle, in order
}

// Config holds what NewServer needs beyond the service.
type Config struct {
	Logger *slog.Logger
	// PublicURL is the absolute base URL clients reach the server at, used to
	// build absolute links (the WebSocket URL in the settings).
	PublicURL string
	// Registerer receives the HTTP metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// MetricsHandler serves GET /metrics; nil leaves the route out.
	MetricsHandler http.Handler
	// Ready reports whether dependencies (the database, NATS when events
	// travel over it) answer, for /readyz; its error is logged, not shown.
	Ready func(context.Context) error
	// UploadTimeout bounds how long the body of a request with files may
	// take to arrive (DefaultUploadTimeout when zero). Files of a request
	// are stored before it commits, so the sweeper of unreferenced files
	// must only remove files older than this.
	UploadTimeout time.Duration
	// CORSOrigins are the origins whose pages may call the SDK API and fetch
	// attachments from a browser, as "https://app.example.com", with "*"
	// for a part of the host ("https://*.example.com") or alone for any
	// origin. Empty sends no CORS headers: only pages of the server's own
	// origin may call it.
	CORSOrigins []string
}

// NewServer returns a Server for service with every route registered.
func NewServer(service *novatalks.Service, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UploadTimeout <= 0 {
		cfg.UploadTimeout = DefaultUploadTimeout
	}
	s := &Server{
		service: service, logger: cfg.Logger, metrics: newMetrics(cfg.Registerer),
		publicURL: strings.TrimRight(cfg.PublicURL, "/"), uploadTimeout: cfg.UploadTimeout, ready: cfg.Ready,
		cors: newCORS(cfg.CORSOrigins), mux: http.NewServeMux(),
	}
	s.routes(cfg.MetricsHandler)
	return s
}

// Handle registers an extra handler on the server's mux, for features wired
// in by cmd (the WebSocket gateway, for one). Requests to it get the same
// middleware as every other route.
func (s *Server) Handle(pattern string, h http.Handler) { s.handle(pattern, h.ServeHTTP) }

// handle registers a route and remembers its pattern for Routes.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, h)
}

// Routes returns the pattern ("METHOD /path/{param}") of every route
// registered, in registration order; the catch-all 404 routes of the API
// prefixes are not listed. The OpenAPI document is checked against it.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// SetDraining makes /readyz fail, so that load balancers stop sending new
// requests while the server shuts down.
func (s *Server) SetDraining() { s.draining.Store(true) }

func (s *Server) routes(metricsHandler http.Handler) {
	s.handle("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.handle("GET /readyz", s.handleReady)
	if metricsHandler != nil {
		s.handle("GET /metrics", metricsHandler.ServeHTTP)
	}
	s.handle("GET /openapi.json", handleOpenAPI)
	s.handle("GET "+novatalks.FilesPath+"{key}/{name}", s.handleFile)
	s.sdkRoutes()
	s.agentRoutes()
	s.debugRoutes()
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	status, body := http.StatusOK, map[string]string{"status": "ready"}
	if s.draining.Load() {
		status, body = http.StatusServiceUnavailable, map[string]string{"status": "shutting down"}
	} else if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.logger.Warn("not ready", "err", err)
			status, body = http.StatusServiceUnavailable, map[string]string{"status": "dependency unavailable"}
		}
	}
	writeJSON(w, status, body)
}

// ServeHTTP implements http.Handler: request id, panic recovery, metrics and an
// access log around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	w.Header().Set("X-Request-Id", id)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.logger.Error("panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, r, novatalks.Errorf(novatalks.EINTERNAL, "panic"))
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(route, r.Method, rec.status, elapsed)
		// Checked first so that a disabled access log costs no allocation.
		if s.logger.Enabled(r.Context(), slog.LevelInfo) && route != "GET /metrics" && route != "GET /healthz" && route != "GET /readyz" {
			s.logger.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"route", route, "status", rec.status, "duration_ms", elapsed.Milliseconds())
		}
	}()
	if s.cors != nil && corsPath(r.URL.Path) {
		// Answers a preflight itself; adds the headers and calls the mux
		// for any other request.
		s.cors.ServeHTTP(rec, r, s.mux.ServeHTTP)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

type requestIDKey struct{}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validRequestID accepts a client's X-Request-Id only when it is short and
// plain, so that it cannot forge log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Hijack hands the connection to the WebSocket gateway, which asserts
// http.Hijacker on the writer it is given.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.status, r.wrote = http.StatusSwitchingProtocols, true
	}
	return conn, rw, err
}

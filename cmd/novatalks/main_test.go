package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

// TestServe runs "novatalks serve" as a user would, from the environment, and
// stops it the way SIGTERM does.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"NOVATALKS_ADDR": addr, "NOVATALKS_DATA": dir}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, &stdout, &stderr)
	}()
	base := "http://" + addr
	waitHealthy(t, base)

	token := regexp.MustCompile(`access token \(shown once, also saved to .*\): ([0-9A-Za-z]{22})`).FindStringSubmatch(stdout.String())
	if token == nil {
		t.Fatalf("no admin token announced in %q", stdout.String())
	}
	saved, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil || strings.TrimSpace(string(saved)) != token[1] {
		t.Errorf("admin-token file = %q, %v; want %s", saved, err, token[1])
	}
	if info, err := os.Stat(filepath.Join(dir, "admin-token")); err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode %v, want 0600", info.Mode().Perm())
	}

	// A request in flight when shutdown starts still completes.
	resp, err := http.Post(base+"/api/v1/sdk/conversations", "application/json", strings.NewReader(`{"name": "a"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("create: %v %v", err, resp)
	}
	resp.Body.Close()
	pr, pw := io.Pipe()
	slow := make(chan int, 1)
	go func() {
		r, err := http.Post(base+"/api/v1/sdk/conversations", "application/json", pr)
		if err != nil {
			slow <- 0
			return
		}
		r.Body.Close()
		slow <- r.StatusCode
	}()
	pw.Write([]byte(`{"name": `))
	time.Sleep(100 * time.Millisecond) // let the request reach the handler
	cancel()
	time.Sleep(100 * time.Millisecond)
	pw.Write([]byte(`"late"}`))
	pw.Close()
	if got := <-slow; got != 200 {
		t.Errorf("in-flight request finished with %d, want 200", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean stop in logs:\n%s", stderr.String())
	}

	// A second start on the same data keeps the admin and prints no token.
	stdout = syncBuffer{}
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		done <- run(ctx2, []string{"serve"}, func(k string) string { return env[k] }, nil, &stdout, &stderr)
	}()
	waitHealthy(t, base)
	cancel2()
	<-done
	if strings.Contains(stdout.String(), "access token") {
		t.Errorf("second start announced a token again: %q", stdout.String())
	}
}

func TestParseServeConfig(t *testing.T) {
	env := map[string]string{"NOVATALKS_ADDR": "127.0.0.1:9", "NOVATALKS_PUBLIC_URL": "https://chat.example.com/", "NOVATALKS_ADMIN_TOKEN": "tok"}
	cfg, err := parseServeConfig([]string{"--data", "/tmp/x"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9" || cfg.DataDir != "/tmp/x" || cfg.PublicURL != "https://chat.example.com" || cfg.AdminToken != "tok" {
		t.Errorf("cfg = %+v", cfg)
	}
	cfg, err = parseServeConfig([]string{"--addr", "127.0.0.1:7"}, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.PublicURL != "http://127.0.0.1:7" || cfg.DataDir != "data" {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
	if cfg.DenyPrivateWebhooks || cfg.DeliveryTimeout != 10*time.Second || cfg.DeliveryRetryFor != 24*time.Hour {
		t.Errorf("delivery defaults: %+v", cfg)
	}
	env = map[string]string{"NOVATALKS_DENY_PRIVATE_WEBHOOKS": "true", "NOVATALKS_DELIVERY_RETRY_FOR": "2h"}
	cfg, err = parseServeConfig([]string{"--delivery-timeout", "3s"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || !cfg.DenyPrivateWebhooks || cfg.DeliveryTimeout != 3*time.Second || cfg.DeliveryRetryFor != 2*time.Hour {
		t.Errorf("delivery settings: %+v %v", cfg, err)
	}
	if cfg.CORSOrigins != nil {
		t.Errorf("CORS origins by default: %q", cfg.CORSOrigins)
	}
	if want := wsConnectionBound(openFilesLimit()); cfg.WSMaxConnections != want {
		t.Errorf("WebSocket bound by default: %d, want %d (from the open-files limit)", cfg.WSMaxConnections, want)
	}
	for value, want := range map[string]int{"500": 500, "0": 0} {
		cfg, err = parseServeConfig([]string{"--ws-max-connections", value}, func(string) string { return "" }, io.Discard)
		if err != nil || cfg.WSMaxConnections != want {
			t.Errorf("--ws-max-connections %s: %d, %v", value, cfg.WSMaxConnections, err)
		}
	}
	env = map[string]string{"NOVATALKS_CORS_ORIGINS": "https://app.example.com, http://localhost:3000,https://*.example.org"}
	cfg, err = parseServeConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if want := []string{"https://app.example.com", "http://localhost:3000", "https://*.example.org"}; err != nil || !slices.Equal(cfg.CORSOrigins, want) {
		t.Errorf("CORS origins = %q, %v; want %q", cfg.CORSOrigins, err, want)
	}
	for _, args := range [][]string{{"--public-url", "ftp://x"}, {"--log-level", "loud"}, {"--log-format", "xml"}, {"extra"},
		{"--deny-private-webhooks", "maybe"}, {"--delivery-timeout", "0s"}, {"--delivery-retry-for", "soon"},
		{"--cors-origins", "app.example.com"}, {"--cors-origins", "https://app.example.com/"}, {"--cors-origins", "https://a.example.com,ftp://b"},
		{"--cors-origins", "https://*.*.example.com"}, {"--ws-max-connections", "-1"}, {"--ws-max-connections", "many"}} {
		if _, err := parseServeConfig(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestWSConnectionBound(t *testing.T) {
	for _, tc := range []struct {
		openFiles uint64
		want      int
	}{
		{0, 0},            // unknown: no bound
		{1 << 40, 0},      // unlimited in practice
		{1024, 512},       // half kept for the rest of the server
		{4096, 3072},      // 1,024 kept
		{20000, 18976},    // 1,024 kept (this workplace's machines)
		{262144, 249037},  // a twentieth kept (deploy/novatalks.service)
		{1048576, 996148}, // a twentieth kept
	} {
		if got := wsConnectionBound(tc.openFiles); got != tc.want {
			t.Errorf("wsConnectionBound(%d) = %d, want %d", tc.openFiles, got, tc.want)
		}
	}
}

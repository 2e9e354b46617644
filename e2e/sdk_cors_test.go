package e2e_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/novatalks/novatalks/internal/app"
)

// TestCORS checks the server's CORS policy with an allowed origin configured:
// a page of that origin may call the SDK API from a browser (the preflight
// is answered, responses name the origin), while other origins, the agent
// API and a server without the setting send no CORS headers.
func TestCORS(t *testing.T) {
	const allowed = "https://app.example.com"
	srv := MustStartServerWith(t, func(cfg *app.Config) { cfg.CORSOrigins = []string{allowed} })
	contact := srv.StartConversation(t, map[string]any{"name": "Ada"})
	preflight := func(srv *Server, origin, method, path string) *Response {
		return srv.Do(t, Request{Method: http.MethodOptions, Path: path, Header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": method,
			"Access-Control-Request-Headers": "access_token,content-type"}})
	}

	t.Run("Preflight", func(t *testing.T) {
		resp := preflight(srv, allowed, http.MethodPost, "/api/v1/sdk/conversations/messages")
		if resp.Status != http.StatusNoContent {
			t.Fatalf("status %d, want 204; body %s", resp.Status, resp.Body)
		}
		for header, want := range map[string]string{
			"Access-Control-Allow-Origin":  allowed,
			"Access-Control-Allow-Methods": "POST",
			"Access-Control-Allow-Headers": "access_token,content-type",
			"Access-Control-Max-Age":       "600",
		} {
			if got := resp.Header.Get(header); got != want {
				t.Errorf("%s = %q, want %q", header, got, want)
			}
		}
		if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("credentials allowed: %q", got)
		}
	})
	t.Run("Request", func(t *testing.T) {
		resp := srv.SDK(t, http.StatusOK, Request{Method: "GET", Path: "/api/v1/sdk/conversations/messages", Token: contact.Token,
			Header: map[string]string{"Origin": allowed}})
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != allowed {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, allowed)
		}
		if got := resp.Header.Get("Access-Control-Expose-Headers"); got != "X-Request-Id" {
			t.Errorf("Access-Control-Expose-Headers = %q, want X-Request-Id", got)
		}
		if got := strings.Join(resp.Header.Values("Vary"), ","); !strings.Contains(got, "Origin") {
			t.Errorf("Vary = %q, want it to name Origin", got)
		}
		// Errors carry the headers too, so that a page can read them.
		resp = srv.Do(t, Request{Method: "GET", Path: "/api/v1/sdk/conversations/messages", Token: "wrong",
			Header: map[string]string{"Origin": allowed}})
		if resp.Status != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != allowed {
			t.Errorf("bad token: status %d, Access-Control-Allow-Origin %q", resp.Status, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	noCORS := func(t *testing.T, what string, resp *Response) {
		t.Helper()
		for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
			if got := resp.Header.Get(h); got != "" {
				t.Errorf("%s: %s = %q, want none", what, h, got)
			}
		}
	}
	t.Run("OtherOrigin", func(t *testing.T) {
		const other = "https://evil.example.net"
		noCORS(t, "preflight", preflight(srv, other, http.MethodPost, "/api/v1/sdk/conversations/messages"))
		noCORS(t, "request", srv.SDK(t, http.StatusOK, Request{Method: "GET", Path: "/api/v1/sdk/conversations/messages",
			Token: contact.Token, Header: map[string]string{"Origin": other}}))
	})
	t.Run("AgentAPI", func(t *testing.T) {
		noCORS(t, "preflight", preflight(srv, allowed, http.MethodGet, "/api/v1/profile"))
		noCORS(t, "request", srv.Do(t, Request{Method: "GET", Path: "/api/v1/profile",
			Header: map[string]string{"Origin": allowed, "api_access_token": srv.AdminToken()}}))
	})
	t.Run("Off", func(t *testing.T) {
		plain := MustStartServer(t)
		noCORS(t, "preflight", preflight(plain, allowed, http.MethodPost, "/api/v1/sdk/conversations/messages"))
		noCORS(t, "request", plain.Do(t, Request{Method: "GET", Path: "/api/v1/sdk/settings", Header: map[string]string{"Origin": allowed}}))
	})
}

package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/web"
)

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	web.New().Mount(mux)
	return mux
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPages(t *testing.T) {
	mux := newMux()
	for _, tc := range []struct {
		path, title, frameAncestors string
	}{
		{"/app", "NovaTalks console", "'none'"},
		{"/widget", "Chat with us", "*"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			rec := get(t, mux, tc.path)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("GET %s: %d %s", tc.path, rec.Code, rec.Header().Get("Content-Type"))
			}
			if !strings.Contains(rec.Body.String(), "<title>"+tc.title+"</title>") {
				t.Errorf("GET %s is not the page", tc.path)
			}
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
				"base-uri 'none'", "frame-ancestors " + tc.frameAncestors} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
				t.Errorf("Content-Security-Policy %q allows more than the page's origin", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("headers = %v", h)
			}
			if got, want := h.Get("X-Frame-Options") == "DENY", tc.frameAncestors == "'none'"; got != want {
				t.Errorf("X-Frame-Options = %q", h.Get("X-Frame-Options"))
			}
		})
	}
}

// TestPagesReferOnlyToTheirOwnFiles checks every script, style sheet and
// icon a page names: each is an embedded file, under /assets/, of the right
// type (browsers refuse modules of another type under nosniff), named
// relative to the page so that the pages work below a proxy's path.
func TestPagesReferOnlyToTheirOwnFiles(t *testing.T) {
	mux := newMux()
	ref := regexp.MustCompile(`(?:src|href|from|import)\s*[=(]?\s*["']([^"']+)["']`)
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	seen := map[string]bool{}
	queue := []string{"/app", "/widget"}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		rec := get(t, mux, path)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
			continue
		}
		for ext, want := range types {
			if strings.HasSuffix(path, ext) && rec.Header().Get("Content-Type") != want {
				t.Errorf("GET %s: Content-Type %q, want %q", path, rec.Header().Get("Content-Type"), want)
			}
		}
		if strings.HasSuffix(path, ".svg") {
			continue
		}
		for _, m := range ref.FindAllStringSubmatch(rec.Body.String(), -1) {
			target := m[1]
			switch {
			case strings.HasPrefix(target, "http:") || strings.HasPrefix(target, "https:") || strings.HasPrefix(target, "//"):
				if !strings.HasPrefix(target, "http://www.w3.org/") { // the SVG namespace, not a request
					t.Errorf("%s refers to another origin: %s", path, target)
				}
			case strings.HasPrefix(target, "#"): // a place in the page
			case strings.HasPrefix(target, "/"):
				t.Errorf("%s refers to %s from the server's root: the pages must work below a proxy's path", path, target)
			default:
				dir := path[:strings.LastIndex(path, "/")+1]
				queue = append(queue, resolve(dir, target))
			}
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d files reached from the pages: %v", len(seen), seen)
	}
}

// resolve resolves a relative path against a folder path.
func resolve(dir, rel string) string {
	var parts []string
	if d := strings.Trim(dir, "/"); d != "" {
		parts = strings.Split(d, "/")
	}
	for _, p := range strings.Split(rel, "/") {
		switch p {
		case ".":
		case "..":
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, p)
		}
	}
	return "/" + strings.Join(parts, "/")
}

func TestAssets(t *testing.T) {
	mux := newMux()
	t.Run("Revalidated", func(t *testing.T) {
		rec := get(t, mux, "/assets/shared/dom.js")
		etag := rec.Header().Get("ETag")
		if rec.Code != http.StatusOK || etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET: %d, ETag %q, Cache-Control %q", rec.Code, etag, rec.Header().Get("Cache-Control"))
		}
		if again := get(t, mux, "/assets/shared/dom.js", "If-None-Match", etag); again.Code != http.StatusNotModified {
			t.Errorf("GET with If-None-Match: %d, want 304", again.Code)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, path := range []string{"/assets/nope.js", "/assets/app/index.html", "/assets/", "/assets/../web.go", "/app/x"} {
			// The mux redirects a path with dots to its clean form, which
			// is then not found.
			if rec := get(t, mux, path); rec.Code == http.StatusOK {
				t.Errorf("GET %s: %d, want an error", path, rec.Code)
			}
		}
	})
	t.Run("Head", func(t *testing.T) {
		req := httptest.NewRequest("HEAD", "/widget", nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("HEAD /widget: %d with %d bytes", rec.Code, rec.Body.Len())
		}
	})
	t.Run("RootRedirects", func(t *testing.T) {
		rec := get(t, mux, "/")
		// Relative, so that https://example.com/chat/ leads to /chat/app.
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != "app" {
			t.Errorf("GET /: %d to %q", rec.Code, rec.Header().Get("Location"))
		}
	})
}

// TestNoHTMLFromData keeps the rule of the pages' scripts: text from the
// server reaches the page only as text. No script assigns innerHTML or
// outerHTML, calls insertAdjacentHTML or document.write, or evaluates code.
func TestNoHTMLFromData(t *testing.T) {
	mux := newMux()
	banned := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setTimeout\(['"]`)
	for _, path := range []string{
		"/assets/shared/dom.js", "/assets/shared/api.js", "/assets/shared/realtime.js", "/assets/shared/message.js",
		"/assets/shared/thread.js", "/assets/app/console.js", "/assets/app/composer.js", "/assets/widget/widget.js",
	} {
		rec := get(t, mux, path)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
		for i, line := range strings.Split(string(body), "\n") {
			if banned.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d: %s", path, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestServedByTheServer checks the wiring: the server the binary runs
// serves the pages, through its middleware (request IDs, metrics).
func TestServedByTheServer(t *testing.T) {
	srv := apptest.Start(t, nil)
	for _, path := range []string{"/app", "/widget", "/assets/widget/widget.js"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: %d, headers %v", path, resp.StatusCode, resp.Header)
		}
	}
}

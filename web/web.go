package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Handler serves the console, the widget and their assets from memory. It
// is safe for concurrent use.
type Handler struct {
	files map[string]*file // by path below static/, like "app/console.js"
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// New returns a Handler of the embedded files.
func New() *Handler {
	h := &Handler{files: map[string]*file{}}
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h.files[strings.TrimPrefix(name, "static/")] = &file{
			body: body, contentType: contentType(name),
			etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		panic("web: read embedded files: " + err.Error()) // the files are compiled in: cannot happen
	}
	return h
}

// contentType names the media type of an embedded file by its extension.
// JavaScript modules must be served as JavaScript, or browsers refuse them.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Router is what Mount registers routes on: an *http.ServeMux, or the HTTP
// server of package httpapi, whose routes get its middleware (request IDs,
// metrics, access logs).
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Mount registers the routes of the pages on r: GET /app (the console), GET
// /widget (the widget), GET /assets/... (their scripts, styles and icons)
// and GET / (a redirect to the console).
//
// The pages name every file and route relative to themselves, and so does
// the redirect, so that they work unchanged behind a proxy that serves the
// server under a path (https://example.com/chat/app, the proxy stripping
// /chat).
func (h *Handler) Mount(r Router) {
	r.Handle("GET /{$}", http.HandlerFunc(redirectToConsole))
	r.Handle("GET /app", h.page("app/index.html", consoleFrameAncestors))
	r.Handle("GET /widget", h.page("widget/index.html", widgetFrameAncestors))
	r.Handle("GET /assets/{file...}", http.HandlerFunc(h.serveAsset))
}

// redirectToConsole sends the browser to the console, by a Location
// relative to the request's own URL (http.Redirect would make it absolute
// from the path the server sees, losing a proxy's prefix).
func redirectToConsole(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Location", "app")
	w.WriteHeader(http.StatusFound)
}

// Frame ancestors: the console holds an agent's token and acts with it, so
// no other page may frame it (clickjacking). The widget is made to be
// embedded in an iframe by the sites of the teams that use it, so any page
// may frame it.
const (
	consoleFrameAncestors = "'none'"
	widgetFrameAncestors  = "*"
)

// page serves one HTML page with the frame policy given.
func (h *Handler) page(name, frameAncestors string) http.Handler {
	f := h.files[name]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header(), frameAncestors)
		if frameAncestors == "'none'" {
			w.Header().Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
		}
		serveFile(w, r, f)
	})
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	f := h.files[r.PathValue("file")]
	if f == nil || strings.HasSuffix(r.PathValue("file"), ".html") {
		http.NotFound(w, r)
		return
	}
	setSecurityHeaders(w.Header(), "'none'")
	serveFile(w, r, f)
}

// serveFile writes f with its ETag. Browsers revalidate every time
// (no-cache), so a new binary's files are used at once, and an unchanged file
// costs a 304.
func serveFile(w http.ResponseWriter, r *http.Request, f *file) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", f.etag)
	// ServeContent answers If-None-Match and Range; the zero time leaves
	// Last-Modified out (embedded files have no modification time).
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// ContentSecurityPolicy returns the policy of the pages: everything from
// the page's own origin and nothing from anywhere else. 'self' in
// connect-src also allows WebSockets (ws: and wss:) to the same host and
// port (CSP Level 3), which is how the pages reach /ws. blob: images are
// the previews of files chosen for upload, made in the page itself.
func ContentSecurityPolicy(frameAncestors string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; media-src 'self'; " +
		"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; " +
		"frame-ancestors " + frameAncestors
}

func setSecurityHeaders(h http.Header, frameAncestors string) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy(frameAncestors))
	h.Set("X-Content-Type-Options", "nosniff")
	// Links in messages lead to other sites: tell them nothing of where the
	// reader came from.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
}

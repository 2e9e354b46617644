package httpapi

import (
	"mime"
	"net/http"

	"github.com/novatalks/novatalks"
)

// fileCacheControl lets browsers keep a file for a year without asking
// again: what a key names never changes. It is private so that shared caches
// (proxies, CDNs) keep no copy that would outlive the message's deletion.
const fileCacheControl = "private, max-age=31536000, immutable"

// fileCSP forbids a served file from loading or running anything, and
// sandboxes it (a unique origin, no scripts, no forms) if a browser renders
// it as a document anyway.
const fileCSP = "default-src 'none'; sandbox"

// handleFile serves GET /files/{key}/{name}: an attachment's file or
// thumbnail. The key alone finds it; the name is for people and download
// tools. The response has the type detected at upload, a disposition that
// lets only passive types show in place (novatalks.ServeInline), nosniff and
// a sandboxing Content-Security-Policy, long-lived caching with an ETag, and
// range requests (206) through http.ServeContent.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	f, err := s.service.OpenFile(r.Context(), r.PathValue("key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", f.MimeType)
	h.Set("Content-Disposition", contentDisposition(f))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", fileCacheControl)
	h.Set("ETag", `"`+r.PathValue("key")+`"`)
	http.ServeContent(w, r, "", f.ModTime, f)
}

// contentDisposition returns the Content-Disposition of a served file:
// inline only for passive types, and the file name encoded as RFC 2231
// requires for names that are not plain ASCII.
func contentDisposition(f *novatalks.File) string {
	kind := "attachment"
	if f.Inline {
		kind = "inline"
	}
	if v := mime.FormatMediaType(kind, map[string]string{"filename": f.Name}); v != "" {
		return v
	}
	return kind
}

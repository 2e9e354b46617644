package httpapi

import (
	"net/http"
	"strings"

	"github.com/novatalks/novatalks"
	"github.com/rs/cors"
)

// corsPath reports whether a page of another origin may call path when
// Config.CORSOrigins allows that origin: the SDK API of the contact side and
// the attachments it links to. The agent API, the pages of the console and
// the widget, the metrics and the debug routes stay same-origin.
func corsPath(path string) bool {
	return strings.HasPrefix(path, "/api/v1/sdk/") || strings.HasPrefix(path, novatalks.FilesPath)
}

// newCORS returns the CORS policy of the origins in Config.CORSOrigins, or
// nil when there are none. Tokens travel in headers, never in cookies, so
// no credentials are allowed; a preflight is cached for ten minutes.
func newCORS(origins []string) *cors.Cors {
	if len(origins) == 0 {
		return nil
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"access_token", "inbox_identifier", "Content-Type", "X-Request-Id"},
		ExposedHeaders: []string{"X-Request-Id"},
		MaxAge:         600,
	})
}

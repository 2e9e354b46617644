package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/httpapi"
)

// TestOpenAPIDocument checks that /openapi.json is a valid OpenAPI 3.1
// document, that it describes every route registered under /api/ (method and
// path), and that it describes no route the server does not have.
func TestOpenAPIDocument(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPIDocument())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}

	srv := httpapi.NewServer(novatalks.NewService(nil), httpapi.Config{})
	registered := map[string]bool{}
	for _, pattern := range srv.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/") {
			continue
		}
		registered[method+" "+path] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("route %s is not in openapi.json", pattern)
		}
	}
	if len(registered) < 30 {
		t.Errorf("only %d routes under /api/ registered: %v", len(registered), srv.Routes())
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !registered[method+" "+path] {
				t.Errorf("openapi.json describes %s %s, which the server does not serve", method, path)
			}
		}
	}

	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
		!bytes.Equal(rec.Body.Bytes(), httpapi.OpenAPIDocument()) {
		t.Errorf("GET /openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

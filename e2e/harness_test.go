package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// Server is a running novatalks server for one test: internal/apptest's
// server, plus a log of every event it publishes.
type Server struct {
	URL    string
	App    *app.App
	Events *EventLog
	test   *apptest.Server
}

// MustStartServer starts the server on a fresh SQLite file in a temp dir and
// stops it when the test ends.
func MustStartServer(tb testing.TB) *Server {
	tb.Helper()
	return MustStartServerWith(tb, func(*app.Config) {})
}

// MustStartServerWith is MustStartServer with a configuration tweak (short
// keepalive intervals, small queues, a shared data folder).
func MustStartServerWith(tb testing.TB, tweak func(*app.Config)) *Server {
	tb.Helper()
	events := &EventLog{}
	s := apptest.Start(tb, func(cfg *app.Config) {
		cfg.Publisher = events
		tweak(cfg)
	})
	return &Server{URL: s.URL, App: s.App(), Events: events, test: s}
}

// Stop shuts the server down as the binary does (HTTP first, then the
// gateway and the database). It is safe to call more than once.
func (s *Server) Stop() { s.test.Stop() }

// EventLog records every published event.
type EventLog struct {
	mu     sync.Mutex
	events []novatalks.Event
}

// Publish implements novatalks.EventPublisher.
func (l *EventLog) Publish(events ...novatalks.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, events...)
}

// Since returns the events published after the first n.
func (l *EventLog) Since(n int) []novatalks.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]novatalks.Event(nil), l.events[n:]...)
}

// Len returns how many events have been published.
func (l *EventLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	req    *http.Request
}

// JSON decodes the body into v.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Request describes a call: Body is JSON-encoded unless it is a string or []byte.
type Request struct {
	Method, Path, Token string
	Body                any
	Header              map[string]string
}

// Do sends req to the server.
func (s *Server) Do(tb testing.TB, req Request) *Response {
	tb.Helper()
	var body io.Reader
	contentType := ""
	switch b := req.Body.(type) {
	case nil:
	case string:
		body, contentType = strings.NewReader(b), "application/json"
	case []byte:
		body, contentType = bytes.NewReader(b), "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		body, contentType = bytes.NewReader(raw), "application/json"
	}
	hr, err := http.NewRequest(req.Method, s.URL+req.Path, body)
	if err != nil {
		tb.Fatal(err)
	}
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if req.Token != "" {
		hr.Header.Set("access_token", req.Token)
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw, req: hr}
}

// SDK sends an SDK request, checks the status and validates the response
// against the OpenAPI document (and CONTRACT.md's error shape).
func (s *Server) SDK(tb testing.TB, wantStatus int, req Request) *Response {
	tb.Helper()
	resp := s.Do(tb, req)
	if resp.Status != wantStatus {
		tb.Fatalf("%s %s: status %d, want %d; body %s", req.Method, req.Path, resp.Status, wantStatus, resp.Body)
	}
	ValidateSDKResponse(tb, resp)
	return resp
}

// Contact is a contact that started a conversation.
type Contact struct {
	Token          string
	ContactID      int64
	ConversationID int64
}

// StartConversation creates a conversation with body and returns the contact.
func (s *Server) StartConversation(tb testing.TB, body any) Contact {
	tb.Helper()
	return s.StartConversationIn(tb, "", body)
}

// StartConversationIn creates a conversation in the SDK inbox with the given
// identifier (of any account; "" is the default inbox) and returns the contact.
func (s *Server) StartConversationIn(tb testing.TB, inboxIdentifier string, body any) Contact {
	tb.Helper()
	req := Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: body}
	if inboxIdentifier != "" {
		req.Header = map[string]string{"inbox_identifier": inboxIdentifier}
	}
	resp := s.SDK(tb, 200, req)
	var out struct {
		Payload struct {
			Contact      struct{ ID int64 }
			ContactInbox struct{ PubsubToken string }
			Conversation struct{ ID int64 }
		}
	}
	resp.JSON(tb, &out)
	return Contact{Token: out.Payload.ContactInbox.PubsubToken, ContactID: out.Payload.Contact.ID, ConversationID: out.Payload.Conversation.ID}
}

// Send posts a text message as the contact and fails the test unless it is accepted.
func (s *Server) Send(tb testing.TB, c Contact, content, echoID string) {
	tb.Helper()
	s.SDK(tb, 200, Request{Method: "POST", Path: "/api/v1/sdk/conversations/messages", Token: c.Token,
		Body: map[string]any{"message": map[string]any{"content": content, "echo_id": echoID}}})
}

// Messages lists the contact's messages with the given query string.
func (s *Server) Messages(tb testing.TB, c Contact, query string) []map[string]any {
	tb.Helper()
	resp := s.SDK(tb, 200, Request{Method: "GET", Path: "/api/v1/sdk/conversations/messages" + query, Token: c.Token})
	var out []map[string]any
	resp.JSON(tb, &out)
	return out
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// specDir is the spec/ folder: the SDK documentation, copied unchanged.
func specDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "spec")
}

func specPath() string { return filepath.Join(specDir(), "sdk-openapi.json") }

// loadSpec loads sdk-openapi.json and applies the errata of docs/sdk-api.md:
// the fields the documentation's own examples show as null become nullable,
// and MessageData.attachments is an array as every example shows.
func loadSpec() (routers.Router, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath())
		if err != nil {
			specErr = err
			return
		}
		nullable := map[string][]string{
			"SdkContactData":           {"email", "phone_number"},
			"SdkMessageData":           {"content", "source_id", "echo_id"},
			"MessageData":              {"content", "source_id", "echo_id"},
			"SdkSenderData":            {"avatar_url"},
			"SdkMessageAttachmentData": {"fallback_title", "extension"},
		}
		schemas := doc.Components.Schemas
		for name, fields := range nullable {
			for _, f := range fields {
				p := schemas[name].Value.Properties[f].Value
				p.Type = &openapi3.Types{p.Type.Slice()[0], "null"}
			}
		}
		att := schemas["MessageData"].Value.Properties["attachments"].Value
		att.Type = &openapi3.Types{"array"}
		att.Items = openapi3.NewSchemaRef("#/components/schemas/SdkMessageAttachmentData", schemas["SdkMessageAttachmentData"].Value)
		doc.Servers = openapi3.Servers{{URL: "/"}}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// ValidateSDKResponse fails the test unless resp is a valid SDK response.
func ValidateSDKResponse(tb testing.TB, resp *Response) {
	tb.Helper()
	if err := validateSDK(resp); err != nil {
		tb.Fatal(err)
	}
}

// errNotInSpec is returned for operations an OpenAPI document does not describe.
var errNotInSpec = errors.New("operation not described by the OpenAPI document")

// validateSDK checks an SDK response: against the OpenAPI document where it
// describes the operation, and every error against CONTRACT.md's NestJS shape.
func validateSDK(resp *Response) error {
	if resp.Status >= 400 {
		var e struct {
			StatusCode *int            `json:"statusCode"`
			Message    json.RawMessage `json:"message"`
			Error      *string         `json:"error"`
		}
		if err := json.Unmarshal(resp.Body, &e); err != nil || e.StatusCode == nil || *e.StatusCode != resp.Status ||
			e.Error == nil || *e.Error == "" || len(e.Message) == 0 || (e.Message[0] != '"' && e.Message[0] != '[') {
			return fmt.Errorf("error body is not in the NestJS shape: %s", resp.Body)
		}
	}
	router, err := loadSpec()
	if err != nil {
		return fmt.Errorf("load OpenAPI: %w", err)
	}
	err = validateResponse(router, resp, "sdk-openapi.json", false)
	if errors.Is(err, errNotInSpec) {
		return nil // the OpenAPI file does not describe this operation
	}
	return err
}

// validateResponse validates resp against the operation of router's
// document that its request matches (errNotInSpec when none does). strict
// also refuses statuses the operation does not list.
func validateResponse(router routers.Router, resp *Response, docName string, strict bool) error {
	req := resp.req.Clone(context.Background())
	req.URL.Host, req.URL.Scheme = "", ""
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, errNotInSpec)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options: &openapi3filter.Options{
			MultiError:              true,
			IncludeResponseStatus:   strict,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()},
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s %d does not match %s: %v\nbody: %s", req.Method, req.URL.Path, resp.Status, docName, err, resp.Body)
	}
	return nil
}

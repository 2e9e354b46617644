package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/httpapi"
)

// Agent sends a request of the agent API with token in the api_access_token
// header, checks the status and validates the response against the served
// OpenAPI document (and every error against Chatwoot's {"error": "..."}).
func (s *Server) Agent(tb testing.TB, token string, wantStatus int, req Request) *Response {
	tb.Helper()
	req.Header = maps.Clone(req.Header)
	if req.Header == nil {
		req.Header = map[string]string{}
	}
	if token != "" {
		req.Header["api_access_token"] = token
	}
	resp := s.Do(tb, req)
	if resp.Status != wantStatus {
		tb.Fatalf("%s %s: status %d, want %d; body %s", req.Method, req.Path, resp.Status, wantStatus, resp.Body)
	}
	if err := validateAgent(resp); err != nil {
		tb.Fatal(err)
	}
	return resp
}

// AdminToken is the API token of account 1's administrator.
func (s *Server) AdminToken() string { return s.App.Bootstrap.AdminToken }

// Account is an account an operator created, with its administrator and
// an SDK inbox.
type Account struct {
	ID              int64
	Admin           *novatalks.User
	Token           string // the administrator's API access token
	InboxID         int64
	InboxIdentifier string
}

// NewAccount creates an account, an administrator and an SDK inbox the way
// the novatalks admin command does.
func (s *Server) NewAccount(tb testing.TB, name string) Account {
	tb.Helper()
	ctx := context.Background()
	svc := s.App.Service
	a, err := svc.CreateAccount(ctx, name)
	if err != nil {
		tb.Fatal(err)
	}
	admin, err := svc.CreateAgent(ctx, novatalks.SystemActor(a.ID), novatalks.NewAgent{
		Name: name + " admin", Email: "admin@" + strings.ToLower(name) + ".example.com", Role: novatalks.RoleAdministrator})
	if err != nil {
		tb.Fatal(err)
	}
	inbox, err := svc.CreateInbox(ctx, novatalks.SystemActor(a.ID), novatalks.NewInbox{Name: name + " SDK"})
	if err != nil {
		tb.Fatal(err)
	}
	return Account{ID: a.ID, Admin: admin, Token: admin.AccessToken, InboxID: inbox.ID, InboxIdentifier: inbox.Identifier}
}

// accountPath returns the agent API path of account id.
func accountPath(id int64, format string, args ...any) string {
	return fmt.Sprintf("/api/v1/accounts/%d", id) + fmt.Sprintf(format, args...)
}

// decode unmarshals a response body into a generic JSON value.
func decode(tb testing.TB, r *Response) map[string]any {
	tb.Helper()
	var m map[string]any
	r.JSON(tb, &m)
	return m
}

// at walks a generic JSON value along keys (strings) and indexes (ints).
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// num returns a JSON number as int64 (0 when it is not a number).
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

var (
	agentSpecOnce   sync.Once
	agentSpecRouter routers.Router
	agentSpecErr    error
)

// loadAgentSpec loads the OpenAPI document the server serves at /openapi.json.
func loadAgentSpec() (routers.Router, error) {
	agentSpecOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(httpapi.OpenAPIDocument())
		if err != nil {
			agentSpecErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "/"}}
		agentSpecRouter, agentSpecErr = gorillamux.NewRouter(doc)
	})
	return agentSpecRouter, agentSpecErr
}

// validateAgent checks an agent API response: errors have Chatwoot's shape,
// and the response matches the operation of /openapi.json, which must
// describe it.
func validateAgent(resp *Response) error {
	if resp.Status >= 400 {
		var e struct {
			Error *string `json:"error"`
		}
		if err := json.Unmarshal(resp.Body, &e); err != nil || e.Error == nil || *e.Error == "" {
			return fmt.Errorf("error body is not in Chatwoot's shape: %s", resp.Body)
		}
	}
	router, err := loadAgentSpec()
	if err != nil {
		return fmt.Errorf("load /openapi.json: %w", err)
	}
	err = validateResponse(router, resp, "/openapi.json", true)
	if errors.Is(err, errNotInSpec) && resp.Status == 404 {
		return nil // an unknown path: nothing to validate beyond the error shape
	}
	return err
}

// expectEvents reads the next frames of ws and fails unless they are events,
// in order; it returns them.
func expectEvents(tb testing.TB, ws *WSClient, events ...string) []WSFrame {
	tb.Helper()
	out := make([]WSFrame, len(events))
	for i, e := range events {
		out[i] = ws.Expect(tb, e)
	}
	return out
}

// frameData decodes a frame's data into a generic JSON object.
func frameData(tb testing.TB, f WSFrame) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(f.Data, &m); err != nil {
		tb.Fatalf("frame %s: %v", f.Raw, err)
	}
	return m
}

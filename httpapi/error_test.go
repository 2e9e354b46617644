package httpapi

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
)

func TestDecodeJSONErrors(t *testing.T) {
	type body struct {
		Name *string        `json:"name"`
		Tags []string       `json:"tags"`
		Meta map[string]any `json:"meta"`
		N    int64          `json:"n"`
	}
	for _, tc := range []struct {
		in, code, message string
	}{
		{``, novatalks.EINVALID, "request body must be a JSON object"},
		{`{"name": `, novatalks.EINVALID, "malformed JSON: the body ends too early"},
		{`{"name": "a",}`, novatalks.EINVALID, "malformed JSON at byte 14"},
		{`{"name": 1}`, novatalks.EINVALID, "name must be a string"},
		{`{"tags": "a"}`, novatalks.EINVALID, "tags must be an array"},
		{`{"meta": []}`, novatalks.EINVALID, "meta must be an object"},
		{`{"n": "1"}`, novatalks.EINVALID, "n must be an integer"},
		{`[]`, novatalks.EINVALID, "request body must be a JSON object"},
		{`{} {}`, novatalks.EINVALID, "request body must hold a single JSON value"},
		{`{"name": "` + strings.Repeat("x", 100) + `"}`, novatalks.ETOOLARGE, "request body must be at most 64 bytes"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.in))
		var b body
		err := decodeJSON(httptest.NewRecorder(), r, 64, &b)
		if novatalks.ErrorCode(err) != tc.code || novatalks.ErrorMessage(err) != tc.message {
			t.Errorf("%q: got %s %q, want %s %q", tc.in, novatalks.ErrorCode(err), novatalks.ErrorMessage(err), tc.code, tc.message)
		}
	}
}

func TestFlexString(t *testing.T) {
	for in, want := range map[string]string{`"724"`: "724", `209`: "209", `1.5`: "1.5"} {
		var f flexString
		if err := json.Unmarshal([]byte(in), &f); err != nil || string(f) != want {
			t.Errorf("%s: %q %v", in, f, err)
		}
	}
	for _, in := range []string{`true`, `{}`, `[1]`} {
		var f flexString
		if err := json.Unmarshal([]byte(in), &f); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{"abc-123_x.y": true, "": false, "a b": false, "x\ny": false, strings.Repeat("a", 65): false} {
		if got := validRequestID(id); got != want {
			t.Errorf("validRequestID(%q) = %v", id, got)
		}
	}
}

func FuzzQueryInt(f *testing.F) {
	for _, s := range []string{"20", "-1", "1.0", "1e3", "abc", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/", nil)
		q := r.URL.Query()
		q.Set("limit", raw)
		r.URL.RawQuery = q.Encode()
		n, ok, err := queryInt(r, "limit")
		if err != nil && (ok || novatalks.ErrorCode(err) != novatalks.EINVALID) {
			t.Fatalf("%q: error %v with ok=%v", raw, err, ok)
		}
		if err == nil && raw != "" && !ok {
			t.Fatalf("%q: no error and not ok (n=%d)", raw, n)
		}
	})
}

func TestWriteErrorShapes(t *testing.T) {
	s := NewServer(novatalks.NewService(nil), Config{})
	invalid := &novatalks.Error{Code: novatalks.EINVALID, Message: "a", Details: []string{"a", "b"}}
	for _, tc := range []struct {
		path   string
		err    error
		status int
		body   string
	}{
		{"/api/v1/sdk/conversations", novatalks.Errorf(novatalks.EINVALID, "name must be a non-empty string"), 400,
			`{"statusCode":400,"message":"name must be a non-empty string","error":"Bad Request"}`},
		{"/api/v1/sdk/conversations", invalid, 400, `{"statusCode":400,"message":["a","b"],"error":"Bad Request"}`},
		{"/api/v1/sdk/conversations/messages/1", novatalks.Errorf(novatalks.EFORBIDDEN, "no"), 403, `{"statusCode":403,"message":"no","error":"Forbidden"}`},
		{"/api/v1/accounts/1/conversations", novatalks.Errorf(novatalks.EINVALID, "status must be one of"), 422, `{"error":"status must be one of"}`},
		{"/api/v1/accounts/1/conversations", invalid, 422, `{"error":"a; b","errors":["a","b"]}`},
		{"/api/v1/accounts/1/agents", novatalks.Errorf(novatalks.EFORBIDDEN, "administrators only"), 401, `{"error":"administrators only"}`},
		{"/api/v1/accounts/1/agents", novatalks.Errorf(novatalks.ECONFLICT, "taken"), 422, `{"error":"taken"}`},
		{"/api/v1/profile", novatalks.Errorf(novatalks.EUNAUTHORIZED, "invalid access token"), 401, `{"error":"invalid access token"}`},
		{"/api/v1/accounts/1/contacts/2", errors.New("disk on fire"), 500, `{"error":"Internal error."}`},
		{"/api/v1/sdk/settings", errors.New("disk on fire"), 500, `{"statusCode":500,"message":"Internal error.","error":"Internal Server Error"}`},
	} {
		rec := httptest.NewRecorder()
		s.writeError(rec, httptest.NewRequest("GET", tc.path, nil), tc.err)
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != tc.status || got != tc.body {
			t.Errorf("%s %v: %d %s, want %d %s", tc.path, tc.err, rec.Code, got, tc.status, tc.body)
		}
	}
}

package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

func TestParseUnixTime(t *testing.T) {
	sec := time.Unix(1767225600, 0).UTC()
	ms := time.Date(2026, 1, 1, 9, 0, 0, 500e6, time.UTC)
	for _, tc := range []struct {
		in   string
		want *time.Time
		ok   bool
	}{
		{``, nil, true}, {`null`, nil, true},
		{`1767225600`, &sec, true}, {`"1767225600"`, &sec, true}, {`1767225600.9`, &sec, true},
		{`"2026-01-01T09:00:00.500Z"`, &ms, true},
		{`"tomorrow"`, nil, false}, {`-5`, nil, false}, {`true`, nil, false},
		{`1767225600000`, nil, false}, // milliseconds are refused, not read as the year 57970
	} {
		got, err := parseUnixTime(json.RawMessage(tc.in), "snoozed_until")
		if (err == nil) != tc.ok || (got == nil) != (tc.want == nil) || (got != nil && !got.Equal(*tc.want)) {
			t.Errorf("parseUnixTime(%s) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestOutgoingType(t *testing.T) {
	for in, want := range map[string]bool{``: true, `null`: true, `"outgoing"`: true, `1`: true,
		`"incoming"`: false, `0`: false, `2`: false, `"activity"`: false, `"template"`: false} {
		if got := outgoingType(json.RawMessage(in)); got != want {
			t.Errorf("outgoingType(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestIsAgentAPI(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/accounts/1/conversations": true, "/api/v1/profile": true, "/api/v1/accounts/": true,
		"/api/v1/sdk/conversations": false, "/api/v1/profiles": false, "/api/v1/accounts": false, "/healthz": false,
	} {
		if got := isAgentAPI(httptest.NewRequest("GET", path, nil)); got != want {
			t.Errorf("isAgentAPI(%s) = %v, want %v", path, got, want)
		}
	}
}

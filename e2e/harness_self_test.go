package e2e_test

import (
	"net/http"
	"testing"
)

// TestValidatorRejectsWrongShapes proves the OpenAPI validation used by every
// SDK test can fail: responses that break sdk-openapi.json are reported.
func TestValidatorRejectsWrongShapes(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"MessageMissingFields", "GET", "/api/v1/sdk/conversations/messages", `[{"id": 1}]`, 200},
		{"ConversationWrongStatus", "GET", "/api/v1/sdk/conversations", `{"conversation": {"id": 1, "status": "closed", "contact_inbox_id": 1, "substatus": "oninbox"}, "messages": []}`, 200},
		{"CreateWithoutToken", "POST", "/api/v1/sdk/conversations", `{"payload": {"contact": {}, "account_id": 1}}`, 200},
		{"ErrorNotNestShape", "GET", "/api/v1/sdk/conversations", `{"error": "nope"}`, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://x"+tc.path, nil)
			resp := &Response{Status: tc.status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(tc.body), req: req}
			if err := validateSDK(resp); err == nil {
				t.Errorf("validator accepted %s", tc.body)
			}
		})
	}
}

package novatalks_test

import (
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
)

func TestPushIntegrationValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    novatalks.PushIntegration
		want string // a part of the error, "" for valid
	}{
		{"Empty", novatalks.PushIntegration{}, ""},
		{"Documented", novatalks.PushIntegration{Enabled: true, URL: "https://example.com.ua/api/webhook",
			Headers: map[string]string{"Custom-header": "custom-value"}, BearerToken: "your-bearer-token",
			AdditionalParams: map[string]any{"key-1": "value2"}}, ""},
		{"DisabledWithoutURL", novatalks.PushIntegration{BearerToken: "t"}, ""},
		{"EnabledWithoutURL", novatalks.PushIntegration{Enabled: true}, "webhook_url is required"},
		{"NotHTTP", novatalks.PushIntegration{URL: "ftp://example.com/x"}, "must be an http(s) URL"},
		{"RelativeURL", novatalks.PushIntegration{URL: "/hook"}, "must be an http(s) URL"},
		{"BadHeaderName", novatalks.PushIntegration{Headers: map[string]string{"Bad Header": "x"}}, "not a valid header name"},
		{"ReservedHeader", novatalks.PushIntegration{Headers: map[string]string{"authorization": "x"}}, "Authorization is set by the server"},
		{"HeaderInjection", novatalks.PushIntegration{Headers: map[string]string{"X-A": "v\r\nX-B: w"}}, "must be one line"},
		{"TokenInjection", novatalks.PushIntegration{BearerToken: "a\nb"}, "bearer_token must be one line"},
		{"HugeParams", novatalks.PushIntegration{AdditionalParams: map[string]any{"k": strings.Repeat("x", novatalks.MaxPushParamsBytes)}}, "additional_params must be at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("valid integration refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error with %q", tc.want)
			case tc.want != "" && (novatalks.ErrorCode(err) != novatalks.EINVALID || !strings.Contains(novatalks.ErrorMessage(err), tc.want)):
				t.Fatalf("error %v, want EINVALID with %q", err, tc.want)
			}
		})
	}
}

func TestMergeSettings(t *testing.T) {
	old := map[string]any{"autoanswer": false, "utilization": 20.0, "keep": "x"}
	got := novatalks.MergeSettings(old, map[string]any{"autoanswer": true, "utilization": nil, "new": "y"})
	want := map[string]any{"autoanswer": true, "keep": "x", "new": "y"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if old["autoanswer"] != false || old["utilization"] != 20.0 {
		t.Errorf("the old map changed: %v", old)
	}
	if m := novatalks.MergeSettings(nil, nil); m == nil || len(m) != 0 {
		t.Errorf("MergeSettings(nil, nil) = %#v, want an empty map", m)
	}
}

package delivery

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// loadExample reads a documented example of spec/examples as generic JSON.
func loadExample(tb testing.TB, name string) any {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "spec", "examples", name))
	if err != nil {
		tb.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// sameJSON fails unless got, as JSON, equals want field by field.
func sameJSON(tb testing.TB, got []byte, want any) {
	tb.Helper()
	var have any
	if err := json.Unmarshal(got, &have); err != nil {
		tb.Fatalf("decode %s: %v", got, err)
	}
	if !reflect.DeepEqual(have, want) {
		w, _ := json.MarshalIndent(want, "", "  ")
		h, _ := json.MarshalIndent(have, "", "  ")
		tb.Errorf("body differs from the documented example\ngot:  %s\nwant: %s", h, w)
	}
}

func ptr[T any](v T) *T { return &v }

// examplePublicURL is the public URL of the server of the documented
// examples: their attachment URLs are under it.
const examplePublicURL = "https://dev-dialer-bucket.novatalks.xyz"

// renderPush renders and stamps a push as the engine does at an attempt, on
// a server whose public URL is examplePublicURL.
func renderPush(tb testing.TB, in novatalks.RenderInput, ts int64) []byte {
	tb.Helper()
	body, err := Renderer{PublicURL: examplePublicURL}.RenderDelivery(in)
	if err != nil {
		tb.Fatal(err)
	}
	stamped, err := stampPush(in.Name, body, time.UnixMilli(ts))
	if err != nil {
		tb.Fatal(err)
	}
	return stamped
}

var exampleParams = map[string]any{"key-1": "value2", "key-2": "value2"}
var exampleTokens = []string{"some_push_token2", "some_push_token"}

// TestPushNewMessageMatchesDocumentation renders the documented message of
// section 10 and compares the push with push-conversation-new-message.json,
// every field and value.
func TestPushNewMessageMatchesDocumentation(t *testing.T) {
	content := "text message"
	// The store holds attachment URLs as paths; the push has them under the
	// server's public URL, as the documentation shows.
	bucket := "/"
	m := &novatalks.Message{
		ID: 282, AccountID: 1, ConversationID: 70, DialogID: "18ecbfad-a141-47bc-a596-51ff9b8bc3a2",
		MessageType: novatalks.MessageOutgoing, ContentType: novatalks.ContentText, Content: &content,
		Status: novatalks.MessageSent, SenderType: novatalks.SenderUser, CreatedAt: time.UnixMilli(1759439739207),
		Sender: &novatalks.Sender{ID: 3, Type: novatalks.SenderUser, Name: "support2@novatalks.ai", DisplayName: ptr("support2@novatalks.ai")},
		Attachments: []*novatalks.Attachment{
			{ID: 9, MessageID: 282, AccountID: 1, FileType: "file", DataURL: bucket + "b849cf6ae6fe68721e77a.csv",
				ThumbURL: bucket + "b849cf6ae6fe68721e77a.csv", FileSize: 144, MimeType: "application/octet-stream"},
			{ID: 10, MessageID: 282, AccountID: 1, FileType: "image", DataURL: bucket + "849cf6ae6fe68721e77a9.png",
				ThumbURL: bucket + "849cf6ae6fe68721e77a9.png", FileSize: 843559, MimeType: "image/png"},
		},
	}
	e := &novatalks.Event{Type: novatalks.EventMessageCreated, AccountID: 1, ConversationID: 70, Message: m}
	got := renderPush(t, novatalks.RenderInput{Kind: novatalks.DeliveryPush, Name: novatalks.PushNewMessage, Event: e,
		PushTokens: exampleTokens, AdditionalParams: exampleParams}, 1759439744295)
	sameJSON(t, got, loadExample(t, "push-conversation-new-message.json"))

	t.Run("BotSender", func(t *testing.T) {
		m.Sender = &novatalks.Sender{ID: 4, Type: novatalks.SenderAgentBot, Name: "Helper"}
		got := renderPush(t, novatalks.RenderInput{Kind: novatalks.DeliveryPush, Name: novatalks.PushNewMessage, Event: e,
			PushTokens: exampleTokens}, 1)
		var p struct {
			Payload struct {
				Sender           map[string]any `json:"sender"`
				Title            string         `json:"title"`
				AdditionalParams map[string]any `json:"additional_params"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(got, &p); err != nil {
			t.Fatal(err)
		}
		if p.Payload.Sender["type"] != "AgentBot" || p.Payload.Sender["display_name"] != "Helper" ||
			p.Payload.Title != "New message in the conversation: Helper" || p.Payload.AdditionalParams == nil {
			t.Errorf("bot push: %s", got)
		}
	})
}

// TestPushStatusChangeMatchesDocumentation compares the status push with
// push-conversation-status-change.json.
func TestPushStatusChangeMatchesDocumentation(t *testing.T) {
	c := &novatalks.Conversation{ID: 70, AccountID: 1, Status: novatalks.StatusOpen}
	e := &novatalks.Event{Type: novatalks.EventConversationStatus, AccountID: 1, ConversationID: 70, Conversation: c}
	got := renderPush(t, novatalks.RenderInput{Kind: novatalks.DeliveryPush, Name: novatalks.PushStatusChange, Event: e,
		PushTokens: exampleTokens, AdditionalParams: exampleParams}, 1759441374192)
	sameJSON(t, got, loadExample(t, "push-conversation-status-change.json"))
}

// TestStampPush checks that every attempt gets its own ts and nothing else changes.
func TestStampPush(t *testing.T) {
	c := &novatalks.Conversation{ID: 7, AccountID: 1, Status: novatalks.StatusResolved}
	e := &novatalks.Event{Type: novatalks.EventConversationStatus, Conversation: c}
	body, err := Renderer{}.RenderDelivery(novatalks.RenderInput{Kind: novatalks.DeliveryPush, Name: novatalks.PushStatusChange, Event: e, PushTokens: []string{"t"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := stampPush(novatalks.PushStatusChange, body, time.UnixMilli(1000))
	b, _ := stampPush(novatalks.PushStatusChange, a, time.UnixMilli(2000))
	if got, want := string(b), `{"type":"ntk.sdk.chat","event_name":"conversation_status_change","push_tokens":["t"],"payload":{"additional_params":{},"account_id":1,"conversation_id":7,"title":"Conversation status changed to resolved","status":"resolved","ts":2000}}`; got != want {
		t.Errorf("stamped\n got %s\nwant %s", got, want)
	}
	if _, err := stampPush("conversation_other", body, time.Now()); err == nil {
		t.Error("an unknown push event was stamped")
	}
}

// TestSign checks the signature recipe against a value computed elsewhere
// (Python's hmac module).
func TestSign(t *testing.T) {
	got := Sign("test-secret", 1700000000, []byte(`{"event":"message_created"}`))
	if want := "sha256=9dcdcaaadf7652a518bc7d9ec7403c6cbae2abfba9cf20f561683beec1e34b81"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", 0}, {"0", 0}, {"-3", 0}, {"junk", 0}, {"7", 7 * time.Second},
		{now.Add(90 * time.Second).Format(http1123), 90 * time.Second},
		{now.Add(-time.Minute).Format(http1123), 0},
	} {
		if got := retryAfter(tc.header, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

// TestBackoff checks that waits double from MinBackoff, stop at
// MaxBackoff, and that jitter takes at most half off.
func TestBackoff(t *testing.T) {
	e := New(Config{MinBackoff: time.Second, MaxBackoff: 10 * time.Second})
	defer e.Close()
	for n, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 40: 10 * time.Second} {
		for range 50 {
			if got := e.backoff(n); got > full || got < full/2 {
				t.Fatalf("backoff(%d) = %v, want between %v and %v", n, got, full/2, full)
			}
		}
	}
}

// TestDenyPrivateDialer checks that with DenyPrivate the transport refuses
// a loopback address at dial time, and that without it the call goes through.
func TestDenyPrivateDialer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	for _, deny := range []bool{true, false} {
		client := &http.Client{Transport: newTransport(deny)}
		resp, err := client.Get(ts.URL)
		if deny && !errors.Is(err, errPrivateAddress) {
			t.Errorf("deny: err = %v, want a refused private address", err)
		}
		if !deny && err != nil {
			t.Errorf("allow: %v", err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}

package sdk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/novatalks/novatalks/sdk"
)

func TestCreateConversation(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c := srv.Client()

	t.Run("OK", func(t *testing.T) {
		got, err := c.CreateConversation(ctx, sdk.NewConversation{
			Name: "Ada", Email: "ada@example.com", PhoneNumber: "+14155550100",
			CustomAttributes: map[string]any{"plan": "pro"}, AdditionalAttributes: map[string]any{"app": "ios"},
			PushToken: "device-1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Token) != 22 || got.AccountID != 1 || got.Conversation.AccountID != 1 || got.MessageEchoID != "" {
			t.Errorf("started = %+v", got)
		}
		ct := got.Contact
		if ct.ID == 0 || ct.Name != "Ada" || ct.Email != "ada@example.com" || ct.PhoneNumber != "+14155550100" ||
			ct.CustomAttributes["plan"] != "pro" || ct.AdditionalAttributes["app"] != "ios" {
			t.Errorf("contact = %+v", ct)
		}
		if cv := got.Conversation; cv.ID == 0 || cv.Status != sdk.ConversationResolved || cv.Substatus != "acw" {
			t.Errorf("conversation = %+v", cv)
		}
		// The push token was registered: removing it works once.
		contact := c.WithToken(got.Token)
		if err := contact.RemovePushToken(ctx, "device-1"); err != nil {
			t.Errorf("remove the push token given at creation: %v", err)
		}
	})

	t.Run("WithFirstMessage", func(t *testing.T) {
		got, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "Bob", Message: "hello"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Conversation.Status != sdk.ConversationOpen || got.MessageEchoID == "" {
			t.Errorf("started = %+v", got)
		}
		msgs, err := c.WithToken(got.Token).Messages(ctx, sdk.MessageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Content != "hello" || msgs[0].EchoID != got.MessageEchoID || !msgs[0].FromContact() {
			t.Errorf("messages = %+v", msgs)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := c.CreateConversation(ctx, sdk.NewConversation{Name: " "})
		var e *sdk.Error
		if !errors.As(err, &e) || !sdk.IsInvalid(err) {
			t.Fatalf("err = %v, want a 400 *sdk.Error", err)
		}
		if e.StatusCode != 400 || e.Reason != "Bad Request" || e.Message() != "name must be a non-empty string" || e.RequestID == "" {
			t.Errorf("error = %+v", e)
		}
		if got, want := e.Error(), "novatalks: 400 Bad Request: name must be a non-empty string"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	})

	t.Run("ErrInvalidFields", func(t *testing.T) {
		_, err := c.CreateConversation(ctx, sdk.NewConversation{Name: "", Email: "not an address"})
		var e *sdk.Error
		if !errors.As(err, &e) || len(e.Messages) != 2 || e.Messages[1] != "email must be a valid email address" {
			t.Fatalf("err = %#v, want one message per invalid field", err)
		}
	})

	t.Run("ErrUnknownInbox", func(t *testing.T) {
		_, err := srv.Client(sdk.WithInbox("nope")).CreateConversation(ctx, sdk.NewConversation{Name: "Ada"})
		if !sdk.IsNotFound(err) {
			t.Fatalf("err = %v, want 404", err)
		}
	})
}

func TestConversation(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, started := srv.Contact(t)

	t.Run("OK", func(t *testing.T) {
		for _, text := range []string{"one", "two", "three"} {
			if _, err := c.SendText(ctx, text); err != nil {
				t.Fatal(err)
			}
		}
		conv, msgs, err := c.Conversation(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if conv.ID != started.Conversation.ID || conv.Status != sdk.ConversationOpen || conv.Substatus != "oninbox" ||
			conv.DialogID == "" || conv.ContactInboxID == 0 {
			t.Errorf("conversation = %+v", conv)
		}
		if len(msgs) != 2 || msgs[0].Content != "two" || msgs[1].Content != "three" {
			t.Errorf("latest two messages, oldest first: %+v", msgs)
		}
	})

	t.Run("Inbox", func(t *testing.T) {
		st, err := c.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		named := srv.Client(sdk.WithInbox(st.Inbox.Identifier), sdk.WithToken(started.Token))
		if _, _, err := named.Conversation(ctx, 0); err != nil {
			t.Errorf("with the token's own inbox: %v", err)
		}
		other := srv.Client(sdk.WithInbox("kJGO53QxaEuhHaOU3h5Dc5"), sdk.WithToken(started.Token))
		if _, _, err := other.Conversation(ctx, 0); !sdk.IsNotFound(err) {
			t.Errorf("with an unknown inbox: err = %v, want 404", err)
		}
	})

	t.Run("ErrUnauthorized", func(t *testing.T) {
		for _, token := range []string{"", "kJGO53QxaEuhHaOU3h5Dc5"} {
			_, _, err := c.WithToken(token).Conversation(ctx, 0)
			if !sdk.IsUnauthorized(err) {
				t.Errorf("token %q: err = %v, want 401", token, err)
			}
		}
	})

	t.Run("ErrInvalidLimit", func(t *testing.T) {
		_, _, err := c.Conversation(ctx, -1)
		if !sdk.IsInvalid(err) {
			t.Errorf("err = %v, want 400", err)
		}
	})
}

func TestSettings(t *testing.T) {
	srv := MustStartServer(t)
	st, err := srv.Client().Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.AccountID != 1 || st.Inbox.Channel != "Sdk" || len(st.Inbox.Identifier) != 22 || st.WebSocket.Path != "/ws" ||
		st.WebSocket.URL != "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws" || st.Limits.MaxContentLength != 10000 || st.Limits.MessagesMaxPageSize != 100 {
		t.Errorf("settings = %+v", st)
	}
	if !slices.Contains(st.Reactions, "👍") || len(st.Reactions) != 72 || !slices.Equal(st.MessageStatuses, []string{"sent", "delivered", "seen", "failed"}) {
		t.Errorf("reactions %v, statuses %v", st.Reactions, st.MessageStatuses)
	}
}

func TestPushTokens(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	c, _ := srv.Contact(t)
	const token = "fcm:abc/def+ghi=="

	t.Run("OK", func(t *testing.T) {
		if err := c.RegisterPushToken(ctx, token); err != nil {
			t.Fatal(err)
		}
		if err := c.RegisterPushToken(ctx, token); err != nil {
			t.Errorf("registering again: %v", err)
		}
		if err := c.RemovePushToken(ctx, token); err != nil {
			t.Errorf("remove a token with / and +: %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := c.RemovePushToken(ctx, token); !sdk.IsNotFound(err) {
			t.Errorf("removing twice: err = %v, want 404", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if err := c.RegisterPushToken(ctx, " "); !sdk.IsInvalid(err) {
			t.Errorf("err = %v, want 400", err)
		}
	})
}

// TestErrorBodies checks how answers that are not in the server's own shape
// become errors, with a stand-in for a proxy in front of the server.
func TestErrorBodies(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("limit") {
		case "1":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "<html>bad gateway</html>\nmore", http.StatusBadGateway)
		case "2":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Write([]byte(`{"conversation": `)) // cut short
		}
	}))
	defer hs.Close()
	c := sdk.New(hs.URL, sdk.WithRetries(0, sdk.Backoff{}), sdk.WithToken("t"))
	ctx := context.Background()

	_, _, err := c.Conversation(ctx, 1)
	var e *sdk.Error
	if !errors.As(err, &e) || e.StatusCode != 502 || e.Message() != "<html>bad gateway</html>" || e.RetryAfter.Seconds() != 7 {
		t.Errorf("plain-text 502: %#v", err)
	}
	_, _, err = c.Conversation(ctx, 2)
	wantError(t, err, 503, "Service Unavailable")
	_, _, err = c.Conversation(ctx, 3)
	if err == nil || errors.As(err, &e) {
		t.Errorf("truncated JSON: %v, want a decoding error", err)
	}
}

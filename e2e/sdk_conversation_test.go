package e2e_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
)

var tokenPattern = regexp.MustCompile(`^[0-9A-Za-z]{22}$`)

func TestCreateConversation(t *testing.T) {
	srv := MustStartServer(t)

	t.Run("OK", func(t *testing.T) {
		before := srv.Events.Len()
		resp := srv.SDK(t, 200, Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: `{"name": "sdk-contact-494"}`})
		var out struct {
			Payload struct {
				Contact struct {
					ID                   int64
					Name                 string
					Email, PhoneNumber   *string
					CustomAttributes     map[string]any `json:"custom_attributes"`
					AdditionalAttributes map[string]any `json:"additional_attributes"`
				}
				ContactInbox struct{ PubsubToken string }
				AccountID    int64 `json:"account_id"`
				Conversation struct {
					ID                int64
					Status, Substatus string
				}
			}
		}
		resp.JSON(t, &out)
		p := out.Payload
		if !tokenPattern.MatchString(p.ContactInbox.PubsubToken) {
			t.Errorf("pubsubToken %q is not 22 base62 characters", p.ContactInbox.PubsubToken)
		}
		if got, want := p.Conversation.Status, "resolved"; got != want {
			t.Errorf("status = %q, want %q (no first message, no dialog)", got, want)
		}
		if p.Contact.Name != "sdk-contact-494" || p.AccountID != 1 || p.Contact.CustomAttributes == nil || p.Contact.AdditionalAttributes == nil {
			t.Errorf("unexpected payload %s", resp.Body)
		}
		var types []novatalks.EventType
		for _, e := range srv.Events.Since(before) {
			types = append(types, e.Type)
		}
		if got, want := strings.Join(asStrings(types), ","), "contact.created,conversation.created"; got != want {
			t.Errorf("events = %s, want %s", got, want)
		}
	})

	t.Run("WithFirstMessageAndPushToken", func(t *testing.T) {
		before := srv.Events.Len()
		c := srv.StartConversation(t, map[string]any{
			"name": "Ann", "email": "ann@example.com", "phone_number": "+14155550100",
			"custom_attributes": map[string]any{"plan": "pro"}, "additional_attributes": map[string]any{"city": "Kyiv"},
			"push_token": "device-1", "message": map[string]any{"content": "hello", "echo_id": "e1"},
		})
		resp := srv.SDK(t, 200, Request{Method: "GET", Path: "/api/v1/sdk/conversations", Token: c.Token})
		var got struct {
			Conversation struct {
				ID                int64
				Status, Substatus string
				DialogID          string `json:"dialog_id"`
			}
			Messages []struct {
				Content  string
				DialogID string `json:"dialog_id"`
			}
		}
		resp.JSON(t, &got)
		if got.Conversation.Status != "open" || got.Conversation.Substatus != "oninbox" || got.Conversation.DialogID == "" {
			t.Errorf("conversation = %+v, want open/oninbox with a dialog", got.Conversation)
		}
		if len(got.Messages) != 1 || got.Messages[0].Content != "hello" || got.Messages[0].DialogID != got.Conversation.DialogID {
			t.Errorf("messages = %+v", got.Messages)
		}
		tokens, err := srv.App.DB.FindPushTokens(context.Background(), c.ConversationID)
		if err != nil || len(tokens) != 1 || tokens[0] != "device-1" {
			t.Errorf("push tokens = %v, %v", tokens, err)
		}
		var types []string
		for _, e := range srv.Events.Since(before) {
			types = append(types, string(e.Type))
		}
		if got, want := strings.Join(types, ","), "contact.created,conversation.created,conversation.status_changed,message.created"; got != want {
			t.Errorf("events = %s, want %s", got, want)
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		long := strings.Repeat("x", 256)
		bigAttrs := map[string]any{"blob": strings.Repeat("y", 17<<10)}
		for _, tc := range []struct {
			name, wantMessage string
			body              any
			status            int
		}{
			{"MissingName", "name must be a non-empty string", `{}`, 400},
			{"EmptyName", "name must be a non-empty string", `{"name": "  "}`, 400},
			{"NameNotString", "name must be a string", `{"name": 5}`, 400},
			{"NameTooLong", "name must be at most 255 characters", map[string]any{"name": long}, 400},
			{"BadEmail", "email must be a valid email address", `{"name": "a", "email": "not-an-email"}`, 400},
			{"EmailTooLong", "email must be at most 74 characters", map[string]any{"name": "a", "email": strings.Repeat("a", 70) + "@example.com"}, 400},
			{"BadPhone", "phone_number must be in E.164 format", `{"name": "a", "phone_number": "12"}`, 400},
			{"AttributesNotObject", "custom_attributes must be an object", `{"name": "a", "custom_attributes": [1]}`, 400},
			{"AttributesTooLarge", "custom_attributes must be at most 16384 bytes", map[string]any{"name": "a", "custom_attributes": bigAttrs}, 400},
			{"MessageWithoutEchoID", "message.echo_id must be a non-empty string", `{"name": "a", "message": {"content": "hi"}}`, 400},
			{"EmptyBody", "request body must be a JSON object", ``, 400},
			{"MalformedJSON", "malformed JSON", `{"name": `, 400},
			{"TrailingComma", "malformed JSON", "{\n  \"name\": \"sdk-contact-494\",\n}", 400},
			{"NotAnObject", "request body must be a JSON object", `["name"]`, 400},
			{"TooLarge", "request body must be at most 1048576 bytes", `{"name": "` + strings.Repeat("z", 1<<20) + `"}`, 413},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := srv.Events.Len()
				resp := srv.SDK(t, tc.status, Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: tc.body})
				if !strings.Contains(string(resp.Body), tc.wantMessage) {
					t.Errorf("body %s does not say %q", resp.Body, tc.wantMessage)
				}
				if n := srv.Events.Len() - before; n != 0 {
					t.Errorf("a rejected request emitted %d events", n)
				}
			})
		}
	})

	t.Run("SeveralInvalidFieldsListed", func(t *testing.T) {
		resp := srv.SDK(t, 400, Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: `{"email": "x", "phone_number": "1"}`})
		var e struct{ Message []string }
		resp.JSON(t, &e)
		if len(e.Message) != 3 {
			t.Errorf("message = %v, want one entry per invalid field", e.Message)
		}
	})

	t.Run("ErrUnsupportedMediaType", func(t *testing.T) {
		resp := srv.SDK(t, 415, Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: `name=a`,
			Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		if !strings.Contains(string(resp.Body), "application/json") {
			t.Errorf("body %s", resp.Body)
		}
	})

	t.Run("InboxIdentifier", func(t *testing.T) {
		ident := srv.App.Bootstrap.Inbox.Identifier
		srv.SDK(t, 200, Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: `{"name": "a"}`,
			Header: map[string]string{"inbox_identifier": ident}})
		srv.SDK(t, 404, Request{Method: "POST", Path: "/api/v1/sdk/conversations", Body: `{"name": "a"}`,
			Header: map[string]string{"inbox_identifier": "unknownInboxIdentifier"}})
	})

	t.Run("IDsIncreaseAndTokensDiffer", func(t *testing.T) {
		a := srv.StartConversation(t, map[string]any{"name": "a"})
		b := srv.StartConversation(t, map[string]any{"name": "b"})
		if b.ConversationID <= a.ConversationID || b.ContactID <= a.ContactID || a.Token == b.Token {
			t.Errorf("a = %+v, b = %+v", a, b)
		}
	})
}

func asStrings[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func TestGetConversation(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	for i := range 25 {
		srv.Send(t, c, "m"+strconv.Itoa(i), "echo-"+strconv.Itoa(i))
	}
	admin := novatalks.UserActor(srv.App.Bootstrap.Admin)
	note := "internal note"
	if _, err := srv.App.Service.SendAgentMessage(context.Background(), admin, c.ConversationID,
		novatalks.NewAgentMessage{Content: &note, Private: true}); err != nil {
		t.Fatal(err)
	}

	t.Run("DefaultLimit", func(t *testing.T) {
		var got struct {
			Conversation struct {
				ID             int64
				ContactInboxID int64 `json:"contact_inbox_id"`
			}
			Messages []struct{ Content string }
		}
		srv.SDK(t, 200, Request{Method: "GET", Path: "/api/v1/sdk/conversations", Token: c.Token}).JSON(t, &got)
		if got.Conversation.ID != c.ConversationID || got.Conversation.ContactInboxID == 0 {
			t.Errorf("conversation = %+v", got.Conversation)
		}
		if len(got.Messages) != 20 || got.Messages[0].Content != "m5" || got.Messages[19].Content != "m24" {
			t.Errorf("got %d messages from %v: want the latest 20, oldest first, and no private note", len(got.Messages), got.Messages)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		var got struct{ Messages []struct{ Content string } }
		srv.SDK(t, 200, Request{Method: "GET", Path: "/api/v1/sdk/conversations?limit=3", Token: c.Token}).JSON(t, &got)
		if len(got.Messages) != 3 || got.Messages[2].Content != "m24" {
			t.Errorf("messages = %v", got.Messages)
		}
	})
	t.Run("ErrInvalidLimit", func(t *testing.T) {
		for _, q := range []string{"?limit=0", "?limit=-1", "?limit=abc", "?limit=1.5"} {
			srv.SDK(t, 400, Request{Method: "GET", Path: "/api/v1/sdk/conversations" + q, Token: c.Token})
		}
	})
}

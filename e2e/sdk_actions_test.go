package e2e_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/apptest"
)

func quickReply() novatalks.NewAgentMessage {
	return novatalks.NewAgentMessage{Content: text("How fast?"), ContentType: "quick_reply", ContentAttributes: map[string]any{
		"buttons": []any{
			map[string]any{"title": "Standard (3–5 days)", "value": "SHIP_STANDARD"},
			map[string]any{"title": "Overnight", "value": "SHIP_OVERNIGHT"},
		}}}
}

func TestInteractive(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	answer := func(id int64, value string) *Response {
		return srv.Do(t, Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d/interactive-attribute", messagesPath, id), Token: c.Token,
			Body: map[string]any{"selected_content_attribute_value": value}})
	}

	t.Run("QuickReply", func(t *testing.T) {
		qr := agentSays(t, srv, c, quickReply())
		before := srv.Events.Len()
		if r := answer(qr.ID, "SHIP_OVERNIGHT"); r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("status %d %s", r.Status, r.Body)
		}
		events := srv.Events.Since(before)
		var updated, created *novatalks.Message
		for _, e := range events {
			switch e.Type {
			case novatalks.EventMessageUpdated:
				updated = e.Message
			case novatalks.EventMessageCreated:
				created = e.Message
			}
		}
		if updated == nil || updated.ContentAttributes["selected_value"] != "SHIP_OVERNIGHT" {
			t.Errorf("message.updated = %+v", updated)
		}
		if created == nil || *created.Content != "Overnight" || created.MessageType != "incoming" ||
			created.ContentAttributes["submitted_value"] != "SHIP_OVERNIGHT" || created.ContentAttributes["in_reply_to"] != float64(qr.ID) {
			t.Errorf("answer message = %+v", created)
		}
		// The same answer again is a no-op.
		before = srv.Events.Len()
		if r := answer(qr.ID, "SHIP_OVERNIGHT"); r.Status != 200 {
			t.Errorf("status %d", r.Status)
		}
		if n := srv.Events.Len() - before; n != 0 {
			t.Errorf("repeat emitted %d events", n)
		}
	})
	t.Run("Feedback", func(t *testing.T) {
		fb := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("Rate us"), ContentType: "feedback"})
		before := srv.Events.Len()
		if r := answer(fb.ID, "Great service"); r.Status != 200 {
			t.Fatalf("status %d %s", r.Status, r.Body)
		}
		events := srv.Events.Since(before)
		if len(events) != 1 || events[0].Type != novatalks.EventMessageUpdated || events[0].Message.ContentAttributes["selected_value"] != "Great service" {
			t.Errorf("events = %+v", events)
		}
		if r := answer(fb.ID, strings.Repeat("a", 1001)); r.Status != 400 {
			t.Errorf("over-long feedback: status %d", r.Status)
		}
	})
	t.Run("CardPostback", func(t *testing.T) {
		card := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("Explore the Mountains"), ContentType: "card", ContentAttributes: map[string]any{
			"buttons": []any{
				map[string]any{"type": "link", "title": "View Details", "url": "https://example.com/trips/alps"},
				map[string]any{"type": "postback", "title": "Book Now", "value": "BOOK_ALPS_TRIP"},
			}}})
		if r := answer(card.ID, "https://example.com/trips/alps"); r.Status != 400 {
			t.Errorf("a link is not a postback value: status %d", r.Status)
		}
		if r := answer(card.ID, "BOOK_ALPS_TRIP"); r.Status != 200 {
			t.Fatalf("status %d %s", r.Status, r.Body)
		}
		last := srv.Messages(t, c, "?limit=1")[0]
		if last["content"] != "Book Now" {
			t.Errorf("answer = %v", last)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		qr := agentSays(t, srv, c, quickReply())
		plain := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("plain")})
		for _, tc := range []struct {
			id    int64
			value string
		}{{qr.ID, "NOT_A_BUTTON"}, {qr.ID, ""}, {plain.ID, "x"}} {
			r := answer(tc.id, tc.value)
			if r.Status != 400 {
				t.Errorf("%d %q: status %d", tc.id, tc.value, r.Status)
			}
			ValidateSDKResponse(t, r)
		}
		r := srv.Do(t, Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d/interactive-attribute", messagesPath, qr.ID), Token: c.Token, Body: `{}`})
		if r.Status != 400 {
			t.Errorf("missing value: status %d", r.Status)
		}
	})
	t.Run("ErrInvalidInteractiveFromAgent", func(t *testing.T) {
		admin := novatalks.UserActor(srv.App.Bootstrap.Admin)
		for _, in := range []novatalks.NewAgentMessage{
			{Content: text("c"), ContentType: "card", ContentAttributes: map[string]any{}},
			{Content: text("c"), ContentType: "card", ContentAttributes: map[string]any{"buttons": []any{map[string]any{"type": "link", "url": "https://x.test"}}}},
			{Content: text("c"), ContentType: "card", ContentAttributes: map[string]any{"buttons": []any{map[string]any{"type": "link", "title": "t", "url": "javascript:alert(1)"}}}},
			{Content: text("c"), ContentType: "quick_reply", ContentAttributes: map[string]any{"buttons": []any{map[string]any{"title": "t"}}}},
		} {
			_, err := srv.App.Service.SendAgentMessage(context.Background(), admin, c.ConversationID, in)
			if novatalks.ErrorCode(err) != novatalks.EINVALID {
				t.Errorf("%+v: err = %v, want EINVALID", in.ContentAttributes, err)
			}
		}
	})
}

func TestDeleteMessage(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	srv.Send(t, c, "oops", "d1")
	own := ids(srv.Messages(t, c, ""))[0]
	agent := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("agent")})
	note := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("note"), Private: true})
	other := srv.StartConversation(t, map[string]any{"name": "Bob"})
	srv.Send(t, other, "theirs", "o")
	foreign := ids(srv.Messages(t, other, ""))[0]

	t.Run("OK", func(t *testing.T) {
		before := srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, own), Token: c.Token})
		events := srv.Events.Since(before)
		if len(events) != 1 || events[0].Type != novatalks.EventMessageDeleted || events[0].Message.DeletedAt == nil {
			t.Fatalf("events = %+v", events)
		}
		m := srv.Messages(t, c, "")[0]
		if m["content"] != nil || m["deleted_at"] == nil || len(m["attachments"].([]any)) != 0 {
			t.Errorf("tombstone = %v", m)
		}
		before = srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, own), Token: c.Token})
		if n := srv.Events.Len() - before; n != 0 {
			t.Errorf("deleting again emitted %d events", n)
		}
	})
	t.Run("ErrForbiddenAgentMessage", func(t *testing.T) {
		srv.SDK(t, 403, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, agent.ID), Token: c.Token})
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []int64{foreign, note.ID, 999999} {
			srv.SDK(t, 404, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, id), Token: c.Token})
		}
		srv.SDK(t, 400, Request{Method: "DELETE", Path: messagesPath + "/abc", Token: c.Token})
	})
}

func TestReactions(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "sdk-1"})
	agent := agentSays(t, srv, c, novatalks.NewAgentMessage{Content: text("hi")})
	path := fmt.Sprintf("%s/%d/reactions", messagesPath, agent.ID)
	reactions := func() []any {
		for _, m := range srv.Messages(t, c, "?limit=100") {
			if int64(m["id"].(float64)) == agent.ID {
				return m["reactions"].([]any)
			}
		}
		return nil
	}

	t.Run("AddReplaceRemove", func(t *testing.T) {
		before := srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "POST", Path: path, Token: c.Token, Body: `{"reaction": "👍"}`})
		srv.SDK(t, 200, Request{Method: "POST", Path: path, Token: c.Token, Body: `{"reaction": "🔥"}`})
		got := reactions()
		if len(got) != 1 {
			t.Fatalf("reactions = %v, want one per sender", got)
		}
		r := got[0].(map[string]any)
		sender := r["sender"].(map[string]any)
		if r["content"] != "🔥" || sender["type"] != "Contact" || sender["name"] != "sdk-1" || r["created_at"] == nil {
			t.Errorf("reaction = %v", r)
		}
		srv.SDK(t, 200, Request{Method: "POST", Path: path, Token: c.Token, Body: `{"reaction": null}`})
		if got := reactions(); len(got) != 0 {
			t.Errorf("after removal: %v", got)
		}
		events := srv.Events.Since(before)
		if len(events) != 3 || events[0].Type != novatalks.EventReactionUpdated || len(events[2].Message.Reactions) != 0 {
			t.Errorf("events = %+v", events)
		}
		before = srv.Events.Len()
		srv.SDK(t, 200, Request{Method: "POST", Path: path, Token: c.Token, Body: `{"reaction": null}`})
		if n := srv.Events.Len() - before; n != 0 {
			t.Errorf("removing nothing emitted %d events", n)
		}
	})
	t.Run("VariationSelectorAccepted", func(t *testing.T) {
		srv.SDK(t, 200, Request{Method: "POST", Path: path, Token: c.Token, Body: `{"reaction": "❤️‍🔥"}`})
		if got := reactions(); len(got) != 1 || got[0].(map[string]any)["content"] != "❤\u200d🔥" {
			t.Errorf("reactions = %v, want the documented form", got)
		}
		for _, emoji := range novatalks.Reactions {
			srv.SDK(t, 200, Request{Method: "POST", Path: path, Token: c.Token, Body: map[string]any{"reaction": emoji}})
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, body := range []string{`{"reaction": "🦆"}`, `{"reaction": "ok"}`, `{"reaction": 1}`, `{}`} {
			srv.SDK(t, 400, Request{Method: "POST", Path: path, Token: c.Token, Body: body})
		}
		srv.Send(t, c, "bye", "b")
		own := ids(srv.Messages(t, c, "?limit=1"))[0]
		srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, own), Token: c.Token})
		srv.SDK(t, 400, Request{Method: "POST", Path: fmt.Sprintf("%s/%d/reactions", messagesPath, own), Token: c.Token, Body: `{"reaction": "👍"}`})
	})
}

func TestPushTokens(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	other := srv.StartConversation(t, map[string]any{"name": "Bob", "push_token": "bobs-device"})
	tokens := func(conv int64) []string {
		got, err := srv.App.DB.FindPushTokens(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	srv.SDK(t, 200, Request{Method: "POST", Path: "/api/v1/sdk/notifications", Token: c.Token, Body: `{"push_token": "fcm:abc/def"}`})
	srv.SDK(t, 200, Request{Method: "POST", Path: "/api/v1/sdk/notifications", Token: c.Token, Body: `{"push_token": "fcm:abc/def"}`})
	if got := tokens(c.ConversationID); len(got) != 1 || got[0] != "fcm:abc/def" {
		t.Fatalf("tokens = %v", got)
	}
	srv.SDK(t, 400, Request{Method: "POST", Path: "/api/v1/sdk/notifications", Token: c.Token, Body: `{"push_token": ""}`})
	srv.SDK(t, 404, Request{Method: "DELETE", Path: "/api/v1/sdk/notifications/bobs-device", Token: c.Token})
	if got := tokens(other.ConversationID); len(got) != 1 {
		t.Errorf("another contact's token was touched: %v", got)
	}
	srv.SDK(t, 200, Request{Method: "DELETE", Path: "/api/v1/sdk/notifications/" + url.PathEscape("fcm:abc/def"), Token: c.Token})
	if got := tokens(c.ConversationID); len(got) != 0 {
		t.Errorf("tokens after delete = %v", got)
	}
	srv.SDK(t, 404, Request{Method: "DELETE", Path: "/api/v1/sdk/notifications/" + url.PathEscape("fcm:abc/def"), Token: c.Token})
}

func TestSettings(t *testing.T) {
	srv := MustStartServer(t)
	var got novatalksSettings
	srv.SDK(t, 200, Request{Method: "GET", Path: "/api/v1/sdk/settings"}).JSON(t, &got)
	if got.Inbox.ID != 1 || got.Inbox.Channel != "Sdk" || len(got.Reactions) != len(novatalks.Reactions) ||
		got.Limits.MaxContentLength != 10000 || got.Limits.MaxAttachments != 10 || got.WebSocket.URL != "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws" {
		t.Errorf("settings = %+v", got)
	}
	ident := srv.App.Bootstrap.Inbox.Identifier
	srv.SDK(t, 200, Request{Method: "GET", Path: "/api/v1/sdk/settings", Header: map[string]string{"inbox_identifier": ident}})
	srv.SDK(t, 404, Request{Method: "GET", Path: "/api/v1/sdk/settings", Header: map[string]string{"inbox_identifier": "nope"}})
}

type novatalksSettings struct {
	Inbox struct {
		ID      int64
		Channel string
	}
	Reactions []string
	Limits    struct {
		MaxContentLength int `json:"max_content_length"`
		MaxAttachments   int `json:"max_attachments"`
	}
	WebSocket struct{ URL string }
}

// TestAuthorization checks that a token reaches only its own conversation and
// that everything else is 401 or 404, never another contact's data.
func TestAuthorization(t *testing.T) {
	srv := MustStartServer(t)
	a := srv.StartConversation(t, map[string]any{"name": "A"})
	b := srv.StartConversation(t, map[string]any{"name": "B"})
	srv.Send(t, b, "b's secret", "b1")
	bMsg := ids(srv.Messages(t, b, ""))[0]

	for _, path := range []string{"/api/v1/sdk/conversations", messagesPath} {
		srv.SDK(t, 401, Request{Method: "GET", Path: path})
		srv.SDK(t, 401, Request{Method: "GET", Path: path, Token: "kJGO53QxaEuhHaOU3h5Dc5"})
		srv.SDK(t, 401, Request{Method: "GET", Path: path, Token: a.Token[:21]})
	}
	srv.SDK(t, 404, Request{Method: "GET", Path: "/api/v1/sdk/conversations", Token: a.Token,
		Header: map[string]string{"inbox_identifier": "someOtherInbox"}})
	for _, req := range []Request{
		{Method: "PATCH", Path: messagesPath + "/status", Body: fmt.Sprintf(`{"status": "seen", "messageIds": [%d]}`, bMsg)},
		{Method: "PATCH", Path: fmt.Sprintf("%s/%d/interactive-attribute", messagesPath, bMsg), Body: `{"selected_content_attribute_value": "x"}`},
		{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, bMsg)},
		{Method: "POST", Path: fmt.Sprintf("%s/%d/reactions", messagesPath, bMsg), Body: `{"reaction": "👍"}`},
	} {
		req.Token = a.Token
		srv.SDK(t, 404, req)
	}
	for _, m := range srv.Messages(t, a, fmt.Sprintf("?after=%d", bMsg-1)) {
		if m["conversation_id"] != float64(a.ConversationID) {
			t.Errorf("A sees %v", m)
		}
	}
	if m := srv.Messages(t, b, ""); m[0]["status"] != "sent" || m[0]["deleted_at"] != nil || len(m[0]["reactions"].([]any)) != 0 {
		t.Errorf("B's message was changed by A: %v", m[0])
	}
	srv.SDK(t, 404, Request{Method: "GET", Path: "/api/v1/sdk/nothing-here", Token: a.Token})
}

func TestHealthAndMetrics(t *testing.T) {
	srv := MustStartServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := srv.Do(t, Request{Method: "GET", Path: path}); r.Status != 200 {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	srv.StartConversation(t, map[string]any{"name": "A"})
	srv.SDK(t, 401, Request{Method: "GET", Path: "/api/v1/sdk/conversations"})
	r := srv.Do(t, Request{Method: "GET", Path: "/metrics"})
	for _, want := range []string{
		`novatalks_http_requests_total{method="POST",route="POST /api/v1/sdk/conversations",status="200"} 1`,
		`novatalks_http_requests_total{method="GET",route="GET /api/v1/sdk/conversations",status="401"} 1`,
		`novatalks_http_request_duration_seconds_bucket{route="POST /api/v1/sdk/conversations"`,
	} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if os.Getenv(apptest.StoreEnv) != "postgres" {
		// The SQLite writer's flushes: at least the conversation's.
		flushes := regexp.MustCompile(`(?m)^novatalks_sqlite_log_flush_seconds_count (\d+)$`).FindSubmatch(r.Body)
		if flushes == nil || string(flushes[1]) == "0" {
			t.Errorf("metrics lack the flushes of the log: %q", flushes)
		}
		if !strings.Contains(string(r.Body), `novatalks_sqlite_log_flush_seconds_bucket{le="0.005"}`) {
			t.Error("metrics lack the 5 ms bucket of the flushes of the log")
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	srv.App.Server.SetDraining()
	if r := srv.Do(t, Request{Method: "GET", Path: "/readyz"}); r.Status != 503 {
		t.Errorf("readyz while draining: %d", r.Status)
	}
}

package e2e_test

import (
	"strings"
	"testing"
	"time"
)

// TestAgentValidation sends bad input to every writing endpoint: each gets
// Chatwoot's 422 {"error": "..."} (or 413/415) with a message that says what
// to fix, and changes nothing.
func TestAgentValidation(t *testing.T) {
	srv := MustStartServer(t)
	tok := srv.AdminToken()
	c := srv.StartConversation(t, map[string]any{"name": "Iryna", "message": map[string]any{"content": "hi", "echo_id": "1"}})
	msgs := accountPath(1, "/conversations/%d/messages", c.ConversationID)
	conv := accountPath(1, "/conversations/%d", c.ConversationID)
	card := func(attrs map[string]any) map[string]any {
		return map[string]any{"content": "Explore the Mountains", "content_type": "card", "content_attributes": attrs}
	}
	past := time.Now().Add(-time.Hour).Unix()
	eventsBefore := srv.Events.Len()
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		want               string
	}{
		{"CardWithoutButtons", "POST", msgs, card(map[string]any{"buttons": []any{}}), 422,
			"content_attributes.buttons must be a non-empty array for card messages"},
		{"ButtonWithoutTitle", "POST", msgs, card(map[string]any{"buttons": []any{map[string]any{"type": "postback", "value": "X"}}}), 422,
			"content_attributes.buttons[0].title must be a non-empty string"},
		{"LinkNotHTTP", "POST", msgs, card(map[string]any{"buttons": []any{map[string]any{"type": "link", "title": "Go", "url": "javascript:alert(1)"}}}), 422,
			"content_attributes.buttons[0].url must be an http(s) URL"},
		{"UnknownButtonType", "POST", msgs, card(map[string]any{"buttons": []any{map[string]any{"type": "call", "title": "Go"}}}), 422,
			"content_attributes.buttons[0].type must be link or postback"},
		{"ImageNotHTTP", "POST", msgs, card(map[string]any{"image_url": "file:///etc/passwd", "buttons": []any{map[string]any{"type": "postback", "title": "A", "value": "A"}}}), 422,
			"content_attributes.image_url must be an http(s) URL"},
		{"QuickReplyWithoutValue", "POST", msgs, map[string]any{"content": "Pick", "content_type": "quick_reply",
			"content_attributes": map[string]any{"buttons": []any{map[string]any{"title": "A"}}}}, 422,
			"content_attributes.buttons[0].value must be a non-empty string"},
		{"UnknownContentType", "POST", msgs, map[string]any{"content": "x", "content_type": "carousel"}, 422,
			"content_type must be one of text, card, quick_reply, feedback"},
		{"EmptyContent", "POST", msgs, map[string]any{"content": "  "}, 422, "content must not be empty"},
		{"Incoming", "POST", msgs, map[string]any{"content": "x", "message_type": "incoming"}, 422,
			"message_type must be outgoing: agents and bots send outgoing messages"},
		{"IncomingAsNumber", "POST", msgs, map[string]any{"content": "x", "message_type": 0}, 422,
			"message_type must be outgoing"},
		{"ReplyToUnknown", "POST", msgs, map[string]any{"content": "x", "content_attributes": map[string]any{"in_reply_to": 999}}, 422,
			"content_attributes.in_reply_to must be a message of this conversation"},
		{"MalformedJSON", "POST", msgs, `{"content": "x",}`, 422, "malformed JSON at byte 17"},
		{"WrongType", "POST", msgs, `{"content": 5}`, 422, "content must be a string"},
		{"TooLarge", "POST", msgs, `{"content": "` + strings.Repeat("x", 1<<20) + `"}`, 413, "request body must be at most 1048576 bytes"},
		{"BadStatus", "POST", conv + "/toggle_status", map[string]any{"status": "closed"}, 422,
			"status must be one of open, resolved, pending, snoozed"},
		{"SnoozeInThePast", "POST", conv + "/toggle_status", map[string]any{"status": "snoozed", "snoozed_until": past}, 422,
			"snoozed_until must be a time in the future"},
		{"SnoozeNotATime", "POST", conv + "/toggle_status", map[string]any{"status": "snoozed", "snoozed_until": "tomorrow"}, 422,
			"snoozed_until must be a Unix time in seconds or an RFC 3339 time"},
		{"TypingStatus", "POST", conv + "/toggle_typing_status", map[string]any{"typing_status": "maybe"}, 422, "typing_status must be on or off"},
		{"AssigneeMissing", "POST", conv + "/assignments", map[string]any{}, 422, "assignee_id is required (null unassigns)"},
		{"AssigneeUnknown", "POST", conv + "/assignments", map[string]any{"assignee_id": 99}, 404, "agent not found"},
		{"AssignTeam", "POST", conv + "/assignments", map[string]any{"team_id": 1}, 422, "teams are not supported"},
		{"ContactEmail", "PUT", accountPath(1, "/contacts/%d", c.ContactID), map[string]any{"email": "not-an-email"}, 422,
			"email must be a valid email address"},
		{"ContactFields", "PUT", accountPath(1, "/contacts/%d", c.ContactID), map[string]any{"name": "", "phone_number": "123"}, 422,
			"name must be a non-empty string; phone_number must be in E.164 format, like +14155550100"},
		{"AgentFields", "POST", accountPath(1, "/agents"), map[string]any{"name": "", "email": "x", "role": "owner"}, 422,
			"name must be a non-empty string; email must be a valid email address; role must be agent or administrator"},
		{"InboxName", "POST", accountPath(1, "/inboxes"), map[string]any{"name": " "}, 422, "name must be a non-empty string"},
		{"InboxChannel", "POST", accountPath(1, "/inboxes"), map[string]any{"name": "Mail", "channel": map[string]any{"type": "email"}}, 422,
			"channel.type must be sdk"},
		{"PushURL", "PATCH", accountPath(1, "/inboxes/1"), map[string]any{"push_integration": map[string]any{"enabled": true, "webhook_url": "ftp://x"}}, 422,
			"push_integration.webhook_url must be an http(s) URL"},
		{"PushEnabledWithoutURL", "PATCH", accountPath(1, "/inboxes/1"), map[string]any{"push_integration": map[string]any{"enabled": true}}, 422,
			"push_integration.webhook_url is required when the integration is enabled"},
		{"PushReservedHeader", "PATCH", accountPath(1, "/inboxes/1"), map[string]any{"push_integration": map[string]any{"headers": map[string]any{"Authorization": "x"}}}, 422,
			"Authorization is set by the server"},
		{"ListStatus", "GET", accountPath(1, "/conversations?status=closed"), nil, 422, "status must be one of open, resolved, pending, snoozed, all"},
		{"ListAssigneeType", "GET", accountPath(1, "/conversations?assignee_type=team"), nil, 422, "assignee_type must be one of me, unassigned, assigned, all"},
		{"ListPage", "GET", accountPath(1, "/conversations?page=-1"), nil, 422, "page must be a positive integer"},
		{"MessagesBothCursors", "GET", msgs + "?before=5&after=1", nil, 422, "use only one of before and after"},
		{"MessagesCursor", "GET", msgs + "?before=x", nil, 422, "before must be an integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := decode(t, srv.Agent(t, tok, tc.status, Request{Method: tc.method, Path: tc.path, Body: tc.body}))
			if msg, _ := e["error"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("error = %q, want it to contain %q", msg, tc.want)
			}
		})
	}

	t.Run("UnsupportedContentType", func(t *testing.T) {
		e := decode(t, srv.Agent(t, tok, 415, Request{Method: "POST", Path: msgs, Body: "content=x",
			Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}))
		if e["error"] != "Content-Type must be application/json" {
			t.Errorf("error = %v", e)
		}
	})

	t.Run("NothingChanged", func(t *testing.T) {
		if n := srv.Events.Len(); n != eventsBefore {
			t.Errorf("%d events published by refused requests: %v", n-eventsBefore, srv.Events.Since(eventsBefore))
		}
		list := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: msgs}))
		if n := len(at(list, "payload").([]any)); n != 1 {
			t.Errorf("%d messages, want the contact's one", n)
		}
		conv := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv}))
		if conv["status"] != "open" || at(conv, "meta", "assignee") != nil || at(conv, "meta", "sender", "email") != nil {
			t.Errorf("conversation changed: %v", conv)
		}
		inbox := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/inboxes/1")}))
		if at(inbox, "push_integration", "enabled") != false || at(inbox, "push_integration", "webhook_url") != "" {
			t.Errorf("inbox changed: %v", inbox)
		}
	})
}

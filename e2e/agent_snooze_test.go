package e2e_test

import (
	"testing"
	"time"

	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// snoozeFor snoozes a conversation of account 1 until d from now (an RFC 3339
// time, so that the test need not wait for whole seconds) and returns the
// answer of toggle_status.
func snoozeFor(t *testing.T, srv *Server, conversationID int64, d time.Duration) map[string]any {
	t.Helper()
	until := time.Now().Add(d).UTC().Format(time.RFC3339Nano)
	return decode(t, srv.Agent(t, srv.AdminToken(), 200, Request{Method: "POST",
		Path: accountPath(1, "/conversations/%d/toggle_status", conversationID),
		Body: map[string]any{"status": "snoozed", "snoozed_until": until}}))
}

// conversationStatus is the status of a conversation of account 1 as the
// agent API shows it to the agent whose token is tok.
func conversationStatus(t *testing.T, srv *Server, tok string, id int64) string {
	t.Helper()
	r := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d", id)}))
	s, _ := r["status"].(string)
	return s
}

func TestAgentSnoozeReopensByItself(t *testing.T) {
	srv := MustStartServerWith(t, func(c *app.Config) { c.SnoozeInterval = 10 * time.Millisecond })
	c := srv.StartConversation(t, map[string]any{"name": "Taras", "message": map[string]any{"content": "hi", "echo_id": "1"}})
	contact := srv.DialWS(t)
	contact.Subscribe(t, c.Token)
	agent := srv.DialWS(t)
	agent.Subscribe(t, srv.App.Bootstrap.Admin.PubsubToken)

	r := snoozeFor(t, srv, c.ConversationID, 300*time.Millisecond)
	if at(r, "payload", "current_status") != "snoozed" || at(r, "payload", "snoozed_until") == nil {
		t.Fatalf("snooze = %v", r)
	}
	if f := frameData(t, contact.Expect(t, "conversation.status_changed")); f["status"] != "snoozed" || f["snoozed_until"] == nil {
		t.Errorf("snoozed event = %v", f)
	}
	expectEvents(t, agent, "conversation.status_changed", "message.created")

	// Nobody touches it: it reopens at snoozed_until.
	f := frameData(t, contact.Expect(t, "conversation.status_changed"))
	if f["status"] != "open" || f["snoozed_until"] != nil {
		t.Errorf("reopened event = %v", f)
	}
	contact.ExpectNothing(t, 50*time.Millisecond) // the activity message is for agents only
	fs := expectEvents(t, agent, "conversation.status_changed", "message.created")
	if a := frameData(t, fs[1]); a["content"] != "Conversation was reopened because its snooze time was reached" || a["message_type"] != "activity" {
		t.Errorf("activity = %v", a)
	}
	if s := conversationStatus(t, srv, srv.AdminToken(), c.ConversationID); s != "open" {
		t.Errorf("status %s after the snooze, want open", s)
	}

	// Snoozed without a time, it stays snoozed until the contact writes.
	srv.Agent(t, srv.AdminToken(), 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/toggle_status", c.ConversationID),
		Body: map[string]any{"status": "snoozed"}})
	time.Sleep(50 * time.Millisecond) // five rounds of the reopening loop
	if s := conversationStatus(t, srv, srv.AdminToken(), c.ConversationID); s != "snoozed" {
		t.Errorf("status %s, want snoozed until the contact writes", s)
	}
	srv.Send(t, c, "still there?", "2")
	if s := conversationStatus(t, srv, srv.AdminToken(), c.ConversationID); s != "open" {
		t.Errorf("status %s after the contact wrote, want open", s)
	}
}

// TestAgentSnoozeSurvivesRestart snoozes a conversation on a server that
// never reopens snoozes by itself, stops it before the time, and starts a new
// server on the same data folder: that one reopens it.
func TestAgentSnoozeSurvivesRestart(t *testing.T) {
	first := MustStartServerWith(t, func(c *app.Config) { c.SnoozeInterval = time.Hour })
	tok := first.AdminToken() // a restarted server does not know it: only a fresh database shows it
	dir := first.App.DataDir
	c := first.StartConversation(t, map[string]any{"name": "Mykola", "message": map[string]any{"content": "hi", "echo_id": "1"}})
	snoozeFor(t, first, c.ConversationID, 800*time.Millisecond)
	first.Stop()

	second := MustStartServerWith(t, func(c *app.Config) { c.DataDir, c.SnoozeInterval = dir, 10*time.Millisecond })
	if second.App.Bootstrap.Created {
		t.Fatal("the second server bootstrapped a fresh database")
	}
	if s := conversationStatus(t, second, tok, c.ConversationID); s != "snoozed" {
		t.Fatalf("status %s before the snooze time, want snoozed", s)
	}
	apptest.Eventually(t, "the snoozed conversation to reopen after the restart", func() bool {
		return conversationStatus(t, second, tok, c.ConversationID) == "open"
	})
	msgs := decode(t, second.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID)}))
	payload := at(msgs, "payload").([]any)
	if last := payload[len(payload)-1]; at(last, "content") != "Conversation was reopened because its snooze time was reached" {
		t.Errorf("last message = %v", last)
	}
}

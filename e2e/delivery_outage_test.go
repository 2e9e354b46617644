package e2e_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// TestDeliveryOutageAndRestart is the engine's promise: a receiver that is
// down, then answers 500 three times, then 200, gets every notification
// exactly once (as a receiver that drops repeated delivery ids sees them), in
// order per conversation, although the server was restarted in the middle
// of the outage.
func TestDeliveryOutageAndRestart(t *testing.T) {
	dir := t.TempDir()
	config := func(c *app.Config) { fastDelivery(c); c.DataDir = dir }
	srv := MustStartServerWith(t, config)
	rc := MustStartReceiver(t)
	rc.Down()
	tok := srv.AdminToken()
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
		"webhook": map[string]any{"url": rc.URL + "/hook", "subscriptions": []string{"message_created", "conversation_status_changed"}}}})
	srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/1"), Body: map[string]any{
		"push_integration": map[string]any{"enabled": true, "webhook_url": rc.URL + "/push"}}})

	var contacts []Contact
	talk := func(s *Server, round string) {
		for i, c := range contacts {
			s.Send(t, c, "question "+round, fmt.Sprintf("%s-%d", round, i))
			s.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID),
				Body: map[string]any{"content": "answer " + round}})
		}
	}
	for _, name := range []string{"Olena", "Taras"} {
		contacts = append(contacts, srv.StartConversation(t, map[string]any{"name": name, "push_token": "device-" + name,
			"message": map[string]any{"content": "hello", "echo_id": "0"}}))
	}
	talk(srv, "before")
	// Wait until the engine has tried and failed, then restart mid-outage.
	apptest.Eventually(t, "failed attempts while the receiver is down", func() bool {
		list, err := srv.App.Service.Deliveries(t.Context(), adminActor(t, srv), deliveryFilter("pending"))
		return err == nil && len(list) > 0 && list[len(list)-1].Attempts >= 2
	})
	srv.Stop()

	rc.Answer(func(n int, _ Delivered) int {
		if n <= 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	rc.Up(t)
	srv = MustStartServerWith(t, config)
	talk(srv, "after")
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/toggle_status", contacts[0].ConversationID),
		Body: map[string]any{"status": "resolved"}})

	// What must arrive: every message but activity messages to the webhook,
	// the agents' messages as pushes, and both status changes to each.
	var wantHook, wantPush []string
	for _, c := range contacts {
		msgs := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID)}))
		wantHook = append(wantHook, fmt.Sprintf("status_changed %d open", c.ConversationID))
		wantPush = append(wantPush, fmt.Sprintf("status_change %d open", c.ConversationID))
		for _, m := range at(msgs, "payload").([]any) {
			switch num(at(m, "message_type")) {
			case 0:
				wantHook = append(wantHook, fmt.Sprintf("message %d %v", c.ConversationID, num(at(m, "id"))))
			case 1:
				wantHook = append(wantHook, fmt.Sprintf("message %d %v", c.ConversationID, num(at(m, "id"))))
				wantPush = append(wantPush, fmt.Sprintf("new_message %d %v", c.ConversationID, num(at(m, "id"))))
			}
		}
	}
	wantHook = append(wantHook, fmt.Sprintf("status_changed %d resolved", contacts[0].ConversationID))
	wantPush = append(wantPush, fmt.Sprintf("status_change %d resolved", contacts[0].ConversationID))

	hooks := rc.WaitAccepted(t, "/hook", len(wantHook))
	pushes := rc.WaitAccepted(t, "/push", len(wantPush))
	var gotHook, gotPush []string
	for _, d := range hooks {
		b := d.JSON(t)
		if b["event"] == "message_created" {
			gotHook = append(gotHook, fmt.Sprintf("message %d %d", num(at(b, "conversation", "id")), num(b["id"])))
		} else {
			gotHook = append(gotHook, fmt.Sprintf("status_changed %d %v", num(b["id"]), b["status"]))
		}
	}
	for _, d := range pushes {
		b := d.JSON(t)
		name := strings.TrimPrefix(fmt.Sprint(b["event_name"]), "conversation_")
		if name == "new_message" {
			gotPush = append(gotPush, fmt.Sprintf("%s %d %d", name, num(at(b, "payload", "conversation_id")), num(at(b, "payload", "message_id"))))
		} else {
			gotPush = append(gotPush, fmt.Sprintf("%s %d %v", name, num(at(b, "payload", "conversation_id")), at(b, "payload", "status")))
		}
	}
	// Per receiver and conversation the order is the order of the changes;
	// between conversations it may interleave, so compare per conversation.
	for _, c := range []struct {
		name      string
		got, want []string
	}{{"webhook", gotHook, wantHook}, {"push", gotPush, wantPush}} {
		for _, conv := range contacts {
			key := fmt.Sprintf(" %d ", conv.ConversationID)
			if g, w := only(c.got, key), only(c.want, key); !slices.Equal(g, w) {
				t.Errorf("%s, conversation %d:\n got %v\nwant %v", c.name, conv.ConversationID, g, w)
			}
		}
	}
	if fails := len(rc.All()) - len(rc.Unique()); fails < 3 {
		t.Errorf("the receiver answered 500 %d times, want at least 3", fails)
	}
	// Every delivery ends delivered.
	apptest.Eventually(t, "every delivery recorded as delivered", func() bool {
		states := deliveryStates(t, srv, tok, 1, "?limit=100")
		for _, s := range states {
			if !strings.HasPrefix(s, "delivered/") {
				return false
			}
		}
		return len(states) == len(wantHook)+len(wantPush)
	})
}

// only keeps the entries that contain key.
func only(list []string, key string) []string {
	var out []string
	for _, s := range list {
		if strings.Contains(s+" ", key) {
			out = append(out, s)
		}
	}
	return out
}

// TestDeliveryOrderPerConversation: while one conversation's first
// notification is being retried, its later ones wait for it, and another
// conversation's notifications to the same receiver do not.
func TestDeliveryOrderPerConversation(t *testing.T) {
	srv := MustStartServerWith(t, fastDelivery)
	rc := MustStartReceiver(t)
	tok := srv.AdminToken()
	a := srv.StartConversation(t, map[string]any{"name": "Olena", "message": map[string]any{"content": "a0", "echo_id": "0"}})
	b := srv.StartConversation(t, map[string]any{"name": "Taras", "message": map[string]any{"content": "b0", "echo_id": "0"}})
	blocked := make(chan struct{})
	rc.Answer(func(n int, d Delivered) int {
		select {
		case <-blocked: // released
		default:
			if strings.Contains(string(d.Body), `"content":"a1"`) {
				return http.StatusServiceUnavailable
			}
		}
		return http.StatusOK
	})
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
		"webhook": map[string]any{"url": rc.URL + "/hook", "subscriptions": []string{"message_created"}}}})
	for _, m := range []struct {
		c    Contact
		text string
	}{{a, "a1"}, {a, "a2"}, {b, "b1"}, {a, "a3"}, {b, "b2"}} {
		srv.Send(t, m.c, m.text, m.text)
	}
	// b1 and b2 arrive although a1 keeps failing; a2 and a3 wait behind it.
	got := rc.WaitAccepted(t, "/hook", 2)
	if contents(t, got) != "b1 b2" {
		t.Fatalf("while a1 fails: %s", contents(t, got))
	}
	apptest.Eventually(t, "a1 retried", func() bool { return len(rc.All()) >= 5 })
	if n := len(rc.Accepted("/hook")); n != 2 {
		t.Fatalf("%d accepted while a1 fails, want 2", n)
	}
	close(blocked)
	if got := contents(t, rc.WaitAccepted(t, "/hook", 5)); got != "b1 b2 a1 a2 a3" {
		t.Errorf("order %s, want b1 b2 a1 a2 a3", got)
	}
}

// contents lists the content of message webhooks.
func contents(t *testing.T, list []Delivered) string {
	t.Helper()
	var out []string
	for _, d := range list {
		out = append(out, fmt.Sprint(d.JSON(t)["content"]))
	}
	return strings.Join(out, " ")
}

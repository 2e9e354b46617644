package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"
)

// sameShape fails unless got has exactly the keys of the documented example,
// recursively, with values of the same JSON type (null matches anything
// nullable the example shows as null, and the other way round).
func sameShape(tb testing.TB, example string, got []byte) {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(specDir(), "examples", example))
	if err != nil {
		tb.Fatal(err)
	}
	var want, have any
	if err := json.Unmarshal(raw, &want); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		tb.Fatal(err)
	}
	if diffs := shapeDiff("", want, have); len(diffs) > 0 {
		tb.Errorf("%s: %v\nbody: %s", example, diffs, got)
	}
}

func shapeDiff(path string, want, have any) []string {
	if want == nil || have == nil {
		return nil
	}
	if reflect.TypeOf(want) != reflect.TypeOf(have) {
		return []string{fmt.Sprintf("%s is %T, want %T", path, have, want)}
	}
	var out []string
	switch w := want.(type) {
	case map[string]any:
		h := have.(map[string]any)
		var keys []string
		for k := range w {
			keys = append(keys, k)
		}
		for k := range h {
			if _, ok := w[k]; !ok {
				out = append(out, path+"."+k+" is not documented")
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := h[k]; !ok {
				out = append(out, path+"."+k+" is missing")
				continue
			}
			out = append(out, shapeDiff(path+"."+k, w[k], h[k])...)
		}
	case []any:
		h := have.([]any)
		if len(w) > 0 && len(h) > 0 {
			out = append(out, shapeDiff(path+"[0]", w[0], h[0])...)
		}
	}
	return out
}

// TestPushNotifications drives the documented push integration end to end:
// a real receiver gets conversation_new_message for agent messages and
// conversation_status_change for status changes, with the documented body
// and headers, and nothing for private notes, contact messages or
// conversations without push tokens.
func TestPushNotifications(t *testing.T) {
	srv := MustStartServerWith(t, fastDelivery)
	rc := MustStartReceiver(t)
	tok := srv.AdminToken()
	params := map[string]any{"key-1": "value2", "key-2": "value2"}
	srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/1"), Body: map[string]any{
		"push_integration": map[string]any{"enabled": true, "webhook_url": rc.URL + "/api/webhook",
			"headers": map[string]string{"Custom-header": "custom-value"}, "bearer_token": "your-bearer-token",
			"additional_params": params}}})

	start := time.Now()
	c := srv.StartConversation(t, map[string]any{"name": "Olena", "push_token": "device-1",
		"message": map[string]any{"content": "Where is my order?", "echo_id": "1"}})
	srv.SDK(t, 200, Request{Method: "POST", Path: "/api/v1/sdk/notifications", Token: c.Token,
		Body: map[string]any{"push_token": "device-2"}})
	conv := accountPath(1, "/conversations/%d", c.ConversationID)
	sent := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/messages",
		Body: map[string]any{"content": "Let me check.", "echo_id": "a1"}}))
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/messages", Body: map[string]any{"content": "VIP", "private": true}})
	srv.Send(t, c, "thanks", "2")
	// A conversation without push tokens gets no push, whatever happens in it.
	other := srv.StartConversation(t, map[string]any{"name": "Ivan", "message": map[string]any{"content": "hi", "echo_id": "1"}})
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/messages", other.ConversationID),
		Body: map[string]any{"content": "hello Ivan"}})
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/toggle_status", Body: map[string]any{"status": "resolved"}})

	got := rc.WaitAccepted(t, "/api/webhook", 3)
	if all := rc.All(); len(all) != 3 {
		t.Errorf("receiver got %d requests, want 3 (no retries, no extra pushes)", len(all))
	}
	opened, message, resolved := got[0], got[1], got[2]
	sameShape(t, "push-conversation-status-change.json", opened.Body)
	sameShape(t, "push-conversation-new-message.json", message.Body)
	sameShape(t, "push-conversation-status-change.json", resolved.Body)

	for _, d := range got {
		for name, want := range map[string]string{"Content-Type": "application/json", "User-Agent": "NovaTalks.Engine",
			"Custom-Header": "custom-value", "Authorization": "Bearer your-bearer-token"} {
			if got := d.Header.Get(name); got != want {
				t.Errorf("header %s = %q, want %q", name, got, want)
			}
		}
		if len(d.ID()) < 32 {
			t.Errorf("X-Ntk-Delivery-Id = %q", d.ID())
		}
	}
	if got[0].ID() == got[1].ID() || got[1].ID() == got[2].ID() {
		t.Error("two pushes share a delivery id")
	}

	m := message.JSON(t)
	p := at(m, "payload").(map[string]any)
	checks := map[string][2]any{
		"type":                    {m["type"], "ntk.sdk.chat"},
		"event_name":              {m["event_name"], "conversation_new_message"},
		"payload.account_id":      {num(p["account_id"]), int64(1)},
		"payload.message_id":      {num(p["message_id"]), num(sent["id"])},
		"payload.conversation":    {num(p["conversation_id"]), c.ConversationID},
		"payload.sender.type":     {at(p, "sender", "type"), "User"},
		"payload.sender.name":     {at(p, "sender", "name"), "Administrator"},
		"payload.title":           {p["title"], "New message in the conversation: Administrator"},
		"payload.body":            {p["body"], "Let me check."},
		"payload.message_type":    {p["message_type"], "outgoing"},
		"payload.content_type":    {p["content_type"], "text"},
		"payload.status":          {p["status"], "sent"},
		"payload.dialog_id":       {p["dialog_id"], sent["dialog_id"]},
		"payload.attachments":     {fmt.Sprint(p["attachments"]), "[]"},
		"payload.additional":      {fmt.Sprint(p["additional_params"]), fmt.Sprint(params)},
		"push_tokens":             {fmt.Sprint(m["push_tokens"]), "[device-1 device-2]"},
		"status push event":       {opened.JSON(t)["event_name"], "conversation_status_change"},
		"opened status":           {at(opened.JSON(t), "payload", "status"), "open"},
		"opened push_tokens":      {fmt.Sprint(opened.JSON(t)["push_tokens"]), "[device-1]"},
		"resolved status":         {at(resolved.JSON(t), "payload", "status"), "resolved"},
		"resolved title":          {at(resolved.JSON(t), "payload", "title"), "Conversation status changed to resolved"},
		"resolved conversation":   {num(at(resolved.JSON(t), "payload", "conversation_id")), c.ConversationID},
		"resolved params":         {fmt.Sprint(at(resolved.JSON(t), "payload", "additional_params")), fmt.Sprint(params)},
		"created_at is ms (sent)": {num(p["created_at"]) / 1000, num(sent["created_at"])},
	}
	for name, c := range checks {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	ts := num(p["ts"])
	if ts < start.UnixMilli() || ts > time.Now().UnixMilli() || ts < num(p["created_at"]) {
		t.Errorf("ts %d is not the send time (test ran from %d)", ts, start.UnixMilli())
	}

	// The operator sees the three deliveries, delivered at the first attempt.
	waitDeliveries(t, srv, tok, 1, "?kind=push", "delivered/1", "delivered/1", "delivered/1")
}

// deliveryStates lists "status/attempts" of the deliveries the query selects,
// newest first, as the operator's API shows them.
func deliveryStates(t *testing.T, srv *Server, token string, account int64, query string) []string {
	t.Helper()
	list := decode(t, srv.Agent(t, token, 200, Request{Method: "GET", Path: accountPath(account, "/deliveries%s", query)}))
	states := []string{}
	for _, d := range at(list, "payload").([]any) {
		states = append(states, fmt.Sprint(at(d, "status"), "/", at(d, "attempts")))
	}
	return states
}

// waitDeliveries waits until the deliveries the query selects are in the
// states given, newest first.
func waitDeliveries(t *testing.T, srv *Server, token string, account int64, query string, want ...string) {
	t.Helper()
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got = deliveryStates(t, srv, token, account, query); slices.Equal(got, want) {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("deliveries%s: %v, want %v", query, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package e2e_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// verify checks a webhook delivery with the recipe of docs/webhooks.md:
// HMAC-SHA256, keyed with the webhook's secret, of the X-Ntk-Timestamp
// header, a dot and the raw body, compared with X-Ntk-Signature.
func verify(secret string, d Delivered) error {
	ts := d.Header.Get("X-Ntk-Timestamp")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(d.Body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(d.Header.Get("X-Ntk-Signature"))) {
		return fmt.Errorf("signature %q, want %q", d.Header.Get("X-Ntk-Signature"), want)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return fmt.Errorf("timestamp %q is not now", ts)
	}
	if d.Header.Get("X-Chatwoot-Signature") != d.Header.Get("X-Ntk-Signature") || d.Header.Get("X-Chatwoot-Delivery") != d.ID() {
		return fmt.Errorf("the Chatwoot-named headers differ")
	}
	return nil
}

// TestWebhooks covers the account webhooks: the Chatwoot-compatible API,
// every event in Chatwoot's shapes, signatures that verify with the
// documented recipe, and private notes marked private (as Chatwoot sends them).
func TestWebhooks(t *testing.T) {
	srv := MustStartServerWith(t, fastDelivery)
	rc := MustStartReceiver(t)
	tok := srv.AdminToken()
	path := accountPath(1, "/webhooks")

	created := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: path, Body: map[string]any{
		"webhook": map[string]any{"url": rc.URL + "/all", "name": "CRM", "subscriptions": []string{
			"conversation_created", "conversation_status_changed", "conversation_updated", "message_created",
			"message_updated", "contact_created", "contact_updated", "conversation_typing_on", "conversation_typing_off"}}}}))
	hook := at(created, "payload", "webhook").(map[string]any)
	secret, _ := hook["secret"].(string)
	if len(secret) < 32 || hook["name"] != "CRM" || hook["url"] != rc.URL+"/all" || num(hook["account_id"]) != 1 {
		t.Fatalf("created webhook %v", hook)
	}
	id := num(hook["id"])

	t.Run("API", func(t *testing.T) {
		list := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: path}))
		hooks := at(list, "payload", "webhooks").([]any)
		if len(hooks) != 1 || at(hooks[0], "secret") != nil || num(at(hooks[0], "id")) != id {
			t.Errorf("list %v (the secret is shown once only)", list)
		}
		other := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: path, Body: map[string]any{
			"webhook": map[string]any{"url": rc.URL + "/other"}}}))
		otherID := num(at(other, "payload", "webhook", "id"))
		if subs := fmt.Sprint(at(other, "payload", "webhook", "subscriptions")); strings.Contains(subs, "typing") || !strings.Contains(subs, "message_created") {
			t.Errorf("default subscriptions %s", subs)
		}
		upd := decode(t, srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d", path, otherID), Body: map[string]any{
			"webhook": map[string]any{"name": "renamed", "subscriptions": []string{"contact_created"}}}}))
		if at(upd, "payload", "webhook", "name") != "renamed" || fmt.Sprint(at(upd, "payload", "webhook", "subscriptions")) != "[contact_created]" {
			t.Errorf("updated %v", upd)
		}
		for _, body := range []map[string]any{
			{"webhook": map[string]any{"url": "ftp://example.com/x"}},
			{"webhook": map[string]any{"url": "/relative"}},
			{"webhook": map[string]any{"url": rc.URL + "/all"}}, // taken
			{"webhook": map[string]any{"url": rc.URL + "/x", "subscriptions": []string{}}},
			{"webhook": map[string]any{"url": rc.URL + "/x", "subscriptions": []string{"message_exploded"}}},
			{"url": rc.URL + "/x"},
		} {
			srv.Agent(t, tok, 422, Request{Method: "POST", Path: path, Body: body})
		}
		agent := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/agents"),
			Body: map[string]any{"name": "Ivan", "email": "ivan@example.com"}}))
		agentTok := agent["access_token"].(string)
		srv.Agent(t, agentTok, 401, Request{Method: "GET", Path: path})
		srv.Agent(t, agentTok, 401, Request{Method: "POST", Path: path, Body: map[string]any{"webhook": map[string]any{"url": rc.URL + "/y"}}})
		srv.Agent(t, agentTok, 401, Request{Method: "GET", Path: accountPath(1, "/deliveries")})
		srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", path, otherID)})
		srv.Agent(t, tok, 404, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", path, otherID)})
		b := srv.NewAccount(t, "Beta")
		srv.Agent(t, b.Token, 404, Request{Method: "PATCH", Path: accountPath(b.ID, "/webhooks/%d", id), Body: map[string]any{"webhook": map[string]any{"name": "x"}}})
	})

	c := srv.StartConversation(t, map[string]any{"name": "Olena", "message": map[string]any{"content": "hello <there>", "echo_id": "1"}})
	conv := accountPath(1, "/conversations/%d", c.ConversationID)
	note := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/messages", Body: map[string]any{"content": "VIP", "private": true}}))
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/toggle_typing_status", Body: map[string]any{"typing_status": "on"}})
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/assignments", Body: map[string]any{"assignee_id": 1}})
	srv.Agent(t, tok, 200, Request{Method: "PUT", Path: accountPath(1, "/contacts/%d", c.ContactID), Body: map[string]any{"email": "olena@example.com"}})
	srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: conv + fmt.Sprintf("/messages/%d", num(note["id"]))})
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/toggle_status", Body: map[string]any{"status": "resolved"}})

	// contact_created, conversation_created, conversation_status_changed,
	// message_created (contact), message_created (note), typing_on,
	// conversation_updated, message_created (assignment activity? no:
	// activity messages are not sent), contact_updated, message_updated
	// (deletion), conversation_status_changed.
	want := []string{"contact_created", "conversation_created", "conversation_status_changed", "message_created",
		"message_created", "conversation_typing_on", "conversation_updated", "contact_updated", "message_updated",
		"conversation_status_changed"}
	got := rc.WaitAccepted(t, "/all", len(want))
	var names []string
	byEvent := map[string][]map[string]any{}
	for _, d := range got {
		if err := verify(secret, d); err != nil {
			t.Errorf("%s: %v", d.Header.Get("X-Ntk-Event"), err)
		}
		if d.Header.Get("User-Agent") != "NovaTalks.Engine" || d.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", d.Header)
		}
		b := d.JSON(t)
		if b["event"] != d.Header.Get("X-Ntk-Event") {
			t.Errorf("event %v, header %s", b["event"], d.Header.Get("X-Ntk-Event"))
		}
		names = append(names, fmt.Sprint(b["event"]))
		byEvent[fmt.Sprint(b["event"])] = append(byEvent[fmt.Sprint(b["event"])], b)
	}
	// Contact events have no conversation and may pass conversation events
	// of the same change, so compare the two streams apart.
	if !slices.Equal(only(names, "contact_"), only(want, "contact_")) || !slices.Equal(without(names, "contact_"), without(want, "contact_")) {
		t.Errorf("events\n got %v\nwant %v", names, want)
	}
	if err := verify("wrong-secret", got[0]); err == nil {
		t.Error("a signature verified with the wrong secret")
	}

	msg := byEvent["message_created"][0]
	for _, k := range []string{"account", "additional_attributes", "content_attributes", "content_type", "content",
		"conversation", "created_at", "id", "inbox", "message_type", "private", "sender", "source_id", "event"} {
		if _, ok := msg[k]; !ok {
			t.Errorf("message_created lacks %s: %v", k, msg)
		}
	}
	checks := map[string][2]any{
		"content":             {msg["content"], "hello <there>"},
		"message_type":        {msg["message_type"], "incoming"},
		"sender.type":         {at(msg, "sender", "type"), "contact"},
		"sender.name":         {at(msg, "sender", "name"), "Olena"},
		"account.id":          {num(at(msg, "account", "id")), int64(1)},
		"inbox.id":            {num(at(msg, "inbox", "id")), int64(1)},
		"conversation.id":     {num(at(msg, "conversation", "id")), c.ConversationID},
		"conversation.status": {at(msg, "conversation", "status"), "open"},
		"conversation.meta":   {at(msg, "conversation", "meta", "sender", "name"), "Olena"},
		"note private":        {at(byEvent["message_created"][1], "private"), true},
		"note sender":         {at(byEvent["message_created"][1], "sender", "type"), "user"},
		"typing user":         {at(byEvent["conversation_typing_on"][0], "user", "name"), "Administrator"},
		"typing conversation": {num(at(byEvent["conversation_typing_on"][0], "conversation", "id")), c.ConversationID},
		"updated assignee":    {fmt.Sprint(at(byEvent["conversation_updated"][0], "changed_attributes")), "[map[assignee_id:map[current_value:1 previous_value:<nil>]]]"},
		"status changes":      {fmt.Sprint(at(byEvent["conversation_status_changed"][1], "changed_attributes")), "[map[status:map[current_value:resolved previous_value:open]]]"},
		"contact email":       {at(byEvent["contact_updated"][0], "email"), "olena@example.com"},
		"contact account":     {at(byEvent["contact_created"][0], "account", "name"), "NovaTalks"},
		"deleted note":        {at(byEvent["message_updated"][0], "content_attributes", "deleted"), true},
		"no pubsub token":     {at(msg, "conversation", "contact_inbox", "pubsub_token"), nil},
	}
	for name, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if at(msg, "conversation", "contact_inbox") == nil {
		t.Error("conversation.contact_inbox missing")
	}
}

// without drops the entries that contain key.
func without(list []string, key string) []string {
	var out []string
	for _, s := range list {
		if !strings.Contains(s, key) {
			out = append(out, s)
		}
	}
	return out
}

// TestDeadDeliveryAndRetry: a 4xx answer parks a delivery as dead at once;
// an operator sees it with its attempt and retries it through the API, and
// a receiver that keeps failing is given up on after the retry window.
func TestDeadDeliveryAndRetry(t *testing.T) {
	srv := MustStartServerWith(t, func(c *app.Config) { fastDelivery(c); c.Delivery.RetryFor = 300 * time.Millisecond })
	rc := MustStartReceiver(t)
	tok := srv.AdminToken()
	status := http.StatusGone
	var mu sync.Mutex
	rc.Answer(func(n int, _ Delivered) int {
		mu.Lock()
		defer mu.Unlock()
		return status
	})
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
		"webhook": map[string]any{"url": rc.URL + "/gone", "subscriptions": []string{"contact_created"}}}})
	srv.StartConversation(t, map[string]any{"name": "Olena"})
	waitDeliveries(t, srv, tok, 1, "", "dead/1")
	if n := len(rc.All()); n != 1 {
		t.Errorf("a 410 was tried %d times, want once", n)
	}
	list := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/deliveries?status=dead")}))
	id := num(at(list, "payload", 0, "id"))
	one := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/deliveries/%d", id)}))
	d := at(one, "payload").(map[string]any)
	if num(d["last_status_code"]) != 410 || d["event"] != "contact_created" || d["kind"] != "webhook" ||
		num(at(d, "history", 0, "status_code")) != 410 || at(d, "body", "event") != "contact_created" || d["url"] != rc.URL+"/gone" {
		t.Errorf("dead delivery %v", d)
	}
	retryPath := accountPath(1, "/deliveries/%d/retry", id)
	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	retried := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: retryPath}))
	if at(retried, "payload", "status") != "pending" {
		t.Errorf("retried delivery %v", retried)
	}
	waitDeliveries(t, srv, tok, 1, "", "delivered/2")
	if all := rc.All(); len(all) != 2 || all[0].ID() != all[1].ID() {
		t.Errorf("the retry is not the same delivery: %v", all)
	}
	srv.Agent(t, tok, 422, Request{Method: "POST", Path: retryPath})
	srv.Agent(t, tok, 404, Request{Method: "POST", Path: accountPath(1, "/deliveries/%d/retry", id+1)})

	// A receiver that keeps answering 503 is retried until the window
	// (300ms here) has passed, then given up on.
	mu.Lock()
	status = http.StatusServiceUnavailable
	mu.Unlock()
	srv.StartConversation(t, map[string]any{"name": "Taras"})
	apptest.Eventually(t, "the failing delivery to be dead", func() bool {
		return deliveryStates(t, srv, tok, 1, "?limit=1")[0] != "pending/0" && strings.HasPrefix(deliveryStates(t, srv, tok, 1, "?limit=1")[0], "dead/")
	})
	last := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/deliveries?limit=1")}))
	if e := fmt.Sprint(at(last, "payload", 0, "last_error")); !strings.Contains(e, "503") || !strings.Contains(e, "gave up") || num(at(last, "payload", 0, "attempts")) < 2 {
		t.Errorf("given up delivery %v", last)
	}

	// /metrics counts attempts by kind and result, and the dead ones.
	apptest.Eventually(t, "delivery metrics", func() bool {
		m := string(srv.Do(t, Request{Method: "GET", Path: "/metrics"}).Body)
		return strings.Contains(m, `novatalks_delivery_attempts_total{kind="webhook",result="dead"} 2`) &&
			strings.Contains(m, `novatalks_delivery_attempts_total{kind="webhook",result="delivered"} 1`) &&
			strings.Contains(m, `novatalks_delivery_attempts_total{kind="webhook",result="retry"}`) &&
			strings.Contains(m, "novatalks_delivery_dead 1") && strings.Contains(m, "novatalks_delivery_queue_depth 0") &&
			strings.Contains(m, `novatalks_delivery_attempt_duration_seconds_count{kind="webhook"}`)
	})
}

// TestRetryAfter: a 429 with Retry-After is retried no sooner than asked.
func TestRetryAfterIsHonoured(t *testing.T) {
	srv := MustStartServerWith(t, fastDelivery)
	rc := MustStartReceiver(t)
	rc.Answer(func(n int, _ Delivered) int {
		if n == 1 {
			return http.StatusTooManyRequests // with Retry-After: 1
		}
		return http.StatusOK
	})
	srv.Agent(t, srv.AdminToken(), 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
		"webhook": map[string]any{"url": rc.URL + "/busy", "subscriptions": []string{"contact_created"}}}})
	srv.StartConversation(t, map[string]any{"name": "Olena"})
	rc.WaitAccepted(t, "/busy", 1)
	all := rc.All()
	if len(all) != 2 || all[1].At.Sub(all[0].At) < 900*time.Millisecond {
		t.Errorf("the retry came %v after the 429, want at least the Retry-After of 1s", all[1].At.Sub(all[0].At))
	}
}

// TestOldDeliveriesAreDeleted: delivered and dead rows go, with their
// attempts, once they are older than the engine keeps them; pending ones
// stay whatever their age.
func TestOldDeliveriesAreDeleted(t *testing.T) {
	srv := MustStartServerWith(t, func(c *app.Config) {
		fastDelivery(c)
		c.Delivery.CleanupInterval = 50 * time.Millisecond
		c.Delivery.KeepDelivered, c.Delivery.KeepDead = 400*time.Millisecond, 800*time.Millisecond
	})
	rc := MustStartReceiver(t)
	tok := srv.AdminToken()
	rc.Answer(func(_ int, d Delivered) int {
		if d.Path == "/gone" {
			return http.StatusGone
		}
		return http.StatusOK
	})
	for _, path := range []string{"/ok", "/gone"} {
		srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
			"webhook": map[string]any{"url": rc.URL + path, "subscriptions": []string{"contact_created"}}}})
	}
	srv.StartConversation(t, map[string]any{"name": "Olena"})
	counts := func() map[string]int {
		list, err := srv.App.Service.Deliveries(t.Context(), adminActor(t, srv), deliveryFilter(""))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, d := range list {
			out[d.Status]++
		}
		return out
	}
	apptest.Eventually(t, "one delivered and one dead delivery", func() bool {
		c := counts()
		return c["delivered"] == 1 && c["dead"] == 1
	})
	apptest.Eventually(t, "the delivered row to go before the dead one", func() bool {
		c := counts()
		if c["delivered"] == 0 && c["dead"] == 0 {
			t.Fatal("the dead row went as early as the delivered one")
		}
		return c["delivered"] == 0 && c["dead"] == 1
	})
	apptest.Eventually(t, "the dead row to go", func() bool { return len(counts()) == 0 })
}

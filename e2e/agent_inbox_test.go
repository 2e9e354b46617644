package e2e_test

import (
	"fmt"
	"testing"
)

func TestAgentInboxes(t *testing.T) {
	srv := MustStartServer(t)
	tok := srv.AdminToken()

	created := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/inboxes"), Body: map[string]any{
		"name": "Mobile app", "channel": map[string]any{"type": "sdk"},
		"additional_settings": map[string]any{"autoanswer": true},
	}}))
	id, ident := num(created["id"]), created["inbox_identifier"].(string)
	if created["channel_type"] != "Channel::Sdk" || len(ident) != 22 || at(created, "additional_settings", "autoanswer") != true ||
		num(at(created, "additional_settings", "wrapup_timeout")) != 30 || at(created, "push_integration", "enabled") != false {
		t.Errorf("created = %v", created)
	}

	// The push integration of CONTRACT.md, set in two steps: fields not
	// given stay as they are.
	srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/%d", id), Body: map[string]any{
		"push_integration": map[string]any{"webhook_url": "https://example.com.ua/api/webhook", "bearer_token": "your-bearer-token",
			"headers": map[string]any{"Custom-header": "custom-value"}, "additional_params": map[string]any{"key-1": "value2"}},
	}})
	updated := decode(t, srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/%d", id), Body: map[string]any{
		"name": "Mobile", "push_integration": map[string]any{"enabled": true}, "additional_settings": map[string]any{"utilization": nil},
	}}))
	push := updated["push_integration"]
	if updated["name"] != "Mobile" || at(push, "enabled") != true || at(push, "webhook_url") != "https://example.com.ua/api/webhook" ||
		at(push, "bearer_token") != "your-bearer-token" || at(push, "headers", "Custom-header") != "custom-value" ||
		at(push, "additional_params", "key-1") != "value2" || updated["webhook_url"] != "https://example.com.ua/api/webhook" {
		t.Errorf("updated = %v", updated)
	}
	if _, kept := at(updated, "additional_settings").(map[string]any)["utilization"]; kept || at(updated, "additional_settings", "autoanswer") != true {
		t.Errorf("additional_settings = %v", updated["additional_settings"])
	}
	stored, err := srv.App.DB.FindInboxByID(t.Context(), 1, id)
	if err != nil || !stored.Push.Enabled || stored.Push.BearerToken != "your-bearer-token" || stored.Push.Headers["Custom-header"] != "custom-value" {
		t.Errorf("stored push integration = %+v, %v", stored.Push, err)
	}

	list := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/inboxes")}))
	if l := at(list, "payload").([]any); len(l) != 2 || num(at(l[1], "id")) != id {
		t.Errorf("inboxes = %v", list)
	}

	// Contacts reach the new inbox with its identifier; its conversations carry it.
	c := srv.StartConversationIn(t, ident, map[string]any{"name": "Via mobile", "message": map[string]any{"content": "hi", "echo_id": "1"}})
	conv := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d", c.ConversationID)}))
	if num(conv["inbox_id"]) != id {
		t.Errorf("conversation inbox = %v", conv["inbox_id"])
	}
	only := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations?inbox_id=%d", id)}))
	if l := at(only, "data", "payload").([]any); len(l) != 1 {
		t.Errorf("conversations of the inbox = %v", only)
	}
}

func TestAgentContacts(t *testing.T) {
	srv := MustStartServer(t)
	tok := srv.AdminToken()
	var last Contact
	for i := range 17 {
		last = srv.StartConversation(t, map[string]any{"name": fmt.Sprintf("Contact %d", i),
			"custom_attributes": map[string]any{"plan": "free", "seat": i}})
	}

	page1 := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/contacts")}))
	if l := at(page1, "payload").([]any); len(l) != 15 || num(at(page1, "meta", "count")) != 17 || num(at(page1, "meta", "current_page")) != 1 ||
		at(l[0], "name") != "Contact 16" {
		t.Errorf("page 1 = %v", at(page1, "meta"))
	}
	page2 := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/contacts?page=2")}))
	if l := at(page2, "payload").([]any); len(l) != 2 || num(at(page2, "meta", "current_page")) != 2 || at(l[1], "name") != "Contact 0" {
		t.Errorf("page 2 = %v", page2)
	}

	path := accountPath(1, "/contacts/%d", last.ContactID)
	before := srv.Events.Len()
	upd := decode(t, srv.Agent(t, tok, 200, Request{Method: "PUT", Path: path, Body: map[string]any{
		"name": "Olha", "email": "olha@example.com", "phone_number": "+380441234567",
		"custom_attributes": map[string]any{"plan": "pro", "seat": nil},
	}}))
	ct := at(upd, "payload")
	if at(ct, "name") != "Olha" || at(ct, "email") != "olha@example.com" || at(ct, "phone_number") != "+380441234567" ||
		at(ct, "custom_attributes", "plan") != "pro" || len(at(ct, "custom_attributes").(map[string]any)) != 1 {
		t.Errorf("updated = %v", ct)
	}
	if ev := srv.Events.Since(before); len(ev) != 1 || ev[0].Type != "contact.updated" || ev[0].Contact.Name != "Olha" {
		t.Errorf("events = %v", ev)
	}
	// null clears the email; absent fields stay.
	cleared := at(decode(t, srv.Agent(t, tok, 200, Request{Method: "PUT", Path: path, Body: `{"email": null}`})), "payload")
	if at(cleared, "email") != nil || at(cleared, "name") != "Olha" || at(cleared, "phone_number") != "+380441234567" {
		t.Errorf("cleared = %v", cleared)
	}
	shown := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: path}))
	if at(shown, "payload", "name") != "Olha" || at(shown, "payload", "email") != nil {
		t.Errorf("shown = %v", shown)
	}
	srv.Agent(t, tok, 404, Request{Method: "GET", Path: accountPath(1, "/contacts/999")})
}

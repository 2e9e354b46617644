package e2e_test

import (
	"fmt"
	"testing"
)

// TestAgentCrossAccount is the cross-account matrix: an agent of account 2
// gets 404 for every endpoint with account 1's IDs and for every path of
// account 1, sees nothing of account 1 in its lists, and changes nothing.
func TestAgentCrossAccount(t *testing.T) {
	srv := MustStartServer(t)
	admin1 := srv.App.Bootstrap.Admin
	c1 := srv.StartConversation(t, map[string]any{"name": "Account one contact", "push_token": "device-1",
		"message": map[string]any{"content": "hello one", "echo_id": "1"}})
	m1 := ids(srv.Messages(t, c1, ""))[0]
	two := srv.NewAccount(t, "Two")
	c2 := srv.StartConversationIn(t, two.InboxIdentifier, map[string]any{"name": "Account two contact",
		"message": map[string]any{"content": "hello two", "echo_id": "1"}})
	m2 := ids(srv.Messages(t, c2, ""))[0]
	eventsBefore := srv.Events.Len()

	type call struct {
		method, path string
		body         any
	}
	p2 := func(format string, args ...any) string { return accountPath(two.ID, format, args...) }
	p1 := func(format string, args ...any) string { return accountPath(1, format, args...) }
	withOneIDs := []call{
		{"GET", p2("/conversations/%d", c1.ConversationID), nil},
		{"POST", p2("/conversations/%d/toggle_status", c1.ConversationID), map[string]any{"status": "resolved"}},
		{"POST", p2("/conversations/%d/toggle_typing_status", c1.ConversationID), map[string]any{"typing_status": "on"}},
		{"POST", p2("/conversations/%d/assignments", c1.ConversationID), map[string]any{"assignee_id": two.Admin.ID}},
		{"POST", p2("/conversations/%d/update_last_seen", c1.ConversationID), nil},
		{"GET", p2("/conversations/%d/messages", c1.ConversationID), nil},
		{"POST", p2("/conversations/%d/messages", c1.ConversationID), map[string]any{"content": "injected"}},
		{"DELETE", p2("/conversations/%d/messages/%d", c1.ConversationID, m1), nil},
		// Account 1's IDs inside account 2's own conversation.
		{"DELETE", p2("/conversations/%d/messages/%d", c2.ConversationID, m1), nil},
		{"POST", p2("/conversations/%d/assignments", c2.ConversationID), map[string]any{"assignee_id": admin1.ID}},
		{"GET", p2("/inboxes/1"), nil},
		{"PATCH", p2("/inboxes/1"), map[string]any{"name": "stolen"}},
		{"GET", p2("/contacts/%d", c1.ContactID), nil},
		{"PUT", p2("/contacts/%d", c1.ContactID), map[string]any{"name": "stolen"}},
		{"DELETE", p2("/agents/%d", admin1.ID), nil},
		{"DELETE", p2("/integrations/contact-conversation/%d/notifications/device-1", c1.ConversationID), nil},
	}
	onePath := []call{
		{"GET", p1("/conversations"), nil},
		{"GET", p1("/conversations/%d", c1.ConversationID), nil},
		{"GET", p1("/conversations/%d", c2.ConversationID), nil},
		{"POST", p1("/conversations/%d/toggle_status", c1.ConversationID), map[string]any{"status": "resolved"}},
		{"POST", p1("/conversations/%d/toggle_typing_status", c1.ConversationID), map[string]any{"typing_status": "on"}},
		{"POST", p1("/conversations/%d/assignments", c1.ConversationID), map[string]any{"assignee_id": two.Admin.ID}},
		{"POST", p1("/conversations/%d/update_last_seen", c1.ConversationID), nil},
		{"GET", p1("/conversations/%d/messages", c1.ConversationID), nil},
		{"POST", p1("/conversations/%d/messages", c1.ConversationID), map[string]any{"content": "injected"}},
		{"DELETE", p1("/conversations/%d/messages/%d", c1.ConversationID, m1), nil},
		{"GET", p1("/agents"), nil},
		{"POST", p1("/agents"), map[string]any{"name": "Mole", "email": "mole@example.com", "role": "administrator"}},
		{"DELETE", p1("/agents/%d", admin1.ID), nil},
		{"GET", p1("/inboxes"), nil},
		{"GET", p1("/inboxes/1"), nil},
		{"POST", p1("/inboxes"), map[string]any{"name": "Mole inbox"}},
		{"PATCH", p1("/inboxes/1"), map[string]any{"name": "stolen"}},
		{"GET", p1("/contacts"), nil},
		{"GET", p1("/contacts/%d", c1.ContactID), nil},
		{"PUT", p1("/contacts/%d", c1.ContactID), map[string]any{"name": "stolen"}},
		{"DELETE", p1("/integrations/contact-conversation/%d/notifications/device-1", c1.ConversationID), nil},
		{"GET", "/api/v1/accounts/999/conversations", nil},
	}
	for _, group := range []struct {
		name  string
		calls []call
	}{{"AccountOneIDs", withOneIDs}, {"AccountOnePaths", onePath}} {
		t.Run(group.name, func(t *testing.T) {
			for _, c := range group.calls {
				srv.Agent(t, two.Token, 404, Request{Method: c.method, Path: c.path, Body: c.body})
			}
		})
	}

	t.Run("ListsHoldOnlyAccountTwo", func(t *testing.T) {
		convs := decode(t, srv.Agent(t, two.Token, 200, Request{Method: "GET", Path: p2("/conversations?status=all")}))
		if list := at(convs, "data", "payload").([]any); len(list) != 1 || num(at(list[0], "id")) != c2.ConversationID ||
			num(at(convs, "data", "meta", "all_count")) != 1 {
			t.Errorf("conversations = %v", convs)
		}
		contacts := decode(t, srv.Agent(t, two.Token, 200, Request{Method: "GET", Path: p2("/contacts")}))
		if list := at(contacts, "payload").([]any); len(list) != 1 || num(at(list[0], "id")) != c2.ContactID || num(at(contacts, "meta", "count")) != 1 {
			t.Errorf("contacts = %v", contacts)
		}
		inboxes := decode(t, srv.Agent(t, two.Token, 200, Request{Method: "GET", Path: p2("/inboxes")}))
		if list := at(inboxes, "payload").([]any); len(list) != 1 || num(at(list[0], "id")) != two.InboxID {
			t.Errorf("inboxes = %v", inboxes)
		}
		var agents []map[string]any
		srv.Agent(t, two.Token, 200, Request{Method: "GET", Path: p2("/agents")}).JSON(t, &agents)
		if len(agents) != 1 || num(agents[0]["id"]) != two.Admin.ID || num(agents[0]["account_id"]) != two.ID {
			t.Errorf("agents = %v", agents)
		}
		msgs := decode(t, srv.Agent(t, two.Token, 200, Request{Method: "GET", Path: p2("/conversations/%d/messages", c2.ConversationID)}))
		if list := at(msgs, "payload").([]any); len(list) != 1 || num(at(list[0], "id")) != m2 {
			t.Errorf("messages = %v", msgs)
		}
		// And account 1 does not see account 2's conversation either.
		srv.Agent(t, srv.AdminToken(), 404, Request{Method: "GET", Path: p1("/conversations/%d", c2.ConversationID)})
	})

	t.Run("NothingChanged", func(t *testing.T) {
		if n := srv.Events.Len(); n != eventsBefore {
			t.Errorf("%d events published by refused requests: %v", n-eventsBefore, srv.Events.Since(eventsBefore))
		}
		tok := srv.AdminToken()
		conv := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: p1("/conversations/%d", c1.ConversationID)}))
		if conv["status"] != "open" || at(conv, "meta", "assignee") != nil || num(conv["agent_last_seen_at"]) != 0 {
			t.Errorf("conversation 1 changed: %v", conv)
		}
		msgs := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: p1("/conversations/%d/messages", c1.ConversationID)}))
		if list := at(msgs, "payload").([]any); len(list) != 1 || at(list[0], "content") != "hello one" {
			t.Errorf("messages of conversation 1 changed: %v", msgs)
		}
		if in := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: p1("/inboxes/1")})); in["name"] != "SDK" {
			t.Errorf("inbox 1 changed: %v", in)
		}
		if ct := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: p1("/contacts/%d", c1.ContactID)})); at(ct, "payload", "name") != "Account one contact" {
			t.Errorf("contact 1 changed: %v", ct)
		}
		var agents []map[string]any
		srv.Agent(t, tok, 200, Request{Method: "GET", Path: p1("/agents")}).JSON(t, &agents)
		if len(agents) != 1 {
			t.Errorf("account 1's agents changed: %v", agents)
		}
		// The push token is still there: removing it now works.
		srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: p1("/integrations/contact-conversation/%d/notifications/device-1", c1.ConversationID)})
	})
}

// TestAgentRoles: administrators manage agents and inboxes; an agent who is
// not one gets Chatwoot's 401 for those actions and sees inboxes without
// their push secrets, but works conversations like anyone.
func TestAgentRoles(t *testing.T) {
	srv := MustStartServer(t)
	tok := srv.AdminToken()
	c := srv.StartConversation(t, map[string]any{"name": "Roman", "message": map[string]any{"content": "hi", "echo_id": "1"}})
	srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/1"), Body: map[string]any{
		"push_integration": map[string]any{"webhook_url": "https://push.example.com/hook", "bearer_token": "secret", "headers": map[string]any{"X-Tenant": "t1"}}}})

	created := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/agents"),
		Body: map[string]any{"name": "Ivan", "email": "ivan@example.com"}}))
	srv.Agent(t, tok, 422, Request{Method: "POST", Path: accountPath(1, "/agents"),
		Body: map[string]any{"name": "Ivan again", "email": "IVAN@example.com"}})
	agentTok, _ := created["access_token"].(string)
	agentID := num(created["id"])
	if created["role"] != "agent" || len(agentTok) != 22 {
		t.Fatalf("created = %v", created)
	}
	profile := decode(t, srv.Agent(t, agentTok, 200, Request{Method: "GET", Path: "/api/v1/profile"}))
	if profile["role"] != "agent" || profile["access_token"] != agentTok || num(profile["account_id"]) != 1 ||
		len(fmt.Sprint(profile["pubsub_token"])) != 22 || at(profile, "accounts", 0, "role") != "agent" {
		t.Errorf("profile = %v", profile)
	}

	t.Run("AgentIsRefusedAdminActions", func(t *testing.T) {
		for _, r := range []Request{
			{Method: "POST", Path: accountPath(1, "/agents"), Body: map[string]any{"name": "X", "email": "x@example.com"}},
			{Method: "DELETE", Path: accountPath(1, "/agents/%d", srv.App.Bootstrap.Admin.ID)},
			{Method: "POST", Path: accountPath(1, "/inboxes"), Body: map[string]any{"name": "Mine"}},
			{Method: "PATCH", Path: accountPath(1, "/inboxes/1"), Body: map[string]any{"push_integration": map[string]any{"enabled": false}}},
		} {
			e := decode(t, srv.Agent(t, agentTok, 401, r))
			if e["error"] != "You are not authorized to do this action: administrators only" {
				t.Errorf("%s %s: %v", r.Method, r.Path, e)
			}
		}
	})

	t.Run("AgentSeesInboxesWithoutSecrets", func(t *testing.T) {
		mine := decode(t, srv.Agent(t, agentTok, 200, Request{Method: "GET", Path: accountPath(1, "/inboxes/1")}))
		push, _ := mine["push_integration"].(map[string]any)
		if _, ok := push["bearer_token"]; ok || push["headers"] != nil || push["webhook_url"] != "https://push.example.com/hook" {
			t.Errorf("agent's view of the push integration = %v", push)
		}
		admins := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/inboxes/1")}))
		if at(admins, "push_integration", "bearer_token") != "secret" || at(admins, "push_integration", "headers", "X-Tenant") != "t1" {
			t.Errorf("administrator's view = %v", admins["push_integration"])
		}
	})

	t.Run("AgentWorksConversations", func(t *testing.T) {
		var agents []map[string]any
		srv.Agent(t, agentTok, 200, Request{Method: "GET", Path: accountPath(1, "/agents")}).JSON(t, &agents)
		if len(agents) != 2 {
			t.Errorf("agents = %v", agents)
		}
		srv.Agent(t, agentTok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/assignments", c.ConversationID),
			Body: map[string]any{"assignee_id": agentID}})
		srv.Agent(t, agentTok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID),
			Body: map[string]any{"content": "Ivan here"}})
	})

	t.Run("AdminDeletesAgent", func(t *testing.T) {
		e := decode(t, srv.Agent(t, tok, 422, Request{Method: "DELETE", Path: accountPath(1, "/agents/%d", srv.App.Bootstrap.Admin.ID)}))
		if e["error"] != "you cannot delete yourself" {
			t.Errorf("self delete = %v", e)
		}
		srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: accountPath(1, "/agents/%d", agentID)})
		srv.Agent(t, agentTok, 401, Request{Method: "GET", Path: "/api/v1/profile"})
		conv := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d", c.ConversationID)}))
		if at(conv, "meta", "assignee") != nil || conv["substatus"] != "oninbox" {
			t.Errorf("the deleted agent's conversation = %v", conv)
		}
		if last := at(conv, "messages", 0, "content"); last != "Conversation unassigned by Administrator" {
			t.Errorf("last message = %v", last)
		}
		// The deleted agent's message keeps a sender.
		msgs := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID)}))
		for _, m := range at(msgs, "payload").([]any) {
			if at(m, "content") == "Ivan here" && at(m, "sender", "name") != "Deleted user" {
				t.Errorf("message of the deleted agent = %v", m)
			}
		}
	})
}

func TestAgentAuthentication(t *testing.T) {
	srv := MustStartServer(t)
	for _, tc := range []struct {
		name, token, path, want string
		status                  int
	}{
		{"NoTokenProfile", "", "/api/v1/profile", "access token is required", 401},
		{"NoToken", "", accountPath(1, "/conversations"), "You need to sign in or sign up before continuing.", 401},
		{"BadToken", "not-a-token", accountPath(1, "/conversations"), "invalid access token", 401},
		{"BadTokenOtherAccount", "not-a-token", accountPath(2, "/conversations"), "invalid access token", 401},
		{"BadTokenBadAccount", "not-a-token", "/api/v1/accounts/x/conversations", "invalid access token", 401},
		{"NonNumericAccount", srv.AdminToken(), "/api/v1/accounts/x/conversations", "Resource could not be found", 404},
		{"NonNumericID", srv.AdminToken(), accountPath(1, "/conversations/abc"), "Resource could not be found", 404},
		{"UnknownPath", srv.AdminToken(), accountPath(1, "/teams"), "Resource could not be found", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := decode(t, srv.Agent(t, tc.token, tc.status, Request{Method: "GET", Path: tc.path}))
			if e["error"] != tc.want {
				t.Errorf("error = %v, want %q", e["error"], tc.want)
			}
		})
	}
	// The SDK API keeps its own error shape.
	srv.SDK(t, 401, Request{Method: "GET", Path: "/api/v1/sdk/conversations"})
}

package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAgentConversation is a whole conversation between a contact on the SDK
// API and an agent on the agent API, with both watching /ws: the agent finds
// the conversation, takes it, types, answers, writes a private note, asks a
// quick reply that the contact answers, replies to the answer, marks it
// read, resolves it, and deletes a message.
func TestAgentConversation(t *testing.T) {
	srv := MustStartServer(t)
	admin := srv.App.Bootstrap.Admin
	tok := srv.AdminToken()
	c := srv.StartConversation(t, map[string]any{"name": "Olena", "push_token": "device-1",
		"message": map[string]any{"content": "Hi, where is my order?", "echo_id": "c1"}})
	contact := srv.DialWS(t)
	contact.Subscribe(t, c.Token)
	agent := srv.DialWS(t)
	agent.Subscribe(t, admin.PubsubToken)
	conv := func(format string, args ...any) string {
		return accountPath(1, "/conversations/%d", c.ConversationID) + fmt.Sprintf(format, args...)
	}

	t.Run("ListFindsTheConversation", func(t *testing.T) {
		list := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations")}))
		meta := at(list, "data", "meta")
		if num(at(meta, "all_count")) != 1 || num(at(meta, "unassigned_count")) != 1 || num(at(meta, "mine_count")) != 0 {
			t.Errorf("meta = %v", meta)
		}
		item := at(list, "data", "payload", 0)
		if num(at(item, "id")) != c.ConversationID || at(item, "status") != "open" || num(at(item, "unread_count")) != 1 ||
			at(item, "meta", "sender", "name") != "Olena" || at(item, "meta", "channel") != "Channel::Sdk" {
			t.Errorf("conversation = %v", item)
		}
		last := at(item, "messages", 0)
		if at(last, "content") != "Hi, where is my order?" || num(at(last, "message_type")) != 0 || at(last, "sender", "type") != "contact" {
			t.Errorf("last message = %v", last)
		}
		if created := num(at(last, "created_at")); created < time.Now().Add(-time.Hour).Unix() || created > time.Now().Unix()+1 {
			t.Errorf("created_at %d is not Unix seconds", created)
		}
	})

	t.Run("AssignToSelf", func(t *testing.T) {
		r := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/assignments"), Body: map[string]any{"assignee_id": admin.ID}}))
		if num(at(r, "id")) != admin.ID || at(r, "role") != "administrator" {
			t.Errorf("assignee = %v", r)
		}
		activity := frameData(t, agent.Expect(t, "message.created"))
		if activity["content"] != "Administrator self-assigned this conversation" || activity["message_type"] != "activity" {
			t.Errorf("activity = %v", activity)
		}
		mine := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations?assignee_type=me")}))
		if item := at(mine, "data", "payload", 0); num(at(item, "id")) != c.ConversationID || at(item, "substatus") != "interacting" ||
			num(at(item, "meta", "assignee", "id")) != admin.ID {
			t.Errorf("mine = %v", mine)
		}
		contact.ExpectNothing(t, 50*time.Millisecond)
	})

	t.Run("TypingReachesTheContact", func(t *testing.T) {
		srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/toggle_typing_status"), Body: map[string]any{"typing_status": "on"}})
		if f := frameData(t, contact.Expect(t, "typing")); f["sender_type"] != "User" || num(f["conversation_id"]) != c.ConversationID {
			t.Errorf("typing = %v", f)
		}
		agent.Expect(t, "typing")
	})

	var answerID, replyID int64
	t.Run("MessageReachesTheContact", func(t *testing.T) {
		body := map[string]any{"content": "Let me check.", "message_type": "outgoing", "echo_id": "a1"}
		m := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/messages"), Body: body}))
		if num(at(m, "message_type")) != 1 || at(m, "sender", "type") != "user" || at(m, "content") != "Let me check." {
			t.Errorf("message = %v", m)
		}
		replyID = num(at(m, "id"))
		for _, ws := range []*WSClient{contact, agent} {
			f := frameData(t, ws.Expect(t, "message.created"))
			if f["content"] != "Let me check." || f["message_type"] != "outgoing" || f["sender_type"] != "User" {
				t.Errorf("message.created = %v", f)
			}
		}
		// The same echo_id again is the same message, and nothing new happens.
		again := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/messages"), Body: body}))
		if num(at(again, "id")) != replyID {
			t.Errorf("retry made message %v, want %d", at(again, "id"), replyID)
		}
		contact.ExpectNothing(t, 50*time.Millisecond)
	})

	t.Run("PrivateNoteNeverReachesTheContact", func(t *testing.T) {
		note := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/messages"),
			Body: map[string]any{"content": "VIP customer, be quick", "private": true}}))
		if at(note, "private") != true {
			t.Errorf("note = %v", note)
		}
		if f := frameData(t, agent.Expect(t, "message.created")); f["private"] != true {
			t.Errorf("agents' note = %v", f)
		}
		contact.ExpectNothing(t, 100*time.Millisecond)
		for _, m := range srv.Messages(t, c, "?limit=100") {
			if strings.Contains(fmt.Sprint(m["content"]), "VIP") {
				t.Errorf("the contact lists the private note: %v", m)
			}
		}
	})

	t.Run("QuickReplyAnsweredByTheContact", func(t *testing.T) {
		q := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/messages"), Body: map[string]any{
			"content": "How should we ship it?", "content_type": "quick_reply",
			"content_attributes": map[string]any{"buttons": []any{
				map[string]any{"title": "Standard (3–5 days)", "value": "SHIP_STANDARD"},
				map[string]any{"title": "Overnight", "value": "SHIP_OVERNIGHT"},
			}},
		}}))
		qid := num(at(q, "id"))
		for _, ws := range []*WSClient{contact, agent} {
			if f := frameData(t, ws.Expect(t, "message.created")); f["content_type"] != "quick_reply" {
				t.Errorf("quick reply event = %v", f)
			}
		}
		srv.SDK(t, 200, Request{Method: "PATCH", Path: fmt.Sprintf("%s/%d/interactive-attribute", messagesPath, qid), Token: c.Token,
			Body: map[string]any{"selected_content_attribute_value": "SHIP_OVERNIGHT"}})
		for _, ws := range []*WSClient{contact, agent} {
			fs := expectEvents(t, ws, "message.updated", "message.created")
			if sel := at(frameData(t, fs[0]), "content_attributes", "selected_value"); sel != "SHIP_OVERNIGHT" {
				t.Errorf("selected_value = %v", sel)
			}
			if a := frameData(t, fs[1]); a["content"] != "Overnight" || a["message_type"] != "incoming" {
				t.Errorf("answer event = %v", a)
			}
		}
		// The agent sees the answer through the agent API.
		after := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv("/messages?after=%d", qid)}))
		answer := at(after, "payload", 0)
		if at(answer, "content") != "Overnight" || num(at(answer, "message_type")) != 0 ||
			at(answer, "content_attributes", "submitted_value") != "SHIP_OVERNIGHT" || num(at(answer, "content_attributes", "in_reply_to")) != qid {
			t.Errorf("answer = %v", answer)
		}
		answerID = num(at(answer, "id"))
		latest := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv("/messages")}))
		if at(latest, "meta", "contact", "name") != "Olena" || num(at(latest, "meta", "assignee", "id")) != admin.ID {
			t.Errorf("messages meta = %v", at(latest, "meta"))
		}
		found := false
		for _, m := range at(latest, "payload").([]any) {
			if num(at(m, "id")) == qid {
				found = at(m, "content_attributes", "selected_value") == "SHIP_OVERNIGHT"
			}
		}
		if !found {
			t.Errorf("the quick reply does not show the answer: %v", latest)
		}
	})

	t.Run("ReplyToTheAnswer", func(t *testing.T) {
		sent := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/messages"), Body: map[string]any{
			"content": "Overnight it is.", "content_attributes": map[string]any{"in_reply_to": answerID}}}))
		f := frameData(t, contact.Expect(t, "message.created"))
		if num(at(f, "reply", "id")) != answerID || at(f, "reply", "content") != "Overnight" {
			t.Errorf("reply = %v", f)
		}
		agent.Expect(t, "message.created")
		// The agent API carries the quoted message too (a NovaTalks addition).
		if num(at(sent, "reply", "id")) != answerID || at(sent, "reply", "content") != "Overnight" ||
			num(at(sent, "reply", "message_type")) != 0 || at(sent, "reply", "sender", "type") != "contact" {
			t.Errorf("the agent API's reply = %v", at(sent, "reply"))
		}

		// A contact's reaction shows in the agent API's listing.
		id := num(at(sent, "id"))
		srv.SDK(t, 200, Request{Method: "POST", Path: fmt.Sprintf("%s/%d/reactions", messagesPath, id), Token: c.Token,
			Body: map[string]any{"reaction": "👍"}})
		for _, ws := range []*WSClient{contact, agent} {
			ws.Expect(t, "message.reaction_updated")
		}
		listed := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv("/messages?after=%d", id-1)}))
		m := at(listed, "payload", 0)
		if num(at(m, "id")) != id || at(m, "reactions", 0, "content") != "👍" || at(m, "reactions", 0, "sender", "type") != "contact" ||
			num(at(m, "reactions", 0, "created_at")) > 1e10 {
			t.Errorf("the agent API's reactions = %v", at(m, "reactions"))
		}
	})

	t.Run("UpdateLastSeen", func(t *testing.T) {
		r := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/update_last_seen")}))
		if num(r["unread_count"]) != 0 || num(r["agent_last_seen_at"]) == 0 {
			t.Errorf("after update_last_seen = %v", r)
		}
	})

	t.Run("ResolveReachesTheContactWithoutTheActivity", func(t *testing.T) {
		r := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/toggle_status"), Body: map[string]any{"status": "resolved"}}))
		if at(r, "payload", "current_status") != "resolved" || at(r, "payload", "success") != true || num(at(r, "payload", "conversation_id")) != c.ConversationID {
			t.Errorf("toggle_status = %v", r)
		}
		if f := frameData(t, contact.Expect(t, "conversation.status_changed")); f["status"] != "resolved" {
			t.Errorf("contact's status event = %v", f)
		}
		contact.ExpectNothing(t, 100*time.Millisecond)
		fs := expectEvents(t, agent, "conversation.status_changed", "message.created")
		if a := frameData(t, fs[1]); a["content"] != "Conversation was marked resolved by Administrator" {
			t.Errorf("activity = %v", a)
		}
		for _, m := range srv.Messages(t, c, "?limit=100") {
			if m["message_type"] == "activity" {
				t.Errorf("the contact lists an activity message: %v", m)
			}
		}
		// Without a status, toggle_status reopens a resolved conversation.
		r = decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv("/toggle_status")}))
		if at(r, "payload", "current_status") != "open" {
			t.Errorf("toggle = %v", r)
		}
		contact.Expect(t, "conversation.status_changed")
		expectEvents(t, agent, "conversation.status_changed", "message.created")
	})

	t.Run("DeleteAMessage", func(t *testing.T) {
		d := decode(t, srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: conv("/messages/%d", replyID)}))
		if d["content"] != nil || at(d, "content_attributes", "deleted") != true {
			t.Errorf("deleted = %v", d)
		}
		if f := frameData(t, contact.Expect(t, "message.deleted")); num(f["id"]) != replyID {
			t.Errorf("message.deleted = %v", f)
		}
		agent.Expect(t, "message.deleted")
		// Deleting it again changes nothing.
		srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: conv("/messages/%d", replyID)})
		contact.ExpectNothing(t, 50*time.Millisecond)
	})

	t.Run("RemovePushToken", func(t *testing.T) {
		p := accountPath(1, "/integrations/contact-conversation/%d/notifications/device-1", c.ConversationID)
		srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: p})
		srv.Agent(t, tok, 404, Request{Method: "DELETE", Path: p})
		tokens, err := srv.App.DB.FindPushTokens(t.Context(), c.ConversationID)
		if err != nil || len(tokens) != 0 {
			t.Errorf("tokens left: %v %v", tokens, err)
		}
	})
}

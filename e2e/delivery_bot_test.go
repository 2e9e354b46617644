package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks/internal/app"
)

// TestAgentBotAnswersContact is the agent bot flow end to end: an inbox is
// handed to a bot, a contact writes, the conversation is pending, the bot
// receives message_created at its outgoing URL (signed with its token),
// answers through the agent API with its own token, the contact sees the
// answer live with sender_type AgentBot (and in pushes and listings), and the
// bot hands the conversation over to the agents by opening it.
func TestAgentBotAnswersContact(t *testing.T) {
	srv := MustStartServerWith(t, fastDelivery)
	botRC, pushRC := MustStartReceiver(t), MustStartReceiver(t)
	tok := srv.AdminToken()

	bot := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/agent_bots"),
		Body: map[string]any{"name": "Helper", "description": "answers first", "outgoing_url": botRC.URL + "/bot"}}))
	botID, botTok := num(bot["id"]), bot["access_token"].(string)
	if bot["bot_type"] != "webhook" || bot["outgoing_url"] != botRC.URL+"/bot" || len(botTok) < 20 {
		t.Fatalf("bot %v", bot)
	}
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/inboxes/1/set_agent_bot"), Body: map[string]any{"agent_bot": botID}})
	if got := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/inboxes/1/agent_bot")})); num(at(got, "agent_bot", "id")) != botID {
		t.Errorf("inbox agent_bot %v", got)
	}
	srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/1"), Body: map[string]any{
		"push_integration": map[string]any{"enabled": true, "webhook_url": pushRC.URL + "/push"}}})

	c := srv.StartConversation(t, map[string]any{"name": "Olena", "push_token": "device-1",
		"message": map[string]any{"content": "Where is my order?", "echo_id": "1"}})
	ws := srv.DialWS(t)
	ws.Subscribe(t, c.Token)
	conv := accountPath(1, "/conversations/%d", c.ConversationID)
	if got := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv})); got["status"] != "pending" {
		t.Errorf("a conversation of a bot inbox is %v, want pending", got["status"])
	}

	// The bot receives the contact's message, signed with its token.
	in := botRC.WaitAccepted(t, "/bot", 1)[0]
	if err := verify(botTok, in); err != nil {
		t.Error(err)
	}
	m := in.JSON(t)
	if m["event"] != "message_created" || m["message_type"] != "incoming" || m["content"] != "Where is my order?" ||
		num(at(m, "conversation", "id")) != c.ConversationID || at(m, "conversation", "status") != "pending" {
		t.Fatalf("bot got %v", m)
	}

	// It answers through the agent API with its own token.
	reply := decode(t, srv.Agent(t, botTok, 200, Request{Method: "POST", Path: conv + "/messages",
		Body: map[string]any{"content": "Order 42 ships today.", "message_type": "outgoing"}}))
	if reply["sender_type"] != "AgentBot" || at(reply, "sender", "type") != "agent_bot" || at(reply, "sender", "name") != "Helper" {
		t.Errorf("bot reply %v", reply)
	}
	live := frameData(t, ws.Expect(t, "message.created"))
	if live["sender_type"] != "AgentBot" || at(live, "sender", "type") != "AgentBot" || live["content"] != "Order 42 ships today." {
		t.Errorf("the contact saw %v", live)
	}
	listed := srv.Messages(t, c, "")
	if last := listed[len(listed)-1]; last["sender_type"] != "AgentBot" {
		t.Errorf("listing %v", last)
	}
	// The push names the bot: the status push of the first message (pending),
	// then the bot's message.
	pushes := pushRC.WaitAccepted(t, "/push", 2)
	if p := pushes[1].JSON(t); p["event_name"] != "conversation_new_message" || at(p, "payload", "sender", "type") != "AgentBot" ||
		at(p, "payload", "sender", "name") != "Helper" || at(pushes[0].JSON(t), "payload", "status") != "pending" {
		t.Errorf("pushes %s / %s", pushes[0].Body, pushes[1].Body)
	}

	// The bot hears of its own message too (Chatwoot sends it; bots answer
	// incoming messages only), then hands over.
	own := botRC.WaitAccepted(t, "/bot", 2)[1].JSON(t)
	if own["message_type"] != "outgoing" || at(own, "sender", "type") != "agent_bot" {
		t.Errorf("bot's own message %v", own)
	}
	toggled := decode(t, srv.Agent(t, botTok, 200, Request{Method: "POST", Path: conv + "/toggle_status", Body: map[string]any{"status": "open"}}))
	if at(toggled, "payload", "current_status") != "open" {
		t.Errorf("hand over %v", toggled)
	}
	if f := frameData(t, ws.Expect(t, "conversation.status_changed")); f["status"] != "open" {
		t.Errorf("status event %v", f)
	}
	if opened := botRC.WaitAccepted(t, "/bot", 3)[2].JSON(t); opened["event"] != "conversation_opened" || opened["status"] != "open" {
		t.Errorf("bot got %v after the hand-over", opened)
	}

	// A bot's token is for the agent API of its account only, and not for
	// what only administrators do.
	srv.Agent(t, botTok, 401, Request{Method: "GET", Path: "/api/v1/profile"})
	srv.Agent(t, botTok, 401, Request{Method: "GET", Path: accountPath(1, "/agent_bots")})
	srv.Agent(t, botTok, 401, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{"webhook": map[string]any{"url": "http://x.example"}}})
	srv.Agent(t, botTok, 200, Request{Method: "GET", Path: conv + "/messages"})
	b := srv.NewAccount(t, "Beta")
	srv.Agent(t, botTok, 404, Request{Method: "GET", Path: accountPath(b.ID, "/conversations")})
	srv.Agent(t, b.Token, 404, Request{Method: "GET", Path: accountPath(b.ID, "/agent_bots/%d", botID)})

	// Resetting the token retires the old one.
	reset := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/agent_bots/%d/reset_access_token", botID)}))
	srv.Agent(t, botTok, 401, Request{Method: "GET", Path: conv})
	srv.Agent(t, reset["access_token"].(string), 200, Request{Method: "GET", Path: conv})

	// A resolved conversation of the inbox reopens pending when the contact
	// writes; without the bot it opens.
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/toggle_status", Body: map[string]any{"status": "resolved"}})
	srv.Send(t, c, "one more thing", "2")
	if got := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv})); got["status"] != "pending" {
		t.Errorf("reopened as %v, want pending", got["status"])
	}
	srv.Agent(t, tok, 200, Request{Method: "PATCH", Path: accountPath(1, "/agent_bots/%d", botID), Body: map[string]any{"description": "retired"}})
	srv.Agent(t, tok, 200, Request{Method: "DELETE", Path: accountPath(1, "/agent_bots/%d", botID)})
	if got := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/inboxes/1/agent_bot")})); got["agent_bot"] != nil {
		t.Errorf("deleted bot still on the inbox: %v", got)
	}
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: conv + "/toggle_status", Body: map[string]any{"status": "resolved"}})
	srv.Send(t, c, "and another", "3")
	if got := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: conv})); got["status"] != "open" {
		t.Errorf("without a bot reopened as %v, want open", got["status"])
	}
	listed = srv.Messages(t, c, "")
	if s := fmt.Sprint(listed[len(listed)-3]["sender"]); listed[len(listed)-3]["sender_type"] != "AgentBot" {
		t.Errorf("the deleted bot's message: %s", s)
	}
}

// TestPrivateAddressRefusal: with --deny-private-webhooks, literal private
// addresses are refused when a webhook, bot or push integration is set, and
// a host name that resolves to one is refused when delivering (the check
// runs on the address dialed, so DNS rebinding cannot get around it).
func TestPrivateAddressRefusal(t *testing.T) {
	srv := MustStartServerWith(t, func(c *app.Config) { fastDelivery(c); c.DenyPrivateWebhooks = true })
	rc := MustStartReceiver(t)
	tok := srv.AdminToken()
	for _, u := range []string{rc.URL + "/x", "http://10.1.2.3/x", "http://[::1]:8080/x", "http://169.254.169.254/latest", "http://0.0.0.0/"} {
		srv.Agent(t, tok, 422, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{"webhook": map[string]any{"url": u}}})
	}
	srv.Agent(t, tok, 422, Request{Method: "POST", Path: accountPath(1, "/agent_bots"), Body: map[string]any{"name": "b", "outgoing_url": "http://192.168.1.1/"}})
	srv.Agent(t, tok, 422, Request{Method: "PATCH", Path: accountPath(1, "/inboxes/1"), Body: map[string]any{
		"push_integration": map[string]any{"enabled": true, "webhook_url": "http://127.0.0.1:9/push"}}})

	// localhost is a name: it passes the check at creation and is refused
	// on the address it resolves to.
	local := "http://localhost:" + rc.URL[len("http://127.0.0.1:"):] + "/local"
	srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
		"webhook": map[string]any{"url": local, "subscriptions": []string{"contact_created"}}}})
	srv.StartConversation(t, map[string]any{"name": "Olena"})
	waitDeliveries(t, srv, tok, 1, "", "dead/1")
	last := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/deliveries")}))
	if e := fmt.Sprint(at(last, "payload", 0, "last_error")); !strings.Contains(e, "private or loopback") {
		t.Errorf("error %q", e)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.All()); n != 0 {
		t.Errorf("the private receiver got %d requests", n)
	}
}

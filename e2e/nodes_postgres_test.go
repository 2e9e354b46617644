package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/internal/pgtest"
)

// TestTwoNodesOnPostgres runs two nodes as a deployment does: one
// PostgreSQL database, one NATS subject, one shared data folder (for
// files). A contact connected to node A and an agent connected to node B hold
// a conversation, writing at the same time through their own node; both see
// every message, in the same order, and the reactions, deletion, typing and
// status changes of the other side. A webhook receiver gets every delivery
// exactly once although both nodes run delivery workers.
func TestTwoNodesOnPostgres(t *testing.T) {
	shared := sharedNodes(t)
	dbURL := pgtest.URL(t)
	node := func(c *app.Config) {
		fastDelivery(c)
		shared(c)
		c.DatabaseURL = dbURL
	}
	nodeB := MustStartServerWith(t, node)
	tok := nodeB.AdminToken() // node A opens the database node B set up
	rc := MustStartReceiver(t)
	nodeB.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/webhooks"), Body: map[string]any{
		"webhook": map[string]any{"url": rc.URL + "/hook", "subscriptions": []string{"message_created", "message_updated", "conversation_status_changed"}}}})
	nodeA := MustStartServerWith(t, node)
	if nodeA.App.Bootstrap.Created {
		t.Fatal("node A bootstrapped a second database")
	}

	c := nodeA.StartConversation(t, map[string]any{"name": "Ada", "message": map[string]any{"content": "hello", "echo_id": "0"}})
	contact := nodeA.DialWS(t)
	contact.Subscribe(t, c.Token)
	agent := nodeB.DialWS(t)
	agent.Subscribe(t, nodeB.App.Bootstrap.Admin.PubsubToken)

	// Both sides write at once, each through its own node. (The event of the
	// first message may reach a socket that subscribed after it was sent:
	// only the messages written from here on are compared.)
	first := onlyMessageID(t, nodeA.Messages(t, c, ""))
	const each = 15
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range each {
			err := post(nodeA.URL+messagesPath, "access_token", c.Token,
				map[string]any{"message": map[string]any{"content": fmt.Sprintf("contact %d", i), "echo_id": fmt.Sprint(i + 1)}})
			if err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range each {
			err := post(nodeB.URL+accountPath(1, "/conversations/%d/messages", c.ConversationID), "api_access_token", tok,
				map[string]any{"content": fmt.Sprintf("agent %d", i)})
			if err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	contactSaw := createdIDs(t, contact, first, 2*each)
	agentSaw := createdIDs(t, agent, first, 2*each)
	if !slices.IsSorted(contactSaw) || !slices.Equal(contactSaw, agentSaw) {
		t.Fatalf("message.created order differs:\ncontact on A: %v\nagent on B:   %v", contactSaw, agentSaw)
	}

	// A reaction of the contact on node A reaches the agent on node B.
	lastAgent := lastAgentMessage(t, nodeA, c)
	nodeA.SDK(t, 200, Request{Method: "POST", Path: fmt.Sprintf("%s/%d/reactions", messagesPath, lastAgent), Token: c.Token,
		Body: `{"reaction": "👍"}`})
	if f := nextOf(t, agent, "message.reaction_updated"); !strings.Contains(string(f.Data), "👍") {
		t.Errorf("agent got %s", f.Data)
	}
	// The agent deletes a message on node B; the contact on node A sees it go.
	nodeB.Agent(t, tok, 200, Request{Method: "DELETE", Path: accountPath(1, "/conversations/%d/messages/%d", c.ConversationID, lastAgent)})
	if f := nextOf(t, contact, "message.deleted"); !strings.Contains(string(f.Data), fmt.Sprint(lastAgent)) {
		t.Errorf("contact got %s", f.Data)
	}
	// Typing both ways.
	contact.Send(t, map[string]any{"event": "typing", "data": map[string]any{"conversation_id": c.ConversationID}})
	nextOf(t, agent, "typing")
	nodeB.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/toggle_typing_status", c.ConversationID),
		Body: map[string]any{"typing_status": "on"}})
	nextOf(t, contact, "typing")
	// A status change on node B.
	nodeB.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/toggle_status", c.ConversationID),
		Body: map[string]any{"status": "resolved"}})
	if f := nextOf(t, contact, "conversation.status_changed"); !strings.Contains(string(f.Data), `"status":"resolved"`) {
		t.Errorf("contact got %s", f.Data)
	}

	// Every message but activity messages was delivered to the webhook, once.
	msgs, err := nodeA.App.DB.FindMessages(t.Context(), novatalks.MessageFilter{ConversationID: c.ConversationID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	wantCreated := 0
	for _, m := range msgs {
		if m.MessageType != novatalks.MessageActivity {
			wantCreated++
		}
	}
	apptest.Eventually(t, "the outbox to drain", func() bool {
		pending, err := nodeA.App.DB.FindDeliveries(t.Context(), deliveryFilter("pending"))
		return err == nil && len(pending) == 0
	})
	ids := map[string]int{}
	created := 0
	for _, d := range rc.All() {
		ids[d.ID()]++
		if d.Header.Get("X-Ntk-Event") == "message_created" {
			created++
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("delivery %s arrived %d times", id, n)
		}
	}
	if created != wantCreated || len(msgs) < 2*each {
		t.Errorf("message_created deliveries = %d, want %d (one per message of %d)", created, wantCreated, len(msgs))
	}
}

// post sends a JSON body with one auth header and fails unless the answer
// is 200. It is safe to call from any goroutine.
func post(url, header, token string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(header, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// nextOf returns the next frame of event, skipping others.
func nextOf(tb testing.TB, ws *WSClient, event string) WSFrame {
	tb.Helper()
	for {
		if f := ws.Next(tb); f.Event == event {
			return f
		}
	}
}

// createdIDs reads the IDs of the next n message.created frames of
// messages after the message after, skipping other events.
func createdIDs(tb testing.TB, ws *WSClient, after int64, n int) []int64 {
	tb.Helper()
	var ids []int64
	for len(ids) < n {
		var m struct{ ID int64 }
		if err := json.Unmarshal(nextOf(tb, ws, "message.created").Data, &m); err != nil {
			tb.Fatal(err)
		}
		if m.ID > after {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// onlyMessageID returns the ID of the only message of msgs.
func onlyMessageID(tb testing.TB, msgs []map[string]any) int64 {
	tb.Helper()
	if len(msgs) != 1 {
		tb.Fatalf("want one message, got %v", msgs)
	}
	return int64(msgs[0]["id"].(float64))
}

// lastAgentMessage returns the ID of the newest message an agent wrote, as
// the contact lists them.
func lastAgentMessage(tb testing.TB, s *Server, c Contact) int64 {
	tb.Helper()
	msgs := s.Messages(tb, c, "?limit=100")
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i]["message_type"] == "outgoing" {
			return int64(msgs[i]["id"].(float64))
		}
	}
	tb.Fatal("no agent message")
	return 0
}

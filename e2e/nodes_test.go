package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
)

// TestTwoNodesShareEventsOverNATS runs two servers on one data folder and one
// NATS subject: a contact connected to node A and an agent connected to node
// B see each other's messages, status changes and typing live, in order.
func TestTwoNodesShareEventsOverNATS(t *testing.T) {
	url := os.Getenv("NOVATALKS_TEST_NATS_URL")
	if url == "" {
		t.Skip("NOVATALKS_TEST_NATS_URL is not set: skipping the multi-node test (.ci/run sets it)")
	}
	dir, subject := t.TempDir(), "novatalks.test."+novatalks.NewToken()
	onNATS := func(cfg *app.Config) { cfg.DataDir, cfg.NATSURL, cfg.NATSSubject = dir, url, subject }
	nodeA := MustStartServerWith(t, onNATS)
	nodeB := MustStartServerWith(t, onNATS)

	c := nodeA.StartConversation(t, map[string]any{"name": "Ada"})
	contact := nodeA.DialWS(t)
	contact.Subscribe(t, c.Token)
	agent := nodeB.DialWS(t)
	agent.Subscribe(t, nodeA.App.Bootstrap.Admin.PubsubToken)

	// Contact -> node A; the agent on node B sees it.
	nodeA.Send(t, c, "hello from A", "a1")
	agent.Expect(t, "conversation.status_changed")
	if f := agent.Expect(t, "message.created"); !strings.Contains(string(f.Data), "hello from A") {
		t.Errorf("agent got %s", f.Data)
	}
	contact.Expect(t, "conversation.status_changed")
	contact.Expect(t, "message.created")

	// Agent -> node B; the contact on node A sees it, in order.
	admin := novatalks.UserActor(nodeA.App.Bootstrap.Admin) // node B opened the same, already bootstrapped, database
	for _, text := range []string{"one", "two", "three"} {
		content := text
		if _, err := nodeB.App.Service.SendAgentMessage(context.Background(), admin, c.ConversationID, novatalks.NewAgentMessage{Content: &content}); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"one", "two", "three"} {
		var m struct{ Content string }
		json.Unmarshal(contact.Expect(t, "message.created").Data, &m)
		if m.Content != want {
			t.Fatalf("contact got %q, want %q", m.Content, want)
		}
	}

	// Typing both ways, and a status change from node B.
	contact.Send(t, map[string]any{"event": "typing", "data": map[string]any{"conversation_id": c.ConversationID}})
	for {
		f := agent.Next(t)
		if f.Event == "typing" {
			break
		}
	}
	if err := nodeB.App.Service.AgentTyping(context.Background(), admin, c.ConversationID, true, false); err != nil {
		t.Fatal(err)
	}
	contact.Expect(t, "typing")
	if _, err := nodeB.App.Service.ChangeStatus(context.Background(), admin, c.ConversationID, "resolved", nil); err != nil {
		t.Fatal(err)
	}
	if f := contact.Expect(t, "conversation.status_changed"); !strings.Contains(string(f.Data), `"status":"resolved"`) {
		t.Errorf("status event %s", f.Data)
	}
	// The contact never receives the activity message the status change left.
	contact.ExpectNothing(t, 200*time.Millisecond)

	// Node A caches the contact's session; a rename on node B reaches it
	// through the broker, so node A's next message shows the new name.
	nodeA.Send(t, c, "before the rename", "a2")
	name := "Ada Renamed"
	if _, err := nodeB.App.Service.UpdateContact(context.Background(), admin, c.ContactID, novatalks.ContactUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for seq := 3; ; seq++ {
		before := nodeA.Events.Len()
		nodeA.Send(t, c, "after the rename", "a"+strconv.Itoa(seq))
		var got string
		for _, e := range nodeA.Events.Since(before) {
			if e.Type == novatalks.EventMessageCreated {
				got = e.Message.Sender.Name
			}
		}
		if got == name {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A's messages still come from %q, want %q", got, name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
)

// sharedNodes returns the configuration of the nodes of one deployment in
// a test: the test NATS server, a subject of the test's own and one data
// folder. It skips t, saying why, without NOVATALKS_TEST_NATS_URL.
func sharedNodes(t *testing.T) func(*app.Config) {
	t.Helper()
	url := os.Getenv("NOVATALKS_TEST_NATS_URL")
	if url == "" {
		t.Skip("NOVATALKS_TEST_NATS_URL is not set: skipping the multi-node test (.ci/run sets it)")
	}
	dir, subject := t.TempDir(), "novatalks.test."+novatalks.NewToken()
	return func(cfg *app.Config) { cfg.DataDir, cfg.NATSURL, cfg.NATSSubject = dir, url, subject }
}

// TestTwoNodesShareEventsOverNATS runs two servers on one data folder and one
// NATS subject: a contact connected to node A and an agent connected to node
// B see each other's messages, status changes and typing live, in order.
func TestTwoNodesShareEventsOverNATS(t *testing.T) {
	onNATS := sharedNodes(t)
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

// TestReceiverChangesReachOtherNodes creates a webhook on node A right after
// node B has loaded the account's receivers (none) for a message. The
// change's event reaches node B through NATS and drops its cached receivers,
// so the messages node B commits in the next second already go to the webhook,
// where node B used to route by its cache for up to 5 s.
func TestReceiverChangesReachOtherNodes(t *testing.T) {
	onNATS := sharedNodes(t)
	node := func(c *app.Config) { onNATS(c); fastDelivery(c) }
	nodeA := MustStartServerWith(t, node)
	nodeB := MustStartServerWith(t, node)
	rc := MustStartReceiver(t)

	c := nodeB.StartConversation(t, map[string]any{"name": "Ada"})
	nodeB.Send(t, c, "before the webhook", "b0")
	url, subs := rc.URL+"/hook", []string{novatalks.WebhookMessageCreated}
	if _, err := nodeA.App.Service.CreateWebhook(context.Background(), adminActor(t, nodeA),
		novatalks.WebhookInput{URL: &url, Subscriptions: &subs}); err != nil {
		t.Fatal(err)
	}
	created := time.Now()
	sent := 0
	for time.Since(created) < time.Second {
		sent++
		nodeB.Send(t, c, fmt.Sprintf("after the webhook %d", sent), fmt.Sprintf("b%d", sent))
		time.Sleep(20 * time.Millisecond)
	}
	// Every message above was sent within a second of the change; without
	// the event, node B's cache of "no webhooks" outlives them all.
	deadline := time.Now().Add(10 * time.Second)
	for len(rc.Accepted("/hook")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("none of the %d messages node B committed in the second after the webhook was created on node A reached it", sent)
		}
		time.Sleep(50 * time.Millisecond)
	}
	first := rc.Accepted("/hook")[0].JSON(t)
	if content, _ := first["content"].(string); !strings.HasPrefix(content, "after the webhook") {
		t.Errorf("the webhook's first delivery is %q, want one of node B's messages after it was created", content)
	}
}

// TestNATSOutageSendsClientsToCatchUp cuts two nodes off NATS and brings it
// back: a WebSocket client that stayed connected through the outage would
// never hear of the events it missed, so when NATS is back the node closes
// it with 1012; it reconnects, catches up from the database with
// ?updated_at= and gets live events again. It runs a NATS server of its own
// (nats-server on PATH), since it stops it.
func TestNATSOutageSendsClientsToCatchUp(t *testing.T) {
	natsd := startNATSServer(t)
	dir := t.TempDir()
	onNATS := func(cfg *app.Config) { cfg.DataDir, cfg.NATSURL = dir, natsd.URL }
	nodeA := MustStartServerWith(t, onNATS)
	nodeB := MustStartServerWith(t, onNATS)

	c := nodeA.StartConversation(t, map[string]any{"name": "Ada"})
	nodeA.Send(t, c, "before", "b1")
	contact := nodeA.DialWS(t)
	contact.Subscribe(t, c.Token)
	last := nodeA.Messages(t, c, "?updated_at=0")
	since := int64(last[len(last)-1]["updated_at"].(float64))

	natsd.Stop(t)
	// A node cut off from NATS is not ready, and says so without blaming
	// the database.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r := nodeA.Do(t, Request{Method: "GET", Path: "/readyz"})
		if r.Status == 503 {
			if !strings.Contains(string(r.Body), "dependency unavailable") {
				t.Errorf("readyz without NATS: %s", r.Body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz stayed %d without NATS", r.Status)
		}
	}
	admin := novatalks.UserActor(nodeA.App.Bootstrap.Admin)
	during := "sent while NATS was down"
	if _, err := nodeB.App.Service.SendAgentMessage(context.Background(), admin, c.ConversationID, novatalks.NewAgentMessage{Content: &during}); err != nil {
		t.Fatal(err)
	}
	natsd.Start(t)

	if code := contact.ExpectClose(t); code != 1012 {
		t.Fatalf("close code %d after NATS came back, want 1012 (service restart)", code)
	}
	if r := nodeA.Do(t, Request{Method: "GET", Path: "/readyz"}); r.Status != 200 {
		t.Errorf("readyz after NATS came back: %d %s", r.Status, r.Body)
	}
	// The reconnected client catches up from the database ...
	missed := nodeA.Messages(t, c, fmt.Sprintf("?updated_at=%d", since))
	if len(missed) != 1 || missed[0]["content"] != during {
		t.Fatalf("catch-up returned %v, want the message sent during the outage", missed)
	}
	// ... and receives live events across nodes again.
	contact = nodeA.DialWS(t)
	contact.Subscribe(t, c.Token)
	after := "after the outage"
	if _, err := nodeB.App.Service.SendAgentMessage(context.Background(), admin, c.ConversationID, novatalks.NewAgentMessage{Content: &after}); err != nil {
		t.Fatal(err)
	}
	for {
		f := contact.Next(t)
		if f.Event == "message.created" && strings.Contains(string(f.Data), after) {
			break
		}
	}
}

// natsServer is a nats-server process of one test, on a fixed loopback port
// so that it can be stopped and started again.
type natsServer struct {
	URL  string
	port int
	cmd  *exec.Cmd
}

// startNATSServer starts nats-server on a free port, or skips the test when
// it is not installed. It is stopped when the test ends.
func startNATSServer(t *testing.T) *natsServer {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		t.Skip("nats-server is not installed: skipping the NATS outage test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &natsServer{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), port: port}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Start runs the server and waits until it accepts connections.
func (s *natsServer) Start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command("nats-server", "-a", "127.0.0.1", "-p", strconv.Itoa(s.port))
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nats-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server, as a crash would; it does nothing if it is stopped.
func (s *natsServer) Stop(t *testing.T) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/sdk"
)

// of returns the events of one conversation.
func of(events []sdk.Event, conversationID int64) []sdk.Event {
	var out []sdk.Event
	for _, e := range events {
		switch {
		case e.Message != nil && e.Message.ConversationID == conversationID,
			e.Conversation != nil && e.Conversation.ID == conversationID,
			e.Typing != nil && e.Typing.ConversationID == conversationID:
			out = append(out, e)
		}
	}
	return out
}

// describe writes events as "type content" lines, with "(caught up)" marks.
func describe(events []sdk.Event) []string {
	var out []string
	for _, e := range events {
		s := string(e.Type)
		switch {
		case e.Message != nil:
			s += " " + e.Message.MessageType + " " + e.Message.Content
			if e.Message.Private {
				s += " (private)"
			}
		case e.Conversation != nil:
			s += " " + e.Conversation.Status
		case e.Typing != nil:
			s += " " + e.Typing.SenderType
		}
		if e.CaughtUp {
			s += " (caught up)"
		}
		out = append(out, s)
	}
	return out
}

// waitFor waits until the events of a conversation described are want.
func waitFor(tb testing.TB, r *recorder, conversationID int64, want ...string) {
	tb.Helper()
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = describe(of(r.Events(), conversationID))
		if len(got) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !slices.Equal(got, want) {
		tb.Errorf("events of conversation %d:\n%q\nwant\n%q", conversationID, got, want)
	}
}

// TestAgentStreamEvents checks that an agent's stream delivers the live
// events of every conversation of the account, its own actions included.
func TestAgentStreamEvents(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	st := runStream(t, a, sdk.StreamOptions{})
	st.waitConnected(t, 1)

	c, id := srv.Open(t, "Ada", "hello")
	_, other := srv.Open(t, "Bob", "hi")
	if _, err := a.SendText(ctx, id, "Let me check."); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendNote(ctx, id, "VIP"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetStatus(ctx, id, sdk.ConversationPending); err != nil {
		t.Fatal(err)
	}
	if err := a.Typing(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	sendAll(t, c, "thanks")
	waitFor(t, st.recorder, id,
		"conversation.status_changed open", // the first message opens the conversation
		"message.created incoming hello",
		"message.created outgoing Let me check.",
		"message.created outgoing VIP (private)",
		"conversation.status_changed pending",
		"message.created activity Conversation was marked as pending by Administrator",
		"typing User",
		"message.created incoming thanks",
	)
	waitFor(t, st.recorder, other, "conversation.status_changed open", "message.created incoming hi")
	for _, e := range st.Events() {
		if e.CaughtUp {
			t.Errorf("caught up %s on a steady connection", e.Type)
		}
	}
	if last := of(st.Events(), id); len(last) == 0 || last[len(last)-1].Message == nil ||
		st.Since() != last[len(last)-1].Message.UpdatedAt.UnixMilli() {
		t.Errorf("Since = %d, want the time of the last change", st.Since())
	}

	t.Run("Typing", func(t *testing.T) {
		if err := st.Typing(ctx); err == nil || errors.Is(err, sdk.ErrNotConnected) {
			t.Errorf("Typing on an agent's stream: %v, want an error naming AgentClient.Typing", err)
		}
	})
}

// TestAgentStreamRejected: a token the server refuses ends Run at once
// with the server's 401.
func TestAgentStreamRejected(t *testing.T) {
	srv := MustStartServer(t)
	st := sdk.NewAgentClient(srv.URL, "not-a-token").Stream(sdk.StreamOptions{Backoff: fast})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.Run(ctx, func(sdk.Event) {}); !sdk.IsUnauthorized(err) {
		t.Errorf("Run = %v, want a 401 *sdk.Error", err)
	}
}

// TestAgentStreamCatchUp takes the network down under an agent's stream
// while contacts write, a new contact arrives and a status changes: once
// the network is back, the stream delivers what it missed, once, each
// conversation in order, and then live events again.
func TestAgentStreamCatchUp(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	proxy := StartProxy(t, srv.Addr)
	a := sdk.NewAgentClient(proxy.URL, srv.AdminToken, sdk.WithRetries(0, fast))
	st := runStream(t, a, sdk.StreamOptions{Backoff: fast, Timeout: time.Second})
	st.waitConnected(t, 1)

	ada, known := srv.Open(t, "Ada", "a1")
	admin := srv.Agent()
	if err := admin.SetStatus(ctx, known, sdk.ConversationPending); err != nil {
		t.Fatal(err)
	}
	waitFor(t, st.recorder, known,
		"conversation.status_changed open",
		"message.created incoming a1",
		"conversation.status_changed pending",
		"message.created activity Conversation was marked as pending by Administrator")

	proxy.Down()
	apptest.Eventually(t, "a failed reconnection", func() bool {
		states := st.States()
		return len(states) >= 3 && !states[len(states)-1].Connected
	})
	sendAll(t, ada, "a2", "a3")
	if err := admin.SetStatus(ctx, known, sdk.ConversationResolved); err != nil {
		t.Fatal(err)
	}
	bob, fresh := srv.Open(t, "Bob", "b1")
	sendAll(t, bob, "b2")
	if _, err := admin.SendNote(ctx, fresh, "new contact"); err != nil {
		t.Fatal(err)
	}
	proxy.Up()
	st.waitConnected(t, 2)
	sendAll(t, ada, "a4") // reopens the conversation, live

	waitFor(t, st.recorder, known,
		"conversation.status_changed open",
		"message.created incoming a1",
		"conversation.status_changed pending",
		"message.created activity Conversation was marked as pending by Administrator",
		"conversation.status_changed resolved (caught up)",
		"message.created incoming a2 (caught up)",
		"message.created incoming a3 (caught up)",
		"message.created activity Conversation was marked resolved by Administrator (caught up)",
		"conversation.status_changed open",
		"message.created incoming a4",
	)
	waitFor(t, st.recorder, fresh,
		"message.created incoming b1 (caught up)",
		"message.created incoming b2 (caught up)",
		"message.created outgoing new contact (private) (caught up)",
	)
}

// TestAgentStreamAcrossCuts is the agent's version of the guarantee test:
// while messages are sent to two conversations, the network between the
// stream and the server is cut twice, taken down for a while, and the
// server restarts; every message still arrives exactly once, each
// conversation in order.
func TestAgentStreamAcrossCuts(t *testing.T) {
	srv := MustStartServer(t)
	proxy := StartProxy(t, srv.Addr)
	_, one := srv.Open(t, "Ada", "first")
	_, two := srv.Open(t, "Bob", "first")
	a := sdk.NewAgentClient(proxy.URL, srv.AdminToken, sdk.WithRetries(10, fast))
	st := runStream(t, a, sdk.StreamOptions{Backoff: fast, Timeout: time.Second})
	st.waitConnected(t, 1)

	const n = 150
	senders := []*agentSender{startAgentSender(t, srv, one, n), startAgentSender(t, srv, two, n)}
	waitSent := func(k int) {
		for _, s := range senders {
			s.waitSent(t, k)
		}
	}
	waitSent(n / 5)
	proxy.Cut()
	st.waitConnected(t, 2)
	waitSent(2 * n / 5)
	proxy.Cut()
	st.waitConnected(t, 3)
	waitSent(3 * n / 5)
	proxy.Down()
	time.Sleep(50 * time.Millisecond)
	proxy.Up()
	st.waitConnected(t, 4)
	waitSent(4 * n / 5)
	srv.Restart(t)
	st.waitConnected(t, 5)
	for _, s := range senders {
		<-s.done
	}

	caughtUp := 0
	for i, conv := range []int64{one, two} {
		ids := senders[i].sent()
		if len(ids) != n {
			t.Fatalf("sent %d of %d", len(ids), n)
		}
		apptest.Eventually(t, fmt.Sprintf("%d messages of conversation %d", n, conv), func() bool {
			return len(of(st.Events(), conv)) >= n
		})
		// The first message, from before the stream, is delivered too when
		// it was created in the second the stream started.
		events := slices.DeleteFunc(of(st.Events(), conv), func(e sdk.Event) bool {
			return e.Message != nil && e.Message.Content == "first"
		})
		caughtUp += checkExactlyOnce(t, events, ids)
	}
	if caughtUp == 0 {
		t.Error("no message was recovered by catch-up: the cuts did not test it")
	}
	t.Logf("%d messages, %d caught up, %d states", 2*n, caughtUp, len(st.States()))
}

// TestAgentStreamResume starts a second stream from the first one's Since:
// it delivers what was created meanwhile, and may repeat what was created
// in the second of Since, no earlier.
func TestAgentStreamResume(t *testing.T) {
	srv := MustStartServer(t)
	a := srv.Agent()
	c, id := srv.Open(t, "Ada", "before")
	first := runStream(t, a, sdk.StreamOptions{})
	first.waitConnected(t, 1)
	sendAll(t, c, "seen live")
	apptest.Eventually(t, "the live message", func() bool {
		return slices.Contains(describe(of(first.Events(), id)), "message.created incoming seen live")
	})
	first.Stop(t)
	time.Sleep(time.Second) // the agent API's times are whole seconds: leave the second of Since
	sendAll(t, c, "missed")
	since := first.Since()
	second := runStream(t, a, sdk.StreamOptions{Since: since})
	apptest.Eventually(t, "the missed message", func() bool {
		got := describe(of(second.Events(), id))
		return len(got) > 0 && got[len(got)-1] == "message.created incoming missed (caught up)"
	})
	for _, e := range of(second.Events(), id) {
		if m := e.Message; m.Content != "missed" && m.CreatedAt.Unix() != since/1000 {
			t.Errorf("a message from before the second of Since: %q", describe([]sdk.Event{e}))
		}
	}
}

// TestAgentStreamStartsNow: a stream with no Since starts from the server's
// time when it connects, to the second: it does not deliver the past.
func TestAgentStreamStartsNow(t *testing.T) {
	srv := MustStartServer(t)
	_, old := srv.Open(t, "Ada", "old")
	if _, err := srv.App().Service.ChangeStatus(context.Background(), srv.Admin, old, novatalks.StatusPending, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	st := runStream(t, srv.Agent(), sdk.StreamOptions{})
	st.waitConnected(t, 1)
	_, id := srv.Open(t, "Bob", "new")
	waitFor(t, st.recorder, id, "conversation.status_changed open", "message.created incoming new")
	if got := of(st.Events(), old); len(got) != 0 {
		t.Errorf("events of a conversation from before the stream: %q", describe(got))
	}
}

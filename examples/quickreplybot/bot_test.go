package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks/internal/apptest"
	"github.com/novatalks/novatalks/sdk"
)

// running is the bot of one test, on a real server started in-process.
type running struct {
	srv   *apptest.Server
	agent *sdk.AgentClient // the test's own view of the account

	mu      sync.Mutex
	handled map[int64]error // by message ID: what handle returned
	logs    bytes.Buffer
}

// startBot starts a server and the bot on it, with the administrator's
// token, and waits until the bot is connected.
func startBot(t *testing.T) *running {
	t.Helper()
	srv := apptest.Start(t, nil)
	r := &running{srv: srv, agent: sdk.NewAgentClient(srv.URL, srv.AdminToken), handled: map[int64]error{}}
	connected := make(chan struct{})
	var once sync.Once
	b := &bot{
		agent: sdk.NewAgentClient(srv.URL, srv.AdminToken),
		log:   slog.New(slog.NewTextHandler(lockedWriter{&r.mu, &r.logs}, nil)),
		onState: func(s sdk.State) {
			if s.Connected {
				once.Do(func() { close(connected) })
			}
		},
		handled: func(e sdk.Event, err error) {
			if e.Message != nil {
				r.mu.Lock()
				r.handled[e.Message.ID] = err
				r.mu.Unlock()
			}
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("run = %v", err)
		}
		if t.Failed() {
			t.Logf("the bot's log:\n%s", r.logs.String())
		}
	})
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the bot did not connect")
	}
	return r
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// waitHandled waits until the bot has handled the message with id, and
// fails if handling it failed.
func (r *running) waitHandled(t *testing.T, id int64) {
	t.Helper()
	var err error
	apptest.Eventually(t, fmt.Sprintf("the bot to handle message %d", id), func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		var ok bool
		err, ok = r.handled[id]
		return ok
	})
	if err != nil {
		t.Errorf("handle message %d: %v", id, err)
	}
}

// contact is a contact chatting through the SDK API, as an app would.
type contact struct {
	*sdk.Client
	conversation int64
}

func (r *running) newContact(t *testing.T, name, text string) *contact {
	t.Helper()
	c := sdk.New(r.srv.URL)
	started, err := c.CreateConversation(context.Background(), sdk.NewConversation{Name: name, Message: text})
	if err != nil {
		t.Fatal(err)
	}
	return &contact{c.WithToken(started.Token), started.Conversation.ID}
}

// latest returns the latest message the contact sees.
func (c *contact) latest(t *testing.T) *sdk.Message {
	t.Helper()
	msgs, err := c.Messages(context.Background(), sdk.MessageQuery{Limit: 1})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v, %v", msgs, err)
	}
	return msgs[0]
}

// latestOwn returns the latest message the contact wrote. The bot may have
// answered it already, so it need not be the latest message.
func (c *contact) latestOwn(t *testing.T) *sdk.Message {
	t.Helper()
	msgs, err := c.Messages(context.Background(), sdk.MessageQuery{Limit: 10})
	if err != nil {
		t.Fatalf("messages: %v", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].FromContact() {
			return msgs[i]
		}
	}
	t.Fatalf("no message of the contact among %v", msgs)
	return nil
}

// says sends text and returns the message the contact wrote.
func (c *contact) says(t *testing.T, text string) *sdk.Message {
	t.Helper()
	if _, err := c.SendText(context.Background(), text); err != nil {
		t.Fatal(err)
	}
	return c.latestOwn(t)
}

// waitQuestion waits for the bot's quick reply after the message after and
// returns it.
func (c *contact) waitQuestion(t *testing.T, after *sdk.Message) *sdk.Message {
	t.Helper()
	var q *sdk.Message
	apptest.Eventually(t, "the bot's question", func() bool {
		q = c.latest(t)
		_, ok := q.QuickReply()
		return q.ID > after.ID && ok
	})
	got, _ := q.QuickReply()
	if got.Text != question.Text || !slices.Equal(got.Buttons, question.Buttons) {
		t.Errorf("question = %+v", got)
	}
	return q
}

// picks answers the quick reply q with value through the SDK API and
// returns the incoming message the server adds for the answer.
func (c *contact) picks(t *testing.T, q *sdk.Message, value string) *sdk.Message {
	t.Helper()
	if err := c.Answer(context.Background(), q.ID, value); err != nil {
		t.Fatal(err)
	}
	answer := c.latestOwn(t)
	if answer.SubmittedValue() != value {
		t.Fatalf("the answer = %+v", answer)
	}
	return answer
}

// wantStatus fails unless the contact's conversation has status want, as
// agents see it; when says what just happened.
func (r *running) wantStatus(t *testing.T, c *contact, want, when string) {
	t.Helper()
	conv, err := r.agent.Conversation(context.Background(), c.conversation)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Status != want {
		t.Errorf("status %s: %s, want %s", when, conv.Status, want)
	}
}

// TestBot is the whole story: a contact writes, the bot claims the
// conversation and asks; the contact picks Billing and gets the answer,
// writes again, is asked again and picks Talk to a human; the bot leaves a
// note and opens the conversation; after that it stays silent. When a human
// resolves the conversation and the contact comes back, the bot is first
// again.
func TestBot(t *testing.T) {
	r := startBot(t)
	ctx := context.Background()
	ada := r.newContact(t, "Ada", "Hello, I was charged twice")
	first := ada.latestOwn(t)

	q := ada.waitQuestion(t, first)
	r.wantStatus(t, ada, sdk.ConversationPending, "after the bot claimed it")

	billing := ada.picks(t, q, valueBilling)
	r.waitHandled(t, billing.ID)
	if got := ada.latest(t); got.Content != billingAnswer || got.SenderType != sdk.SenderUser {
		t.Errorf("the answer to Billing = %+v", got)
	}

	more := ada.says(t, "And I'd like to talk to someone")
	q = ada.waitQuestion(t, more)
	human := ada.picks(t, q, valueHuman)
	r.waitHandled(t, human.ID)
	r.wantStatus(t, ada, sdk.ConversationOpen, "after the handover")
	if got := ada.latest(t); got.Content != handoverText {
		t.Errorf("the contact's last message = %q, want the handover text", got.Content)
	}
	msgs, err := r.agent.Messages(ctx, ada.conversation, sdk.MessageQuery{After: human.ID})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, m := range msgs {
		if m.Private {
			notes = append(notes, m.Content)
		}
	}
	if !slices.Equal(notes, []string{handoverNote}) {
		t.Errorf("notes after the handover = %q", notes)
	}
	mine, _ := ada.Messages(ctx, sdk.MessageQuery{After: human.ID})
	if slices.ContainsFunc(mine, func(m *sdk.Message) bool { return m.Content == handoverNote }) {
		t.Error("the contact sees the note")
	}

	// The conversation is the humans' now: the bot stays silent.
	waiting := ada.says(t, "Hello? Anyone there?")
	r.waitHandled(t, waiting.ID)
	if got := ada.latest(t); got.ID != waiting.ID {
		t.Errorf("the bot answered in a handed-over conversation: %+v", got)
	}
	r.wantStatus(t, ada, sdk.ConversationOpen, "after a message in a handed-over conversation")

	// A human resolves it; the contact comes back: a new dialog, the bot's.
	if err := r.agent.SetStatus(ctx, ada.conversation, sdk.ConversationResolved); err != nil {
		t.Fatal(err)
	}
	back := ada.says(t, "Me again")
	ada.waitQuestion(t, back)
	r.wantStatus(t, ada, sdk.ConversationPending, "after the contact came back")
}

// TestBotTechnical: the Technical button gets its answer and the
// conversation stays the bot's.
func TestBotTechnical(t *testing.T) {
	r := startBot(t)
	bob := r.newContact(t, "Bob", "The app crashes")
	q := bob.waitQuestion(t, bob.latestOwn(t))
	answer := bob.picks(t, q, valueTechnical)
	r.waitHandled(t, answer.ID)
	if got := bob.latest(t); got.Content != technicalAnswer {
		t.Errorf("the answer to Technical = %q", got.Content)
	}
	r.wantStatus(t, bob, sdk.ConversationPending, "after the answer to Technical")
}

// TestBotLeavesHumansAlone: a conversation that a human took (open and
// assigned) is not the bot's, whatever the contact writes.
func TestBotLeavesHumansAlone(t *testing.T) {
	r := startBot(t)
	ctx := context.Background()
	cleo := r.newContact(t, "Cleo", "Hi")
	r.waitHandled(t, cleo.latestOwn(t).ID)
	if _, err := r.agent.Assign(ctx, cleo.conversation, 1); err != nil {
		t.Fatal(err)
	}
	if err := r.agent.SetStatus(ctx, cleo.conversation, sdk.ConversationOpen); err != nil {
		t.Fatal(err)
	}
	m := cleo.says(t, "Thanks for taking this")
	r.waitHandled(t, m.ID)
	if got := cleo.latest(t); got.ID != m.ID {
		t.Errorf("the bot answered in an assigned conversation: %+v", got)
	}
	r.wantStatus(t, cleo, sdk.ConversationOpen, "of a conversation a human took")
}

// TestBotHandlesTwiceAnswersOnce: handling the same message again (a retry,
// or a catch-up after a restart) sends nothing more.
func TestBotHandlesTwiceAnswersOnce(t *testing.T) {
	r := startBot(t)
	ctx := context.Background()
	dan := r.newContact(t, "Dan", "Hi")
	hi := dan.latestOwn(t)
	q := dan.waitQuestion(t, hi)
	msgs, err := r.agent.Messages(ctx, dan.conversation, sdk.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(msgs, func(m *sdk.Message) bool { return m.ID == hi.ID })
	again := &bot{agent: r.agent, log: slog.New(slog.DiscardHandler)}
	if err := again.handle(ctx, sdk.Event{Type: sdk.EventMessageCreated, Message: msgs[i], CaughtUp: true}); err != nil {
		t.Fatal(err)
	}
	after, err := r.agent.Messages(ctx, dan.conversation, sdk.MessageQuery{After: q.ID})
	if err != nil || len(after) != 0 {
		t.Errorf("messages after handling again: %v, %v", after, err)
	}
}

// TestRun checks the command line: a token is required, and a bad one is
// reported.
func TestRun(t *testing.T) {
	srv := apptest.Start(t, nil)
	noenv := func(string) string { return "" }
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"--url", srv.URL}, noenv, &stderr); err == nil || !strings.Contains(err.Error(), "--token") {
		t.Errorf("without a token: %v", err)
	}
	err := run(context.Background(), []string{"--url", srv.URL, "--token", "nope"}, noenv, &stderr)
	if !sdk.IsUnauthorized(err) {
		t.Errorf("with a bad token: %v, want 401", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	env := func(k string) string {
		return map[string]string{"NOVATALKS_ACCESS_TOKEN": srv.AdminToken, "NOVATALKS_URL": srv.URL}[k]
	}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--account", "1"}, env, &stderr) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("interrupted: %v, want nil", err)
	}
}

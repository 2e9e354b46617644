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

// Open starts a conversation whose contact (named name) wrote text, so that
// it is open, and returns the contact's client and the conversation ID.
func (s *Server) Open(tb testing.TB, name, text string) (*sdk.Client, int64) {
	tb.Helper()
	c := s.Client()
	started, err := c.CreateConversation(context.Background(), sdk.NewConversation{Name: name, Message: text})
	if err != nil {
		tb.Fatal(err)
	}
	return c.WithToken(started.Token), started.Conversation.ID
}

// CreateAgent adds an agent (role agent) to the first account and returns it
// with its token.
func (s *Server) CreateAgent(tb testing.TB, name string) *novatalks.User {
	tb.Helper()
	u, err := s.App().Service.CreateAgent(context.Background(), s.Admin,
		novatalks.NewAgent{Name: name, Email: name + "@example.com", Role: novatalks.RoleAgent})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// wantNotFound fails unless err is an *sdk.Error with status 404.
func wantNotFound(tb testing.TB, err error) {
	tb.Helper()
	if !sdk.IsNotFound(err) {
		tb.Errorf("err = %v, want a 404 *sdk.Error", err)
	}
}

// wantAPIError fails unless err is an *sdk.Error with status and exactly
// the messages want.
func wantAPIError(tb testing.TB, err error, status int, want ...string) {
	tb.Helper()
	var e *sdk.Error
	if !errors.As(err, &e) || e.StatusCode != status || !slices.Equal(e.Messages, want) {
		tb.Errorf("err = %#v, want a %d *sdk.Error with messages %q", err, status, want)
	}
}

func TestAgentProfile(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		p, err := srv.Agent().Profile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.AccountID != 1 || p.Name != "Administrator" || p.AvailableName != "Administrator" ||
			p.Role != "administrator" || p.PubsubToken == "" || p.AvailabilityStatus != "online" {
			t.Errorf("profile = %+v", p)
		}
	})
	t.Run("AccountID", func(t *testing.T) {
		a := srv.Agent()
		for range 2 { // the second answer comes from the first
			if id, err := a.AccountID(ctx); err != nil || id != 1 {
				t.Errorf("AccountID = %d, %v", id, err)
			}
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		a := sdk.NewAgentClient(srv.URL, "not-a-token")
		_, err := a.Profile(ctx)
		if !sdk.IsUnauthorized(err) {
			t.Fatalf("err = %v, want 401", err)
		}
		var e *sdk.Error
		if errors.As(err, &e); e.Reason != "Unauthorized" || e.RequestID == "" || len(e.Messages) != 1 || e.Messages[0] == "" {
			t.Errorf("error = %+v", e)
		}
		// Every call needs the account, which needs the profile: the same 401.
		if _, err := a.Conversations(ctx, sdk.ConversationQuery{}); !sdk.IsUnauthorized(err) {
			t.Errorf("conversations: err = %v, want 401", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		// Another account, whether it exists or not, is 404 in Chatwoot's shape.
		_, err := srv.Agent(sdk.WithAccount(2)).Conversations(ctx, sdk.ConversationQuery{})
		wantAPIError(t, err, 404, "account not found")
		if !sdk.IsNotFound(err) {
			t.Errorf("IsNotFound(%v) = false", err)
		}
	})
}

func TestAgentConversations(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	var ids []int64
	for i := range 27 {
		_, id := srv.Open(t, fmt.Sprintf("Contact %d", i), "hello")
		ids = append(ids, id)
	}
	_, zelda := srv.Open(t, "Zelda", "where is my order?")
	if err := a.SetStatus(ctx, zelda, sdk.ConversationPending); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Assign(ctx, ids[0], 1); err != nil {
		t.Fatal(err)
	}

	t.Run("Pages", func(t *testing.T) {
		first, err := a.Conversations(ctx, sdk.ConversationQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Conversations) != 25 || first.All != 27 || first.Mine != 1 || first.Assigned != 1 || first.Unassigned != 26 {
			t.Errorf("page 1: %d conversations, counts %d/%d/%d/%d", len(first.Conversations), first.Mine, first.Assigned, first.Unassigned, first.All)
		}
		second, err := a.Conversations(ctx, sdk.ConversationQuery{Page: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Conversations) != 2 {
			t.Errorf("page 2: %d conversations, want 2", len(second.Conversations))
		}
	})
	t.Run("AllConversations", func(t *testing.T) {
		var got []int64
		var last time.Time
		for c, err := range a.AllConversations(ctx, sdk.ConversationQuery{}) {
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != sdk.ConversationOpen || (!last.IsZero() && c.LastActivityAt.After(last)) {
				t.Errorf("conversation %d: status %s, active at %v after %v", c.ID, c.Status, c.LastActivityAt, last)
			}
			last = c.LastActivityAt.Time
			got = append(got, c.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, ids) {
			t.Errorf("conversations = %v, want %v", got, ids)
		}
		n := 0
		for range a.AllConversations(ctx, sdk.ConversationQuery{Status: sdk.ConversationAll}) {
			if n++; n == 3 {
				break
			}
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for _, tc := range []struct {
			q    sdk.ConversationQuery
			want []int64
		}{
			{sdk.ConversationQuery{Status: sdk.ConversationPending}, []int64{zelda}},
			{sdk.ConversationQuery{Status: sdk.ConversationAll, Search: "Zelda"}, []int64{zelda}},
			{sdk.ConversationQuery{Search: "Zelda"}, nil}, // pending, not open
			{sdk.ConversationQuery{Assignee: sdk.AssigneeMe}, []int64{ids[0]}},
			{sdk.ConversationQuery{Assignee: sdk.AssigneeAssigned, InboxID: 1}, []int64{ids[0]}},
			{sdk.ConversationQuery{Status: sdk.ConversationResolved}, nil},
		} {
			page, err := a.Conversations(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, c := range page.Conversations {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := a.Conversations(ctx, sdk.ConversationQuery{Status: "later", Assignee: "them"})
		wantAPIError(t, err, 422, "status must be one of open, resolved, pending, snoozed, all",
			"assignee_type must be one of me, unassigned, assigned, all")
		if !sdk.IsInvalid(err) {
			t.Errorf("IsInvalid(%v) = false", err)
		}
		if err == nil || err.Error() != "novatalks: 422 Unprocessable Entity: status must be one of open, resolved, pending, snoozed, all; assignee_type must be one of me, unassigned, assigned, all" {
			t.Errorf("Error() = %v", err)
		}
	})
}

func TestAgentConversation(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	c, id := srv.Open(t, "Olena", "Where is my order?")
	started := time.Now().Add(-time.Second)

	t.Run("OK", func(t *testing.T) {
		conv, err := a.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if conv.ID != id || conv.AccountID != 1 || conv.InboxID == 0 || conv.Status != sdk.ConversationOpen ||
			conv.Substatus != "oninbox" || conv.DialogID == "" || conv.Assignee != nil || conv.AssigneeID != 0 ||
			conv.UnreadCount != 1 || conv.SnoozedUntil != nil || conv.Priority == 0 {
			t.Errorf("conversation = %+v", conv)
		}
		if conv.CreatedAt.Before(started) || conv.LastActivityAt.Before(started) || !conv.AgentLastSeenAt.IsZero() {
			t.Errorf("times: created %v, active %v, seen %v", conv.CreatedAt, conv.LastActivityAt, conv.AgentLastSeenAt)
		}
		if conv.Contact.Name != "Olena" || conv.Contact.ID == 0 {
			t.Errorf("contact = %+v", conv.Contact)
		}
		m := conv.LastMessage
		if m == nil || m.Content != "Where is my order?" || !m.FromContact() || m.SenderType != sdk.SenderContact ||
			m.Sender == nil || m.Sender.Type != sdk.SenderContact || m.SenderName() != "Olena" || m.DialogID != conv.DialogID {
			t.Errorf("last message = %+v", m)
		}
		// The contact's own view agrees.
		mine, _, err := c.Conversation(ctx, 1)
		if err != nil || mine.ID != conv.ID || mine.DialogID != conv.DialogID {
			t.Errorf("the contact's conversation = %+v, %v", mine, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := a.Conversation(ctx, 999999)
		wantNotFound(t, err)
	})
}

func TestAgentMessages(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	c, id := srv.Open(t, "Ada", "m1")
	sendAll(t, c, "m2", "m3")
	if _, err := a.SendText(ctx, id, "an answer"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendNote(ctx, id, "a note"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetStatus(ctx, id, sdk.ConversationResolved); err != nil {
		t.Fatal(err)
	}
	mine, err := c.Messages(ctx, sdk.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, mine[1].ID); err != nil { // m2
		t.Fatal(err)
	}

	all, err := a.Messages(ctx, id, sdk.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		typ, content, sender string
		private, deleted     bool
	}
	var got []view
	for _, m := range all {
		got = append(got, view{m.MessageType, m.Content, m.SenderType, m.Private, m.Deleted()})
		if m.ConversationID != id || m.AccountID != 1 || m.CreatedAt.IsZero() || m.UpdatedAt.Before(m.CreatedAt.Time) {
			t.Errorf("message %+v", m)
		}
	}
	want := []view{
		{sdk.MessageIncoming, "m1", sdk.SenderContact, false, false},
		{sdk.MessageIncoming, "", sdk.SenderContact, false, true},
		{sdk.MessageIncoming, "m3", sdk.SenderContact, false, false},
		{sdk.MessageOutgoing, "an answer", sdk.SenderUser, false, false},
		{sdk.MessageOutgoing, "a note", sdk.SenderUser, true, false},
		{sdk.MessageActivity, "Conversation was marked resolved by Administrator", "", false, false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("messages =\n%+v\nwant\n%+v", got, want)
	}
	if s := all[3].Sender; s == nil || s.Type != sdk.SenderUser || s.DisplayName() != "Administrator" {
		t.Errorf("sender of an agent's message = %+v", s)
	}

	t.Run("Cursors", func(t *testing.T) {
		after, err := a.Messages(ctx, id, sdk.MessageQuery{After: all[3].ID})
		if err != nil || len(after) != 2 || after[0].ID != all[4].ID {
			t.Errorf("after: %v, %v", after, err)
		}
		before, err := a.Messages(ctx, id, sdk.MessageQuery{Before: all[2].ID})
		if err != nil || len(before) != 2 || before[1].ID != all[1].ID {
			t.Errorf("before: %v, %v", before, err)
		}
	})
	t.Run("History", func(t *testing.T) {
		for i := range 40 {
			sendAll(t, c, fmt.Sprint("h", i))
		}
		var got []int64
		for m, err := range a.History(ctx, id, 0) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m.ID)
		}
		if len(got) != 46 || !slices.IsSortedFunc(got, func(x, y int64) int { return int(y - x) }) || got[45] != all[0].ID {
			t.Errorf("history: %d messages %v", len(got), got)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := a.Messages(ctx, id, sdk.MessageQuery{Before: 2, After: 1})
		wantAPIError(t, err, 422, "use only one of before and after")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := a.Messages(ctx, 999999, sdk.MessageQuery{})
		wantNotFound(t, err)
	})
}

func TestAgentSend(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	c, id := srv.Open(t, "Ada", "hello")
	hello, err := c.Messages(ctx, sdk.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}

	// contactSees returns the contact's view of the agent's message m.
	contactSees := func(t *testing.T, m *sdk.Message) *sdk.Message {
		t.Helper()
		list, err := c.Messages(ctx, sdk.MessageQuery{After: m.ID - 1, Limit: 1})
		if err != nil || len(list) != 1 || list[0].ID != m.ID {
			t.Fatalf("the contact does not see message %d: %v, %v", m.ID, list, err)
		}
		return list[0]
	}

	t.Run("Text", func(t *testing.T) {
		m, err := a.SendText(ctx, id, "Let me check.")
		if err != nil {
			t.Fatal(err)
		}
		if m.ID == 0 || m.ConversationID != id || m.MessageType != sdk.MessageOutgoing || m.Content != "Let me check." ||
			m.ContentType != sdk.ContentText || m.EchoID == "" || m.Private || m.SenderType != sdk.SenderUser {
			t.Errorf("message = %+v", m)
		}
		if seen := contactSees(t, m); seen.Content != "Let me check." || seen.SenderName() != "Administrator" {
			t.Errorf("the contact sees %+v", seen)
		}
	})
	t.Run("Note", func(t *testing.T) {
		m, err := a.SendNote(ctx, id, "VIP customer")
		if err != nil {
			t.Fatal(err)
		}
		if !m.Private {
			t.Errorf("note = %+v", m)
		}
		list, err := c.Messages(ctx, sdk.MessageQuery{After: m.ID - 1})
		if err != nil || slices.ContainsFunc(list, func(x *sdk.Message) bool { return x.ID == m.ID }) {
			t.Errorf("the contact sees the note: %v, %v", list, err)
		}
	})
	t.Run("EchoID", func(t *testing.T) {
		first, err := a.Send(ctx, id, sdk.AgentMessage{Content: "once", EchoID: "answer-1"})
		if err != nil {
			t.Fatal(err)
		}
		again, err := a.Send(ctx, id, sdk.AgentMessage{Content: "once", EchoID: "answer-1"})
		if err != nil {
			t.Fatal(err)
		}
		if first.ID != again.ID || first.EchoID != "answer-1" {
			t.Errorf("sent twice: %d and %d", first.ID, again.ID)
		}
	})
	t.Run("Reply", func(t *testing.T) {
		m, err := a.Send(ctx, id, sdk.AgentMessage{Content: "About that:", ReplyTo: hello[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		if m.InReplyTo() != hello[0].ID {
			t.Errorf("in_reply_to = %d", m.InReplyTo())
		}
		if seen := contactSees(t, m); seen.Reply == nil || seen.Reply.ID != hello[0].ID || seen.Reply.Content != "hello" {
			t.Errorf("the contact sees the reply as %+v", seen.Reply)
		}
	})
	t.Run("Card", func(t *testing.T) {
		card := sdk.Card{Title: "Explore", ImageURL: "https://example.com/a.png", Buttons: []sdk.Button{
			sdk.LinkButton("Open", "https://example.com"), sdk.PostbackButton("Buy", "BUY")}}
		m, err := a.SendInteractive(ctx, id, card)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []*sdk.Message{m, contactSees(t, m)} {
			got, ok := msg.Card()
			if !ok || got.Title != card.Title || got.ImageURL != card.ImageURL || !slices.Equal(got.Buttons, card.Buttons) {
				t.Errorf("card = %+v, %v", got, ok)
			}
		}
		if !card.Buttons[1].Answers() || card.Buttons[0].Answers() {
			t.Error("Answers: only the postback button answers")
		}
	})
	t.Run("QuickReply", func(t *testing.T) {
		q := sdk.QuickReply{Text: "How should we ship it?", Buttons: []sdk.Button{
			sdk.ReplyButton("Standard", "SHIP_STANDARD"), sdk.ReplyButton("Overnight", "SHIP_OVERNIGHT")}}
		m, err := a.SendInteractive(ctx, id, q)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := contactSees(t, m).QuickReply()
		if !ok || got.Text != q.Text || !slices.Equal(got.Buttons, q.Buttons) {
			t.Errorf("quick reply = %+v, %v", got, ok)
		}
		// The contact answers; the agent sees the answer as an incoming
		// message with the button's value.
		if err := c.Answer(ctx, m.ID, "SHIP_OVERNIGHT"); err != nil {
			t.Fatal(err)
		}
		after, err := a.Messages(ctx, id, sdk.MessageQuery{After: m.ID})
		if err != nil || len(after) != 1 {
			t.Fatalf("after the answer: %v, %v", after, err)
		}
		if ans := after[0]; !ans.FromContact() || ans.Content != "Overnight" || ans.SubmittedValue() != "SHIP_OVERNIGHT" || ans.InReplyTo() != m.ID {
			t.Errorf("answer = %+v", ans)
		}
		if m.SubmittedValue() != "" {
			t.Errorf("SubmittedValue of the question = %q", m.SubmittedValue())
		}
		list, _ := a.Messages(ctx, id, sdk.MessageQuery{After: m.ID - 1})
		if got, _ := list[0].QuickReply(); got.Selected != "SHIP_OVERNIGHT" {
			t.Errorf("selected = %q", got.Selected)
		}
	})
	t.Run("Feedback", func(t *testing.T) {
		m, err := a.SendInteractive(ctx, id, sdk.Feedback{Question: "How did we do?"})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := contactSees(t, m).Feedback(); !ok || got.Question != "How did we do?" {
			t.Errorf("feedback = %+v, %v", got, ok)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := a.SendInteractive(ctx, id, sdk.Card{Title: "Explore"})
		wantAPIError(t, err, 422, "content_attributes.buttons must be a non-empty array for card messages")
		_, err = a.SendInteractive(ctx, id, sdk.Card{Title: "Explore", Buttons: []sdk.Button{
			sdk.LinkButton("Open", "ftp://example.com"), sdk.PostbackButton("", "BUY")}})
		wantAPIError(t, err, 422, "content_attributes.buttons[0].url must be an http(s) URL",
			"content_attributes.buttons[1].title must be a non-empty string")
		_, err = a.SendInteractive(ctx, id, sdk.QuickReply{Text: "?", Buttons: []sdk.Button{sdk.ReplyButton("Yes", "")}})
		wantAPIError(t, err, 422, "content_attributes.buttons[0].value must be a non-empty string")
		if _, err := a.SendText(ctx, id, ""); !sdk.IsInvalid(err) {
			t.Errorf("empty text: err = %v, want 422", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := a.SendText(ctx, 999999, "hello?")
		wantNotFound(t, err)
	})
}

func TestAgentStatus(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	c, id := srv.Open(t, "Ada", "hello")
	status := func(t *testing.T, want, substatus string) *sdk.AgentConversation {
		t.Helper()
		conv, err := a.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if conv.Status != want || conv.Substatus != substatus {
			t.Errorf("status = %s/%s, want %s/%s", conv.Status, conv.Substatus, want, substatus)
		}
		if mine, _, err := c.Conversation(ctx, 1); err != nil || mine.Status != want {
			t.Errorf("the contact sees %+v, %v", mine, err)
		}
		return conv
	}

	for _, tc := range []struct{ status, substatus string }{
		{sdk.ConversationPending, "inqueue"},
		{sdk.ConversationPending, "inqueue"}, // again: nothing changes
		{sdk.ConversationResolved, "acw"},
		{sdk.ConversationSnoozed, "hold"},
		{sdk.ConversationOpen, "oninbox"},
	} {
		if err := a.SetStatus(ctx, id, tc.status); err != nil {
			t.Fatal(err)
		}
		status(t, tc.status, tc.substatus)
	}
	t.Run("Snooze", func(t *testing.T) {
		until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		if err := a.Snooze(ctx, id, until); err != nil {
			t.Fatal(err)
		}
		conv := status(t, sdk.ConversationSnoozed, "hold")
		if conv.SnoozedUntil == nil || !conv.SnoozedUntil.Equal(until) {
			t.Errorf("snoozed until %v, want %v", conv.SnoozedUntil, until)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		wantAPIError(t, a.Snooze(ctx, id, time.Now().Add(-time.Minute)), 422, "snoozed_until must be a time in the future")
		wantAPIError(t, a.SetStatus(ctx, id, "closed"), 422, "status must be one of open, resolved, pending, snoozed")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantNotFound(t, a.SetStatus(ctx, 999999, sdk.ConversationOpen))
	})
}

func TestAgentTyping(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	c, id := srv.Open(t, "Ada", "hello")
	st := runStream(t, c, sdk.StreamOptions{})
	st.waitConnected(t, 1)
	if err := a.Typing(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if err := a.Typing(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	apptest.Eventually(t, "the contact to see the agent typing", func() bool {
		return slices.ContainsFunc(st.Events(), func(e sdk.Event) bool {
			return e.Type == sdk.EventTyping && e.Typing.ConversationID == id && e.Typing.SenderType == sdk.SenderUser
		})
	})
	wantNotFound(t, a.Typing(ctx, 999999, true))
}

func TestAgentAssign(t *testing.T) {
	srv := MustStartServer(t)
	ctx := context.Background()
	a := srv.Agent()
	_, id := srv.Open(t, "Ada", "hello")
	ivan := srv.CreateAgent(t, "ivan")

	agents, err := a.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 2 || agents[0].Role != "administrator" || agents[1].ID != ivan.ID || agents[1].Name != "ivan" ||
		agents[1].Email != "ivan@example.com" || agents[1].Role != "agent" || agents[1].AccountID != 1 {
		t.Errorf("agents = %+v %+v", agents[0], agents[1])
	}

	got, err := a.Assign(ctx, id, ivan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ivan.ID || got.AvailableName != "ivan" {
		t.Errorf("assignee = %+v", got)
	}
	conv, err := a.Conversation(ctx, id)
	if err != nil || conv.Assignee == nil || conv.Assignee.ID != ivan.ID || conv.AssigneeID != ivan.ID || conv.Substatus != "interacting" {
		t.Errorf("assigned conversation = %+v, %v", conv, err)
	}
	// Ivan, an agent, works with his own token.
	asIvan := sdk.NewAgentClient(srv.URL, ivan.AccessToken)
	mine, err := asIvan.Conversations(ctx, sdk.ConversationQuery{Assignee: sdk.AssigneeMe})
	if err != nil || len(mine.Conversations) != 1 || mine.Conversations[0].ID != id {
		t.Errorf("Ivan's conversations = %+v, %v", mine, err)
	}
	if err := asIvan.Unassign(ctx, id); err != nil {
		t.Fatal(err)
	}
	if conv, err := a.Conversation(ctx, id); err != nil || conv.Assignee != nil || conv.AssigneeID != 0 {
		t.Errorf("unassigned conversation = %+v, %v", conv, err)
	}
	if err := a.Unassign(ctx, id); err != nil {
		t.Errorf("unassign again: %v", err)
	}

	_, err = a.Assign(ctx, id, 999999)
	wantAPIError(t, err, 404, "agent not found")
}

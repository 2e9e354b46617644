package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// TestFindConversations drives the conversation queries of the agent API
// through the service on a real database: filters, counts, search, last
// message, unread counts, account scoping and due snoozes.
func TestFindConversations(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	svc := novatalks.NewService(db)
	boot, err := svc.Bootstrap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	admin := novatalks.UserActor(boot.Admin)
	start := func(name, first string) *novatalks.ConversationStarted {
		t.Helper()
		in := novatalks.StartConversation{Name: &name}
		if first != "" {
			in.Message = &novatalks.NewContactMessage{Content: first, EchoID: "e-" + name}
		}
		out, err := svc.StartConversation(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	alice, bob, carol := start("Alice", "hello there"), start("Bob", "my order 100%"), start("Carol", "")
	if _, err := svc.AssignConversation(ctx, admin, bob.Conversation.ID, &boot.Admin.ID); err != nil {
		t.Fatal(err)
	}
	find := func(f novatalks.ConversationFilter) []int64 {
		t.Helper()
		f.AccountID, f.UserID = 1, boot.Admin.ID
		list, err := db.FindConversations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		return ids
	}
	same := func(got []int64, want ...int64) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}

	t.Run("Filters", func(t *testing.T) {
		a, b, c := alice.Conversation.ID, bob.Conversation.ID, carol.Conversation.ID
		for _, tc := range []struct {
			name string
			f    novatalks.ConversationFilter
			want []int64
		}{
			{"Open", novatalks.ConversationFilter{Status: "open"}, []int64{b, a}},
			{"All", novatalks.ConversationFilter{Status: "all"}, []int64{c, b, a}}, // Carol started last, with no message
			{"Resolved", novatalks.ConversationFilter{Status: "resolved"}, []int64{c}},
			{"Mine", novatalks.ConversationFilter{AssigneeType: "me"}, []int64{b}},
			{"Unassigned", novatalks.ConversationFilter{Status: "open", AssigneeType: "unassigned"}, []int64{a}},
			{"SearchName", novatalks.ConversationFilter{Query: "ALI"}, []int64{a}},
			{"SearchMessageLiteralPercent", novatalks.ConversationFilter{Query: "100%"}, []int64{b}},
			{"SearchWildcardIsLiteral", novatalks.ConversationFilter{Query: "%"}, []int64{b}},
			{"OneByID", novatalks.ConversationFilter{ID: c}, []int64{c}},
			{"Page", novatalks.ConversationFilter{Status: "all", Offset: 1, Limit: 1}, []int64{b}},
			{"OtherInbox", novatalks.ConversationFilter{InboxID: 99}, []int64{}},
		} {
			if got := find(tc.f); !same(got, tc.want...) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		list, err := db.FindConversations(ctx, novatalks.ConversationFilter{AccountID: 2})
		if err != nil || len(list) != 0 {
			t.Errorf("account 2 sees %d conversations (%v)", len(list), err)
		}
	})

	t.Run("Counts", func(t *testing.T) {
		n, err := db.CountConversations(ctx, novatalks.ConversationFilter{AccountID: 1, Status: "open", AssigneeType: "me", ID: 1}, boot.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (novatalks.ConversationCounts{Mine: 1, Assigned: 1, Unassigned: 1, All: 2}); n != want {
			t.Errorf("counts = %+v, want %+v", n, want)
		}
	})

	t.Run("LastMessageAndUnread", func(t *testing.T) {
		list, err := db.FindConversations(ctx, novatalks.ConversationFilter{AccountID: 1, ID: bob.Conversation.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("%v %v", list, err)
		}
		c := list[0]
		// Bob's conversation: his message, then the assignment's activity message.
		if c.LastMessage == nil || c.LastMessage.MessageType != novatalks.MessageActivity || c.UnreadCount != 1 {
			t.Errorf("last %+v unread %d", c.LastMessage, c.UnreadCount)
		}
		if c.Assignee == nil || c.Assignee.ID != boot.Admin.ID || c.Contact.Name != "Bob" || c.Inbox.ID != 1 {
			t.Errorf("not hydrated: %+v", c)
		}
		if _, err := svc.MarkSeenByAgent(ctx, admin, bob.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		list, _ = db.FindConversations(ctx, novatalks.ConversationFilter{AccountID: 1, ID: bob.Conversation.ID})
		if list[0].UnreadCount != 0 {
			t.Errorf("unread after seen = %d", list[0].UnreadCount)
		}
	})

	t.Run("DueSnoozed", func(t *testing.T) {
		until := time.Now().Add(time.Hour)
		if _, err := svc.ChangeStatus(ctx, admin, alice.Conversation.ID, novatalks.StatusSnoozed, &until); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ChangeStatus(ctx, admin, carol.Conversation.ID, novatalks.StatusSnoozed, nil); err != nil {
			t.Fatal(err)
		}
		if refs, err := db.FindDueSnoozed(ctx, until.Add(-time.Second), 10); err != nil || len(refs) != 0 {
			t.Errorf("due before the time: %v %v", refs, err)
		}
		refs, err := db.FindDueSnoozed(ctx, until, 10)
		if err != nil || len(refs) != 1 || refs[0] != (novatalks.ConversationRef{AccountID: 1, ID: alice.Conversation.ID}) {
			t.Errorf("due at the time: %v %v (a snooze without a time is never due)", refs, err)
		}
	})
}

func TestUserEmailUniqueInAccount(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	svc := novatalks.NewService(db)
	if _, err := svc.Bootstrap(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateAgent(ctx, novatalks.SystemActor(1), novatalks.NewAgent{Name: "A", Email: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.CreateAgent(ctx, novatalks.SystemActor(1), novatalks.NewAgent{Name: "B", Email: "A@Example.com"})
	if novatalks.ErrorCode(err) != novatalks.EINVALID {
		t.Errorf("same email, other case: %v, want EINVALID", err)
	}
	acc, err := svc.CreateAccount(ctx, "Two")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateAgent(ctx, novatalks.SystemActor(acc.ID), novatalks.NewAgent{Name: "A2", Email: "a@example.com"}); err != nil {
		t.Errorf("the same email in another account: %v", err)
	}
}

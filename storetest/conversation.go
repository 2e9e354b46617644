package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

func testConversation(t *testing.T, b Backend) {
	s, _ := open(t, b)

	// FindConversationByID returns every stored field, with the inbox, the
	// contact and the assignee.
	t.Run("OK", func(t *testing.T) {
		sc := newScene(t, s)
		assigned := sc.conversation(t, s, "Bo", func(c *novatalks.Conversation) {
			c.Status, c.Substatus, c.AssigneeID = novatalks.StatusPending, novatalks.SubstatusInQueue, &sc.User.ID
			c.Priority, c.Subpriority, c.TeamID = 2, 3, ptr(int64(7))
			c.SnoozedUntil, c.AgentLastSeenAt, c.ContactLastSeenAt = ptr(at(50)), ptr(at(11)), ptr(at(12))
			c.LastActivityAt, c.LastStamp, c.UpdatedAt = at(13), at(14), at(15)
		})
		wantIncreasing(t, []int64{sc.Conversation.ID, assigned.ID}, "CreateConversation")
		for _, want := range []*novatalks.Conversation{sc.Conversation, assigned} {
			got, err := s.FindConversationByID(bg, sc.Account.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, bareConversation(got), want, "FindConversationByID")
			wantNoDiff(t, got.Inbox, sc.Inbox, "FindConversationByID: Inbox")
			if got.Contact == nil || got.Contact.ID != want.ContactID || got.Contact.AccountID != sc.Account.ID {
				t.Errorf("FindConversationByID: Contact %s, want contact %d", format(got.Contact), want.ContactID)
			}
			if want.AssigneeID == nil && got.Assignee != nil {
				t.Errorf("FindConversationByID: Assignee %s of an unassigned conversation", format(got.Assignee))
			}
			if want.AssigneeID != nil {
				wantNoDiff(t, got.Assignee, sc.User, "FindConversationByID: Assignee")
			}
			locked := lock(t, s, sc.Account.ID, want.ID)
			wantNoDiff(t, bareConversation(locked), want, "LockConversation")
		}
		got, err := s.FindConversationByID(bg, sc.Account.ID, sc.Conversation.ID)
		if err == nil {
			wantNoDiff(t, got.Contact, sc.Contact, "FindConversationByID: Contact")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		sc, other := newScene(t, s), newScene(t, s)
		_, err := s.FindConversationByID(bg, other.Account.ID, sc.Conversation.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindConversationByID of another account's conversation")
		_, err = s.FindConversationByID(bg, sc.Account.ID, other.Conversation.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindConversationByID of a missing conversation")
		for _, tc := range []struct {
			name          string
			accountID, id int64
		}{{"another account's conversation", other.Account.ID, sc.Conversation.ID}, {"a missing conversation", sc.Account.ID, other.Conversation.ID + 1000}} {
			err := s.Update(bg, func(tx novatalks.Tx) error {
				c, err := tx.LockConversation(bg, tc.accountID, tc.id)
				if err == nil && c == nil {
					t.Errorf("LockConversation returned nil and no error")
				}
				return err
			})
			wantCode(t, err, novatalks.ENOTFOUND, "LockConversation of "+tc.name)
		}
	})

	// UpdateConversation writes every mutable field; clearing the optional
	// ones works too.
	t.Run("Update", func(t *testing.T) {
		sc := newScene(t, s)
		other := createUser(t, s, sc.Account.ID, "other")
		want := lock(t, s, sc.Account.ID, sc.Conversation.ID)
		want.Status, want.Substatus = novatalks.StatusSnoozed, novatalks.SubstatusHold
		want.Priority, want.Subpriority = 4, 5
		want.AssigneeID, want.TeamID = &other.ID, ptr(int64(9))
		want.DialogID = novatalks.NewUUID()
		want.AdditionalAttributes = map[string]any{"source": "api", "browser": map[string]any{"name": "Firefox"}}
		want.CustomAttributes = map[string]any{"vip": true, "score": 9.5, "tags": []any{"x"}}
		want.SnoozedUntil, want.AgentLastSeenAt, want.ContactLastSeenAt = ptr(at(500)), ptr(at(400)), ptr(at(401))
		want.LastActivityAt, want.LastStamp, want.UpdatedAt = at(402), at(403), at(404)
		update := func(c *novatalks.Conversation) {
			t.Helper()
			mustUpdate(t, s, func(tx novatalks.Tx) error {
				if _, err := tx.LockConversation(bg, c.AccountID, c.ID); err != nil {
					return err
				}
				upd := *c
				return tx.UpdateConversation(bg, &upd)
			})
		}
		update(want)
		got, err := s.FindConversationByID(bg, sc.Account.ID, sc.Conversation.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, bareConversation(got), want, "conversation after UpdateConversation")
		wantNoDiff(t, got.Assignee, other, "Assignee after UpdateConversation")

		want.Status, want.Substatus = novatalks.StatusOpen, novatalks.SubstatusOnInbox
		want.AssigneeID, want.TeamID, want.SnoozedUntil, want.AgentLastSeenAt, want.ContactLastSeenAt = nil, nil, nil, nil, nil
		want.AdditionalAttributes, want.CustomAttributes = map[string]any{}, map[string]any{}
		want.UpdatedAt = at(405)
		update(want)
		got, err = s.FindConversationByID(bg, sc.Account.ID, sc.Conversation.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, bareConversation(got), want, "conversation after clearing fields")
		if got.Assignee != nil {
			t.Errorf("Assignee %s after unassigning", format(got.Assignee))
		}
	})

	// TouchConversation writes the activity stamps and nothing else, and
	// only in the conversation's own account.
	t.Run("Touch", func(t *testing.T) {
		sc, other := newScene(t, s), newScene(t, s)
		want := lock(t, s, sc.Account.ID, sc.Conversation.ID)
		touch := func(accountID int64) error {
			return s.Update(bg, func(tx novatalks.Tx) error {
				upd := *want
				upd.AccountID = accountID
				upd.LastActivityAt, upd.LastStamp = at(600), at(601)
				// Not written by TouchConversation:
				upd.Status, upd.DialogID, upd.UpdatedAt = novatalks.StatusResolved, "changed", at(602)
				upd.CustomAttributes = map[string]any{"written": true}
				return tx.TouchConversation(bg, &upd)
			})
		}
		wantCode(t, touch(other.Account.ID), novatalks.ENOTFOUND, "TouchConversation with another account")
		wantNoDiff(t, lock(t, s, sc.Account.ID, sc.Conversation.ID), want, "conversation after TouchConversation with another account")
		if err := touch(sc.Account.ID); err != nil {
			t.Fatal(err)
		}
		want.LastActivityAt, want.LastStamp = at(600), at(601)
		wantNoDiff(t, lock(t, s, sc.Account.ID, sc.Conversation.ID), want, "conversation after TouchConversation")
	})

	// UpdateConversation stays inside the account of the conversation it is
	// given: it never changes another account's conversation.
	t.Run("UpdateOtherAccount", func(t *testing.T) {
		sc, other := newScene(t, s), newScene(t, s)
		before := lock(t, s, sc.Account.ID, sc.Conversation.ID)
		upd := *before
		upd.AccountID, upd.Status, upd.CustomAttributes = other.Account.ID, novatalks.StatusResolved, map[string]any{"hijacked": true}
		_ = s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateConversation(bg, &upd) })
		wantNoDiff(t, lock(t, s, sc.Account.ID, sc.Conversation.ID), before, "conversation after UpdateConversation with another account")
	})

	t.Run("FindConversations", func(t *testing.T) { testFindConversations(t, s) })

	// Concurrent Updates that each lock a conversation, read a counter of it
	// and write it back incremented lose no increment.
	t.Run("LockSerializesReadModifyWrite", func(t *testing.T) {
		sc := newScene(t, s)
		const n = 24
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(bg, func(tx novatalks.Tx) error {
					c, err := tx.LockConversation(bg, sc.Account.ID, sc.Conversation.ID)
					if err != nil {
						return err
					}
					count, _ := c.CustomAttributes["count"].(float64)
					c.CustomAttributes["count"] = count + 1
					c.LastStamp = c.LastStamp.Add(time.Millisecond)
					return tx.UpdateConversation(bg, c)
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		}
		got := lock(t, s, sc.Account.ID, sc.Conversation.ID)
		if count := got.CustomAttributes["count"]; count != float64(n) {
			t.Errorf("counter after %d concurrent increments: %v", n, count)
		}
		if want := sc.Conversation.LastStamp.Add(n * time.Millisecond); !got.LastStamp.Equal(want) {
			t.Errorf("LastStamp after %d concurrent bumps of 1 ms: %v, want %v", n, got.LastStamp, want)
		}
	})

	// FindDueSnoozed is not scoped by account, so it gets a store of its own.
	t.Run("FindDueSnoozed", func(t *testing.T) {
		s, _ := open(t, b)
		sc, other := newScene(t, s), newScene(t, s)
		snoozed := func(sc *scene, name string, until *time.Time) *novatalks.Conversation {
			return sc.conversation(t, s, name, func(c *novatalks.Conversation) {
				c.Status, c.Substatus, c.SnoozedUntil = novatalks.StatusSnoozed, novatalks.SubstatusHold, until
			})
		}
		late := snoozed(sc, "late", ptr(at(300)))
		early := snoozed(other, "early", ptr(at(100)))
		mid := snoozed(sc, "mid", ptr(at(200)))
		snoozed(sc, "forever", nil) // snoozed until the next reply: never due
		sc.conversation(t, s, "open", func(c *novatalks.Conversation) { c.SnoozedUntil = ptr(at(50)) })
		ref := func(c *novatalks.Conversation) novatalks.ConversationRef {
			return novatalks.ConversationRef{AccountID: c.AccountID, ID: c.ID}
		}
		for _, tc := range []struct {
			at    time.Time
			limit int
			want  []novatalks.ConversationRef
		}{
			{at(99), 10, nil},
			{at(100), 10, []novatalks.ConversationRef{ref(early)}},
			{at(250), 10, []novatalks.ConversationRef{ref(early), ref(mid)}},
			{at(1000), 10, []novatalks.ConversationRef{ref(early), ref(mid), ref(late)}},
			{at(1000), 2, []novatalks.ConversationRef{ref(early), ref(mid)}},
		} {
			got, err := s.FindDueSnoozed(bg, tc.at, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, tc.want, fmt.Sprintf("FindDueSnoozed(%s, %d), earliest first", tc.at.Format(time.RFC3339), tc.limit))
		}
	})
}

// lock returns the conversation as LockConversation reads it, in an Update of
// its own.
func lock(tb testing.TB, s novatalks.Store, accountID, id int64) *novatalks.Conversation {
	tb.Helper()
	var c *novatalks.Conversation
	mustUpdate(tb, s, func(tx novatalks.Tx) error {
		var err error
		c, err = tx.LockConversation(bg, accountID, id)
		return err
	})
	return c
}

func conversationID(c *novatalks.Conversation) int64 { return c.ID }

// testFindConversations checks the filters, order, paging, hydration and
// counts of the agent's conversation list.
func testFindConversations(t *testing.T, s novatalks.Store) {
	sc := newScene(t, s)
	acc := sc.Account
	me, colleague := sc.User, createUser(t, s, acc.ID, "colleague")
	second := createInbox(t, s, acc.ID, "second")
	mk := func(in *novatalks.Inbox, ct *novatalks.Contact, status string, assignee *int64, active int) *novatalks.Conversation {
		c, _ := createConversation(t, s, in, ct, func(c *novatalks.Conversation) {
			c.Status, c.Substatus, c.AssigneeID = status, novatalks.SubstatusFor(status, assignee), assignee
			c.LastActivityAt = at(active)
		})
		return c
	}
	alice := newContact(acc.ID, "Alice")
	alice.Email, alice.PhoneNumber = ptr("alice@example.com"), nil
	bob := newContact(acc.ID, "Bob")
	bob.Email, bob.PhoneNumber = nil, ptr("+491701234567")
	mustUpdate(t, s, func(tx novatalks.Tx) error {
		if err := tx.CreateContact(bg, alice); err != nil {
			return err
		}
		return tx.CreateContact(bg, bob)
	})
	carol, dave := createContact(t, s, acc.ID, "Carol"), createContact(t, s, acc.ID, "Dave")
	// Created in another order than they were active, so that ID order is
	// not activity order.
	d := mk(sc.Inbox, dave, novatalks.StatusPending, nil, 101)
	b := mk(sc.Inbox, bob, novatalks.StatusOpen, &me.ID, 103)
	a := mk(sc.Inbox, alice, novatalks.StatusOpen, nil, 104)
	c := mk(second, carol, novatalks.StatusResolved, &colleague.ID, 102)
	// The scene's own conversation is the least recently active.
	z := sc.Conversation

	createMessage(t, s, a, "hello there", createdAt(at(110)))
	createMessage(t, s, a, "anyone?", createdAt(at(111)))
	createMessage(t, s, a, "we are here", createdAt(at(112)), fromUser(me))
	aLast := createMessage(t, s, a, "a private note", createdAt(at(113)), fromUser(me), func(m *novatalks.Message) { m.Private = true })
	createMessage(t, s, b, "my order 100% broken", createdAt(at(110)))
	bLast := createMessage(t, s, b, "still broken", createdAt(at(120)))
	cLast := createMessage(t, s, c, "an under_score", createdAt(at(110)))
	// Bob's agent read up to between his messages.
	mustUpdate(t, s, func(tx novatalks.Tx) error {
		conv, err := tx.LockConversation(bg, acc.ID, b.ID)
		if err != nil {
			return err
		}
		conv.AgentLastSeenAt = ptr(at(115))
		b.AgentLastSeenAt = conv.AgentLastSeenAt
		return tx.UpdateConversation(bg, conv)
	})
	// Another account's conversation matches every filter but the account.
	foreign := newScene(t, s)
	foreign.conversation(t, s, "Alice", func(cv *novatalks.Conversation) { cv.LastActivityAt = at(200) })

	find := func(f novatalks.ConversationFilter) []*novatalks.Conversation {
		t.Helper()
		if f.AccountID == 0 {
			f.AccountID = acc.ID
		}
		list, err := s.FindConversations(bg, f)
		if err != nil {
			t.Fatalf("FindConversations(%+v): %v", f, err)
		}
		return list
	}
	all := []int64{a.ID, b.ID, c.ID, d.ID, z.ID}
	for _, tc := range []struct {
		name string
		f    novatalks.ConversationFilter
		want []int64
	}{
		{"Everything", novatalks.ConversationFilter{}, all},
		{"StatusAll", novatalks.ConversationFilter{Status: novatalks.StatusAll}, all},
		{"Open", novatalks.ConversationFilter{Status: novatalks.StatusOpen}, []int64{a.ID, b.ID, z.ID}},
		{"Resolved", novatalks.ConversationFilter{Status: novatalks.StatusResolved}, []int64{c.ID}},
		{"Pending", novatalks.ConversationFilter{Status: novatalks.StatusPending}, []int64{d.ID}},
		{"Snoozed", novatalks.ConversationFilter{Status: novatalks.StatusSnoozed}, nil},
		{"AssigneeAll", novatalks.ConversationFilter{AssigneeType: novatalks.AssigneeAll, UserID: me.ID}, all},
		{"Mine", novatalks.ConversationFilter{AssigneeType: novatalks.AssigneeMe, UserID: me.ID}, []int64{b.ID}},
		{"Colleague's", novatalks.ConversationFilter{AssigneeType: novatalks.AssigneeMe, UserID: colleague.ID}, []int64{c.ID}},
		{"Assigned", novatalks.ConversationFilter{AssigneeType: novatalks.AssigneeAssigned, UserID: me.ID}, []int64{b.ID, c.ID}},
		{"Unassigned", novatalks.ConversationFilter{AssigneeType: novatalks.AssigneeUnassigned}, []int64{a.ID, d.ID, z.ID}},
		{"OpenUnassigned", novatalks.ConversationFilter{Status: novatalks.StatusOpen, AssigneeType: novatalks.AssigneeUnassigned}, []int64{a.ID, z.ID}},
		{"Inbox", novatalks.ConversationFilter{InboxID: second.ID}, []int64{c.ID}},
		{"InboxOfAnotherAccount", novatalks.ConversationFilter{InboxID: foreign.Inbox.ID}, nil},
		{"ByID", novatalks.ConversationFilter{ID: c.ID}, []int64{c.ID}},
		{"ByIDOfAnotherAccount", novatalks.ConversationFilter{ID: foreign.Conversation.ID}, nil},
		{"ByIDAndOtherStatus", novatalks.ConversationFilter{ID: c.ID, Status: novatalks.StatusOpen}, nil},
		{"QueryContactNameAnyCase", novatalks.ConversationFilter{Query: "aLIC"}, []int64{a.ID}},
		{"QueryContactEmail", novatalks.ConversationFilter{Query: "ALICE@EXAMPLE"}, []int64{a.ID}},
		{"QueryContactPhone", novatalks.ConversationFilter{Query: "1701234"}, []int64{b.ID}},
		{"QueryMessage", novatalks.ConversationFilter{Query: "Still BROKEN"}, []int64{b.ID}},
		{"QueryPrivateNote", novatalks.ConversationFilter{Query: "private note"}, []int64{a.ID}},
		{"QueryPercentIsLiteral", novatalks.ConversationFilter{Query: "100%"}, []int64{b.ID}},
		{"QueryOnlyPercent", novatalks.ConversationFilter{Query: "%"}, []int64{b.ID}},
		{"QueryUnderscoreIsLiteral", novatalks.ConversationFilter{Query: "_"}, []int64{c.ID}},
		{"QueryBackslash", novatalks.ConversationFilter{Query: `\`}, nil},
		{"QueryNothing", novatalks.ConversationFilter{Query: "zebra"}, nil},
		{"QueryAndStatus", novatalks.ConversationFilter{Query: "broken", Status: novatalks.StatusResolved}, nil},
		{"FirstPage", novatalks.ConversationFilter{Limit: 2}, all[:2]},
		{"SecondPage", novatalks.ConversationFilter{Offset: 2, Limit: 2}, all[2:4]},
		{"LastPage", novatalks.ConversationFilter{Offset: 4, Limit: 2}, all[4:]},
		{"PastTheEnd", novatalks.ConversationFilter{Offset: 5, Limit: 2}, nil},
		{"PageOfFiltered", novatalks.ConversationFilter{Status: novatalks.StatusOpen, Offset: 1, Limit: 1}, []int64{b.ID}},
		{"OtherAccount", novatalks.ConversationFilter{AccountID: foreign.Account.ID + 1000}, nil},
	} {
		wantIDs(t, ids(find(tc.f), conversationID), tc.want, "FindConversations "+tc.name)
	}

	// Hydration: like FindConversationByID, and with the latest message of
	// any kind and the count of incoming messages the agents have not seen.
	hydrated := map[int64]*novatalks.Conversation{}
	for _, conv := range find(novatalks.ConversationFilter{}) {
		hydrated[conv.ID] = conv
	}
	for _, tc := range []struct {
		conv     *novatalks.Conversation
		contact  *novatalks.Contact
		inbox    *novatalks.Inbox
		assignee *novatalks.User
		last     *novatalks.Message
		unread   int
	}{
		{a, alice, sc.Inbox, nil, aLast, 2},
		{b, bob, sc.Inbox, me, bLast, 1},
		{c, carol, second, colleague, cLast, 1},
		{d, dave, sc.Inbox, nil, nil, 0},
	} {
		got := hydrated[tc.conv.ID]
		if got == nil {
			t.Errorf("conversation %d not listed", tc.conv.ID)
			continue
		}
		what := fmt.Sprintf("FindConversations: conversation %d", tc.conv.ID)
		wantNoDiff(t, bareConversation(got), tc.conv, what)
		wantNoDiff(t, got.Contact, tc.contact, what+": Contact")
		wantNoDiff(t, got.Inbox, tc.inbox, what+": Inbox")
		wantNoDiff(t, got.Assignee, tc.assignee, what+": Assignee")
		if tc.last == nil {
			if got.LastMessage != nil {
				t.Errorf("%s: LastMessage %s, want none", what, format(got.LastMessage))
			}
		} else if got.LastMessage == nil {
			t.Errorf("%s: no LastMessage, want message %d", what, tc.last.ID)
		} else {
			wantNoDiff(t, bareMessage(got.LastMessage), tc.last, what+": LastMessage")
		}
		if got.UnreadCount != tc.unread {
			t.Errorf("%s: UnreadCount %d, want %d", what, got.UnreadCount, tc.unread)
		}
	}

	// CountConversations ignores the assignee type, the paging and the ID,
	// but not the other filters.
	for _, tc := range []struct {
		name string
		f    novatalks.ConversationFilter
		want novatalks.ConversationCounts
	}{
		{"Open", novatalks.ConversationFilter{Status: novatalks.StatusOpen, AssigneeType: novatalks.AssigneeMe, ID: c.ID, Offset: 3, Limit: 1},
			novatalks.ConversationCounts{Mine: 1, Assigned: 1, Unassigned: 2, All: 3}},
		{"All", novatalks.ConversationFilter{Status: novatalks.StatusAll, AssigneeType: novatalks.AssigneeUnassigned},
			novatalks.ConversationCounts{Mine: 1, Assigned: 2, Unassigned: 3, All: 5}},
		{"Inbox", novatalks.ConversationFilter{InboxID: second.ID}, novatalks.ConversationCounts{Assigned: 1, All: 1}},
		{"Query", novatalks.ConversationFilter{Query: "BROKEN"}, novatalks.ConversationCounts{Mine: 1, Assigned: 1, All: 1}},
		{"Snoozed", novatalks.ConversationFilter{Status: novatalks.StatusSnoozed}, novatalks.ConversationCounts{}},
		{"OtherAccount", novatalks.ConversationFilter{AccountID: foreign.Account.ID + 1000}, novatalks.ConversationCounts{}},
	} {
		if tc.f.AccountID == 0 {
			tc.f.AccountID = acc.ID
		}
		got, err := s.CountConversations(bg, tc.f, me.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("CountConversations %s = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/novatalks/novatalks"
)

func testUpdate(t *testing.T, b Backend) {
	s, rec := open(t, b)
	// Every test here flushes what the ones before it published.
	flush := func(t *testing.T) []novatalks.Event {
		t.Helper()
		events := rec.flush(t, s)
		if !b.SequencesEvents {
			for _, e := range events {
				if e.Seq != 0 {
					t.Errorf("event %s of conversation %d has Seq %d on a store that does not sequence events", e.Type, e.ConversationID, e.Seq)
				}
			}
		}
		return events
	}

	// After Update returns, what it wrote is visible to every reader; before,
	// only to the transaction itself.
	t.Run("Commit", func(t *testing.T) {
		flush(t)
		var a *novatalks.Account
		var in *novatalks.Inbox
		err := s.Update(bg, func(tx novatalks.Tx) error {
			a = &novatalks.Account{Name: "committed", CreatedAt: at(1)}
			if err := tx.CreateAccount(bg, a); err != nil {
				return err
			}
			in = newInbox(a.ID, "web")
			if err := tx.CreateInbox(bg, in); err != nil {
				return err
			}
			if got, err := tx.FindAccountByID(bg, a.ID); err != nil || got.Name != a.Name {
				t.Errorf("the transaction cannot read its own account: %s, %v", format(got), err)
			}
			if got, err := tx.FindInboxByIdentifier(bg, in.Identifier); err != nil || got.ID != in.ID {
				t.Errorf("the transaction cannot read its own inbox: %s, %v", format(got), err)
			}
			_, err := s.FindAccountByID(bg, a.ID)
			wantCode(t, err, novatalks.ENOTFOUND, "reading an uncommitted account outside its transaction")
			_, err = s.FindInboxByIdentifier(bg, in.Identifier)
			wantCode(t, err, novatalks.ENOTFOUND, "reading an uncommitted inbox outside its transaction")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindAccountByID(bg, a.ID); err != nil {
			t.Errorf("committed account: %v", err)
		}
		if got, err := s.FindInboxByIdentifier(bg, in.Identifier); err != nil {
			t.Errorf("committed inbox: %v", err)
		} else {
			wantNoDiff(t, got, in, "committed inbox")
		}
		if events := flush(t); len(events) != 0 {
			t.Errorf("%d events published for an Update that emitted none", len(events))
		}
	})

	// When fn fails nothing it did is kept, none of its events is
	// published, and Update returns fn's error as it is.
	t.Run("ErrorRollsBack", func(t *testing.T) {
		sc := newScene(t, s)
		flush(t)
		boom := errors.New("boom")
		var a *novatalks.Account
		var in *novatalks.Inbox
		var m *novatalks.Message
		err := s.Update(bg, func(tx novatalks.Tx) error {
			a = &novatalks.Account{Name: "rolled back", CreatedAt: at(1)}
			if err := tx.CreateAccount(bg, a); err != nil {
				return err
			}
			in = newInbox(a.ID, "web")
			if err := tx.CreateInbox(bg, in); err != nil {
				return err
			}
			m = newMessage(sc.Conversation, "never")
			if err := tx.CreateMessage(bg, m); err != nil {
				return err
			}
			c, err := tx.LockConversation(bg, sc.Account.ID, sc.Conversation.ID)
			if err != nil {
				return err
			}
			c.Status = novatalks.StatusResolved
			if err := tx.UpdateConversation(bg, c); err != nil {
				return err
			}
			tx.Emit(novatalks.Event{Type: novatalks.EventMessageCreated, AccountID: sc.Account.ID, ConversationID: sc.Conversation.ID, Message: m})
			tx.Emit(novatalks.Event{Type: novatalks.EventContactCreated, AccountID: a.ID})
			return fmt.Errorf("wrapped: %w", boom)
		})
		if !errors.Is(err, boom) {
			t.Errorf("Update returned %v, want fn's error", err)
		}
		_, err = s.FindAccountByID(bg, a.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "the account of a rolled back Update")
		_, err = s.FindInboxByIdentifier(bg, in.Identifier)
		wantCode(t, err, novatalks.ENOTFOUND, "the inbox of a rolled back Update")
		_, err = s.FindMessageByID(bg, sc.Conversation.ID, m.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "the message of a rolled back Update")
		if c := lock(t, s, sc.Account.ID, sc.Conversation.ID); c.Status != novatalks.StatusOpen {
			t.Errorf("conversation status %q after a rolled back change, want open", c.Status)
		}
		if events := flush(t); len(events) != 0 {
			t.Errorf("%d events of a rolled back Update published: %s", len(events), format(events))
		}

		// A coded error keeps its code.
		err = s.Update(bg, func(tx novatalks.Tx) error { return novatalks.Errorf(novatalks.EINVALID, "no") })
		wantCode(t, err, novatalks.EINVALID, "Update whose fn returns EINVALID")
	})

	// Events reach the publisher after commit, each as emitted, in the order
	// of their Updates and, within one, in the order they were emitted.
	t.Run("EventsAfterCommit", func(t *testing.T) {
		sc := newScene(t, s)
		flush(t)
		m := newMessage(sc.Conversation, "hello")
		var published int
		mustUpdate(t, s, func(tx novatalks.Tx) error {
			if err := tx.CreateMessage(bg, m); err != nil {
				return err
			}
			rec.mu.Lock()
			published = len(rec.events)
			rec.mu.Unlock()
			tx.Emit(novatalks.Event{Type: novatalks.EventMessageCreated, AccountID: sc.Account.ID, InboxID: sc.Inbox.ID,
				ConversationID: sc.Conversation.ID, ContactID: sc.Contact.ID, Message: m})
			tx.Emit(novatalks.Event{Type: novatalks.EventConversationStatus, AccountID: sc.Account.ID, InboxID: sc.Inbox.ID,
				ConversationID: sc.Conversation.ID, ContactID: sc.Contact.ID,
				Changes: []novatalks.Change{{Attribute: "status", Previous: "open", Current: "resolved"}}})
			if _, err := tx.FindMessageByID(bg, sc.Conversation.ID, m.ID); err != nil {
				return err
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.events) != published {
				t.Errorf("events published before the transaction committed: %s", format(rec.events[published:]))
			}
			return nil
		})
		for i := range 3 {
			mustUpdate(t, s, func(tx novatalks.Tx) error {
				tx.Emit(novatalks.Event{Type: novatalks.EventContactUpdated, AccountID: sc.Account.ID, ContactID: sc.Contact.ID,
					Changes: []novatalks.Change{{Attribute: "order", Current: i}}})
				return nil
			})
		}
		events := flush(t)
		if len(events) != 5 {
			t.Fatalf("%d events published, want 5: %s", len(events), format(events))
		}
		e := events[0]
		if e.Type != novatalks.EventMessageCreated || e.AccountID != sc.Account.ID || e.InboxID != sc.Inbox.ID ||
			e.ConversationID != sc.Conversation.ID || e.ContactID != sc.Contact.ID || e.Message == nil || e.Message.ID != m.ID {
			t.Errorf("first event %s, want message.created of message %d as emitted", format(e), m.ID)
		}
		if e := events[1]; e.Type != novatalks.EventConversationStatus || len(e.Changes) != 1 || e.Changes[0].Current != "resolved" {
			t.Errorf("second event %s, want the status change as emitted", format(e))
		}
		for i, e := range events[2:] {
			if len(e.Changes) != 1 || e.Changes[0].Attribute != "order" || asInt(e.Changes[0].Current) != i {
				t.Errorf("event %d of the sequential Updates: %s, want order %d", i, format(e.Changes), i)
			}
		}
		if b.SequencesEvents {
			if events[0].Seq != 1 || events[1].Seq != 2 {
				t.Errorf("the conversation's first events have Seq %d and %d, want 1 and 2", events[0].Seq, events[1].Seq)
			}
			for _, e := range events[2:] {
				if e.Seq != 0 {
					t.Errorf("an event without conversation has Seq %d, want 0", e.Seq)
				}
			}
		}
	})

	// Concurrent Updates each lock a conversation, read a counter, write it
	// incremented and emit an event with the new value; some fail. The
	// events of those that committed come out in commit order: in the
	// order published, or, on a store that sequences events, by Seq, which
	// numbers them 1, 2, 3, ... without gaps.
	t.Run("CommitOrder", func(t *testing.T) {
		sc := newScene(t, s)
		flush(t)
		const n = 30
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(bg, func(tx novatalks.Tx) error {
					c, err := tx.LockConversation(bg, sc.Account.ID, sc.Conversation.ID)
					if err != nil {
						return err
					}
					count := asInt(c.CustomAttributes["count"])
					c.CustomAttributes["count"] = count + 1
					if err := tx.UpdateConversation(bg, c); err != nil {
						return err
					}
					tx.Emit(novatalks.Event{Type: novatalks.EventConversationUpdated, AccountID: sc.Account.ID, InboxID: sc.Inbox.ID,
						ConversationID: sc.Conversation.ID, Changes: []novatalks.Change{{Attribute: "count", Previous: count, Current: count + 1}}})
					if i%7 == 3 {
						return errPlanned
					}
					return nil
				})
			})
		}
		wg.Wait()
		committed := 0
		for i, err := range errs {
			if want := i%7 == 3; want != (err != nil) || want && !errors.Is(err, errPlanned) {
				t.Errorf("Update %d: %v", i, err)
			} else if err == nil {
				committed++
			}
		}
		if got := asInt(lock(t, s, sc.Account.ID, sc.Conversation.ID).CustomAttributes["count"]); got != committed {
			t.Errorf("counter %d after %d committed increments", got, committed)
		}
		events := flush(t)
		if len(events) != committed {
			t.Fatalf("%d events published for %d committed Updates", len(events), committed)
		}
		if b.SequencesEvents {
			slices.SortFunc(events, func(a, b novatalks.Event) int { return int(a.Seq - b.Seq) })
			for i, e := range events {
				if e.Seq != int64(i+1) {
					t.Errorf("Seq of the conversation's events, sorted: %v; want 1 to %d without gaps or repeats", seqs(events), committed)
					break
				}
			}
		}
		var counts []int
		for _, e := range events {
			counts = append(counts, asInt(e.Changes[0].Current))
		}
		for i, c := range counts {
			if c != i+1 {
				t.Errorf("counters of the events in commit order: %v; want 1 to %d", counts, committed)
				break
			}
		}
	})

	// Events of concurrent Updates that do not lock the conversation are
	// numbered too; each conversation has its own sequence, and typing
	// and events without a conversation are not numbered.
	t.Run("Seq", func(t *testing.T) {
		sc := newScene(t, s)
		other := sc.conversation(t, s, "Bo")
		flush(t)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(bg, func(tx novatalks.Tx) error {
					for j, c := range []*novatalks.Conversation{sc.Conversation, other, sc.Conversation} {
						tx.Emit(novatalks.Event{Type: novatalks.EventConversationUpdated, AccountID: c.AccountID, ConversationID: c.ID,
							Changes: []novatalks.Change{{Attribute: "tx", Previous: i, Current: j}}})
					}
					tx.Emit(novatalks.Event{Type: novatalks.EventTyping, AccountID: sc.Account.ID, ConversationID: sc.Conversation.ID,
						Typing: &novatalks.Typing{SenderType: novatalks.SenderContact, On: true}})
					tx.Emit(novatalks.Event{Type: novatalks.EventContactUpdated, AccountID: sc.Account.ID, ContactID: sc.Contact.ID})
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		}
		events := flush(t)
		if len(events) != 5*n {
			t.Fatalf("%d events published, want %d", len(events), 5*n)
		}
		if !b.SequencesEvents {
			return
		}
		byConv := map[int64][]novatalks.Event{}
		for _, e := range events {
			if e.Type == novatalks.EventTyping || e.ConversationID == 0 {
				if e.Seq != 0 {
					t.Errorf("%s event of conversation %d has Seq %d, want 0", e.Type, e.ConversationID, e.Seq)
				}
				continue
			}
			byConv[e.ConversationID] = append(byConv[e.ConversationID], e)
		}
		for conv, list := range byConv {
			slices.SortFunc(list, func(a, b novatalks.Event) int { return int(a.Seq - b.Seq) })
			for i, e := range list {
				if e.Seq != int64(i+1) {
					t.Errorf("Seq of conversation %d's events, sorted: %v; want 1 to %d", conv, seqs(list), len(list))
					break
				}
			}
		}
		// The two events of one Update in the first conversation are
		// consecutive: commit order keeps a transaction's events together.
		first := map[int]int64{}
		for _, e := range byConv[sc.Conversation.ID] {
			tx, j := asInt(e.Changes[0].Previous), asInt(e.Changes[0].Current)
			if j == 0 {
				first[tx] = e.Seq
			}
		}
		for _, e := range byConv[sc.Conversation.ID] {
			tx, j := asInt(e.Changes[0].Previous), asInt(e.Changes[0].Current)
			if j == 2 && e.Seq != first[tx]+1 {
				t.Errorf("the events of Update %d have Seq %d and %d, want consecutive numbers", tx, first[tx], e.Seq)
			}
		}
	})
}

var errPlanned = errors.New("planned failure")

func seqs(events []novatalks.Event) []int64 {
	out := []int64{}
	for _, e := range events {
		out = append(out, e.Seq)
	}
	return out
}

// asInt returns a number of an attribute or a change as an int, whether it
// is still the int it was or came back from JSON as a float64.
func asInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

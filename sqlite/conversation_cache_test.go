package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/sqlite"
)

// The writer serves LockConversation from its cache, and what it serves is
// always the stored row: after a message's touch, after any other change,
// after a request that rolled back, after a caller changed its copy, and
// after another connection's commit.
func TestWriterConversationCacheIsTheStoredRow(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	svc, sessions := startConversations(t, db, 1)
	sess := sessions[0]
	accountID, id := sess.AccountID, sess.ConversationID

	lock := func() *novatalks.Conversation {
		t.Helper()
		var c *novatalks.Conversation
		if err := db.Update(ctx, func(tx novatalks.Tx) (err error) {
			c, err = tx.LockConversation(ctx, accountID, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// stored reads the row on the read pool, without the hydrated parts.
	stored := func() *novatalks.Conversation {
		t.Helper()
		c, err := db.FindConversationByID(ctx, accountID, id)
		if err != nil {
			t.Fatal(err)
		}
		c.Inbox, c.Contact, c.Assignee, c.LastMessage, c.UnreadCount = nil, nil, nil, nil, 0
		return c
	}
	mustBeStored := func(when string) *novatalks.Conversation {
		t.Helper()
		cached, err := sqlite.IsConversationCached(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		got, want := lock(), stored()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s (cached before: %v): LockConversation gave\n%+v\nthe store holds\n%+v", when, cached, got, want)
		}
		return got
	}

	for _, echo := range []string{"e1", "e2"} {
		if _, err := svc.SendContactMessage(ctx, sess, novatalks.NewContactMessage{Content: "hello", EchoID: echo}); err != nil {
			t.Fatal(err)
		}
	}
	if cached, _ := sqlite.IsConversationCached(ctx, db, id); !cached {
		t.Fatal("a new message left its conversation out of the cache")
	}
	mustBeStored("after a message")

	// Any other statement: the row is read again.
	if err := db.Update(ctx, func(tx novatalks.Tx) error {
		c, err := tx.LockConversation(ctx, accountID, id)
		if err != nil {
			return err
		}
		c.Status, c.CustomAttributes = novatalks.StatusPending, map[string]any{"plan": "gold", "seats": []any{1.0, "x"}}
		return tx.UpdateConversation(ctx, c)
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustBeStored("after UpdateConversation"); got.Status != novatalks.StatusPending {
		t.Fatalf("status %q after the update", got.Status)
	}

	// A request that rolls back leaves nothing of its touch behind.
	before := lock()
	failed := errors.New("refused")
	err := db.Update(ctx, func(tx novatalks.Tx) error {
		c, err := tx.LockConversation(ctx, accountID, id)
		if err != nil {
			return err
		}
		c.LastStamp, c.LastActivityAt = c.LastStamp.Add(time.Hour), c.LastActivityAt.Add(time.Hour)
		if err := tx.TouchConversation(ctx, c); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update: %v, want %v", err, failed)
	}
	if got := mustBeStored("after a request that rolled back"); !got.LastStamp.Equal(before.LastStamp) {
		t.Fatalf("last stamp %v after a rolled back touch, was %v", got.LastStamp, before.LastStamp)
	}

	if cached, _ := sqlite.IsConversationCached(ctx, db, id); !cached {
		t.Fatal("LockConversation left the conversation out of the cache")
	}
	// A caller that changes its copy, attributes included, changes nothing.
	if err := db.Update(ctx, func(tx novatalks.Tx) error {
		c, err := tx.LockConversation(ctx, accountID, id)
		if err != nil {
			return err
		}
		c.Status = novatalks.StatusResolved
		c.CustomAttributes["plan"] = "free"
		c.CustomAttributes["seats"].([]any)[0] = 2.0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustBeStored("after a caller changed its copy"); got.CustomAttributes["plan"] != "gold" {
		t.Fatalf("custom attributes %v", got.CustomAttributes)
	}

	// Another connection (as another process on the same file would).
	other, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, `UPDATE conversations SET status = 'snoozed' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if got := mustBeStored("after another connection's commit"); got.Status != novatalks.StatusSnoozed {
		t.Fatalf("status %q after another connection set snoozed", got.Status)
	}
}

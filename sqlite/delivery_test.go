package sqlite_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// TestClaimDeliveries checks the outbox claim: only the oldest pending
// delivery of an order key is claimed, a lease keeps others off it until it
// ends (a crashed worker's rows come back), and a dead row blocks nothing.
func TestClaimDeliveries(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	if _, err := novatalks.NewService(db).Bootstrap(ctx, ""); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1_700_000_000_000).UTC()
	row := func(uid, key string) *novatalks.Delivery {
		return &novatalks.Delivery{UID: uid, AccountID: 1, Kind: novatalks.DeliveryWebhook, ReceiverID: 1, Event: "message_created",
			OrderKey: key, Body: []byte(`{}`), Status: novatalks.DeliveryPending, NextAttemptAt: now, StartedAt: now,
			CreatedAt: now, UpdatedAt: now}
	}
	a1, a2, b1, c1, c2 := row("a1", "A"), row("a2", "A"), row("b1", "B"), row("c1", "C"), row("c2", "C")
	c1.Status = novatalks.DeliveryDead
	update := func(fn func(tx novatalks.Tx) error) {
		t.Helper()
		if err := db.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx novatalks.Tx) error {
		return tx.EnqueueDeliveries(ctx, []*novatalks.Delivery{a1, a2, b1, c1, c2})
	})
	claim := func(at time.Time) []string {
		t.Helper()
		var uids []string
		update(func(tx novatalks.Tx) error {
			list, err := tx.ClaimDeliveries(ctx, at, time.Minute, 10)
			for _, d := range list {
				uids = append(uids, d.UID)
			}
			return err
		})
		return uids
	}

	if got := claim(now); !slices.Equal(got, []string{"a1", "b1", "c2"}) {
		t.Errorf("first claim %v, want the heads a1 b1 c2", got)
	}
	if got := claim(now.Add(time.Second)); len(got) != 0 {
		t.Errorf("claimed %v while leased", got)
	}
	if due, ok, err := db.NextDeliveryDue(ctx); err != nil || !ok || !due.Equal(now.Add(time.Minute)) {
		t.Errorf("next due %v %v %v, want the end of the lease", due, ok, err)
	}
	a1.Status, a1.LockedUntil = novatalks.DeliveryDelivered, time.Time{}
	update(func(tx novatalks.Tx) error { return tx.UpdateDelivery(ctx, a1) })
	if got := claim(now.Add(time.Second)); !slices.Equal(got, []string{"a2"}) {
		t.Errorf("after a1 was delivered: %v, want a2", got)
	}
	if got := claim(now.Add(2 * time.Minute)); !slices.Equal(got, []string{"a2", "b1", "c2"}) {
		t.Errorf("after the leases ended: %v", got)
	}
	stats, err := db.CountDeliveries(ctx)
	if err != nil || stats != (novatalks.DeliveryStats{Pending: 3, Dead: 1}) {
		t.Errorf("stats %+v %v", stats, err)
	}
	got, err := db.FindDeliveries(ctx, novatalks.DeliveryFilter{AccountID: 1, Status: novatalks.DeliveryPending, Limit: 2})
	if err != nil || len(got) != 2 || got[0].UID != "c2" || got[1].UID != "b1" {
		t.Errorf("newest pending first: %v %v", got, err)
	}
	if _, err := db.FindDeliveryByID(ctx, 2, a1.ID); novatalks.ErrorCode(err) != novatalks.ENOTFOUND {
		t.Errorf("another account's delivery: %v", err)
	}

	// The clean-up deletes delivered rows older than the cut, with their attempts.
	update(func(tx novatalks.Tx) error {
		return tx.AddDeliveryAttempt(ctx, &novatalks.DeliveryAttempt{DeliveryID: a1.ID, At: now, StatusCode: 200})
	})
	var n int
	update(func(tx novatalks.Tx) error {
		var err error
		n, err = tx.DeleteDeliveries(ctx, novatalks.DeliveryDelivered, now.Add(time.Millisecond), 10)
		return err
	})
	if _, err := db.FindDeliveryByID(ctx, 1, a1.ID); n != 1 || novatalks.ErrorCode(err) != novatalks.ENOTFOUND {
		t.Errorf("deleted %d; a1 afterwards: %v", n, err)
	}
	if stats, _ := db.CountDeliveries(ctx); stats != (novatalks.DeliveryStats{Pending: 3, Dead: 1}) {
		t.Errorf("the clean-up touched other rows: %+v", stats)
	}
}

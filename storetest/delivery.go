package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
)

// newDelivery returns a pending webhook delivery of the account, due at due.
func newDelivery(accountID int64, uid, orderKey string, due time.Time) *novatalks.Delivery {
	return &novatalks.Delivery{
		UID: uid, AccountID: accountID, Kind: novatalks.DeliveryWebhook, ReceiverID: 1, Event: novatalks.WebhookMessageCreated,
		ConversationID: 1, OrderKey: orderKey, URL: "https://example.com/hook", Body: []byte(`{"event":"` + uid + `"}`),
		Status: novatalks.DeliveryPending, NextAttemptAt: due, StartedAt: due, CreatedAt: due, UpdatedAt: due,
	}
}

func enqueue(tb testing.TB, s novatalks.Store, ds ...*novatalks.Delivery) {
	tb.Helper()
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.EnqueueDeliveries(bg, ds) })
}

// claim runs ClaimDeliveries in an Update of its own and returns the UIDs
// it claimed, in order.
func claim(tb testing.TB, s novatalks.Store, now time.Time, lease time.Duration, limit int) []string {
	tb.Helper()
	uids := []string{}
	mustUpdate(tb, s, func(tx novatalks.Tx) error {
		list, err := tx.ClaimDeliveries(bg, now, lease, limit)
		for _, d := range list {
			uids = append(uids, d.UID)
			if !d.LockedUntil.Equal(now.Add(lease)) {
				tb.Errorf("claimed %s with LockedUntil %v, want now+lease %v", d.UID, d.LockedUntil, now.Add(lease))
			}
		}
		return err
	})
	return uids
}

func updateDelivery(tb testing.TB, s novatalks.Store, d *novatalks.Delivery) {
	tb.Helper()
	upd := *d
	mustUpdate(tb, s, func(tx novatalks.Tx) error { return tx.UpdateDelivery(bg, &upd) })
}

func deliveryID(d *novatalks.Delivery) int64 { return d.ID }

func testDelivery(t *testing.T, b Backend) {
	s, _ := open(t, b)

	t.Run("OK", func(t *testing.T) {
		acc := createAccount(t, s)
		push := newDelivery(acc.ID, novatalks.NewUUID(), "push:1:conversation:1", at(1))
		push.Kind, push.Event, push.Body = novatalks.DeliveryPush, novatalks.PushNewMessage, []byte(`{"binary":"\u0000\u00ff"}`)
		dead := newDelivery(acc.ID, novatalks.NewUUID(), "webhook:1:contact:9", at(2))
		dead.Status, dead.Attempts, dead.LastStatusCode, dead.LastError = novatalks.DeliveryDead, 7, 500, "server error"
		dead.ConversationID, dead.DeliveredAt = 0, nil
		done := newDelivery(acc.ID, novatalks.NewUUID(), "agent_bot:3:conversation:1", at(3))
		done.Kind, done.Status, done.DeliveredAt, done.Attempts, done.LastStatusCode = novatalks.DeliveryAgentBot, novatalks.DeliveryDelivered, ptr(at(4)), 1, 200
		list := []*novatalks.Delivery{push, dead, done}
		for range 5 {
			list = append(list, newDelivery(acc.ID, novatalks.NewUUID(), "webhook:1:conversation:1", at(5)))
		}
		enqueue(t, s, list...)
		wantIncreasing(t, ids(list, deliveryID), "EnqueueDeliveries")
		for _, want := range list {
			got, err := s.FindDeliveryByID(bg, acc.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantNoDiff(t, got, want, "FindDeliveryByID")
		}
		// A second batch comes after the first.
		later := newDelivery(acc.ID, novatalks.NewUUID(), "webhook:1:conversation:1", at(6))
		enqueue(t, s, later)
		wantIncreasing(t, []int64{list[len(list)-1].ID, later.ID}, "EnqueueDeliveries of a later batch")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		d := newDelivery(acc.ID, "nf", "k", at(1))
		enqueue(t, s, d)
		_, err := s.FindDeliveryByID(bg, other.ID, d.ID)
		wantCode(t, err, novatalks.ENOTFOUND, "FindDeliveryByID of another account's delivery")
		_, err = s.FindDeliveryByID(bg, acc.ID, d.ID+1000)
		wantCode(t, err, novatalks.ENOTFOUND, "FindDeliveryByID of a missing delivery")
	})

	// UpdateDelivery writes status, attempts, next attempt, lease, retry
	// window, last status and error, URL and times.
	t.Run("Update", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		d := newDelivery(acc.ID, "u", "k", at(1))
		enqueue(t, s, d)
		want := *d
		want.Status, want.Attempts, want.NextAttemptAt, want.LockedUntil = novatalks.DeliveryPending, 3, at(50), at(40)
		want.StartedAt, want.LastStatusCode, want.LastError, want.URL = at(30), 503, "unavailable", "https://example.com/moved"
		want.UpdatedAt = at(35)
		updateDelivery(t, s, &want)
		got, err := s.FindDeliveryByID(bg, acc.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "delivery after UpdateDelivery")

		want.Status, want.LockedUntil, want.DeliveredAt, want.LastStatusCode, want.LastError = novatalks.DeliveryDelivered, time.Time{}, ptr(at(36)), 204, ""
		updateDelivery(t, s, &want)
		got, err = s.FindDeliveryByID(bg, acc.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "delivery after it was delivered")
		if !got.LockedUntil.IsZero() {
			t.Errorf("LockedUntil %v after freeing the lease, want the zero time", got.LockedUntil)
		}

		// It stays inside the delivery's account.
		hijack := want
		hijack.AccountID, hijack.Status = other.ID, novatalks.DeliveryDead
		_ = s.Update(bg, func(tx novatalks.Tx) error { return tx.UpdateDelivery(bg, &hijack) })
		got, err = s.FindDeliveryByID(bg, acc.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got, &want, "delivery after UpdateDelivery with another account")
	})

	// FindDeliveryByID returns the attempts, oldest first; FindDeliveries
	// leaves them out.
	t.Run("History", func(t *testing.T) {
		acc := createAccount(t, s)
		d, other := newDelivery(acc.ID, "h", "k", at(1)), newDelivery(acc.ID, "o", "k2", at(1))
		enqueue(t, s, d, other)
		attempts := []*novatalks.DeliveryAttempt{
			{DeliveryID: d.ID, At: at(2), Duration: 1500 * time.Millisecond, StatusCode: 0, Error: "connection refused"},
			{DeliveryID: d.ID, At: at(3), Duration: 30 * time.Millisecond, StatusCode: 503, Error: "503 Service Unavailable"},
			{DeliveryID: d.ID, At: at(4), Duration: 12 * time.Millisecond, StatusCode: 200},
		}
		mustUpdate(t, s, func(tx novatalks.Tx) error {
			for _, a := range attempts {
				if err := tx.AddDeliveryAttempt(bg, a); err != nil {
					return err
				}
			}
			return tx.AddDeliveryAttempt(bg, &novatalks.DeliveryAttempt{DeliveryID: other.ID, At: at(2), StatusCode: 500})
		})
		wantIncreasing(t, ids(attempts, func(a *novatalks.DeliveryAttempt) int64 { return a.ID }), "AddDeliveryAttempt")
		got, err := s.FindDeliveryByID(bg, acc.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantNoDiff(t, got.History, attempts, "History")
		list, err := s.FindDeliveries(bg, novatalks.DeliveryFilter{AccountID: acc.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			if len(d.History) != 0 {
				t.Errorf("FindDeliveries returned delivery %d with its History", d.ID)
			}
		}
	})

	// FindDeliveries selects by status, kind and ID, newest first, a page at
	// a time, of one account.
	t.Run("FindDeliveries", func(t *testing.T) {
		acc, other := createAccount(t, s), createAccount(t, s)
		var ds []*novatalks.Delivery
		for i, kind := range []string{novatalks.DeliveryPush, novatalks.DeliveryWebhook, novatalks.DeliveryAgentBot, novatalks.DeliveryWebhook, novatalks.DeliveryPush, novatalks.DeliveryWebhook} {
			d := newDelivery(acc.ID, fmt.Sprint("f", i), fmt.Sprint("key", i), at(i))
			d.Kind = kind
			d.Status = []string{novatalks.DeliveryPending, novatalks.DeliveryDelivered, novatalks.DeliveryDead}[i%3]
			ds = append(ds, d)
		}
		enqueue(t, s, ds...)
		enqueue(t, s, newDelivery(other.ID, "foreign", "key", at(1)))
		id := func(is ...int) []int64 {
			out := []int64{}
			for _, i := range is {
				out = append(out, ds[i].ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    novatalks.DeliveryFilter
			want []int64
		}{
			{"All", novatalks.DeliveryFilter{Limit: 100}, id(5, 4, 3, 2, 1, 0)},
			{"Limit", novatalks.DeliveryFilter{Limit: 2}, id(5, 4)},
			{"BeforeID", novatalks.DeliveryFilter{BeforeID: ds[4].ID, Limit: 2}, id(3, 2)},
			{"BeforeFirst", novatalks.DeliveryFilter{BeforeID: ds[0].ID, Limit: 2}, nil},
			{"Pending", novatalks.DeliveryFilter{Status: novatalks.DeliveryPending, Limit: 100}, id(3, 0)},
			{"Delivered", novatalks.DeliveryFilter{Status: novatalks.DeliveryDelivered, Limit: 100}, id(4, 1)},
			{"Dead", novatalks.DeliveryFilter{Status: novatalks.DeliveryDead, Limit: 100}, id(5, 2)},
			{"Webhook", novatalks.DeliveryFilter{Kind: novatalks.DeliveryWebhook, Limit: 100}, id(5, 3, 1)},
			{"AgentBot", novatalks.DeliveryFilter{Kind: novatalks.DeliveryAgentBot, Limit: 100}, id(2)},
			{"DeadWebhook", novatalks.DeliveryFilter{Kind: novatalks.DeliveryWebhook, Status: novatalks.DeliveryDead, Limit: 100}, id(5)},
			{"EveryFilter", novatalks.DeliveryFilter{Kind: novatalks.DeliveryPush, Status: novatalks.DeliveryPending, BeforeID: ds[5].ID, Limit: 1}, id(0)},
			{"OtherAccount", novatalks.DeliveryFilter{AccountID: other.ID + 1000, Limit: 100}, nil},
		} {
			if tc.f.AccountID == 0 {
				tc.f.AccountID = acc.ID
			}
			got, err := s.FindDeliveries(bg, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			wantIDs(t, ids(got, deliveryID), tc.want, "FindDeliveries "+tc.name)
			if tc.name == "All" && len(got) == len(ds) {
				want := slices.Clone(ds)
				slices.Reverse(want)
				wantNoDiff(t, got, want, "FindDeliveries")
			}
		}
	})

	// The methods below are not scoped by account: each test gets a store
	// of its own.

	t.Run("Claim", func(t *testing.T) { testClaimDeliveries(t, b) })

	// Many workers claiming side by side never get the same delivery.
	t.Run("ClaimConcurrent", func(t *testing.T) {
		s, _ := open(t, b)
		acc := createAccount(t, s)
		const n, workers = 60, 8
		var all []*novatalks.Delivery
		for i := range n {
			all = append(all, newDelivery(acc.ID, fmt.Sprint("c", i), fmt.Sprint("key", i%20), at(i%7)))
		}
		enqueue(t, s, all...)
		// Claim and deliver until nothing is left, as workers do.
		now := at(100)
		var mu sync.Mutex
		claimedBy := map[string]int{}
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for {
					var got []*novatalks.Delivery
					err := s.Update(bg, func(tx novatalks.Tx) error {
						var err error
						got, err = tx.ClaimDeliveries(bg, now, time.Hour, 3)
						return err
					})
					if err != nil {
						errs[w] = err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						if prev, ok := claimedBy[d.UID]; ok {
							errs[w] = fmt.Errorf("delivery %s claimed by workers %d and %d", d.UID, prev, w)
						}
						claimedBy[d.UID] = w
					}
					mu.Unlock()
					err = s.Update(bg, func(tx novatalks.Tx) error {
						for _, d := range got {
							d.Status, d.LockedUntil, d.DeliveredAt, d.UpdatedAt = novatalks.DeliveryDelivered, time.Time{}, ptr(now), now
							if err := tx.UpdateDelivery(bg, d); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}
		if len(claimedBy) != n {
			t.Errorf("%d of %d deliveries claimed", len(claimedBy), n)
		}
		if stats, err := s.CountDeliveries(bg); err != nil || stats != (novatalks.DeliveryStats{}) {
			t.Errorf("CountDeliveries after all were delivered = %+v, %v", stats, err)
		}
	})

	t.Run("NextDeliveryDue", func(t *testing.T) {
		s, _ := open(t, b)
		acc, other := createAccount(t, s), createAccount(t, s)
		want := func(due time.Time, ok bool) {
			t.Helper()
			got, gotOK, err := s.NextDeliveryDue(bg)
			if err != nil {
				t.Fatal(err)
			}
			if gotOK != ok || ok && !got.Equal(due) {
				t.Errorf("NextDeliveryDue = %v, %v; want %v, %v", got, gotOK, due, ok)
			}
		}
		want(time.Time{}, false)
		dead, done := newDelivery(acc.ID, "dead", "a", at(1)), newDelivery(acc.ID, "done", "b", at(1))
		dead.Status, done.Status, done.DeliveredAt = novatalks.DeliveryDead, novatalks.DeliveryDelivered, ptr(at(2))
		enqueue(t, s, dead, done)
		want(time.Time{}, false) // only pending deliveries are due
		late := newDelivery(acc.ID, "late", "c", at(30))
		enqueue(t, s, late)
		want(at(30), true)
		early := newDelivery(other.ID, "early", "d", at(20)) // any account
		enqueue(t, s, early)
		want(at(20), true)
		// Leased until after its next attempt: due when the lease ends.
		if got := claim(t, s, at(25), time.Minute, 1); !slices.Equal(got, []string{"early"}) {
			t.Fatalf("claimed %v, want early", got)
		}
		want(at(30), true)
		if got := claim(t, s, at(30), time.Minute, 1); !slices.Equal(got, []string{"late"}) {
			t.Fatalf("claimed %v, want late", got)
		}
		want(at(25).Add(time.Minute), true)
		// Delivered: nothing is due any more but the other lease.
		early.Status, early.DeliveredAt = novatalks.DeliveryDelivered, ptr(at(26))
		updateDelivery(t, s, early)
		want(at(30).Add(time.Minute), true)
		// A lease that ended before the next attempt leaves the attempt due.
		late.NextAttemptAt, late.LockedUntil = at(200), at(40)
		updateDelivery(t, s, late)
		want(at(200), true)
	})

	t.Run("CountAndDelete", func(t *testing.T) {
		s, _ := open(t, b)
		acc, other := createAccount(t, s), createAccount(t, s)
		stats := func(want novatalks.DeliveryStats) {
			t.Helper()
			got, err := s.CountDeliveries(bg)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("CountDeliveries = %+v, want %+v", got, want)
			}
		}
		stats(novatalks.DeliveryStats{})
		var ds []*novatalks.Delivery
		for i, st := range []string{novatalks.DeliveryDelivered, novatalks.DeliveryDelivered, novatalks.DeliveryDelivered,
			novatalks.DeliveryDead, novatalks.DeliveryPending, novatalks.DeliveryDelivered} {
			accountID := acc.ID
			if i%2 == 1 {
				accountID = other.ID
			}
			d := newDelivery(accountID, fmt.Sprint("d", i), fmt.Sprint("k", i), at(i))
			d.Status = st
			ds = append(ds, d)
		}
		ds[5].UpdatedAt = at(100) // changed recently
		enqueue(t, s, ds...)
		mustUpdate(t, s, func(tx novatalks.Tx) error {
			for _, d := range ds[:2] {
				if err := tx.AddDeliveryAttempt(bg, &novatalks.DeliveryAttempt{DeliveryID: d.ID, At: at(3), StatusCode: 200}); err != nil {
					return err
				}
			}
			return nil
		})
		stats(novatalks.DeliveryStats{Pending: 1, Dead: 1})

		del := func(status string, before time.Time, limit, want int) {
			t.Helper()
			var n int
			mustUpdate(t, s, func(tx novatalks.Tx) error {
				var err error
				n, err = tx.DeleteDeliveries(bg, status, before, limit)
				return err
			})
			if n != want {
				t.Errorf("DeleteDeliveries(%s, %v, %d) = %d, want %d", status, before, limit, n, want)
			}
		}
		exists := func(d *novatalks.Delivery, want bool) {
			t.Helper()
			_, err := s.FindDeliveryByID(bg, d.AccountID, d.ID)
			if found := err == nil; found != want {
				t.Errorf("delivery %s found: %v (%v), want %v", d.UID, found, err, want)
			}
		}
		del(novatalks.DeliveryDelivered, at(0), 10, 0) // "before" is strict
		del(novatalks.DeliveryDelivered, at(50), 2, 2) // of any account, up to the limit
		del(novatalks.DeliveryDelivered, at(50), 10, 1)
		del(novatalks.DeliveryDelivered, at(50), 10, 0) // ds[5] changed after the cut
		for i, want := range []bool{false, false, false, true, true, true} {
			exists(ds[i], want)
		}
		stats(novatalks.DeliveryStats{Pending: 1, Dead: 1})
		del(novatalks.DeliveryDead, at(50), 10, 1)
		exists(ds[3], false)
		stats(novatalks.DeliveryStats{Pending: 1})
		del(novatalks.DeliveryPending, at(50), 10, 1)
		stats(novatalks.DeliveryStats{})
		exists(ds[5], true)
	})
}

// testClaimDeliveries checks what ClaimDeliveries hands out: due, unleased
// heads of their order keys, earliest due first, up to the limit, with a
// lease that keeps others off until it ends.
func testClaimDeliveries(t *testing.T, b Backend) {
	s, _ := open(t, b)
	acc, other := createAccount(t, s), createAccount(t, s)
	d := map[string]*novatalks.Delivery{}
	add := func(accountID int64, uid, key string, due time.Time, status string) {
		x := newDelivery(accountID, uid, key, due)
		x.Status = status
		d[uid] = x
		enqueue(t, s, x)
	}
	pending := novatalks.DeliveryPending
	// Key A: a1 then a2. Key B: b1 of the other account, due earliest.
	// Key C: c1 is dead and blocks nothing. Key D: d1 is due later than d2,
	// which waits behind it anyway. Key E: e1 is not due yet.
	add(acc.ID, "a1", "A", at(10), pending)
	add(acc.ID, "a2", "A", at(10), pending)
	add(other.ID, "b1", "B", at(5), pending)
	add(acc.ID, "c1", "C", at(1), novatalks.DeliveryDead)
	add(acc.ID, "c2", "C", at(12), pending)
	add(acc.ID, "d1", "D", at(11), pending)
	add(acc.ID, "d2", "D", at(0), pending)
	add(acc.ID, "e1", "E", at(500), pending)
	add(acc.ID, "f1", "F", at(3), novatalks.DeliveryDelivered)

	now := at(20)
	if got := claim(t, s, now, time.Minute, 2); !slices.Equal(got, []string{"b1", "a1"}) {
		t.Errorf("claim with limit 2: %v, want b1 a1 (earliest due first)", got)
	}
	if got := claim(t, s, now, time.Minute, 10); !slices.Equal(got, []string{"d1", "c2"}) {
		t.Errorf("second claim: %v, want the other due heads d1 c2", got)
	}
	if got := claim(t, s, now.Add(time.Second), time.Minute, 10); len(got) != 0 {
		t.Errorf("claimed %v while every due head is leased", got)
	}
	got, err := s.FindDeliveryByID(bg, acc.ID, d["a1"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LockedUntil.Equal(now.Add(time.Minute)) {
		t.Errorf("stored LockedUntil of a1 %v, want %v", got.LockedUntil, now.Add(time.Minute))
	}

	// Delivering a1 makes a2 the head of A; a dead d1 frees d2.
	a1 := d["a1"]
	a1.Status, a1.LockedUntil, a1.DeliveredAt = novatalks.DeliveryDelivered, time.Time{}, ptr(now)
	updateDelivery(t, s, a1)
	d1 := d["d1"]
	d1.Status, d1.LockedUntil = novatalks.DeliveryDead, time.Time{}
	updateDelivery(t, s, d1)
	if got := claim(t, s, now.Add(time.Second), time.Minute, 10); !slices.Equal(got, []string{"d2", "a2"}) {
		t.Errorf("after a1 was delivered and d1 died: %v, want d2 a2", got)
	}
	// A head that waits for its next attempt holds back the rest of its key.
	b1 := d["b1"]
	b1.LockedUntil, b1.NextAttemptAt, b1.Attempts = time.Time{}, at(1000), 1
	updateDelivery(t, s, b1)
	add(other.ID, "b2", "B", at(0), pending)
	// Once the leases end, the heads come back (a crashed worker's rows).
	if got := claim(t, s, now.Add(2*time.Minute), time.Minute, 10); !slices.Equal(got, []string{"d2", "a2", "c2"}) {
		t.Errorf("after the leases ended: %v, want d2 a2 c2", got)
	}
	// Much later every head is due; b2 still waits behind b1.
	if got := claim(t, s, at(1000), time.Minute, 10); !slices.Equal(got, []string{"d2", "a2", "c2", "e1", "b1"}) {
		t.Errorf("at a later time: %v, want d2 a2 c2 e1 b1", got)
	}
	if got := claim(t, s, at(2000), time.Minute, 0); len(got) != 0 {
		t.Errorf("claim with limit 0: %v", got)
	}
}

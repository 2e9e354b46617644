package sqlite_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/delivery"
	"github.com/novatalks/novatalks/sqlite"
)

// recorder collects published events.
type recorder struct {
	mu     sync.Mutex
	events []novatalks.Event
}

func (r *recorder) Publish(events ...novatalks.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
}

func (r *recorder) all() []novatalks.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]novatalks.Event(nil), r.events...)
}

// MustOpenDB opens a database in a temp dir and closes it when the test ends.
func MustOpenDB(tb testing.TB, pub novatalks.EventPublisher) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"), pub, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// startConversations bootstraps db through the service the server runs (with
// the outbox's renderer) and starts n conversations, each with a contact of
// its own. It returns the service and the contacts' sessions.
func startConversations(tb testing.TB, db *sqlite.DB, n int) (*novatalks.Service, []*novatalks.ContactSession) {
	tb.Helper()
	ctx := context.Background()
	svc := novatalks.NewService(db)
	svc.Renderer = delivery.Renderer{}
	if _, err := svc.Bootstrap(ctx, ""); err != nil {
		tb.Fatal(err)
	}
	sessions := make([]*novatalks.ContactSession, n)
	for i := range sessions {
		name := "Contact " + strconv.Itoa(i)
		started, err := svc.StartConversation(ctx, novatalks.StartConversation{Name: &name})
		if err != nil {
			tb.Fatal(err)
		}
		sessions[i] = &novatalks.ContactSession{ContactInbox: *started.ContactInbox, Contact: started.Contact}
	}
	return svc, sessions
}

func createAccount(ctx context.Context, tx novatalks.Tx, name string) error {
	return tx.CreateAccount(ctx, &novatalks.Account{Name: name, CreatedAt: time.Now()})
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()

	t.Run("PanicIsAnErrorAndWriterSurvives", func(t *testing.T) {
		db := MustOpenDB(t, nil)
		err := db.Update(ctx, func(tx novatalks.Tx) error { panic("bad") })
		if err == nil {
			t.Fatal("panic not reported")
		}
		if err := db.Update(ctx, func(tx novatalks.Tx) error { return createAccount(ctx, tx, "after") }); err != nil {
			t.Errorf("writer dead after panic: %v", err)
		}
	})

	// Many concurrent updates share group commits; a failing one must not
	// affect the others, and events come out in commit order.
	t.Run("GroupCommitIsolatesFailures", func(t *testing.T) {
		rec := &recorder{}
		db := MustOpenDB(t, rec)
		const n = 200
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Update(ctx, func(tx novatalks.Tx) error {
					a := &novatalks.Account{Name: "x", CreatedAt: time.Now()}
					if err := tx.CreateAccount(ctx, a); err != nil {
						return err
					}
					if _, err := tx.FindAccountByID(ctx, a.ID); err != nil {
						t.Errorf("transaction cannot read its own write: %v", err)
					}
					tx.Emit(novatalks.Event{Type: novatalks.EventContactCreated, AccountID: int64(i)})
					if i%10 == 0 {
						return errors.New("planned failure")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		failed := 0
		for i, err := range errs {
			if (i%10 == 0) != (err != nil) {
				t.Errorf("update %d: err = %v", i, err)
			}
			if err != nil {
				failed++
			}
		}
		events := rec.all()
		if len(events) != n-failed {
			t.Errorf("%d events, want %d", len(events), n-failed)
		}
		// IDs are assigned in commit order; every committed account exists.
		var count int
		for id := int64(1); id <= int64(n); id++ {
			if _, err := db.FindAccountByID(ctx, id); err == nil {
				count++
			}
		}
		if count != n-failed {
			t.Errorf("%d accounts committed, want %d", count, n-failed)
		}
	})

	// Functions sharing a group commit: one that fails before writing
	// changes nothing and costs the others nothing; one that fails after
	// writing makes the writer roll back and run the functions that had
	// succeeded again, so that only their last runs count.
	t.Run("FailureAfterWritingRunsTheOthersAgain", func(t *testing.T) {
		rec := &recorder{}
		db := MustOpenDB(t, rec)
		holding, release := make(chan struct{}), make(chan struct{})
		var mu sync.Mutex
		runs := map[string]int{}
		ids := map[string]int64{}
		update := func(name string, fail, write bool) error {
			return db.Update(ctx, func(tx novatalks.Tx) error {
				mu.Lock()
				runs[name]++
				firstRun := runs[name] == 1
				mu.Unlock()
				if name == "first" && firstRun {
					close(holding)
					<-release // holds the writer until the others are queued
				}
				if write {
					a := &novatalks.Account{Name: name, CreatedAt: time.Now()}
					if err := tx.CreateAccount(ctx, a); err != nil {
						return err
					}
					mu.Lock()
					ids[name] = a.ID
					mu.Unlock()
					tx.Emit(novatalks.Event{Type: novatalks.EventContactCreated, AccountID: a.ID})
				}
				if fail {
					return errors.New("planned failure of " + name)
				}
				return nil
			})
		}
		steps := []struct {
			name        string
			fail, write bool
		}{
			{"first", false, true},
			{"fails-before-writing", true, false},
			{"second", false, true},
			{"fails-after-writing", true, true},
			{"third", false, true},
		}
		errs := make([]error, len(steps))
		var wg sync.WaitGroup
		for i, s := range steps {
			wg.Go(func() { errs[i] = update(s.name, s.fail, s.write) })
			if i == 0 {
				<-holding // the writer runs the first
			}
			// Queue the others in order behind it.
			for want := i; sqlite.QueuedUpdates(db) < want; time.Sleep(time.Millisecond) {
			}
		}
		close(release)
		wg.Wait()
		for i, s := range steps {
			if (errs[i] != nil) != s.fail {
				t.Errorf("%s: err = %v", s.name, errs[i])
			}
		}
		wantRuns := map[string]int{"first": 2, "fails-before-writing": 1, "second": 2, "fails-after-writing": 1, "third": 1}
		mu.Lock()
		if !maps.Equal(runs, wantRuns) {
			t.Errorf("runs = %v, want %v", runs, wantRuns)
		}
		mu.Unlock()
		if s := db.WriterStats(); s.Commits != 1 || s.Transactions != 3 {
			t.Errorf("writer stats %+v, want the three successes in one commit", s)
		}
		var published []int64
		for _, e := range rec.all() {
			published = append(published, e.AccountID)
		}
		if want := []int64{ids["first"], ids["second"], ids["third"]}; !slices.Equal(published, want) {
			t.Errorf("events of accounts %v, want %v (each success's last run, in order)", published, want)
		}
		for _, name := range []string{"first", "second", "third", "fails-after-writing"} {
			a, err := db.FindAccountByID(ctx, ids[name])
			if name == "fails-after-writing" {
				if err == nil && a.Name == name {
					t.Errorf("the failed function's account %d was kept", ids[name])
				}
				continue
			}
			if err != nil || a.Name != name {
				t.Errorf("account %s (%d): %+v, %v", name, ids[name], a, err)
			}
		}
	})

	t.Run("CanceledBeforeRunChangesNothing", func(t *testing.T) {
		db := MustOpenDB(t, nil)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := db.Update(cctx, func(tx novatalks.Tx) error { return createAccount(ctx, tx, "x") })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("ClosedRefusesUpdates", func(t *testing.T) {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if err := db.Update(ctx, func(tx novatalks.Tx) error { return nil }); err == nil {
			t.Error("update after close succeeded")
		}
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := novatalks.NewService(db)
	boot, err := svc.Bootstrap(ctx, "adminTokenForTheTest01")
	if err != nil || !boot.Created {
		t.Fatalf("bootstrap: %v %+v", err, boot)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := novatalks.NewService(db).Bootstrap(ctx, "")
	if err != nil || again.Created {
		t.Fatalf("second bootstrap created again: %v %+v", err, again)
	}
	u, err := novatalks.NewService(db).AuthenticateUser(ctx, "adminTokenForTheTest01")
	if err != nil || u.Role != novatalks.RoleAdministrator {
		t.Errorf("admin after reopen: %v %+v", err, u)
	}
}

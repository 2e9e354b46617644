package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
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

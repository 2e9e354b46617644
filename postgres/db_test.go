package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/pgtest"
	"github.com/novatalks/novatalks/postgres"
)

// MustOpenDB opens a store on a fresh schema and closes it when tb ends.
func MustOpenDB(tb testing.TB, pub novatalks.EventPublisher) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), pgtest.URL(tb), pub, postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestBootstrapAndMessage(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	svc := novatalks.NewService(db)
	boot, err := svc.Bootstrap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !boot.Created || boot.Account.ID != 1 || boot.Inbox.ID != 1 {
		t.Fatalf("bootstrap = %+v", boot)
	}
	if again, err := svc.Bootstrap(ctx, ""); err != nil || again.Created {
		t.Fatalf("second bootstrap = %+v, %v", again, err)
	}
}

// TestExclusivelyBootstrapsOnce starts many "nodes" on one empty database at
// once: exactly one creates the account.
func TestExclusivelyBootstrapsOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	const nodes = 4
	dbs := make([]*postgres.DB, nodes)
	for i := range dbs {
		db, err := postgres.Open(ctx, url, nil, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	var wg sync.WaitGroup
	created := make(chan bool, nodes)
	for _, db := range dbs {
		wg.Go(func() {
			svc := novatalks.NewService(db)
			err := db.Exclusively(ctx, func() error {
				boot, err := svc.Bootstrap(ctx, "")
				if err == nil {
					created <- boot.Created
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(created)
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d nodes bootstrapped the database, want 1", n)
	}
	if _, err := dbs[0].FindAccountByID(ctx, 2); novatalks.ErrorCode(err) != novatalks.ENOTFOUND {
		t.Errorf("a second account exists: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	create := func(tx novatalks.Tx) error {
		return tx.CreateAccount(ctx, &novatalks.Account{Name: "a"})
	}

	t.Run("PanicIsAnError", func(t *testing.T) {
		if err := db.Update(ctx, func(novatalks.Tx) error { panic("bad") }); err == nil {
			t.Fatal("panic not reported")
		}
		if err := db.Update(ctx, create); err != nil {
			t.Errorf("update after a panic: %v", err)
		}
	})
	t.Run("CanceledBeforeRunChangesNothing", func(t *testing.T) {
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		ran := false
		if err := db.Update(canceled, func(novatalks.Tx) error { ran = true; return nil }); err == nil || ran {
			t.Errorf("err %v, ran %v", err, ran)
		}
	})
	t.Run("ClosedRefusesUpdates", func(t *testing.T) {
		other := MustOpenDB(t, nil)
		other.Close()
		if err := other.Update(ctx, create); novatalks.ErrorCode(err) != novatalks.EUNSUPPORTED {
			t.Errorf("update after close: %v", err)
		}
	})
}

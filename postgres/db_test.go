package postgres_test

import (
	"context"
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

package postgres_test

import (
	"context"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/pgtest"
	"github.com/novatalks/novatalks/postgres"
	"github.com/novatalks/novatalks/storetest"
)

// TestStore runs the backend-neutral store suite on PostgreSQL, each store
// on a schema of its own. It skips, saying so, without
// NOVATALKS_TEST_POSTGRES_URL.
func TestStore(t *testing.T) {
	pgtest.URL(t) // skip early when there is no test server
	storetest.Run(t, storetest.Backend{
		Open: func(tb testing.TB, pub novatalks.EventPublisher) novatalks.Store {
			db, err := postgres.Open(context.Background(), pgtest.URL(tb), pub, postgres.Options{})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		},
		SequencesEvents: true,
	})
}

package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/sqlite"
	"github.com/novatalks/novatalks/storetest"
)

// TestStore runs the backend-neutral store suite on SQLite. Its single
// writer publishes in commit order, so it does not number events.
func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(tb testing.TB, pub novatalks.EventPublisher) novatalks.Store {
			tb.Helper()
			db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "store.db"), pub, nil)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		},
		SequencesEvents: false,
	})
}

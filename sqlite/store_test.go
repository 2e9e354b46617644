package sqlite_test

import (
	"context"
	"os"
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

// TestOpenPathWithURICharacters opens a database whose folder has a '#' and
// a '?' in its name: the file must be created at that path, not elsewhere.
func TestOpenPathWithURICharacters(t *testing.T) {
	for _, name := range []string{"a#b", "c?d"} {
		path := filepath.Join(t.TempDir(), name, "x.db")
		db, err := sqlite.Open(context.Background(), path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(context.Background(), func(tx novatalks.Tx) error {
			return tx.CreateAccount(context.Background(), &novatalks.Account{Name: "a"})
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the database is not at %s: %v", path, err)
		}
	}
}

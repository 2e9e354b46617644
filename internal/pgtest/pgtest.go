// Package pgtest gives tests a fresh PostgreSQL schema of their own on the
// server that NOVATALKS_TEST_POSTGRES_URL names, so that tests of the
// PostgreSQL store and of several nodes on one database never see each
// other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvURL is the environment variable that names the test server.
const EnvURL = "NOVATALKS_TEST_POSTGRES_URL"

// URL creates an empty schema on the test server and returns a URL whose
// connections use it (search_path); the schema is dropped when tb ends. It
// skips tb, saying why, when EnvURL is not set.
func URL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", EnvURL)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "nt_test_" + hex.EncodeToString(b)
	if err := exec(base, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("pgtest: create a schema on %s: %v", EnvURL, err)
	}
	tb.Cleanup(func() {
		if err := exec(base, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		tb.Fatalf("pgtest: %s must be a postgres:// URL: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own, closed before it
// returns, so that no pool outlives it (tests count goroutines).
func exec(url, statement string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), statement)
	return err
}

// Package sqlite implements novatalks.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go) in WAL mode.
//
// # Writes
//
// SQLite allows one writer at a time, so every write runs on one goroutine,
// the writer. Update queues its function to that
// goroutine, which takes every function waiting (up to MaxBatch), runs each in
// its own SAVEPOINT inside one transaction and commits once: a function that
// fails rolls back only its savepoint, the others still commit. This group
// commit turns many small transactions into one fsync. After the commit the
// events each function emitted are handed to the publisher, function by
// function in the order they ran, which is the commit order; only then does
// Update return. A process crash therefore never loses a change whose Update
// returned (synchronous=FULL), and never publishes one that was rolled back.
//
// # Reads
//
// Reads outside a transaction use a separate pool of read-only connections,
// which WAL lets run alongside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/sqlstore"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// readConns is the size of the read pool: twice the cores of a small
// machine is enough, since reads are short indexed lookups.
const readConns = 4

// MaxBatch is the most transactions one group commit holds.
const MaxBatch = 256

// DB is a novatalks.Store on one SQLite file. It is safe for concurrent use.
type DB struct {
	sqlstore.Reader
	path      string
	readDB    *sql.DB
	writeDB   *sql.DB
	reads     *preparedDB
	writes    *preparedDB
	publisher novatalks.EventPublisher
	logger    *slog.Logger

	requests chan *request
	mu       sync.RWMutex // guards closed against Update
	closed   bool
	done     chan struct{}
}

var _ novatalks.Store = (*DB)(nil)

// request is one queued Update.
type request struct {
	ctx    context.Context
	fn     func(novatalks.Tx) error
	events []novatalks.Event
	err    error
	done   chan struct{}
}

// Open opens (creating if needed) the database at path, applies the embedded
// migrations and starts the writer. Committed events go to publisher, which
// may be nil.
func Open(ctx context.Context, path string, publisher novatalks.EventPublisher, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	writeDB, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// Only the writer goroutine begins transactions, so there is one writer
	// whatever the pool size. The second connection lets a statement be
	// prepared while the first holds the writer's transaction (see preparedTx).
	writeDB.SetMaxOpenConns(2)
	writeDB.SetMaxIdleConns(2)
	writeDB.SetConnMaxLifetime(0)
	if err := writeDB.PingContext(ctx); err != nil {
		writeDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(ctx, writeDB); err != nil {
		writeDB.Close()
		return nil, err
	}
	// Readers get a 1 MiB page cache each (SQLite's default is 2 MiB): most
	// reads are indexed lookups, and the OS page cache holds the file anyway.
	readDB, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas+"&_pragma=query_only(1)&_pragma=cache_size(-1024)")
	if err != nil {
		writeDB.Close()
		return nil, err
	}
	readDB.SetMaxOpenConns(readConns)
	readDB.SetMaxIdleConns(readConns)
	reads := newPreparedDB(readDB)
	db := &DB{
		Reader: sqlstore.NewReader(reads, &dialect), path: path, readDB: readDB, writeDB: writeDB,
		reads: reads, writes: newPreparedDB(writeDB),
		publisher: publisher, logger: logger,
		requests: make(chan *request, MaxBatch), done: make(chan struct{}),
	}
	go db.writer()
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, mustSub(migrations, "migrations"))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Path returns the database file.
func (db *DB) Path() string { return db.path }

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error { return db.readDB.PingContext(ctx) }

// Close stops accepting updates, waits for queued ones to finish and closes the
// database.
func (db *DB) Close() error {
	db.mu.Lock()
	if !db.closed {
		db.closed = true
		close(db.requests)
	}
	db.mu.Unlock()
	<-db.done
	db.reads.close()
	db.writes.close()
	return errors.Join(db.readDB.Close(), db.writeDB.Close())
}

// Update implements novatalks.Store. Once fn has been queued Update waits for
// the outcome even if ctx ends, so that its result always says whether the
// change was committed.
func (db *DB) Update(ctx context.Context, fn func(novatalks.Tx) error) error {
	req := &request{ctx: ctx, fn: fn, done: make(chan struct{})}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return novatalks.Errorf(novatalks.EUNSUPPORTED, "the server is shutting down")
	}
	select {
	case db.requests <- req:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	<-req.done
	return req.err
}

func (db *DB) writer() {
	defer close(db.done)
	batch := make([]*request, 0, MaxBatch)
	for req := range db.requests {
		batch = append(batch[:0], req)
	fill:
		for len(batch) < MaxBatch {
			select {
			case r, ok := <-db.requests:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		db.commit(batch)
	}
}

// commit runs a batch in one transaction and completes every request in it.
func (db *DB) commit(batch []*request) {
	ctx := context.Background()
	fail := func(err error) {
		for _, r := range batch {
			if r.err == nil {
				r.err = err
			}
			r.events = nil
			close(r.done)
		}
	}
	sqlTx, err := db.writeDB.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT request"); err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("savepoint: %w", err))
			return
		}
		t := sqlstore.NewTx(uncancelable{preparedTx{sqlTx, db.writes}}, &dialect)
		r.err = run(r.fn, t, db.logger)
		if r.err != nil {
			_, err = sqlTx.ExecContext(ctx, "ROLLBACK TO request")
		} else {
			r.events = t.Events()
		}
		if err == nil {
			_, err = sqlTx.ExecContext(ctx, "RELEASE request")
		}
		if err != nil {
			sqlTx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	for _, r := range batch {
		if r.err == nil && len(r.events) > 0 && db.publisher != nil {
			db.publisher.Publish(r.events...)
		}
		r.events = nil
		close(r.done)
	}
}

// run calls fn, turning a panic into an internal error so that one bad request
// cannot take the writer down.
func run(fn func(novatalks.Tx) error, t *sqlstore.Tx, logger *slog.Logger) (err error) {
	defer func() {
		if p := recover(); p != nil {
			logger.Error("panic in transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic in transaction: %v", p)
		}
	}()
	return fn(t)
}

// uncancelable runs statements of the shared write transaction without the
// caller's cancellation: interrupting SQLite mid-statement would roll back the
// whole batch, not only the caller's part of it.
type uncancelable struct{ q sqlstore.Querier }

func (u uncancelable) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.q.ExecContext(context.WithoutCancel(ctx), query, args...)
}
func (u uncancelable) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return u.q.QueryContext(context.WithoutCancel(ctx), query, args...)
}
func (u uncancelable) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return u.q.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

// dialect is how SQLite differs for the shared queries: one writer, so no
// row locks.
var dialect = sqlstore.Dialect{IsUniqueViolation: isUniqueViolation, Like: "LIKE"}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// uriPath escapes path for a file: URI, in which '?' starts the parameters,
// '#' a fragment and '%' an escape.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

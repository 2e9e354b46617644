// Package postgres implements novatalks.Store on PostgreSQL (pgx, through
// database/sql), for deployments of several nodes on one database.
//
// # Queries
//
// The queries are those of the SQLite store (package internal/sqlstore),
// written with ? placeholders that this package numbers ($1, $2, ...) once
// per distinct query. pgx prepares and caches each statement per connection.
//
// # Writes
//
// Update runs its function in a READ COMMITTED transaction of its own on a
// pooled connection, so writes of different conversations run side by side,
// on this node and on others. Writers of one conversation queue on its row:
// Tx.LockConversation is SELECT ... FOR UPDATE. Outbox claims use FOR UPDATE
// SKIP LOCKED, so that the delivery workers of every node claim side by side
// and no delivery is claimed twice. A transaction that PostgreSQL aborts (a
// deadlock victim, say) is not run again: its error reaches the caller, as
// any failed request does, and clients retry (echo_id makes that safe).
//
// # Events
//
// Transactions commit concurrently and their events are published after
// commit, so publication order alone does not say commit order. Every event of
// a conversation therefore gets its number (Event.Seq) from a per-conversation
// counter advanced inside the transaction (internal/sqlstore's
// SequenceEvents); subscribers restore commit order from it
// (novatalks.EventSequencer). Update returns once the transaction committed
// and its events were handed to the publisher.
//
// # Migrations
//
// The embedded migrations mirror SQLite's, number for number (00005, an
// index change, is SQLite's alone). They run at
// Open under a PostgreSQL advisory lock, so nodes starting together apply
// each migration once.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/sqlstore"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultMaxConns is the size of a node's connection pool when Options
// leaves it zero. Every node of a deployment holds up to this many
// connections, so PostgreSQL's max_connections must exceed nodes × MaxConns.
const DefaultMaxConns = 16

// Options tunes a DB; zero values are the defaults.
type Options struct {
	// MaxConns bounds the connection pool (DefaultMaxConns when zero).
	MaxConns int
	// Logger receives errors of the store itself; nil discards them.
	Logger *slog.Logger
}

// DB is a novatalks.Store on a PostgreSQL database. It is safe for concurrent
// use by many goroutines, and several DBs (on several nodes) may share one
// database.
type DB struct {
	sqlstore.Reader
	db        *sql.DB
	publisher novatalks.EventPublisher
	logger    *slog.Logger

	mu     sync.RWMutex // guards closed against Update
	closed bool
	wg     sync.WaitGroup // running Updates
}

var _ novatalks.Store = (*DB)(nil)

// dialect is how PostgreSQL differs for the shared queries.
var dialect = sqlstore.Dialect{
	IsUniqueViolation: func(err error) bool { return pgCode(err) == "23505" },
	LockRows:          " FOR UPDATE",
	SkipLockedRows:    " FOR UPDATE SKIP LOCKED",
	Like:              "ILIKE",
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string), applies the embedded migrations and returns the
// store. Committed events go to publisher, which may be nil.
func Open(ctx context.Context, url string, publisher novatalks.EventPublisher, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(opts.MaxConns)
	sqlDB.SetMaxIdleConns(opts.MaxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, err
	}
	q := &rebinder{q: sqlDB}
	return &DB{Reader: sqlstore.NewReader(q, &dialect), db: sqlDB, publisher: publisher, logger: opts.Logger}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("postgres: apply migrations: %w", err)
	}
	return nil
}

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// Close stops accepting updates, waits for running ones to finish and closes
// the connection pool.
func (db *DB) Close() error {
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	db.wg.Wait()
	return db.db.Close()
}

// Update implements novatalks.Store. Once the transaction has begun, Update
// runs it to the end even if ctx ends, so that its result always says
// whether the change was committed.
func (db *DB) Update(ctx context.Context, fn func(novatalks.Tx) error) error {
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return novatalks.Errorf(novatalks.EUNSUPPORTED, "the server is shutting down")
	}
	db.wg.Add(1)
	db.mu.RUnlock()
	defer db.wg.Done()
	if err := ctx.Err(); err != nil {
		return err
	}
	events, err := db.run(context.WithoutCancel(ctx), fn)
	if err != nil {
		return err
	}
	if len(events) > 0 && db.publisher != nil {
		db.publisher.Publish(events...)
	}
	return nil
}

// run runs fn in one transaction and returns the events it emitted,
// numbered, once it committed.
func (db *DB) run(ctx context.Context, fn func(novatalks.Tx) error) (events []novatalks.Event, err error) {
	sqlTx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			db.logger.Error("panic in transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic in transaction: %v", p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	t := sqlstore.NewTx(&rebinder{q: sqlTx}, &dialect)
	if err := fn(t); err != nil {
		return nil, err
	}
	if err := t.SequenceEvents(ctx); err != nil {
		return nil, err
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return t.Events(), nil
}

// bootstrapLock is the PostgreSQL advisory lock key of Exclusively.
const bootstrapLock = 0x6e6f7661 // "nova"

// Exclusively runs fn while holding a PostgreSQL advisory lock, so that of
// the nodes sharing the database one at a time runs it: nodes starting
// together on an empty database bootstrap it once.
func (db *DB) Exclusively(ctx context.Context, fn func() error) error {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, bootstrapLock); err != nil {
		return fmt.Errorf("postgres: take the bootstrap lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, bootstrapLock)
	return fn()
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// rebinder runs the ?-placeholder queries of internal/sqlstore on
// PostgreSQL, numbering the placeholders.
type rebinder struct {
	q sqlstore.Querier
}

// rebound caches the numbered form of each distinct query, up to
// maxRebound of them: the queries are a fixed set built from constants, and
// IN lists vary only in length.
var (
	rebound      sync.Map
	reboundCount atomic.Int64
)

const maxRebound = 4096

// rebind returns query with its ? placeholders numbered $1, $2, ...; a ?
// inside a quoted string or identifier stays as it is.
func rebind(query string) string {
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	if reboundCount.Add(1) <= maxRebound {
		rebound.Store(query, out)
	}
	return out
}

func (r *rebinder) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, rebind(query), args...)
}

func (r *rebinder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, rebind(query), args...)
}

func (r *rebinder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, rebind(query), args...)
}

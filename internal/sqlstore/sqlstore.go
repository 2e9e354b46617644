// Package sqlstore implements novatalks.Reader and novatalks.Tx in SQL that
// both SQLite and PostgreSQL run, so that the two stores share every query
// and cannot drift apart. The stores (packages sqlite and postgres) own
// connections, transactions, migrations and the publishing of events; this
// package owns the mapping between the domain and the tables.
//
// Queries are written with ? placeholders; a store whose database numbers
// them ($1, $2, ... on PostgreSQL) rewrites them in its Querier. Times are
// INTEGER Unix milliseconds and JSON values TEXT on both databases, so that
// values read back are identical whichever store wrote them. The few places
// where the databases differ are the fields of Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/novatalks/novatalks"
)

// Querier is what reads and writes run on: a connection pool or a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect holds what differs between the databases.
type Dialect struct {
	// IsUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
	// constraint failure.
	IsUniqueViolation func(err error) bool
	// LockRows is appended to a SELECT of rows the transaction is about to
	// change, so that concurrent writers wait for it (" FOR UPDATE"). Empty
	// when the database has one writer at a time anyway (SQLite).
	LockRows string
	// SkipLockedRows is appended to the SELECT that claims outbox rows, so
	// that concurrent claimers pass over rows another one holds
	// (" FOR UPDATE SKIP LOCKED"). Empty on SQLite.
	SkipLockedRows string
	// Like is the case-insensitive LIKE operator: LIKE on SQLite (which
	// ignores ASCII case), ILIKE on PostgreSQL.
	Like string
	// LastInsertID is true when the driver reports the ID of an inserted row
	// with the statement's result (SQLite's last_insert_rowid). Inserts then
	// run as statements instead of queries with RETURNING, which saves
	// reading a result row; otherwise (PostgreSQL) they use RETURNING id.
	LastInsertID bool
}

// Reader implements novatalks.Reader on a Querier.
type Reader struct {
	q Querier
	d *Dialect
}

var _ novatalks.Reader = Reader{}

// NewReader returns a Reader that runs its queries on q.
func NewReader(q Querier, d *Dialect) Reader { return Reader{q: q, d: d} }

// Tx implements novatalks.Tx on a Querier that is a transaction. It collects
// the events emitted through it; the store publishes them after commit.
type Tx struct {
	Reader
	events []novatalks.Event
}

var _ novatalks.Tx = (*Tx)(nil)

// NewTx returns a Tx whose statements run on q, a transaction.
func NewTx(q Querier, d *Dialect) *Tx { return &Tx{Reader: NewReader(q, d)} }

// Emit implements novatalks.Tx.
func (t *Tx) Emit(e novatalks.Event) { t.events = append(t.events, e) }

// Events returns the events emitted so far, in order.
func (t *Tx) Events() []novatalks.Event { return t.events }

// SequenceEvents numbers the emitted events of each conversation (Event.Seq)
// by advancing the conversation's event counter in this transaction. The
// counter's row stays locked until the transaction ends, so concurrent
// transactions of one conversation get consecutive, gapless numbers in
// commit order. Call it last, right before commit.
func (t *Tx) SequenceEvents(ctx context.Context) error {
	stored := func(e *novatalks.Event) bool { return e.ConversationID != 0 && e.Type != novatalks.EventTyping }
	counts := map[int64]int64{}
	var order []int64
	for i := range t.events {
		e := &t.events[i]
		if !stored(e) {
			continue
		}
		if counts[e.ConversationID] == 0 {
			order = append(order, e.ConversationID)
		}
		counts[e.ConversationID]++
	}
	next := map[int64]int64{}
	for _, id := range order {
		var last int64
		err := t.q.QueryRowContext(ctx, `UPDATE conversations SET event_seq = event_seq + ? WHERE id = ?
			RETURNING event_seq`, counts[id], id).Scan(&last)
		if err != nil {
			return notFound(err, "conversation")
		}
		next[id] = last - counts[id] + 1
	}
	for i := range t.events {
		e := &t.events[i]
		if stored(e) {
			e.Seq, next[e.ConversationID] = next[e.ConversationID], next[e.ConversationID]+1
		}
	}
	return nil
}

// insert runs query, an INSERT of one row, and sets *id to the new row's
// ID. An INSERT that inserted nothing (ON CONFLICT DO NOTHING) returns
// sql.ErrNoRows and leaves *id alone.
func (t *Tx) insert(ctx context.Context, id *int64, query string, args ...any) error {
	if !t.d.LastInsertID {
		return t.q.QueryRowContext(ctx, query+` RETURNING id`, args...).Scan(id)
	}
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return sql.ErrNoRows
	}
	v, err := res.LastInsertId()
	if err == nil {
		*id = v
	}
	return err
}

// notFound converts sql.ErrNoRows to an ENOTFOUND error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return novatalks.Errorf(novatalks.ENOTFOUND, "%s not found", what)
	}
	return err
}

// conflict turns a unique violation into ECONFLICT with message, and passes
// other errors through.
func (r Reader) conflict(err error, message string) error {
	if err != nil && r.d.IsUniqueViolation(err) {
		return novatalks.Errorf(novatalks.ECONFLICT, "%s", message)
	}
	return err
}

// ms and the helpers below convert between domain times and the INTEGER Unix
// milliseconds the schema stores.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// StoredTime is t as a read returns it once stored: to the millisecond, in
// UTC.
func StoredTime(t time.Time) time.Time { return fromMS(ms(t)) }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

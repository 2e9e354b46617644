package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxPrepared bounds the statement cache. Queries with IN lists of varying
// length are distinct strings; past the bound they run unprepared.
const maxPrepared = 1024

// preparedDB runs every query through a statement prepared once, so that
// SQLite parses each distinct query once per connection instead of on every
// call (parsing was a third of the server's CPU under load). It is safe for
// concurrent use.
type preparedDB struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newPreparedDB(db *sql.DB) *preparedDB {
	return &preparedDB{db: db, stmts: map[string]*sql.Stmt{}}
}

// stmt returns the prepared statement of query, or nil when it cannot be
// prepared or cached (the caller then runs the query directly, which reports
// any error).
func (p *preparedDB) stmt(query string) *sql.Stmt {
	p.mu.RLock()
	s := p.stmts[query]
	p.mu.RUnlock()
	if s != nil {
		return s
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s = p.stmts[query]; s != nil || len(p.stmts) >= maxPrepared {
		return s
	}
	s, err := p.db.PrepareContext(context.Background(), query)
	if err != nil {
		return nil
	}
	p.stmts[query] = s
	return s
}

func (p *preparedDB) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.stmts {
		s.Close()
	}
	p.stmts = nil
}

func (p *preparedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmt(query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p *preparedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p *preparedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmt(query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// preparedTx runs queries of one transaction through the statements of its
// database. The statement is first prepared on an idle connection of the
// write pool; database/sql then prepares it once more on the transaction's
// connection and reuses that from then on. The transaction's form of a
// statement is made once per transaction: database/sql allocates a new one
// on every Tx.StmtContext. A preparedTx is used by one goroutine.
type preparedTx struct {
	tx    *sql.Tx
	cache *preparedDB
	stmts map[*sql.Stmt]*sql.Stmt // the transaction's form of each
}

func newPreparedTx(tx *sql.Tx, cache *preparedDB) *preparedTx {
	return &preparedTx{tx: tx, cache: cache, stmts: make(map[*sql.Stmt]*sql.Stmt)}
}

// stmt returns the transaction's statement of query, or nil when it cannot
// be prepared or cached (see preparedDB.stmt).
func (p *preparedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	s := p.cache.stmt(query)
	if s == nil {
		return nil
	}
	ts := p.stmts[s]
	if ts == nil {
		ts = p.tx.StmtContext(ctx, s)
		p.stmts[s] = ts
	}
	return ts
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.tx.ExecContext(ctx, query, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.tx.QueryContext(ctx, query, args...)
}

func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.tx.QueryRowContext(ctx, query, args...)
}

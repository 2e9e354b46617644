// Package sqlite implements novatalks.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go) in WAL mode.
//
// # Writes
//
// SQLite allows one writer at a time, so every write runs on one goroutine,
// the writer. Update queues its function to that goroutine, which runs the
// functions it gets one after the other in one transaction and commits them
// together (up to MaxBatch). This group commit turns many small
// transactions into one commit.
//
// A function that fails has none of its changes kept, and the others still
// commit. Most functions fail before they write anything, and then there is
// nothing to undo. When one fails after writing, the writer rolls the
// transaction back and runs the functions of the batch that had succeeded
// again, in a new transaction: so a function may run more than once (only
// its last run counts), which novatalks.Store.Update allows. (A SAVEPOINT
// around each function would make the re-runs unnecessary, but it cost
// every message about a sixth of the writer's time, copying each page the
// function changed.)
//
// # Durability
//
// The commit writes the batch's pages to the write-ahead log without
// waiting for the disk (synchronous=NORMAL); a second goroutine, the syncer,
// then flushes the log to disk (fdatasync) and only after that publishes the
// events each function emitted, function by function in the order they ran
// (the commit order), and lets Update return. The writer meanwhile runs the
// functions that arrive in its next transaction and commits that as soon as
// the syncer is free, so the disk flush of one batch overlaps the work of
// the next instead of stalling the single writer, and batches grow with
// the load. While many Updates are in flight, flushes start at least
// minFlushSpacing (1 ms) apart, so that a fast disk does not shrink the
// batches to a few functions each. The guarantee is the one
// synchronous=FULL gives: a change whose Update returned without error is
// on disk and survives a process crash or a power loss, and no event is
// published for a change that is not. (A checkpoint flushes the log
// before copying it into the database file and the database file after, so
// a change is on disk in one of the two whichever comes first.)
//
// Other connections can read a committed change during the flush, before
// its Update has returned; were the machine to lose power in that window,
// that change would be gone although a reader saw it. Events are never
// published early.
//
// If the flush fails the store stops taking writes: every later Update and
// Ping fail, so that readiness probes take the node out of service.
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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// checkpointInterval is how often the checkpointer copies the write-ahead
// log into the database file while writes go on. A page written many times
// in that span is copied once.
const checkpointInterval = 100 * time.Millisecond

// minFlushSpacing is the least time from the start of one flush of the log to
// the start of the next while the store is busy (more than busyUpdates
// Updates in flight). On a disk that flushes in a fraction of a
// millisecond, a busy writer would otherwise commit and flush every few
// messages: each commit appends again the pages its messages share (the
// messages table's last page, the conversation list's indexes, the
// AUTOINCREMENT counter), and each flush is a system call and two goroutine
// hand-offs. Waiting lets batches grow about threefold at 9,500
// messages/s, which cut the server's CPU per message by a sixth
// (BENCHMARKS.md); it adds at most this much to a write's latency, and
// nothing when the previous flush is older. The Updates counted as in
// flight include those of the flush just finished that have not returned
// yet, which the threshold absorbs.
const minFlushSpacing = time.Millisecond

// busyUpdates is how many Updates must be in flight for the syncer to space
// its flushes (PostgreSQL's commit_siblings plays the same part for its
// commit_delay). With fewer, few would join a longer batch, and the wait
// would only add to their latency.
const busyUpdates = 8

// rewindPages is the length of the write-ahead log (in 4 KiB pages) from
// which the log is started over. SQLite starts it over when a write
// transaction begins with the whole log copied into the database file, which
// under steady writes never happens by itself: the writer has always
// appended more by the time a checkpoint ends. So once the log is this long
// the checkpointer runs its passes back to back, each with less to copy
// than the one before, and when a pass had at most rewindHandOffPages to
// copy it hands the rest to the writer, which copies it before its next
// transaction (see rewind): a stall of about a millisecond, where SQLite's
// own checkpoint inside a commit (writerCheckpointPages) stalled the writer
// for 15-25 ms, copying up to a checkpointInterval of writes and flushing
// them to the database file. 8,192 pages is 32 MiB of log, a restart about
// every quarter second at 10,000 messages/s.
const rewindPages = 8192

// rewindHandOffPages is the most pages a checkpoint pass may have copied for
// the checkpointer to hand the rest of the log to the writer: a pass that
// copied this few took about a millisecond, so the writer has about as
// little left to copy.
const rewindHandOffPages = 256

// maxChainedPasses bounds the passes the checkpointer runs back to back
// while it tries to catch up with the writer (a reader's old snapshot can
// keep a pass from copying the whole log).
const maxChainedPasses = 8

// writerCheckpointPages bounds the write-ahead log (in 4 KiB pages) should
// rewinding fail (a reader that stays on an old snapshot keeps the log from
// starting over): a commit that finds the log this long checkpoints it
// itself, on the writer (SQLite's automatic checkpoint, whose default is
// 1,000 pages).
const writerCheckpointPages = 20000

// DB is a novatalks.Store on one SQLite file. It is safe for concurrent use.
type DB struct {
	sqlstore.Reader
	path    string
	readDB  *sql.DB
	writeDB *sql.DB
	// writerConn is the writer's connection, and conversations the cache
	// of its conversation rows (see conversationCache).
	writerConn    *sql.Conn
	conversations *conversationCache
	// rowChanges counts the rows changed on the writer's connection (by its
	// pre-update hook), so that the writer can tell whether a failed
	// function wrote anything.
	rowChanges int64
	reads      *preparedDB
	writes     *preparedDB
	publisher  novatalks.EventPublisher
	logger     *slog.Logger

	requests chan *request
	inFlight atomic.Int64 // Updates that have not returned yet
	mu       sync.RWMutex // guards closed against Update
	closed   bool
	done     chan struct{}

	wal              *os.File              // the write-ahead log, open for flushing
	flush            func() error          // the syncer's flush of wal, wrapped in some tests
	broken           atomic.Pointer[error] // set when a flush failed: the store takes no more writes
	checkpoints      chan struct{}         // the syncer's signal to the checkpointer: there is more log
	checkpointerDone chan struct{}
	rewindPages      int         // the log length from which it is started over
	rewindDue        atomic.Bool // set by the checkpointer: the writer is to rewind before its next transaction
	stats            struct{ commits, transactions, flushes, spaced, checkpoints, rewinds atomic.Int64 }
	flushTimes       flushHistogram
}

// FlushBuckets are the upper bounds of WriterStats.FlushTimes, the
// histogram of how long flushes of the log took. A flush is the disk's
// answer to fdatasync, and every Update of its batch waits for it: on a
// disk whose flushes often take over 5 ms, that is what a store's latency
// percentiles show.
var FlushBuckets = [...]time.Duration{250 * time.Microsecond, 500 * time.Microsecond, time.Millisecond,
	2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond}

// flushHistogram counts flush durations per bucket of FlushBuckets, the
// last count being those over the largest bound. It is safe for concurrent
// use.
type flushHistogram struct {
	counts [len(FlushBuckets) + 1]atomic.Uint64
	total  atomic.Int64 // nanoseconds
}

func (h *flushHistogram) observe(d time.Duration) {
	i, _ := slices.BinarySearch(FlushBuckets[:], d) // the first bound ≥ d, or len
	h.counts[i].Add(1)
	h.total.Add(int64(d))
}

func (h *flushHistogram) snapshot() []uint64 {
	out := make([]uint64, len(h.counts))
	for i := range h.counts {
		out[i] = h.counts[i].Load()
	}
	return out
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
	return open(ctx, path, publisher, logger, rewindPages)
}

// open is Open with the log length from which it is started over.
func open(ctx context.Context, path string, publisher novatalks.EventPublisher, logger *slog.Logger, rewindPages int) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"
	// The writer commits without waiting for the disk (the syncer flushes
	// the log before anyone is told), keeps statement journals in memory
	// instead of a temporary file (which cost a file creation and writes
	// per batch), and leaves checkpoints to the checkpointer. (A
	// larger page cache measured no faster: the OS caches the file.)
	writeDB, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas+
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"+
		fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerCheckpointPages)+
		"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// Only the writer goroutine begins transactions, on a connection of its
	// own, so there is one writer whatever the pool size. The second
	// connection is the checkpointer's; the third lets a statement be
	// prepared while the writer's connection holds its transaction (see
	// preparedTx).
	writeDB.SetMaxOpenConns(3)
	writeDB.SetMaxIdleConns(3)
	writeDB.SetConnMaxLifetime(0)
	if err := writeDB.PingContext(ctx); err != nil {
		writeDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(ctx, writeDB); err != nil {
		writeDB.Close()
		return nil, err
	}
	// The checkpointer's connection stays open as long as the store, and
	// SQLite deletes or replaces the log only when its last connection
	// closes: the log file opened here is the store's log for its whole life.
	checkpointConn, err := writeDB.Conn(ctx)
	if err != nil {
		writeDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{conversations: newConversationCache(maxCachedConversations), rewindPages: rewindPages}
	writerConn, err := writerConnection(ctx, writeDB, db.rowChanged)
	if err != nil {
		checkpointConn.Close()
		writeDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	wal, err := os.Open(path + "-wal")
	if err == nil {
		err = datasync(wal) // the migrations committed without waiting for the disk
	}
	if err != nil {
		if wal != nil {
			wal.Close()
		}
		writerConn.Close()
		checkpointConn.Close()
		writeDB.Close()
		return nil, fmt.Errorf("flush the log of %s: %w", path, err)
	}
	// Readers get a 1 MiB page cache each (SQLite's default is 2 MiB): most
	// reads are indexed lookups, and the OS page cache holds the file anyway.
	readDB, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+pragmas+"&_pragma=query_only(1)&_pragma=cache_size(-1024)")
	if err != nil {
		wal.Close()
		writerConn.Close()
		checkpointConn.Close()
		writeDB.Close()
		return nil, err
	}
	readDB.SetMaxOpenConns(readConns)
	readDB.SetMaxIdleConns(readConns)
	reads := newPreparedDB(readDB)
	db.Reader, db.path, db.readDB, db.writeDB = sqlstore.NewReader(reads, &dialect), path, readDB, writeDB
	db.writerConn, db.reads, db.writes = writerConn, reads, newPreparedDB(writeDB)
	db.publisher, db.logger = publisher, logger
	db.requests, db.done, db.wal = make(chan *request, MaxBatch), make(chan struct{}), wal
	db.checkpoints, db.checkpointerDone = make(chan struct{}, 1), make(chan struct{})
	db.flush = func() error { return datasync(db.wal) }
	go db.writer()
	go db.checkpointer(checkpointConn)
	return db, nil
}

// writerConnection takes the writer's connection from writeDB and has it
// report every row it changes to hook, before the change.
func writerConnection(ctx context.Context, writeDB *sql.DB, hook sqlite.PreUpdateHookFn) (*sql.Conn, error) {
	conn, err := writeDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	err = conn.Raw(func(driverConn any) error {
		hooked, ok := driverConn.(interface{ RegisterPreUpdateHook(sqlite.PreUpdateHookFn) })
		if !ok {
			return fmt.Errorf("the SQLite driver's connection (%T) has no pre-update hook", driverConn)
		}
		hooked.RegisterPreUpdateHook(hook)
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// rowChanged is the pre-update hook of the writer's connection: SQLite calls
// it on the writer goroutine, inside the writer's statements.
func (db *DB) rowChanged(d sqlite.SQLitePreUpdateData) {
	db.rowChanges++
	db.conversations.changed(d)
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

// Ping checks that the database answers and takes writes, for readiness
// probes.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.brokenErr(); err != nil {
		return err
	}
	return db.readDB.PingContext(ctx)
}

// brokenErr is the error of every write once a flush has failed, else nil.
func (db *DB) brokenErr() error {
	if err := db.broken.Load(); err != nil {
		return fmt.Errorf("the database takes no more writes since flushing its log failed: %w", *err)
	}
	return nil
}

// WriterStats counts the writer's work since Open.
type WriterStats struct {
	// Commits is the number of SQLite commits (group commits).
	Commits int64
	// Transactions is the number of Update calls those commits made
	// durable.
	Transactions int64
	// Flushes is the number of times the write-ahead log was flushed to
	// disk.
	Flushes int64
	// SpacedFlushes is the number of times the syncer waited before taking
	// the next batch, so that flushes of a busy store start at least
	// minFlushSpacing apart.
	SpacedFlushes int64
	// Checkpoints is the number of times the checkpointer copied the log
	// into the database file.
	Checkpoints int64
	// Rewinds is the number of times the writer copied the rest of the log
	// for it to start over.
	Rewinds int64
	// FlushTimes counts the successful flushes by duration: FlushTimes[i]
	// took at most FlushBuckets[i] (and more than the bound before it); the
	// last element counts those over the largest bound. They add up to
	// Flushes, give or take flushes finishing while the stats are read.
	FlushTimes []uint64
	// FlushTime is the total time those flushes took.
	FlushTime time.Duration
}

// WriterStats returns the writer's counters, for metrics.
func (db *DB) WriterStats() WriterStats {
	return WriterStats{Commits: db.stats.commits.Load(), Transactions: db.stats.transactions.Load(),
		Flushes: db.stats.flushes.Load(), SpacedFlushes: db.stats.spaced.Load(),
		Checkpoints: db.stats.checkpoints.Load(), Rewinds: db.stats.rewinds.Load(),
		FlushTimes: db.flushTimes.snapshot(), FlushTime: time.Duration(db.flushTimes.total.Load())}
}

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
	<-db.checkpointerDone
	db.reads.close()
	db.writes.close()
	return errors.Join(db.writerConn.Close(), db.readDB.Close(), db.writeDB.Close(), db.wal.Close())
}

// Update implements novatalks.Store. Once fn has been queued Update waits for
// the outcome even if ctx ends, so that its result always says whether the
// change was committed.
func (db *DB) Update(ctx context.Context, fn func(novatalks.Tx) error) error {
	if err := db.brokenErr(); err != nil {
		return err
	}
	db.inFlight.Add(1)
	defer db.inFlight.Add(-1)
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

// writer runs requests in a transaction and commits it when the syncer is
// free to flush it; the syncer makes each committed batch durable and
// completes its requests. While the syncer flushes one batch the writer
// keeps running the requests that arrive in the next transaction, so the
// disk flush never idles the writer and a busy writer's batches grow with
// the flush time. Requests already queued are taken before a commit, up to
// MaxBatch.
func (db *DB) writer() {
	defer close(db.done)
	committed := make(chan []*request, 1)
	idle := make(chan struct{}, 1) // holds a token while the syncer waits for a batch
	synced := make(chan struct{})
	idle <- struct{}{}
	go db.syncer(committed, idle, synced)
	defer func() {
		close(committed)
		<-synced
	}()
	requests := db.requests
	var b *batch
	for requests != nil || b != nil {
		more, syncerIdle := requests, idle
		if b == nil {
			syncerIdle = nil // nothing to commit
		} else if len(b.requests) >= MaxBatch {
			more = nil // full: commit first
		}
		var r *request
		var ok bool
		select {
		case r, ok = <-more: // a request already queued goes in before a commit
		default:
			select {
			case r, ok = <-more:
			case <-syncerIdle:
				if b.commit() {
					committed <- b.requests
				} else {
					idle <- struct{}{}
				}
				b = nil
				continue
			}
		}
		if !ok {
			requests = nil
			continue
		}
		if b == nil {
			if b = db.begin(r); b == nil {
				continue
			}
		}
		if !b.run(r) {
			b = nil
		}
	}
}

// syncer flushes the write-ahead log once per committed batch, then
// publishes the batch's events in commit order and completes its requests.
// If the flush fails, the batch's requests fail and the store is broken. It
// puts a token in idle whenever it waits for the next batch: while the store
// is busy, no sooner than minFlushSpacing after its last flush began.
func (db *DB) syncer(committed <-chan []*request, idle chan<- struct{}, done chan<- struct{}) {
	defer close(done)
	var lastFlush time.Time
	for requests := range committed {
		lastFlush = time.Now()
		err := db.makeDurable()
		for _, r := range requests {
			if err != nil && r.err == nil {
				r.err = err
			}
			if r.err == nil && len(r.events) > 0 && db.publisher != nil {
				db.publisher.Publish(r.events...)
			}
			r.events = nil
			close(r.done)
		}
		if db.inFlight.Load() > busyUpdates {
			if wait := time.Until(lastFlush.Add(minFlushSpacing)); wait > 0 {
				db.stats.spaced.Add(1)
				time.Sleep(wait)
			}
		}
		idle <- struct{}{}
	}
}

// makeDurable flushes the log after a commit and wakes the checkpointer. It
// fails without flushing once a flush has failed: a later flush that
// succeeds does not prove that the earlier writes reached the disk.
func (db *DB) makeDurable() error {
	if err := db.brokenErr(); err != nil {
		return err
	}
	start := time.Now()
	if err := db.flush(); err != nil {
		db.broken.CompareAndSwap(nil, &err)
		db.logger.Error("flushing the database's log failed: the store takes no more writes", "err", err)
		return db.brokenErr()
	}
	db.flushTimes.observe(time.Since(start))
	db.stats.flushes.Add(1)
	select {
	case db.checkpoints <- struct{}{}:
	default:
	}
	return nil
}

// checkpointer copies the write-ahead log into the database file on its
// own connection, at most every checkpointInterval and only after commits,
// so that the writer does not stall for it (SQLite would otherwise
// checkpoint inside a commit). Its checkpoints are PASSIVE: they never wait
// for readers or the writer. Once the log reaches rewindPages it chains
// passes until one had little to copy, and then has the writer start the
// log over (see rewindPages). It stops, closing conn, when the writer has
// stopped.
//
// After each pass it flushes the database file itself: SQLite flushes it
// only at the end of a checkpoint that copied the whole log, which under
// steady writes is the writer's, so that the writer would wait for the
// disk to take every page copied since the last full checkpoint (10-20 ms
// here, against about a millisecond for the few it copies itself). The
// extra flush changes no guarantee: SQLite still flushes before it lets
// the log start over.
func (db *DB) checkpointer(conn *sql.Conn) {
	defer close(db.checkpointerDone)
	defer conn.Close()
	file, err := os.Open(db.path)
	if err != nil {
		db.logger.Warn("the checkpointer cannot flush the database file: the writer will", "err", err)
	} else {
		defer file.Close()
	}
	ctx := context.Background()
	backfilled := 0 // pages of the log in the database file after the last pass
	for {
		select {
		case <-db.checkpoints:
		case <-db.done:
			return
		}
		for range maxChainedPasses {
			logPages, copied, ok := db.checkpoint(ctx, conn)
			if !ok {
				break
			}
			db.stats.checkpoints.Add(1)
			// What this pass copied. A log that started over since the last
			// pass and outgrew its count within one round is taken for the
			// old one, which only puts off a flush or a hand-off by a round.
			fresh := copied - backfilled
			if copied < backfilled { // the log started over
				fresh = copied
			}
			backfilled = copied
			if fresh > 0 && file != nil {
				if err := datasync(file); err != nil {
					db.logger.Warn("flushing the database file failed", "err", err)
				}
			}
			if logPages < db.rewindPages {
				break
			}
			if fresh <= rewindHandOffPages {
				db.rewindDue.Store(true)
				break
			}
		}
		select {
		case <-time.After(checkpointInterval):
		case <-db.done:
			return
		}
	}
}

// rewind, on the writer between two transactions, copies into the database
// file what the checkpointer's last pass left of the log, so that the
// writer's next transaction starts the log over (SQLite restarts the log
// when a write transaction begins with all of it copied and no reader on
// it; should a reader be, the next rewind tries again).
func (db *DB) rewind() {
	if _, _, ok := db.checkpoint(context.Background(), db.writerConn); ok {
		db.stats.rewinds.Add(1)
	}
}

// checkpoint runs a PASSIVE checkpoint on conn and returns the log's length
// and how much of it is now in the database file, both in pages. It reports
// false when it failed (and logged why) or when another connection was
// checkpointing.
func (db *DB) checkpoint(ctx context.Context, conn *sql.Conn) (logPages, copied int, ok bool) {
	var busy int
	err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied)
	if err != nil {
		db.logger.Warn("checkpoint of the database's log failed", "err", err)
		return 0, 0, false
	}
	return logPages, copied, busy == 0
}

// batch is the writer's open transaction and the requests run in it.
type batch struct {
	db       *DB
	tx       *sql.Tx
	q        *preparedTx // the statements of tx
	requests []*request
	ok       int // requests whose function succeeded
}

// begin starts a transaction for first. If that fails, it completes first
// with the error and returns nil.
func (db *DB) begin(first *request) *batch {
	if db.rewindDue.Swap(false) {
		db.rewind()
	}
	b := &batch{db: db, requests: make([]*request, 0, 16)}
	err := db.brokenErr()
	if err == nil {
		err = b.beginTx()
	}
	if err != nil {
		first.err = err
		close(first.done)
		return nil
	}
	return b
}

// beginTx begins the batch's transaction on the writer's connection and
// brings the conversation cache up to date with other connections' commits.
func (b *batch) beginTx() error {
	ctx := context.Background()
	tx, err := b.db.writerConn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	q := newPreparedTx(tx, b.db.writes)
	if err := b.db.conversations.checkDataVersion(ctx, q); err != nil {
		tx.Rollback()
		return fmt.Errorf("begin: %w", err)
	}
	b.tx, b.q, b.ok = tx, q, 0
	return nil
}

// rollback rolls the transaction back, and with it the rows the cache took
// from it.
func (b *batch) rollback() {
	b.tx.Rollback()
	clear(b.db.conversations.rows)
}

// run runs r's function in the transaction. It reports false when the
// transaction itself failed: it has then rolled back and completed every
// request of the batch with the error.
func (b *batch) run(r *request) bool {
	b.requests = append(b.requests, r)
	for wrote := b.exec(r); wrote; {
		var ok bool
		if wrote, ok = b.replay(); !ok {
			return false
		}
	}
	return true
}

// exec runs r's function, unless r's context has ended. It reports whether
// the function failed after changing rows: those changes are still in the
// transaction, which must then be rolled back.
func (b *batch) exec(r *request) (failedAfterWriting bool) {
	if err := r.ctx.Err(); err != nil {
		r.err = err // completed with the batch, having changed nothing
		return false
	}
	changes := b.db.rowChanges
	t := &writerTx{Tx: sqlstore.NewTx(uncancelable{b.q}, &dialect), cache: b.db.conversations}
	r.err = run(r.fn, t, b.db.logger)
	if r.err == nil {
		r.events = t.Events()
		b.ok++
		return false
	}
	return b.db.rowChanges != changes
}

// replay rolls the transaction back, begins a new one and runs again the
// functions of the batch that had succeeded. It reports whether one of them
// failed after writing, which calls for another replay (each one leaves a
// function out, so replays end), and false in ok when beginning failed: it
// has then completed every request with the error.
func (b *batch) replay() (failedAfterWriting, ok bool) {
	b.rollback()
	if err := b.beginTx(); err != nil {
		return false, b.fail(err)
	}
	for _, r := range b.requests {
		if r.err != nil {
			continue
		}
		if b.exec(r) {
			return true, true
		}
	}
	return false, true
}

// commit commits the transaction. It reports true when it committed: the
// syncer then completes the requests. Otherwise it has completed every
// request with the error.
func (b *batch) commit() bool {
	if err := b.tx.Commit(); err != nil {
		return b.fail(fmt.Errorf("commit: %w", err))
	}
	b.db.stats.commits.Add(1)
	b.db.stats.transactions.Add(int64(b.ok))
	return true
}

// fail rolls the transaction back and completes every request of the batch
// with err (those that failed on their own keep their error).
func (b *batch) fail(err error) bool {
	b.rollback()
	for _, r := range b.requests {
		if r.err == nil {
			r.err = err
		}
		r.events = nil
		close(r.done)
	}
	return false
}

// run calls fn, turning a panic into an internal error so that one bad request
// cannot take the writer down.
func run(fn func(novatalks.Tx) error, t novatalks.Tx, logger *slog.Logger) (err error) {
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
// row locks, and the driver reports inserted IDs.
var dialect = sqlstore.Dialect{IsUniqueViolation: isUniqueViolation, Like: "LIKE", LastInsertID: true}

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

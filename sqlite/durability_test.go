package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/sqlite"
)

// An Update returns, and its events are published, only once the log has
// been flushed after the commit: the flush already finds the change
// committed, and nothing is acknowledged while it runs.
func TestUpdateWaitsForTheFlush(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	db := MustOpenDB(t, rec)
	flushing, release := make(chan int64, 1), make(chan struct{})
	var releaseOnce sync.Once
	releaseFlush := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseFlush() // a failing test must not leave the writer stuck
	var committedBeforeFlush bool
	sqlite.WrapFlush(db, func(flush func() error) error {
		// The account the Update below creates is ID 1: the flush finds it
		// committed (visible to the read pool).
		_, err := db.FindAccountByID(ctx, 1)
		committedBeforeFlush = err == nil
		flushing <- 1
		<-release
		return flush()
	})
	done := make(chan error, 1)
	go func() {
		done <- db.Update(ctx, func(tx novatalks.Tx) error {
			tx.Emit(novatalks.Event{Type: novatalks.EventMessageCreated})
			return createAccount(ctx, tx, "flushed")
		})
	}()
	<-flushing
	select {
	case err := <-done:
		t.Fatalf("Update returned (%v) before the flush finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("%d events published before the flush finished", n)
	}
	releaseFlush()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !committedBeforeFlush {
		t.Error("the flush ran before the commit")
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d events after the flush, want 1", n)
	}
	if s := db.WriterStats(); s.Commits != 1 || s.Transactions != 1 || s.Flushes != 1 {
		t.Errorf("writer stats %+v, want one commit, transaction and flush", s)
	}
}

// A failed flush fails the Updates it was to make durable, publishes none
// of their events, and stops the store taking writes: later Updates and
// Ping fail.
func TestFailedFlushStopsWrites(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	db := MustOpenDB(t, rec)
	diskError := errors.New("input/output error")
	sqlite.WrapFlush(db, func(func() error) error { return diskError })
	err := db.Update(ctx, func(tx novatalks.Tx) error {
		tx.Emit(novatalks.Event{Type: novatalks.EventMessageCreated})
		return createAccount(ctx, tx, "lost")
	})
	if !errors.Is(err, diskError) {
		t.Fatalf("Update: %v, want the flush's error", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d events published for an update that is not durable", n)
	}
	if err := db.Update(ctx, func(tx novatalks.Tx) error { return createAccount(ctx, tx, "after") }); !errors.Is(err, diskError) {
		t.Errorf("Update after the failed flush: %v", err)
	}
	if err := db.Ping(ctx); !errors.Is(err, diskError) {
		t.Errorf("Ping after the failed flush: %v", err)
	}
}

// The checkpointer copies the log into the database file after writes,
// without the writer's automatic checkpoint (which waits for a much
// longer log): once it has run, the database file alone holds them.
func TestCheckpointerCopiesTheLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.db")
	db, err := sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var last int64
	for range 50 {
		a := &novatalks.Account{Name: "a", CreatedAt: time.Now()}
		if err := db.Update(ctx, func(tx novatalks.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		last = a.ID
	}
	after := db.WriterStats().Checkpoints
	for deadline := time.Now().Add(5 * time.Second); db.WriterStats().Checkpoints == after; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint within 5 s of the last write")
		}
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	alone := filepath.Join(dir, "alone.db")
	if err := os.WriteFile(alone, file, 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := sqlite.Open(ctx, alone, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if _, err := copyDB.FindAccountByID(ctx, last); err != nil {
		t.Errorf("the database file without its log lacks the last account: %v", err)
	}
}

// A process killed right after its Updates returned loses none of them.
// The test runs itself as the writing process (see TestCrashWriter).
func TestCrashLosesNoAcknowledgedUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashWriter$")
	cmd.Env = append(os.Environ(), "NOVATALKS_CRASH_WRITER_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read acknowledged account names until a few hundred have come, then
	// kill the writer in the middle of its work.
	acked := []string{}
	lines := bufio.NewScanner(out)
	for len(acked) < 300 && lines.Scan() {
		acked = append(acked, lines.Text())
	}
	cmd.Process.Kill()
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the writer acknowledged only %d updates", len(acked))
	}
	db, err := sqlite.Open(context.Background(), path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, line := range acked {
		id, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("writer printed %q", line)
		}
		if _, err := db.FindAccountByID(context.Background(), id); err != nil {
			t.Fatalf("acknowledged account %d is gone after the crash: %v", id, err)
		}
	}
}

// TestCrashWriter is the process TestCrashLosesNoAcknowledgedUpdate kills:
// it writes accounts from several goroutines, so that they share commits,
// and prints the ID of each one whose Update returned, until it is killed.
func TestCrashWriter(t *testing.T) {
	path := os.Getenv("NOVATALKS_CRASH_WRITER_DB")
	if path == "" {
		t.Skip("run by TestCrashLosesNoAcknowledgedUpdate")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	acks := make(chan int64)
	for range 8 {
		go func() {
			for {
				var a *novatalks.Account
				err := db.Update(ctx, func(tx novatalks.Tx) error {
					a = &novatalks.Account{Name: "crash", CreatedAt: time.Now()}
					return tx.CreateAccount(ctx, a)
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				acks <- a.ID
			}
		}()
	}
	for id := range acks {
		fmt.Println(id)
	}
}

// Under a steady stream of concurrent Updates the syncer starts flushes at
// least MinFlushSpacing apart, so that the writer's batches grow instead of
// each flush covering a handful of Updates.
func TestFlushesAreSpaced(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	starts := recordFlushStarts(db)
	const writers = 32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var updates atomic.Int64
	for i := range writers {
		wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := db.Update(ctx, func(tx novatalks.Tx) error {
					return createAccount(ctx, tx, fmt.Sprintf("a%d-%d", i, j))
				}); err != nil {
					t.Error(err)
					return
				}
				updates.Add(1)
			}
		})
	}
	// Judge only the flushes made while every writer was still sending.
	time.Sleep(100 * time.Millisecond)
	busy := starts()
	close(stop)
	wg.Wait()
	// The syncer takes its time just before it calls the flush; a call
	// delayed in between (the machine may be busy with other tests) shortens
	// the gap measured here, hence the slack. Without the spacing, flushes
	// follow each other as fast as the disk allows.
	least := sqlite.MinFlushSpacing / 2
	for i := 1; i < len(busy); i++ {
		if gap := busy[i].Sub(busy[i-1]); gap < least {
			t.Errorf("flush %d started %v after the previous one, want at least %v", i, gap, least)
		}
	}
	if flushes, n := db.WriterStats().Flushes, updates.Load(); flushes*4 > n {
		t.Errorf("%d flushes for %d updates from %d writers: batches did not grow", flushes, n, writers)
	}
}

// One Update at a time is not kept waiting for the next flush: nothing
// would join its batch. (The syncer's own count, not the time between
// flushes: a busy machine stretches that, and this test would fail.)
func TestLoneUpdatesAreFlushedAtOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	for i := range 100 {
		if err := db.Update(ctx, func(tx novatalks.Tx) error {
			return createAccount(ctx, tx, fmt.Sprintf("a%d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if stats := db.WriterStats(); stats.SpacedFlushes != 0 {
		t.Errorf("%d of %d flushes of sequential Updates waited for the spacing of a busy store", stats.SpacedFlushes, stats.Flushes)
	}
}

// Every successful flush is counted in the histogram of flush times, in
// the bucket of its duration: a flush the disk takes 6 ms over lands above
// the 5 ms bound.
func TestFlushTimesAreCounted(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, nil)
	var slow atomic.Bool
	sqlite.WrapFlush(db, func(flush func() error) error {
		if slow.Load() {
			time.Sleep(6 * time.Millisecond)
		}
		return flush()
	})
	before := db.WriterStats()
	for i := range 4 {
		slow.Store(i == 3)
		if err := db.Update(ctx, func(tx novatalks.Tx) error {
			return createAccount(ctx, tx, fmt.Sprintf("a%d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	after := db.WriterStats()
	if len(after.FlushTimes) != len(sqlite.FlushBuckets)+1 {
		t.Fatalf("%d counts for %d bounds", len(after.FlushTimes), len(sqlite.FlushBuckets))
	}
	var counted, over5ms uint64
	for i, n := range after.FlushTimes {
		n -= before.FlushTimes[i]
		counted += n
		if i > 0 && sqlite.FlushBuckets[i-1] >= 5*time.Millisecond {
			over5ms += n
		}
	}
	if flushes := after.Flushes - before.Flushes; counted != uint64(flushes) || flushes != 4 {
		t.Errorf("%d flushes in the histogram, %d counted; want 4", counted, flushes)
	}
	if over5ms < 1 {
		t.Errorf("%d flushes over 5 ms in the histogram, want the slow one (counts %v)", over5ms, after.FlushTimes)
	}
	if took := after.FlushTime - before.FlushTime; took < 6*time.Millisecond {
		t.Errorf("flushes took %v in all, less than the slow one", took)
	}
}

// recordFlushStarts records when each flush of db's log starts; the
// returned function lists them so far.
func recordFlushStarts(db *sqlite.DB) func() []time.Time {
	var mu sync.Mutex
	var starts []time.Time
	sqlite.WrapFlush(db, func(flush func() error) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return flush()
	})
	return func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(starts)
	}
}

// Under a steady stream of Updates, which never leaves the whole log copied
// by itself, the log still starts over near its rewind length: the
// checkpointer catches up and hands the rest to the writer, long before
// the writer's own checkpoint would. Nothing acknowledged is lost across
// the restarts.
func TestSteadyWritesStartTheLogOver(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rewind.db")
	const rewindPages = 1024
	db, err := sqlite.OpenRewindingAt(ctx, path, rewindPages)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const writers = 32
	var mu sync.Mutex
	var acked []int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				a := &novatalks.Account{Name: strings.Repeat("a", 200), CreatedAt: time.Now()}
				if err := db.Update(ctx, func(tx novatalks.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, a.ID)
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for db.WriterStats().Rewinds < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := db.WriterStats().Rewinds; n < 3 {
		t.Fatalf("the writer started the log over %d times in 30 s of steady writes", n)
	}
	// The log file keeps the length it reached (SQLite overwrites it from
	// the start): a frame is a page and a 24-byte header, after the log's
	// 32-byte header. It passes the rewind length by what the writers
	// append while the checkpointer waits for its next round (up to 100 ms).
	info, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if pages := (info.Size() - 32) / (4096 + 24); pages > 4*rewindPages {
		t.Errorf("the log grew to %d pages; it starts over from %d (the writer's own checkpoint waits for %d)",
			pages, rewindPages, sqlite.WriterCheckpointPages)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	for _, id := range acked {
		if _, err := reopened.FindAccountByID(ctx, id); err != nil {
			t.Fatalf("acknowledged account %d is gone: %v", id, err)
		}
	}
	t.Logf("%d accounts, %d rewinds, log %d bytes", len(acked), db.WriterStats().Rewinds, info.Size())
}

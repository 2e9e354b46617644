package sqlite

import (
	"context"

	"github.com/novatalks/novatalks"
)

// WrapFlush makes the syncer flush the log through wrap, which gets the real
// flush. Call it before the first Update.
func WrapFlush(db *DB, wrap func(flush func() error) error) {
	inner := db.flush
	db.flush = func() error { return wrap(inner) }
}

// IsConversationCached reports whether the writer's cache holds conversation
// id. It asks on the writer goroutine, the cache's only user.
func IsConversationCached(ctx context.Context, db *DB, id int64) (bool, error) {
	var cached bool
	err := db.Update(ctx, func(novatalks.Tx) error {
		cached = db.conversations.rows[id] != nil
		return nil
	})
	return cached, err
}

// QueuedUpdates is the number of Updates waiting for the writer.
func QueuedUpdates(db *DB) int { return len(db.requests) }

// MinFlushSpacing is the least time between the starts of two flushes.
const MinFlushSpacing = minFlushSpacing

// OpenRewindingAt is Open (without a publisher or logger) with the log
// started over once it is pages long.
func OpenRewindingAt(ctx context.Context, path string, pages int) (*DB, error) {
	return open(ctx, path, nil, nil, pages)
}

// WriterCheckpointPages is the log length at which the writer's commit
// checkpoints it itself.
const WriterCheckpointPages = writerCheckpointPages

package sqlite

import (
	"context"
	"maps"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/sqlstore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// maxCachedConversations bounds the writer's conversation cache: about
// 0.5 KiB each, a few MiB in all, and more conversations than a busy node
// has active at once.
const maxCachedConversations = 10000

// conversationCache holds conversation rows as they are stored, so that the
// writer's LockConversation, which every new message takes, usually needs
// no query. Only the writer goroutine uses it: from its transactions and
// from the pre-update hook of its connection, which SQLite calls inside
// the writer's statements.
//
// A cached row is always the stored one, committed or written by the
// writer's open transaction:
//   - SQLite reports every change to a conversations row made on the
//     writer's connection, whatever the statement, and the hook evicts the
//     row;
//   - TouchConversation then puts back the row it wrote, derived from the
//     cached row it replaced;
//   - a request that fails after changing rows makes the writer roll its
//     transaction back, which clears the cache (one that fails before
//     changing any has only read rows, which stay true);
//   - another connection's commit (another process on the same file) shows
//     in PRAGMA data_version, which clears the cache before the writer's
//     next transaction.
//
// Cached rows are never changed: lock returns a copy.
type conversationCache struct {
	rows        map[int64]*novatalks.Conversation
	max         int
	dataVersion int64
}

func newConversationCache(max int) *conversationCache {
	return &conversationCache{rows: make(map[int64]*novatalks.Conversation), max: max, dataVersion: -1}
}

// changed is the pre-update hook of the writer's connection.
func (c *conversationCache) changed(d sqlite.SQLitePreUpdateData) {
	if d.TableName != "conversations" {
		return
	}
	if d.Op != sqlite3.SQLITE_INSERT {
		delete(c.rows, d.OldRowID)
	}
	if d.Op != sqlite3.SQLITE_DELETE {
		delete(c.rows, d.NewRowID)
	}
}

// checkDataVersion clears the cache if another connection has committed
// since the last call. tx is the writer's transaction, which has just begun:
// no one else can commit until it ends.
func (c *conversationCache) checkDataVersion(ctx context.Context, tx sqlstore.Querier) error {
	var v int64
	if err := tx.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return err
	}
	if v != c.dataVersion {
		clear(c.rows)
		c.dataVersion = v
	}
	return nil
}

func (c *conversationCache) put(conv *novatalks.Conversation) {
	if _, ok := c.rows[conv.ID]; !ok && len(c.rows) >= c.max {
		for id := range c.rows { // any one: map order is arbitrary
			delete(c.rows, id)
			break
		}
	}
	c.rows[conv.ID] = conv
}

// writerTx is the Tx the writer gives each request's function: the shared
// SQL implementation, with LockConversation served from the cache.
type writerTx struct {
	*sqlstore.Tx
	cache *conversationCache
}

// LockConversation implements novatalks.Tx. SQLite's single writer holds
// the lock already.
func (t *writerTx) LockConversation(ctx context.Context, accountID, id int64) (*novatalks.Conversation, error) {
	if c := t.cache.rows[id]; c != nil && c.AccountID == accountID {
		return cloneConversation(c), nil
	}
	c, err := t.Tx.LockConversation(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	t.cache.put(cloneConversation(c))
	return c, nil
}

// TouchConversation implements novatalks.Tx. The statement evicts the row;
// if it was cached, the row it wrote goes back in.
func (t *writerTx) TouchConversation(ctx context.Context, c *novatalks.Conversation) error {
	before := t.cache.rows[c.ID]
	if err := t.Tx.TouchConversation(ctx, c); err != nil {
		return err
	}
	if before != nil && before.AccountID == c.AccountID {
		after := *before // shares before's maps and pointers, which no one changes
		after.LastActivityAt = sqlstore.StoredTime(c.LastActivityAt)
		after.LastStamp = sqlstore.StoredTime(c.LastStamp)
		t.cache.put(&after)
	}
	return nil
}

// cloneConversation copies c deeply enough that changing the copy, its
// attributes included, leaves c as it was.
func cloneConversation(c *novatalks.Conversation) *novatalks.Conversation {
	out := *c
	out.AdditionalAttributes = cloneJSONObject(c.AdditionalAttributes)
	out.CustomAttributes = cloneJSONObject(c.CustomAttributes)
	out.AssigneeID = clonePtr(c.AssigneeID)
	out.TeamID = clonePtr(c.TeamID)
	out.SnoozedUntil = clonePtr(c.SnoozedUntil)
	out.AgentLastSeenAt = clonePtr(c.AgentLastSeenAt)
	out.ContactLastSeenAt = clonePtr(c.ContactLastSeenAt)
	return &out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneJSONObject copies a decoded JSON object and everything in it.
func cloneJSONObject(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = cloneJSON(v)
	}
	return out
}

func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneJSONObject(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSON(e)
		}
		return out
	default: // strings, numbers, booleans and null do not change
		return v
	}
}

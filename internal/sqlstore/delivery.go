package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/novatalks/novatalks"
)

const deliveryColumns = `id, uid, account_id, kind, receiver_id, event, conversation_id, order_key, url, body,
	status, attempts, next_attempt_at, locked_until, started_at, last_status, last_error, created_at, updated_at, delivered_at`

func scanDelivery(sc scanner) (*novatalks.Delivery, error) {
	var d novatalks.Delivery
	var next, locked, started, created, updated int64
	var delivered sql.NullInt64
	if err := sc.Scan(&d.ID, &d.UID, &d.AccountID, &d.Kind, &d.ReceiverID, &d.Event, &d.ConversationID, &d.OrderKey,
		&d.URL, &d.Body, &d.Status, &d.Attempts, &next, &locked, &started, &d.LastStatusCode, &d.LastError,
		&created, &updated, &delivered); err != nil {
		return nil, err
	}
	d.NextAttemptAt, d.StartedAt, d.CreatedAt, d.UpdatedAt = fromMS(next), fromMS(started), fromMS(created), fromMS(updated)
	if locked > 0 {
		d.LockedUntil = fromMS(locked)
	}
	d.DeliveredAt = fromNullMS(delivered)
	return &d, nil
}

// zeroMS stores the zero time as 0 (not free) rather than year 1.
func zeroMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// isHead is the condition that a pending delivery d is the oldest pending
// one of its order key: only heads are delivered.
const isHead = `NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.status = 'pending' AND e.order_key = d.order_key AND e.id < d.id)`

// EnqueueDeliveries implements novatalks.Tx.
func (t *Tx) EnqueueDeliveries(ctx context.Context, ds []*novatalks.Delivery) error {
	for _, d := range ds {
		err := t.insert(ctx, &d.ID, `INSERT INTO deliveries (uid, account_id, kind, receiver_id, event, conversation_id,
			order_key, url, body, status, attempts, next_attempt_at, locked_until, started_at, last_status, last_error,
			created_at, updated_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.UID, d.AccountID, d.Kind, d.ReceiverID, d.Event, d.ConversationID, d.OrderKey, d.URL, d.Body, d.Status,
			d.Attempts, ms(d.NextAttemptAt), zeroMS(d.LockedUntil), ms(d.StartedAt), d.LastStatusCode, d.LastError,
			ms(d.CreatedAt), ms(d.UpdatedAt), msPtr(d.DeliveredAt))
		if err != nil {
			return err
		}
	}
	return nil
}

// ClaimDeliveries implements novatalks.Tx. The UPDATE ... RETURNING both
// picks and leases the rows. On SQLite, which has one writer, nothing can
// claim them in between; on PostgreSQL the picking SELECT locks its rows and
// passes over rows a concurrent claimer holds (Dialect.SkipLockedRows), and
// re-checks the lease of a row that a claimer released meanwhile.
func (t *Tx) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*novatalks.Delivery, error) {
	list, err := queryAll(ctx, t.q, scanDelivery, `UPDATE deliveries SET locked_until = ? WHERE id IN (
		SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.locked_until <= ?
		AND `+isHead+` ORDER BY d.next_attempt_at, d.id LIMIT ?`+t.d.SkipLockedRows+`) RETURNING `+deliveryColumns,
		ms(now.Add(lease)), ms(now), ms(now), limit)
	slices.SortFunc(list, func(a, b *novatalks.Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return list, err
}

// UpdateDelivery implements novatalks.Tx.
func (t *Tx) UpdateDelivery(ctx context.Context, d *novatalks.Delivery) error {
	res, err := t.q.ExecContext(ctx, `UPDATE deliveries SET url = ?, status = ?, attempts = ?, next_attempt_at = ?,
		locked_until = ?, started_at = ?, last_status = ?, last_error = ?, updated_at = ?, delivered_at = ?
		WHERE account_id = ? AND id = ?`,
		d.URL, d.Status, d.Attempts, ms(d.NextAttemptAt), zeroMS(d.LockedUntil), ms(d.StartedAt), d.LastStatusCode,
		d.LastError, ms(d.UpdatedAt), msPtr(d.DeliveredAt), d.AccountID, d.ID)
	return affected(res, err, "delivery")
}

// AddDeliveryAttempt implements novatalks.Tx.
func (t *Tx) AddDeliveryAttempt(ctx context.Context, a *novatalks.DeliveryAttempt) error {
	return t.insert(ctx, &a.ID, `INSERT INTO delivery_attempts (delivery_id, attempted_at, duration_ms, status_code, error)
		VALUES (?, ?, ?, ?, ?)`, a.DeliveryID, ms(a.At), a.Duration.Milliseconds(), a.StatusCode, a.Error)
}

// DeleteDeliveries implements novatalks.Tx. It picks the oldest rows by ID
// (old rows come first in ID order, so the scan stops soon without an index
// of its own), skipping rows another node's clean-up holds, and deletes
// them with their attempts.
func (t *Tx) DeleteDeliveries(ctx context.Context, status string, before time.Time, limit int) (int, error) {
	ids, err := queryAll(ctx, t.q, scanInt64, `SELECT id FROM deliveries WHERE status = ? AND updated_at < ?
		ORDER BY id LIMIT ?`+t.d.SkipLockedRows, status, ms(before), limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	in, args := placeholders(ids)
	if _, err := t.q.ExecContext(ctx, `DELETE FROM delivery_attempts WHERE delivery_id IN (`+in+`)`, args...); err != nil {
		return 0, err
	}
	res, err := t.q.ExecContext(ctx, `DELETE FROM deliveries WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func scanInt64(sc scanner) (int64, error) {
	var v int64
	err := sc.Scan(&v)
	return v, err
}

// FindDeliveryByID implements novatalks.Reader.
func (r Reader) FindDeliveryByID(ctx context.Context, accountID, id int64) (*novatalks.Delivery, error) {
	d, err := queryOne(ctx, r.q, scanDelivery, "delivery",
		`SELECT `+deliveryColumns+` FROM deliveries WHERE account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return nil, err
	}
	d.History, err = queryAll(ctx, r.q, func(sc scanner) (*novatalks.DeliveryAttempt, error) {
		var a novatalks.DeliveryAttempt
		var at, dur int64
		err := sc.Scan(&a.ID, &a.DeliveryID, &at, &dur, &a.StatusCode, &a.Error)
		a.At, a.Duration = fromMS(at), time.Duration(dur)*time.Millisecond
		return &a, err
	}, `SELECT id, delivery_id, attempted_at, duration_ms, status_code, error FROM delivery_attempts
		WHERE delivery_id = ? ORDER BY id`, d.ID)
	return d, err
}

// FindDeliveries implements novatalks.Reader.
func (r Reader) FindDeliveries(ctx context.Context, f novatalks.DeliveryFilter) ([]*novatalks.Delivery, error) {
	where, args := []string{`account_id = ?`}, []any{f.AccountID}
	if f.Status != "" {
		where, args = append(where, `status = ?`), append(args, f.Status)
	}
	if f.Kind != "" {
		where, args = append(where, `kind = ?`), append(args, f.Kind)
	}
	if f.BeforeID > 0 {
		where, args = append(where, `id < ?`), append(args, f.BeforeID)
	}
	return queryAll(ctx, r.q, scanDelivery, `SELECT `+deliveryColumns+` FROM deliveries WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, limitOrAll(f.Limit))...)
}

// CountDeliveries implements novatalks.Reader.
func (r Reader) CountDeliveries(ctx context.Context) (novatalks.DeliveryStats, error) {
	var s novatalks.DeliveryStats
	err := r.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM deliveries WHERE status = 'pending'),
		(SELECT COUNT(*) FROM deliveries WHERE status = 'dead')`).Scan(&s.Pending, &s.Dead)
	return s, err
}

// NextDeliveryDue implements novatalks.Reader. It looks at the heads of the
// order keys only: a delivery waiting behind an older one of its key is not
// due, whatever its time.
func (r Reader) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var due sql.NullInt64
	err := r.q.QueryRowContext(ctx, `SELECT MIN(CASE WHEN d.locked_until > d.next_attempt_at THEN d.locked_until ELSE d.next_attempt_at END) FROM deliveries d
		WHERE d.status = 'pending' AND `+isHead).Scan(&due)
	if err != nil || !due.Valid {
		return time.Time{}, false, err
	}
	return fromMS(due.Int64), true, nil
}

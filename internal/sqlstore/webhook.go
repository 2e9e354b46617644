package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/novatalks/novatalks"
)

const webhookColumns = `id, account_id, name, url, subscriptions, secret, created_at, updated_at`

func scanWebhook(sc scanner) (*novatalks.Webhook, error) {
	var w novatalks.Webhook
	var subs string
	var created, updated int64
	if err := sc.Scan(&w.ID, &w.AccountID, &w.Name, &w.URL, &subs, &w.Secret, &created, &updated); err != nil {
		return nil, err
	}
	w.Subscriptions = []string{}
	_ = json.Unmarshal([]byte(subs), &w.Subscriptions)
	w.CreatedAt, w.UpdatedAt = fromMS(created), fromMS(updated)
	return &w, nil
}

// FindWebhookByID implements novatalks.Reader.
func (r Reader) FindWebhookByID(ctx context.Context, accountID, id int64) (*novatalks.Webhook, error) {
	return queryOne(ctx, r.q, scanWebhook, "webhook",
		`SELECT `+webhookColumns+` FROM webhooks WHERE account_id = ? AND id = ?`, accountID, id)
}

// FindWebhooks implements novatalks.Reader.
func (r Reader) FindWebhooks(ctx context.Context, accountID int64) ([]*novatalks.Webhook, error) {
	return queryAll(ctx, r.q, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks WHERE account_id = ? ORDER BY id`, accountID)
}

// CreateWebhook implements novatalks.Tx.
func (t *Tx) CreateWebhook(ctx context.Context, w *novatalks.Webhook) error {
	subs, err := json.Marshal(w.Subscriptions)
	if err != nil {
		return err
	}
	err = t.insert(ctx, &w.ID, `INSERT INTO webhooks (account_id, name, url, subscriptions, secret, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, w.AccountID, w.Name, w.URL, string(subs), w.Secret, ms(w.CreatedAt), ms(w.UpdatedAt))
	return t.webhookConflict(err)
}

// UpdateWebhook implements novatalks.Tx.
func (t *Tx) UpdateWebhook(ctx context.Context, w *novatalks.Webhook) error {
	subs, err := json.Marshal(w.Subscriptions)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE webhooks SET name = ?, url = ?, subscriptions = ?, updated_at = ?
		WHERE account_id = ? AND id = ?`, w.Name, w.URL, string(subs), ms(w.UpdatedAt), w.AccountID, w.ID)
	return affected(res, t.webhookConflict(err), "webhook")
}

// DeleteWebhook implements novatalks.Tx.
func (t *Tx) DeleteWebhook(ctx context.Context, accountID, id int64) error {
	res, err := t.q.ExecContext(ctx, `DELETE FROM webhooks WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "webhook")
}

// webhookConflict turns a unique violation (the account's URL) into ECONFLICT.
func (r Reader) webhookConflict(err error) error {
	return r.conflict(err, "the account already has a webhook with that URL")
}

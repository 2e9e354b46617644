package sqlstore

import (
	"context"

	"github.com/novatalks/novatalks"
)

// FindAccountByID implements novatalks.Reader.
func (r Reader) FindAccountByID(ctx context.Context, id int64) (*novatalks.Account, error) {
	var a novatalks.Account
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT id, name, created_at FROM accounts WHERE id = ?`, id).Scan(&a.ID, &a.Name, &created)
	if err != nil {
		return nil, notFound(err, "account")
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// CreateAccount implements novatalks.Tx.
func (t *Tx) CreateAccount(ctx context.Context, a *novatalks.Account) error {
	return t.insert(ctx, &a.ID, `INSERT INTO accounts (name, created_at) VALUES (?, ?)`, a.Name, ms(a.CreatedAt))
}

package sqlstore

import (
	"context"

	"github.com/novatalks/novatalks"
)

const userColumns = `id, account_id, name, display_name, email, role, access_token, pubsub_token, avatar_url, created_at`

func scanUser(sc scanner) (*novatalks.User, error) {
	var u novatalks.User
	var created int64
	if err := sc.Scan(&u.ID, &u.AccountID, &u.Name, &u.DisplayName, &u.Email, &u.Role, &u.AccessToken,
		&u.PubsubToken, &u.AvatarURL, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

func (r Reader) findUser(ctx context.Context, where string, args ...any) (*novatalks.User, error) {
	return queryOne(ctx, r.q, scanUser, "user", `SELECT `+userColumns+` FROM users WHERE `+where, args...)
}

// FindUserByAccessTokenHash implements novatalks.Reader.
func (r Reader) FindUserByAccessTokenHash(ctx context.Context, hash string) (*novatalks.User, error) {
	return r.findUser(ctx, `access_token_hash = ?`, hash)
}

// FindUserByPubsubTokenHash implements novatalks.Reader.
func (r Reader) FindUserByPubsubTokenHash(ctx context.Context, hash string) (*novatalks.User, error) {
	return r.findUser(ctx, `pubsub_token_hash = ?`, hash)
}

// FindUserByID implements novatalks.Reader.
func (r Reader) FindUserByID(ctx context.Context, accountID, id int64) (*novatalks.User, error) {
	return r.findUser(ctx, `account_id = ? AND id = ?`, accountID, id)
}

// FindUsers implements novatalks.Reader.
func (r Reader) FindUsers(ctx context.Context, accountID int64) ([]*novatalks.User, error) {
	return queryAll(ctx, r.q, scanUser, `SELECT `+userColumns+` FROM users WHERE account_id = ? ORDER BY id`, accountID)
}

// CreateUser implements novatalks.Tx.
func (t *Tx) CreateUser(ctx context.Context, u *novatalks.User) error {
	err := t.insert(ctx, &u.ID, `INSERT INTO users (account_id, name, display_name, email, role,
		access_token, access_token_hash, pubsub_token, pubsub_token_hash, avatar_url, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.AccountID, u.Name, u.DisplayName, u.Email, u.Role,
		u.AccessToken, novatalks.HashToken(u.AccessToken), u.PubsubToken, novatalks.HashToken(u.PubsubToken), u.AvatarURL, ms(u.CreatedAt))
	return t.userConflict(err)
}

// UpdateUser implements novatalks.Tx.
func (t *Tx) UpdateUser(ctx context.Context, u *novatalks.User) error {
	res, err := t.q.ExecContext(ctx, `UPDATE users SET name = ?, display_name = ?, email = ?, role = ?,
		access_token = ?, access_token_hash = ?, pubsub_token = ?, pubsub_token_hash = ?, avatar_url = ?
		WHERE account_id = ? AND id = ?`,
		u.Name, u.DisplayName, u.Email, u.Role, u.AccessToken, novatalks.HashToken(u.AccessToken),
		u.PubsubToken, novatalks.HashToken(u.PubsubToken), u.AvatarURL, u.AccountID, u.ID)
	return affected(res, t.userConflict(err), "user")
}

// DeleteUser implements novatalks.Tx.
func (t *Tx) DeleteUser(ctx context.Context, accountID, id int64) error {
	res, err := t.q.ExecContext(ctx, `DELETE FROM users WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "user")
}

// userConflict turns a unique violation (a token or the email) into ECONFLICT.
func (r Reader) userConflict(err error) error {
	return r.conflict(err, "that email or token is already in use")
}

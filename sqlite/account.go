package sqlite

import (
	"context"
	"encoding/json"

	"github.com/novatalks/novatalks"
)

// FindAccountByID implements novatalks.Reader.
func (r reader) FindAccountByID(ctx context.Context, id int64) (*novatalks.Account, error) {
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
func (t *tx) CreateAccount(ctx context.Context, a *novatalks.Account) error {
	res, err := t.q.ExecContext(ctx, `INSERT INTO accounts (name, created_at) VALUES (?, ?)`, a.Name, ms(a.CreatedAt))
	if err != nil {
		return err
	}
	a.ID, err = res.LastInsertId()
	return err
}

const inboxColumns = `id, account_id, name, channel, identifier, additional_settings,
	push_enabled, push_url, push_headers, push_bearer_token, push_params, created_at`

func (r reader) findInbox(ctx context.Context, where string, args ...any) (*novatalks.Inbox, error) {
	var in novatalks.Inbox
	var settings, headers, params string
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT `+inboxColumns+` FROM inboxes WHERE `+where, args...).Scan(
		&in.ID, &in.AccountID, &in.Name, &in.Channel, &in.Identifier, &settings,
		&in.Push.Enabled, &in.Push.URL, &headers, &in.Push.BearerToken, &params, &created)
	if err != nil {
		return nil, notFound(err, "inbox")
	}
	in.AdditionalSettings = jsonMap(settings)
	in.Push.AdditionalParams = jsonMap(params)
	in.Push.Headers = map[string]string{}
	_ = json.Unmarshal([]byte(headers), &in.Push.Headers)
	in.CreatedAt = fromMS(created)
	return &in, nil
}

// FindInboxByID implements novatalks.Reader.
func (r reader) FindInboxByID(ctx context.Context, accountID, id int64) (*novatalks.Inbox, error) {
	return r.findInbox(ctx, `account_id = ? AND id = ?`, accountID, id)
}

// FindInboxByIdentifier implements novatalks.Reader.
func (r reader) FindInboxByIdentifier(ctx context.Context, identifier string) (*novatalks.Inbox, error) {
	return r.findInbox(ctx, `identifier = ?`, identifier)
}

// FindDefaultSDKInbox implements novatalks.Reader.
func (r reader) FindDefaultSDKInbox(ctx context.Context, accountID int64) (*novatalks.Inbox, error) {
	return r.findInbox(ctx, `account_id = ? AND channel = ? ORDER BY id LIMIT 1`, accountID, novatalks.ChannelSDK)
}

// CreateInbox implements novatalks.Tx.
func (t *tx) CreateInbox(ctx context.Context, in *novatalks.Inbox) error {
	settings, err := jsonText(in.AdditionalSettings)
	if err != nil {
		return err
	}
	headers, err := jsonText(in.Push.Headers)
	if err != nil {
		return err
	}
	params, err := jsonText(in.Push.AdditionalParams)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `INSERT INTO inboxes (account_id, name, channel, identifier, additional_settings,
		push_enabled, push_url, push_headers, push_bearer_token, push_params, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.AccountID, in.Name, in.Channel, in.Identifier, settings,
		in.Push.Enabled, in.Push.URL, headers, in.Push.BearerToken, params, ms(in.CreatedAt))
	if err != nil {
		return err
	}
	in.ID, err = res.LastInsertId()
	return err
}

const userColumns = `id, account_id, name, display_name, email, role, access_token, pubsub_token, avatar_url, created_at`

func (r reader) findUser(ctx context.Context, where string, args ...any) (*novatalks.User, error) {
	var u novatalks.User
	var created int64
	err := r.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...).Scan(
		&u.ID, &u.AccountID, &u.Name, &u.DisplayName, &u.Email, &u.Role, &u.AccessToken, &u.PubsubToken, &u.AvatarURL, &created)
	if err != nil {
		return nil, notFound(err, "user")
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// FindUserByAccessTokenHash implements novatalks.Reader.
func (r reader) FindUserByAccessTokenHash(ctx context.Context, hash string) (*novatalks.User, error) {
	return r.findUser(ctx, `access_token_hash = ?`, hash)
}

// FindUserByPubsubTokenHash implements novatalks.Reader.
func (r reader) FindUserByPubsubTokenHash(ctx context.Context, hash string) (*novatalks.User, error) {
	return r.findUser(ctx, `pubsub_token_hash = ?`, hash)
}

// FindUserByID implements novatalks.Reader.
func (r reader) FindUserByID(ctx context.Context, accountID, id int64) (*novatalks.User, error) {
	return r.findUser(ctx, `account_id = ? AND id = ?`, accountID, id)
}

// CreateUser implements novatalks.Tx.
func (t *tx) CreateUser(ctx context.Context, u *novatalks.User) error {
	res, err := t.q.ExecContext(ctx, `INSERT INTO users (account_id, name, display_name, email, role,
		access_token, access_token_hash, pubsub_token, pubsub_token_hash, avatar_url, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.AccountID, u.Name, u.DisplayName, u.Email, u.Role,
		u.AccessToken, novatalks.HashToken(u.AccessToken), u.PubsubToken, novatalks.HashToken(u.PubsubToken), u.AvatarURL, ms(u.CreatedAt))
	if isUniqueViolation(err) {
		return novatalks.Errorf(novatalks.ECONFLICT, "that token is already in use")
	} else if err != nil {
		return err
	}
	u.ID, err = res.LastInsertId()
	return err
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/novatalks/novatalks"
)

const inboxColumns = `id, account_id, name, channel, identifier, additional_settings,
	push_enabled, push_url, push_headers, push_bearer_token, push_params, agent_bot_id, created_at`

func scanInbox(sc scanner) (*novatalks.Inbox, error) {
	var in novatalks.Inbox
	var settings, headers, params string
	var created int64
	var bot sql.NullInt64
	if err := sc.Scan(&in.ID, &in.AccountID, &in.Name, &in.Channel, &in.Identifier, &settings,
		&in.Push.Enabled, &in.Push.URL, &headers, &in.Push.BearerToken, &params, &bot, &created); err != nil {
		return nil, err
	}
	in.AgentBotID = nullInt(bot)
	in.AdditionalSettings = jsonMap(settings)
	in.Push.AdditionalParams = jsonMap(params)
	in.Push.Headers = map[string]string{}
	_ = json.Unmarshal([]byte(headers), &in.Push.Headers)
	in.CreatedAt = fromMS(created)
	return &in, nil
}

func (r Reader) findInbox(ctx context.Context, where string, args ...any) (*novatalks.Inbox, error) {
	return queryOne(ctx, r.q, scanInbox, "inbox", `SELECT `+inboxColumns+` FROM inboxes WHERE `+where, args...)
}

// FindInboxByID implements novatalks.Reader.
func (r Reader) FindInboxByID(ctx context.Context, accountID, id int64) (*novatalks.Inbox, error) {
	return r.findInbox(ctx, `account_id = ? AND id = ?`, accountID, id)
}

// FindInboxByIdentifier implements novatalks.Reader.
func (r Reader) FindInboxByIdentifier(ctx context.Context, identifier string) (*novatalks.Inbox, error) {
	return r.findInbox(ctx, `identifier = ?`, identifier)
}

// FindDefaultSDKInbox implements novatalks.Reader.
func (r Reader) FindDefaultSDKInbox(ctx context.Context, accountID int64) (*novatalks.Inbox, error) {
	return r.findInbox(ctx, `account_id = ? AND channel = ? ORDER BY id`, accountID, novatalks.ChannelSDK)
}

// FindInboxes implements novatalks.Reader.
func (r Reader) FindInboxes(ctx context.Context, accountID int64) ([]*novatalks.Inbox, error) {
	return queryAll(ctx, r.q, scanInbox, `SELECT `+inboxColumns+` FROM inboxes WHERE account_id = ? ORDER BY id`, accountID)
}

// inboxValues returns the JSON columns of an inbox.
func inboxValues(in *novatalks.Inbox) (settings, headers, params string, err error) {
	if settings, err = jsonText(in.AdditionalSettings); err != nil {
		return
	}
	if headers, err = jsonText(in.Push.Headers); err != nil {
		return
	}
	params, err = jsonText(in.Push.AdditionalParams)
	return
}

// CreateInbox implements novatalks.Tx.
func (t *Tx) CreateInbox(ctx context.Context, in *novatalks.Inbox) error {
	settings, headers, params, err := inboxValues(in)
	if err != nil {
		return err
	}
	return t.insert(ctx, &in.ID, `INSERT INTO inboxes (account_id, name, channel, identifier, additional_settings,
		push_enabled, push_url, push_headers, push_bearer_token, push_params, agent_bot_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.AccountID, in.Name, in.Channel, in.Identifier, settings,
		in.Push.Enabled, in.Push.URL, headers, in.Push.BearerToken, params, in.AgentBotID, ms(in.CreatedAt))
}

// UpdateInbox implements novatalks.Tx.
func (t *Tx) UpdateInbox(ctx context.Context, in *novatalks.Inbox) error {
	settings, headers, params, err := inboxValues(in)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE inboxes SET name = ?, additional_settings = ?, push_enabled = ?,
		push_url = ?, push_headers = ?, push_bearer_token = ?, push_params = ?, agent_bot_id = ? WHERE account_id = ? AND id = ?`,
		in.Name, settings, in.Push.Enabled, in.Push.URL, headers, in.Push.BearerToken, params, in.AgentBotID, in.AccountID, in.ID)
	return affected(res, err, "inbox")
}

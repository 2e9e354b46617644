package sqlstore

import (
	"context"

	"github.com/novatalks/novatalks"
)

const agentBotColumns = `id, account_id, name, description, outgoing_url, avatar_url, access_token, created_at`

func scanAgentBot(sc scanner) (*novatalks.AgentBot, error) {
	var b novatalks.AgentBot
	var created int64
	if err := sc.Scan(&b.ID, &b.AccountID, &b.Name, &b.Description, &b.OutgoingURL, &b.AvatarURL,
		&b.AccessToken, &created); err != nil {
		return nil, err
	}
	b.CreatedAt = fromMS(created)
	return &b, nil
}

func (r Reader) findAgentBot(ctx context.Context, where string, args ...any) (*novatalks.AgentBot, error) {
	return queryOne(ctx, r.q, scanAgentBot, "agent bot", `SELECT `+agentBotColumns+` FROM agent_bots WHERE `+where, args...)
}

// FindAgentBotByID implements novatalks.Reader.
func (r Reader) FindAgentBotByID(ctx context.Context, accountID, id int64) (*novatalks.AgentBot, error) {
	return r.findAgentBot(ctx, `account_id = ? AND id = ?`, accountID, id)
}

// FindAgentBotByAccessTokenHash implements novatalks.Reader.
func (r Reader) FindAgentBotByAccessTokenHash(ctx context.Context, hash string) (*novatalks.AgentBot, error) {
	return r.findAgentBot(ctx, `access_token_hash = ?`, hash)
}

// FindAgentBots implements novatalks.Reader.
func (r Reader) FindAgentBots(ctx context.Context, accountID int64) ([]*novatalks.AgentBot, error) {
	return queryAll(ctx, r.q, scanAgentBot, `SELECT `+agentBotColumns+` FROM agent_bots WHERE account_id = ? ORDER BY id`, accountID)
}

// CreateAgentBot implements novatalks.Tx.
func (t *Tx) CreateAgentBot(ctx context.Context, b *novatalks.AgentBot) error {
	err := t.insert(ctx, &b.ID, `INSERT INTO agent_bots (account_id, name, description, outgoing_url, avatar_url,
		access_token, access_token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		b.AccountID, b.Name, b.Description, b.OutgoingURL, b.AvatarURL, b.AccessToken, novatalks.HashToken(b.AccessToken), ms(b.CreatedAt))
	return t.tokenConflict(err)
}

// UpdateAgentBot implements novatalks.Tx.
func (t *Tx) UpdateAgentBot(ctx context.Context, b *novatalks.AgentBot) error {
	res, err := t.q.ExecContext(ctx, `UPDATE agent_bots SET name = ?, description = ?, outgoing_url = ?, avatar_url = ?,
		access_token = ?, access_token_hash = ? WHERE account_id = ? AND id = ?`,
		b.Name, b.Description, b.OutgoingURL, b.AvatarURL, b.AccessToken, novatalks.HashToken(b.AccessToken), b.AccountID, b.ID)
	return affected(res, t.tokenConflict(err), "agent bot")
}

// DeleteAgentBot implements novatalks.Tx.
func (t *Tx) DeleteAgentBot(ctx context.Context, accountID, id int64) error {
	res, err := t.q.ExecContext(ctx, `DELETE FROM agent_bots WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "agent bot")
}

// tokenConflict turns a unique violation of a token into ECONFLICT.
func (r Reader) tokenConflict(err error) error {
	return r.conflict(err, "that token is already in use")
}

package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/novatalks/novatalks"
)

const contactColumns = `id, account_id, name, email, phone_number, identifier,
	custom_attributes, additional_attributes, created_at, updated_at`

func scanContact(sc scanner) (*novatalks.Contact, error) {
	var c novatalks.Contact
	var email, phone sql.NullString
	var custom, additional string
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.AccountID, &c.Name, &email, &phone, &c.Identifier, &custom, &additional, &created, &updated); err != nil {
		return nil, err
	}
	c.Email, c.PhoneNumber = nullString(email), nullString(phone)
	c.CustomAttributes, c.AdditionalAttributes = jsonMap(custom), jsonMap(additional)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// FindContactByID implements novatalks.Reader.
func (r Reader) FindContactByID(ctx context.Context, accountID, id int64) (*novatalks.Contact, error) {
	return queryOne(ctx, r.q, scanContact, "contact", `SELECT `+contactColumns+` FROM contacts WHERE account_id = ? AND id = ?`, accountID, id)
}

// FindContacts implements novatalks.Reader.
func (r Reader) FindContacts(ctx context.Context, f novatalks.ContactFilter) ([]*novatalks.Contact, int, error) {
	var total int
	if err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts WHERE account_id = ?`, f.AccountID).Scan(&total); err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, r.q, scanContact, `SELECT `+contactColumns+` FROM contacts WHERE account_id = ?
		ORDER BY id DESC LIMIT ? OFFSET ?`, f.AccountID, limitOrAll(f.Limit), f.Offset)
	return list, total, err
}

// UpdateContact implements novatalks.Tx.
func (t *Tx) UpdateContact(ctx context.Context, c *novatalks.Contact) error {
	custom, additional, err := attrsText(c.CustomAttributes, c.AdditionalAttributes)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE contacts SET name = ?, email = ?, phone_number = ?, custom_attributes = ?,
		additional_attributes = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
		c.Name, c.Email, c.PhoneNumber, custom, additional, ms(c.UpdatedAt), c.AccountID, c.ID)
	return affected(res, err, "contact")
}

// CreateContact implements novatalks.Tx.
func (t *Tx) CreateContact(ctx context.Context, c *novatalks.Contact) error {
	custom, additional, err := attrsText(c.CustomAttributes, c.AdditionalAttributes)
	if err != nil {
		return err
	}
	return t.insert(ctx, &c.ID, `INSERT INTO contacts (account_id, name, email, phone_number, identifier,
		custom_attributes, additional_attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.Name, c.Email, c.PhoneNumber, c.Identifier, custom, additional, ms(c.CreatedAt), ms(c.UpdatedAt))
}

// FindContactInboxByTokenHash implements novatalks.Reader.
func (r Reader) FindContactInboxByTokenHash(ctx context.Context, hash string) (*novatalks.ContactInbox, error) {
	var ci novatalks.ContactInbox
	err := r.q.QueryRowContext(ctx, `SELECT ci.id, ci.account_id, ci.contact_id, ci.inbox_id, c.id, ci.pubsub_token
		FROM contact_inboxes ci JOIN conversations c ON c.contact_inbox_id = ci.id
		WHERE ci.pubsub_token_hash = ?`, hash).Scan(
		&ci.ID, &ci.AccountID, &ci.ContactID, &ci.InboxID, &ci.ConversationID, &ci.PubsubToken)
	if err != nil {
		return nil, notFound(err, "contact inbox")
	}
	return &ci, nil
}

// CreateContactInbox implements novatalks.Tx.
func (t *Tx) CreateContactInbox(ctx context.Context, ci *novatalks.ContactInbox) error {
	return t.insert(ctx, &ci.ID, `INSERT INTO contact_inboxes (account_id, contact_id, inbox_id, pubsub_token, pubsub_token_hash)
		VALUES (?, ?, ?, ?, ?)`, ci.AccountID, ci.ContactID, ci.InboxID, ci.PubsubToken, novatalks.HashToken(ci.PubsubToken))
}

// AddPushToken implements novatalks.Tx.
func (t *Tx) AddPushToken(ctx context.Context, conversationID int64, token string, at time.Time) (bool, error) {
	res, err := t.q.ExecContext(ctx, `INSERT INTO push_tokens (conversation_id, token, created_at) VALUES (?, ?, ?)
		ON CONFLICT (conversation_id, token) DO NOTHING`, conversationID, token, ms(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeletePushToken implements novatalks.Tx.
func (t *Tx) DeletePushToken(ctx context.Context, conversationID int64, token string) (bool, error) {
	res, err := t.q.ExecContext(ctx, `DELETE FROM push_tokens WHERE conversation_id = ? AND token = ?`, conversationID, token)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// FindPushTokens implements novatalks.Reader.
func (r Reader) FindPushTokens(ctx context.Context, conversationID int64) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT token FROM push_tokens WHERE conversation_id = ? ORDER BY id`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tokens := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		tokens = append(tokens, s)
	}
	return tokens, rows.Err()
}

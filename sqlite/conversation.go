package sqlite

import (
	"context"
	"database/sql"

	"github.com/novatalks/novatalks"
)

const conversationColumns = `id, account_id, inbox_id, contact_id, contact_inbox_id, status, substatus,
	priority, subpriority, assignee_id, team_id, dialog_id, additional_attributes, custom_attributes,
	snoozed_until, agent_last_seen_at, contact_last_seen_at, last_activity_at, last_stamp, created_at, updated_at`

// FindConversationByID implements novatalks.Reader.
func (r reader) FindConversationByID(ctx context.Context, accountID, id int64) (*novatalks.Conversation, error) {
	c, err := r.findConversationRow(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if c.Inbox, err = r.FindInboxByID(ctx, c.AccountID, c.InboxID); err != nil {
		return nil, err
	}
	if c.Contact, err = r.FindContactByID(ctx, c.AccountID, c.ContactID); err != nil {
		return nil, err
	}
	if c.AssigneeID != nil {
		if c.Assignee, err = r.FindUserByID(ctx, c.AccountID, *c.AssigneeID); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// findConversationRow reads the conversation itself, without what
// FindConversationByID hydrates.
func (r reader) findConversationRow(ctx context.Context, accountID, id int64) (*novatalks.Conversation, error) {
	var c novatalks.Conversation
	var assignee, team, snoozed, agentSeen, contactSeen sql.NullInt64
	var additional, custom string
	var activity, stamp, created, updated int64
	err := r.q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE account_id = ? AND id = ?`,
		accountID, id).Scan(&c.ID, &c.AccountID, &c.InboxID, &c.ContactID, &c.ContactInboxID, &c.Status, &c.Substatus,
		&c.Priority, &c.Subpriority, &assignee, &team, &c.DialogID, &additional, &custom,
		&snoozed, &agentSeen, &contactSeen, &activity, &stamp, &created, &updated)
	if err != nil {
		return nil, notFound(err, "conversation")
	}
	c.AssigneeID, c.TeamID = nullInt(assignee), nullInt(team)
	c.AdditionalAttributes, c.CustomAttributes = jsonMap(additional), jsonMap(custom)
	c.SnoozedUntil, c.AgentLastSeenAt, c.ContactLastSeenAt = fromNullMS(snoozed), fromNullMS(agentSeen), fromNullMS(contactSeen)
	c.LastActivityAt, c.LastStamp, c.CreatedAt, c.UpdatedAt = fromMS(activity), fromMS(stamp), fromMS(created), fromMS(updated)
	return &c, nil
}

// LockConversation implements novatalks.Tx. SQLite has one writer, so the
// transaction already holds everything; this is a plain read of the row.
func (t *tx) LockConversation(ctx context.Context, accountID, id int64) (*novatalks.Conversation, error) {
	return t.findConversationRow(ctx, accountID, id)
}

// CreateConversation implements novatalks.Tx.
func (t *tx) CreateConversation(ctx context.Context, c *novatalks.Conversation) error {
	additional, err := jsonText(c.AdditionalAttributes)
	if err != nil {
		return err
	}
	custom, err := jsonText(c.CustomAttributes)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `INSERT INTO conversations (account_id, inbox_id, contact_id, contact_inbox_id,
		status, substatus, priority, subpriority, assignee_id, team_id, dialog_id, additional_attributes, custom_attributes,
		snoozed_until, agent_last_seen_at, contact_last_seen_at, last_activity_at, last_stamp, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.InboxID, c.ContactID, c.ContactInboxID, c.Status, c.Substatus, c.Priority, c.Subpriority,
		c.AssigneeID, c.TeamID, c.DialogID, additional, custom, msPtr(c.SnoozedUntil), msPtr(c.AgentLastSeenAt),
		msPtr(c.ContactLastSeenAt), ms(c.LastActivityAt), ms(c.LastStamp), ms(c.CreatedAt), ms(c.UpdatedAt))
	if err != nil {
		return err
	}
	c.ID, err = res.LastInsertId()
	return err
}

// UpdateConversation implements novatalks.Tx.
func (t *tx) UpdateConversation(ctx context.Context, c *novatalks.Conversation) error {
	additional, err := jsonText(c.AdditionalAttributes)
	if err != nil {
		return err
	}
	custom, err := jsonText(c.CustomAttributes)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE conversations SET status = ?, substatus = ?, priority = ?, subpriority = ?,
		assignee_id = ?, team_id = ?, dialog_id = ?, additional_attributes = ?, custom_attributes = ?, snoozed_until = ?,
		agent_last_seen_at = ?, contact_last_seen_at = ?, last_activity_at = ?, last_stamp = ?, updated_at = ?
		WHERE account_id = ? AND id = ?`,
		c.Status, c.Substatus, c.Priority, c.Subpriority, c.AssigneeID, c.TeamID, c.DialogID, additional, custom,
		msPtr(c.SnoozedUntil), msPtr(c.AgentLastSeenAt), msPtr(c.ContactLastSeenAt), ms(c.LastActivityAt),
		ms(c.LastStamp), ms(c.UpdatedAt), c.AccountID, c.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return novatalks.Errorf(novatalks.ENOTFOUND, "conversation not found")
	}
	return nil
}

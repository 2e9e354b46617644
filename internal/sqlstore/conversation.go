package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/novatalks/novatalks"
)

const conversationColumns = `id, account_id, inbox_id, contact_id, contact_inbox_id, status, substatus,
	priority, subpriority, assignee_id, team_id, dialog_id, additional_attributes, custom_attributes,
	snoozed_until, agent_last_seen_at, contact_last_seen_at, last_activity_at, last_stamp, created_at, updated_at`

func scanConversation(sc scanner) (*novatalks.Conversation, error) {
	var c novatalks.Conversation
	var assignee, team, snoozed, agentSeen, contactSeen sql.NullInt64
	var additional, custom string
	var activity, stamp, created, updated int64
	if err := sc.Scan(&c.ID, &c.AccountID, &c.InboxID, &c.ContactID, &c.ContactInboxID, &c.Status, &c.Substatus,
		&c.Priority, &c.Subpriority, &assignee, &team, &c.DialogID, &additional, &custom,
		&snoozed, &agentSeen, &contactSeen, &activity, &stamp, &created, &updated); err != nil {
		return nil, err
	}
	c.AssigneeID, c.TeamID = nullInt(assignee), nullInt(team)
	c.AdditionalAttributes, c.CustomAttributes = jsonMap(additional), jsonMap(custom)
	c.SnoozedUntil, c.AgentLastSeenAt, c.ContactLastSeenAt = fromNullMS(snoozed), fromNullMS(agentSeen), fromNullMS(contactSeen)
	c.LastActivityAt, c.LastStamp, c.CreatedAt, c.UpdatedAt = fromMS(activity), fromMS(stamp), fromMS(created), fromMS(updated)
	return &c, nil
}

// FindConversationByID implements novatalks.Reader.
func (r Reader) FindConversationByID(ctx context.Context, accountID, id int64) (*novatalks.Conversation, error) {
	c, err := queryOne(ctx, r.q, scanConversation, "conversation",
		`SELECT `+conversationColumns+` FROM conversations WHERE account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return nil, err
	}
	return c, r.hydrateConversations(ctx, accountID, []*novatalks.Conversation{c}, false)
}

// FindConversations implements novatalks.Reader.
func (r Reader) FindConversations(ctx context.Context, f novatalks.ConversationFilter) ([]*novatalks.Conversation, error) {
	where, args := r.conversationWhere(f, true)
	list, err := queryAll(ctx, r.q, scanConversation, `SELECT `+conversationColumns+` FROM conversations WHERE `+where+`
		ORDER BY last_activity_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limitOrAll(f.Limit), f.Offset)...)
	if err != nil {
		return nil, err
	}
	return list, r.hydrateConversations(ctx, f.AccountID, list, true)
}

// CountConversations implements novatalks.Reader.
func (r Reader) CountConversations(ctx context.Context, f novatalks.ConversationFilter, userID int64) (novatalks.ConversationCounts, error) {
	var n novatalks.ConversationCounts
	f.ID = 0
	where, args := r.conversationWhere(f, false)
	err := r.q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN assignee_id = ? THEN 1 ELSE 0 END), 0),
		COUNT(assignee_id), COUNT(*) - COUNT(assignee_id)
		FROM conversations WHERE `+where, append([]any{userID}, args...)...).Scan(&n.All, &n.Mine, &n.Assigned, &n.Unassigned)
	return n, err
}

// conversationWhere is the WHERE clause of a filter, with or without its
// assignee type.
func (r Reader) conversationWhere(f novatalks.ConversationFilter, withAssignee bool) (string, []any) {
	where := []string{`account_id = ?`}
	args := []any{f.AccountID}
	if f.ID != 0 {
		where, args = append(where, `id = ?`), append(args, f.ID)
	}
	if f.Status != "" && f.Status != novatalks.StatusAll {
		where, args = append(where, `status = ?`), append(args, f.Status)
	}
	if f.InboxID != 0 {
		where, args = append(where, `inbox_id = ?`), append(args, f.InboxID)
	}
	if f.Query != "" {
		like := "%" + escapeLike(f.Query) + "%"
		where = append(where, `(EXISTS (SELECT 1 FROM contacts ct WHERE ct.id = conversations.contact_id
			AND (ct.name `+r.d.Like+` ? ESCAPE '\' OR ct.email `+r.d.Like+` ? ESCAPE '\' OR ct.phone_number `+r.d.Like+` ? ESCAPE '\'))
			OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id AND m.content `+r.d.Like+` ? ESCAPE '\'))`)
		args = append(args, like, like, like, like)
	}
	if withAssignee {
		switch f.AssigneeType {
		case novatalks.AssigneeMe:
			where, args = append(where, `assignee_id = ?`), append(args, f.UserID)
		case novatalks.AssigneeAssigned:
			where = append(where, `assignee_id IS NOT NULL`)
		case novatalks.AssigneeUnassigned:
			where = append(where, `assignee_id IS NULL`)
		}
	}
	return strings.Join(where, " AND "), args
}

// escapeLike escapes the LIKE wildcards of s for ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// hydrateConversations fills Inbox, Contact and Assignee of conversations of
// one account (and with activity also LastMessage and UnreadCount) with a
// fixed number of queries, whatever the number of conversations.
func (r Reader) hydrateConversations(ctx context.Context, accountID int64, convs []*novatalks.Conversation, activity bool) error {
	if len(convs) == 0 {
		return nil
	}
	var inboxIDs, contactIDs, userIDs, ids []int64
	for _, c := range convs {
		inboxIDs, contactIDs, ids = append(inboxIDs, c.InboxID), append(contactIDs, c.ContactID), append(ids, c.ID)
		if c.AssigneeID != nil {
			userIDs = append(userIDs, *c.AssigneeID)
		}
	}
	lead := []any{accountID}
	inboxes, err := byID(ctx, r.q, scanInbox, func(in *novatalks.Inbox) int64 { return in.ID },
		`SELECT `+inboxColumns+` FROM inboxes WHERE account_id = ? AND id IN (`, lead, compact(inboxIDs))
	if err != nil {
		return err
	}
	contacts, err := byID(ctx, r.q, scanContact, func(c *novatalks.Contact) int64 { return c.ID },
		`SELECT `+contactColumns+` FROM contacts WHERE account_id = ? AND id IN (`, lead, compact(contactIDs))
	if err != nil {
		return err
	}
	users, err := byID(ctx, r.q, scanUser, func(u *novatalks.User) int64 { return u.ID },
		`SELECT `+userColumns+` FROM users WHERE account_id = ? AND id IN (`, lead, compact(userIDs))
	if err != nil {
		return err
	}
	for _, c := range convs {
		c.Inbox, c.Contact = inboxes[c.InboxID], contacts[c.ContactID]
		if c.Inbox == nil || c.Contact == nil {
			return novatalks.Errorf(novatalks.EINTERNAL, "conversation %d lost its inbox or contact", c.ID)
		}
		if c.AssigneeID != nil {
			if c.Assignee = users[*c.AssigneeID]; c.Assignee == nil {
				return novatalks.Errorf(novatalks.EINTERNAL, "conversation %d lost its assignee", c.ID)
			}
		}
	}
	if !activity {
		return nil
	}
	return r.hydrateActivity(ctx, convs, ids)
}

// hydrateActivity fills LastMessage and UnreadCount of conversations.
func (r Reader) hydrateActivity(ctx context.Context, convs []*novatalks.Conversation, ids []int64) error {
	in, args := placeholders(ids)
	last, err := r.queryMessages(ctx, `SELECT `+messageColumns+` FROM messages WHERE id IN
		(SELECT MAX(id) FROM messages WHERE conversation_id IN (`+in+`) GROUP BY conversation_id)`, args...)
	if err != nil {
		return err
	}
	if err := r.hydrate(ctx, last); err != nil {
		return err
	}
	unread := map[int64]int{}
	rows, err := r.q.QueryContext(ctx, `SELECT m.conversation_id, COUNT(*) FROM messages m
		JOIN conversations c ON c.id = m.conversation_id
		WHERE m.conversation_id IN (`+in+`) AND m.message_type = 'incoming' AND m.deleted_at IS NULL
		AND m.created_at > COALESCE(c.agent_last_seen_at, 0) GROUP BY m.conversation_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		unread[id] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	byConv := map[int64]*novatalks.Message{}
	for _, m := range last {
		byConv[m.ConversationID] = m
	}
	for _, c := range convs {
		c.LastMessage, c.UnreadCount = byConv[c.ID], unread[c.ID]
	}
	return nil
}

// compact returns ids sorted and without repeats.
func compact(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// FindDueSnoozed implements novatalks.Reader.
func (r Reader) FindDueSnoozed(ctx context.Context, at time.Time, limit int) ([]novatalks.ConversationRef, error) {
	return queryAll(ctx, r.q, func(sc scanner) (novatalks.ConversationRef, error) {
		var ref novatalks.ConversationRef
		return ref, sc.Scan(&ref.AccountID, &ref.ID)
	}, `SELECT account_id, id FROM conversations WHERE status = 'snoozed' AND snoozed_until IS NOT NULL
		AND snoozed_until <= ? ORDER BY snoozed_until, id LIMIT ?`, ms(at), limitOrAll(limit))
}

// LockConversation implements novatalks.Tx. It reads the row without the
// hydration of FindConversationByID (it is on every write path) and locks it
// (Dialect.LockRows); on SQLite, which has one writer, the transaction
// already holds everything.
func (t *Tx) LockConversation(ctx context.Context, accountID, id int64) (*novatalks.Conversation, error) {
	return queryOne(ctx, t.q, scanConversation, "conversation",
		`SELECT `+conversationColumns+` FROM conversations WHERE account_id = ? AND id = ?`+t.d.LockRows, accountID, id)
}

// CreateConversation implements novatalks.Tx.
func (t *Tx) CreateConversation(ctx context.Context, c *novatalks.Conversation) error {
	custom, additional, err := attrsText(c.CustomAttributes, c.AdditionalAttributes)
	if err != nil {
		return err
	}
	return t.insert(ctx, &c.ID, `INSERT INTO conversations (account_id, inbox_id, contact_id, contact_inbox_id,
		status, substatus, priority, subpriority, assignee_id, team_id, dialog_id, additional_attributes, custom_attributes,
		snoozed_until, agent_last_seen_at, contact_last_seen_at, last_activity_at, last_stamp, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.InboxID, c.ContactID, c.ContactInboxID, c.Status, c.Substatus, c.Priority, c.Subpriority,
		c.AssigneeID, c.TeamID, c.DialogID, additional, custom, msPtr(c.SnoozedUntil), msPtr(c.AgentLastSeenAt),
		msPtr(c.ContactLastSeenAt), ms(c.LastActivityAt), ms(c.LastStamp), ms(c.CreatedAt), ms(c.UpdatedAt))
}

// TouchConversation implements novatalks.Tx.
func (t *Tx) TouchConversation(ctx context.Context, c *novatalks.Conversation) error {
	res, err := t.q.ExecContext(ctx, `UPDATE conversations SET last_activity_at = ?, last_stamp = ?
		WHERE account_id = ? AND id = ?`, ms(c.LastActivityAt), ms(c.LastStamp), c.AccountID, c.ID)
	return affected(res, err, "conversation")
}

// UpdateConversation implements novatalks.Tx.
func (t *Tx) UpdateConversation(ctx context.Context, c *novatalks.Conversation) error {
	custom, additional, err := attrsText(c.CustomAttributes, c.AdditionalAttributes)
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
	return affected(res, err, "conversation")
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/novatalks/novatalks"
)

const messageColumns = `id, account_id, inbox_id, conversation_id, dialog_id, message_type, content_type, content,
	content_attributes, private, pinned, status, sender_type, sender_id, echo_id, source_id, reply_to_id,
	created_at, updated_at, deleted_at`

// visibleToContact is the SQL form of novatalks.Message.VisibleToContact.
const visibleToContact = ` AND NOT private AND message_type != 'activity'`

// FindMessageByID implements novatalks.Reader.
func (r Reader) FindMessageByID(ctx context.Context, conversationID, id int64) (*novatalks.Message, error) {
	return r.findOneMessage(ctx, `conversation_id = ? AND id = ?`, conversationID, id)
}

// FindMessageByEchoID implements novatalks.Reader.
func (r Reader) FindMessageByEchoID(ctx context.Context, conversationID int64, echoID string) (*novatalks.Message, error) {
	return r.findOneMessage(ctx, `conversation_id = ? AND echo_id = ?`, conversationID, echoID)
}

func (r Reader) findOneMessage(ctx context.Context, where string, args ...any) (*novatalks.Message, error) {
	msgs, err := r.queryMessages(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where, args...)
	if err != nil {
		return nil, err
	} else if len(msgs) == 0 {
		return nil, novatalks.Errorf(novatalks.ENOTFOUND, "message not found")
	}
	if err := r.hydrate(ctx, msgs); err != nil {
		return nil, err
	}
	return msgs[0], nil
}

// FindMessages implements novatalks.Reader.
func (r Reader) FindMessages(ctx context.Context, f novatalks.MessageFilter) ([]*novatalks.Message, error) {
	q := `SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = ?`
	args := []any{f.ConversationID}
	if f.ForContact {
		q += visibleToContact
	}
	newestFirst := false
	switch {
	case f.Before != nil:
		q += ` AND id < ? ORDER BY id DESC`
		args = append(args, *f.Before)
		newestFirst = true
	case f.After != nil:
		q += ` AND id > ? ORDER BY id`
		args = append(args, *f.After)
	case f.UpdatedAfter != nil:
		q += ` AND updated_at > ? ORDER BY updated_at, id`
		args = append(args, ms(*f.UpdatedAfter))
	default:
		q += ` ORDER BY id DESC`
		newestFirst = true
	}
	q += ` LIMIT ?`
	args = append(args, f.Limit)
	msgs, err := r.queryMessages(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	if newestFirst {
		slices.Reverse(msgs)
	}
	return msgs, r.hydrate(ctx, msgs)
}

func (r Reader) queryMessages(ctx context.Context, query string, args ...any) ([]*novatalks.Message, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	msgs := []*novatalks.Message{}
	for rows.Next() {
		var m novatalks.Message
		var content, echo, source sql.NullString
		var senderID, replyTo, deleted sql.NullInt64
		var attrs string
		var created, updated int64
		if err := rows.Scan(&m.ID, &m.AccountID, &m.InboxID, &m.ConversationID, &m.DialogID, &m.MessageType,
			&m.ContentType, &content, &attrs, &m.Private, &m.Pinned, &m.Status, &m.SenderType, &senderID,
			&echo, &source, &replyTo, &created, &updated, &deleted); err != nil {
			return nil, err
		}
		m.Content, m.EchoID, m.SourceID = nullString(content), nullString(echo), nullString(source)
		m.SenderID, m.ReplyToID = nullInt(senderID), nullInt(replyTo)
		m.ContentAttributes = jsonMap(attrs)
		m.CreatedAt, m.UpdatedAt, m.DeletedAt = fromMS(created), fromMS(updated), fromNullMS(deleted)
		m.Attachments, m.Reactions = []*novatalks.Attachment{}, []*novatalks.Reaction{}
		msgs = append(msgs, &m)
	}
	return msgs, rows.Err()
}

// hydrate fills Sender, Reply, Attachments and Reactions of msgs with a
// fixed number of queries, whatever the number of messages.
func (r Reader) hydrate(ctx context.Context, msgs []*novatalks.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	var replyIDs []int64
	for _, m := range msgs {
		if m.ReplyToID != nil {
			replyIDs = append(replyIDs, *m.ReplyToID)
		}
	}
	replied := map[int64]*novatalks.Message{}
	if len(replyIDs) > 0 {
		// Replies stay inside the conversation of the message that quotes them.
		in, args := placeholders(replyIDs)
		list, err := r.queryMessages(ctx, `SELECT `+messageColumns+` FROM messages WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		for _, m := range list {
			replied[m.ID] = m
		}
	}
	all := append(slices.Clone(msgs), mapValues(replied)...)
	ids := make([]int64, len(all))
	for i, m := range all {
		ids[i] = m.ID
	}
	attachments, err := r.attachments(ctx, ids)
	if err != nil {
		return err
	}
	reactions, err := r.reactions(ctx, ids[:len(msgs)])
	if err != nil {
		return err
	}
	senders := senderSet{}
	for _, m := range all {
		senders.add(m.SenderType, m.SenderID)
		for _, rc := range reactions[m.ID] {
			senders.add(rc.SenderType, &rc.SenderID)
		}
	}
	if err := r.loadSenders(ctx, senders); err != nil {
		return err
	}
	for _, m := range all {
		m.Sender = senders.get(m.SenderType, m.SenderID)
		if m.DeletedAt == nil {
			m.Attachments = orEmptySlice(attachments[m.ID])
		}
		m.Reactions = orEmptySlice(reactions[m.ID])
		for _, rc := range m.Reactions {
			rc.Sender = senders.get(rc.SenderType, &rc.SenderID)
		}
	}
	for _, m := range msgs {
		if m.ReplyToID == nil {
			continue
		}
		if q, ok := replied[*m.ReplyToID]; ok && q.ConversationID == m.ConversationID {
			m.Reply = &novatalks.Reply{ID: q.ID, Content: q.Content, MessageType: q.MessageType,
				ContentType: q.ContentType, Sender: q.Sender, Attachments: q.Attachments, CreatedAt: q.CreatedAt}
		}
	}
	return nil
}

func orEmptySlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (r Reader) attachments(ctx context.Context, messageIDs []int64) (map[int64][]*novatalks.Attachment, error) {
	in, args := placeholders(messageIDs)
	list, err := queryAll(ctx, r.q, scanAttachment, `SELECT `+attachmentColumns+` FROM attachments
		WHERE message_id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]*novatalks.Attachment{}
	for _, a := range list {
		out[a.MessageID] = append(out[a.MessageID], a)
	}
	return out, nil
}

func (r Reader) reactions(ctx context.Context, messageIDs []int64) (map[int64][]*novatalks.Reaction, error) {
	in, args := placeholders(messageIDs)
	rows, err := r.q.QueryContext(ctx, `SELECT id, message_id, content, sender_type, sender_id, created_at
		FROM reactions WHERE message_id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]*novatalks.Reaction{}
	for rows.Next() {
		var rc novatalks.Reaction
		var created int64
		if err := rows.Scan(&rc.ID, &rc.MessageID, &rc.Content, &rc.SenderType, &rc.SenderID, &created); err != nil {
			return nil, err
		}
		rc.CreatedAt = fromMS(created)
		out[rc.MessageID] = append(out[rc.MessageID], &rc)
	}
	return out, rows.Err()
}

// senderSet collects the senders of a page of messages so that each kind is
// loaded with one query.
type senderSet map[string]map[int64]*novatalks.Sender

func (s senderSet) add(typ string, id *int64) {
	if typ == "" || id == nil {
		return
	}
	if s[typ] == nil {
		s[typ] = map[int64]*novatalks.Sender{}
	}
	s[typ][*id] = nil
}

func (s senderSet) get(typ string, id *int64) *novatalks.Sender {
	if typ == "" || id == nil {
		return nil
	}
	if sender := s[typ][*id]; sender != nil {
		return sender
	}
	// The sender row is gone (a deleted agent): keep the message readable.
	return &novatalks.Sender{ID: *id, Type: typ, Name: "Deleted " + strings.ToLower(typ)}
}

var senderQueries = map[string]string{
	novatalks.SenderContact:  `SELECT id, name, NULL, NULL FROM contacts WHERE id IN (%s)`,
	novatalks.SenderUser:     `SELECT id, name, display_name, NULLIF(avatar_url, '') FROM users WHERE id IN (%s)`,
	novatalks.SenderAgentBot: `SELECT id, name, NULL, NULLIF(avatar_url, '') FROM agent_bots WHERE id IN (%s)`,
}

func (r Reader) loadSenders(ctx context.Context, s senderSet) error {
	for typ, byID := range s {
		query, ok := senderQueries[typ]
		if !ok {
			continue
		}
		ids := make([]int64, 0, len(byID))
		for id := range byID {
			ids = append(ids, id)
		}
		in, args := placeholders(ids)
		rows, err := r.q.QueryContext(ctx, strings.Replace(query, "%s", in, 1), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sender novatalks.Sender
			var display, avatar sql.NullString
			if err := rows.Scan(&sender.ID, &sender.Name, &display, &avatar); err != nil {
				rows.Close()
				return err
			}
			sender.Type, sender.DisplayName, sender.AvatarURL = typ, nullString(display), nullString(avatar)
			byID[sender.ID] = &sender
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// CreateMessage implements novatalks.Tx. A known echo_id inserts nothing
// (ON CONFLICT DO NOTHING) rather than failing the statement, so that the
// transaction stays usable on PostgreSQL too: the service then reads the
// existing message in it.
func (t *Tx) CreateMessage(ctx context.Context, m *novatalks.Message) error {
	attrs, err := jsonText(m.ContentAttributes)
	if err != nil {
		return err
	}
	err = t.insert(ctx, &m.ID, `INSERT INTO messages (account_id, inbox_id, conversation_id, dialog_id,
		message_type, content_type, content, content_attributes, private, pinned, status, sender_type, sender_id,
		echo_id, source_id, reply_to_id, created_at, updated_at, deleted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		m.AccountID, m.InboxID, m.ConversationID, m.DialogID, m.MessageType, m.ContentType, m.Content, attrs,
		m.Private, m.Pinned, m.Status, m.SenderType, m.SenderID, m.EchoID, m.SourceID, m.ReplyToID,
		ms(m.CreatedAt), ms(m.UpdatedAt), msPtr(m.DeletedAt))
	if errors.Is(err, sql.ErrNoRows) { // the only unique key besides the ID: (conversation, echo_id)
		return novatalks.Errorf(novatalks.ECONFLICT, "a message with this echo_id already exists")
	}
	return err
}

// UpdateMessage implements novatalks.Tx. A message that is deleted loses its
// attachment rows in the same statement batch.
func (t *Tx) UpdateMessage(ctx context.Context, m *novatalks.Message) error {
	attrs, err := jsonText(m.ContentAttributes)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE messages SET content = ?, content_attributes = ?, status = ?, pinned = ?,
		updated_at = ?, deleted_at = ? WHERE conversation_id = ? AND id = ?`,
		m.Content, attrs, m.Status, m.Pinned, ms(m.UpdatedAt), msPtr(m.DeletedAt), m.ConversationID, m.ID)
	if err := affected(res, err, "message"); err != nil {
		return err
	}
	if m.DeletedAt != nil {
		if _, err := t.q.ExecContext(ctx, `DELETE FROM attachments WHERE message_id = ?`, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// SetReaction implements novatalks.Tx.
func (t *Tx) SetReaction(ctx context.Context, rc *novatalks.Reaction) error {
	err := t.q.QueryRowContext(ctx, `INSERT INTO reactions (message_id, content, sender_type, sender_id, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id, sender_type, sender_id)
		DO UPDATE SET content = excluded.content, created_at = excluded.created_at RETURNING id`,
		rc.MessageID, rc.Content, rc.SenderType, rc.SenderID, ms(rc.CreatedAt)).Scan(&rc.ID)
	return err
}

// DeleteReaction implements novatalks.Tx.
func (t *Tx) DeleteReaction(ctx context.Context, messageID int64, senderType string, senderID int64) (bool, error) {
	res, err := t.q.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = ? AND sender_type = ? AND sender_id = ?`,
		messageID, senderType, senderID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

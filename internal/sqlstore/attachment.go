package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/novatalks/novatalks"
)

const attachmentColumns = `id, message_id, account_id, file_type, fallback_title, extension, data_url, thumb_url,
	file_size, mime_type, file_name, blob_key, thumb_key, thumb_mime_type`

func scanAttachment(row scanner) (*novatalks.Attachment, error) {
	var a novatalks.Attachment
	var fallback, ext, key, thumbKey, thumbType sql.NullString
	if err := row.Scan(&a.ID, &a.MessageID, &a.AccountID, &a.FileType, &fallback, &ext, &a.DataURL, &a.ThumbURL,
		&a.FileSize, &a.MimeType, &a.FileName, &key, &thumbKey, &thumbType); err != nil {
		return nil, err
	}
	a.FallbackTitle, a.Extension = nullString(fallback), nullString(ext)
	a.Key, a.ThumbKey, a.ThumbMimeType = key.String, thumbKey.String, thumbType.String
	return &a, nil
}

// orNull stores "" as NULL, so that the unique key indexes ignore it.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateAttachment implements novatalks.Tx.
func (t *Tx) CreateAttachment(ctx context.Context, a *novatalks.Attachment) error {
	err := t.insert(ctx, &a.ID, `INSERT INTO attachments (message_id, account_id, file_type, fallback_title,
		extension, data_url, thumb_url, file_size, mime_type, file_name, blob_key, thumb_key, thumb_mime_type)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.MessageID, a.AccountID, a.FileType, a.FallbackTitle, a.Extension, a.DataURL, a.ThumbURL, a.FileSize,
		a.MimeType, a.FileName, orNull(a.Key), orNull(a.ThumbKey), orNull(a.ThumbMimeType))
	return t.conflict(err, "an attachment with this blob key already exists")
}

// FindAttachmentByKey implements novatalks.Reader.
func (r Reader) FindAttachmentByKey(ctx context.Context, key string) (*novatalks.Attachment, error) {
	return queryOne(ctx, r.q, scanAttachment, "file", `SELECT `+attachmentColumns+` FROM attachments
		WHERE blob_key = ? UNION ALL SELECT `+attachmentColumns+` FROM attachments WHERE thumb_key = ?`, key, key)
}

// FindBlobKeysInUse implements novatalks.Reader.
func (r Reader) FindBlobKeysInUse(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	in, args := placeholders(keys)
	args = append(args, args...)
	list, err := queryAll(ctx, r.q, scanString, `SELECT blob_key FROM attachments WHERE blob_key IN (`+in+`)
		UNION SELECT thumb_key FROM attachments WHERE thumb_key IN (`+in+`)`, args...)
	for _, k := range list {
		out[k] = true
	}
	return out, err
}

// FindBlobDeletions implements novatalks.Reader.
func (r Reader) FindBlobDeletions(ctx context.Context, limit int) ([]string, error) {
	return queryAll(ctx, r.q, scanString, `SELECT blob_key FROM blob_deletions ORDER BY created_at, blob_key LIMIT ?`, limit)
}

func scanString(row scanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// ScheduleBlobDeletions implements novatalks.Tx.
func (t *Tx) ScheduleBlobDeletions(ctx context.Context, keys []string, at time.Time) error {
	for _, key := range keys {
		if _, err := t.q.ExecContext(ctx, `INSERT INTO blob_deletions (blob_key, created_at) VALUES (?, ?)
			ON CONFLICT (blob_key) DO NOTHING`, key, ms(at)); err != nil {
			return err
		}
	}
	return nil
}

// DeleteBlobDeletions implements novatalks.Tx.
func (t *Tx) DeleteBlobDeletions(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	in, args := placeholders(keys)
	_, err := t.q.ExecContext(ctx, `DELETE FROM blob_deletions WHERE blob_key IN (`+in+`)`, args...)
	return err
}

package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/sqlite"
)

// An upgraded database's attachment URLs lose the public URL that was in
// front of them (whatever it was, with a path or not), so that they are
// shown under the server's current one; URLs already relative stay as
// they are.
func TestMigrationMakesAttachmentURLsRelative(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, sessions := startConversations(t, db, 1)
	msg, err := svc.SendContactMessage(ctx, sessions[0], novatalks.NewContactMessage{Content: "files", EchoID: "e"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The rows as the previous version stored them, and the database put
	// back to the version before the migration.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO attachments (message_id, account_id, file_type, data_url, thumb_url, file_size,
		mime_type, file_name, blob_key, thumb_key, thumb_mime_type) VALUES (?, 1, 'file', ?, ?, 1, 'image/png', 'f', ?, ?, ?)`
	for _, row := range [][]any{
		{"https://old.example.com/chat/files/KEY1/photo.png", "https://old.example.com/chat/files/THUMB1/thumbnail.jpg", "KEY1", "THUMB1", "image/jpeg"},
		{"http://127.0.0.1:8080/files/KEY2/a%20b.pdf", "http://127.0.0.1:8080/files/KEY2/a%20b.pdf", "KEY2", nil, nil},
		{"/files/KEY3/new.pdf", "/files/KEY3/new.pdf", "KEY3", nil, nil},
	} {
		if _, err := raw.Exec(insert, append([]any{msg.ID}, row...)...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(`DELETE FROM goose_db_version WHERE version_id = 6`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err = sqlite.Open(ctx, path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for key, want := range map[string][2]string{
		"KEY1": {"/files/KEY1/photo.png", "/files/THUMB1/thumbnail.jpg"},
		"KEY2": {"/files/KEY2/a%20b.pdf", "/files/KEY2/a%20b.pdf"},
		"KEY3": {"/files/KEY3/new.pdf", "/files/KEY3/new.pdf"},
	} {
		a, err := db.FindAttachmentByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if a.DataURL != want[0] || a.ThumbURL != want[1] {
			t.Errorf("%s: data_url %q, thumb_url %q; want %q, %q", key, a.DataURL, a.ThumbURL, want[0], want[1])
		}
	}
}

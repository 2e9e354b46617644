package e2e_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	_ "image/jpeg" // decoders for the thumbnails
	_ "image/png"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// lastMessage returns the contact's latest message.
func lastMessage(tb testing.TB, srv *Server, c Contact) map[string]any {
	tb.Helper()
	msgs := srv.Messages(tb, c, "?limit=1")
	if len(msgs) != 1 {
		tb.Fatalf("no message")
	}
	return msgs[0]
}

// attachmentsOf returns the attachments of a listed message.
func attachmentsOf(tb testing.TB, m map[string]any) []map[string]any {
	tb.Helper()
	list, ok := m["attachments"].([]any)
	if !ok {
		tb.Fatalf("attachments = %v", m["attachments"])
	}
	out := make([]map[string]any, len(list))
	for i, a := range list {
		out[i] = a.(map[string]any)
	}
	return out
}

// decodeImage decodes an image and returns its format and size.
func decodeImage(tb testing.TB, b []byte) (string, int, int) {
	tb.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("decode thumbnail: %v", err)
	}
	return format, img.Bounds().Dx(), img.Bounds().Dy()
}

func TestAttachmentUpload(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})

	// Each case uploads one file and checks what the listing says of it and
	// how the server serves it.
	for _, tc := range []struct {
		name                string
		file                Upload
		fileType, mime, ext string
		inline              bool
		thumb               string // the thumbnail's format and size, "" for none
	}{
		{"PNG", Upload{Name: "photo.png", ContentType: "image/png", Data: pngFile(t, 800, 600, false)},
			"image", "image/png", "png", true, "jpeg 320x240"},
		{"TransparentPNG", Upload{Name: "logo.PNG", Data: pngFile(t, 100, 50, true)},
			"image", "image/png", "png", true, "png 100x50"},
		{"JPEG", Upload{Name: "tall.jpeg", ContentType: "image/jpeg", Data: jpegFile(t, 300, 1000)},
			"image", "image/jpeg", "jpeg", true, "jpeg 96x320"},
		{"PDF", Upload{Name: "invoice.pdf", ContentType: "application/pdf", Data: pdfFile()},
			"file", "application/pdf", "pdf", true, ""},
		{"MP3", Upload{Name: "voice.mp3", ContentType: "audio/mpeg", Data: mp3File()},
			"audio", "audio/mpeg", "mp3", true, ""},
		{"LyingHTML", Upload{Name: "photo.png", ContentType: "image/png",
			Data: []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")},
			"file", "text/html", "png", false, ""},
		{"SVG", Upload{Name: "icon.svg", ContentType: "image/svg+xml",
			Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`)},
			"image", "image/svg+xml", "svg", false, ""},
		{"NoExtension", Upload{Name: "README", Data: []byte("plain words\n")},
			"file", "text/plain", "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			echo := "upload-" + tc.name
			if resp := srv.SendFiles(t, c, "", echo, tc.file); resp.Status != 200 || len(resp.Body) != 0 {
				t.Fatalf("status %d body %s", resp.Status, resp.Body)
			}
			m := lastMessage(t, srv, c)
			if m["echo_id"] != echo || m["content"] != nil {
				t.Fatalf("message = %v", m)
			}
			atts := attachmentsOf(t, m)
			if len(atts) != 1 {
				t.Fatalf("attachments = %v", atts)
			}
			a := atts[0]
			var wantExt any
			if tc.ext != "" {
				wantExt = tc.ext
			}
			if a["file_type"] != tc.fileType || a["mime_type"] != tc.mime || a["extension"] != wantExt ||
				num(a["file_size"]) != int64(len(tc.file.Data)) || num(a["message_id"]) != num(m["id"]) ||
				num(a["account_id"]) != 1 || a["fallback_title"] != nil || num(a["id"]) <= 0 {
				t.Errorf("attachment = %v", a)
			}
			dataURL := a["data_url"].(string)
			if !strings.HasPrefix(dataURL, srv.URL+"/files/") || !strings.HasSuffix(dataURL, "/"+tc.file.Name) ||
				len(urlKey(dataURL)) < novatalks.TokenLength {
				t.Errorf("data_url = %s", dataURL)
			}

			// The file, as served.
			resp := srv.Fetch(t, dataURL, nil)
			if resp.Status != 200 || !bytes.Equal(resp.Body, tc.file.Data) {
				t.Fatalf("GET data_url: %d, %d bytes", resp.Status, len(resp.Body))
			}
			disposition := "attachment"
			if tc.inline {
				disposition = "inline"
			}
			for k, want := range map[string]string{
				"Content-Type":            tc.mime,
				"Content-Disposition":     disposition + "; filename=" + tc.file.Name,
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'none'; sandbox",
				"Cache-Control":           "private, max-age=31536000, immutable",
				"Etag":                    `"` + urlKey(dataURL) + `"`,
				"Content-Length":          fmt.Sprint(len(tc.file.Data)),
				"Accept-Ranges":           "bytes",
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}

			// The thumbnail: a real, smaller image, or the file itself.
			thumbURL := a["thumb_url"].(string)
			if tc.thumb == "" {
				if thumbURL != dataURL {
					t.Errorf("thumb_url = %s, want data_url", thumbURL)
				}
				return
			}
			if thumbURL == dataURL {
				t.Fatalf("thumb_url is data_url")
			}
			th := srv.Fetch(t, thumbURL, nil)
			format, w, h := decodeImage(t, th.Body)
			if got := fmt.Sprintf("%s %dx%d", format, w, h); got != tc.thumb {
				t.Errorf("thumbnail %s, want %s", got, tc.thumb)
			}
			if ct := th.Header.Get("Content-Type"); ct != "image/"+format || th.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(th.Header.Get("Content-Disposition"), "inline") {
				t.Errorf("thumbnail headers %v", th.Header)
			}
		})
	}

	t.Run("RangeAndConditionalRequests", func(t *testing.T) {
		data := pngFile(t, 64, 64, false)
		srv.SendFiles(t, c, "ranges", "ranges", Upload{Name: "r.png", Data: data})
		url := attachmentsOf(t, lastMessage(t, srv, c))[0]["data_url"].(string)
		part := srv.Fetch(t, url, map[string]string{"Range": "bytes=100-199"})
		if part.Status != 206 || !bytes.Equal(part.Body, data[100:200]) ||
			part.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(data)) {
			t.Errorf("range: %d %q, %d bytes", part.Status, part.Header.Get("Content-Range"), len(part.Body))
		}
		tail := srv.Fetch(t, url, map[string]string{"Range": "bytes=-10"})
		if tail.Status != 206 || !bytes.Equal(tail.Body, data[len(data)-10:]) {
			t.Errorf("suffix range: %d, %d bytes", tail.Status, len(tail.Body))
		}
		if r := srv.Fetch(t, url, map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data)+5)}); r.Status != 416 {
			t.Errorf("unsatisfiable range: %d", r.Status)
		}
		if r := srv.Fetch(t, url, map[string]string{"If-None-Match": `"` + urlKey(url) + `"`}); r.Status != 304 || len(r.Body) != 0 {
			t.Errorf("If-None-Match: %d", r.Status)
		}
	})

	t.Run("FilesWithText", func(t *testing.T) {
		srv.SendFiles(t, c, "two files", "two", Upload{Name: "a.pdf", Data: pdfFile()}, Upload{Name: "b.mp3", Data: mp3File()})
		m := lastMessage(t, srv, c)
		atts := attachmentsOf(t, m)
		if m["content"] != "two files" || len(atts) != 2 || atts[0]["extension"] != "pdf" || atts[1]["extension"] != "mp3" {
			t.Errorf("message = %v", m)
		}
	})

	t.Run("UnknownFile", func(t *testing.T) {
		for _, path := range []string{"/files/AAAAAAAAAAAAAAAAAAAAAA/x.png", "/files/..%2F..%2Fnovatalks.db/x", "/files/short/x"} {
			if r := srv.Do(t, Request{Method: "GET", Path: path}); r.Status != 404 {
				t.Errorf("GET %s: %d", path, r.Status)
			}
		}
	})

	t.Run("EmptyFileAndNoEchoID", func(t *testing.T) {
		if r := srv.SendFiles(t, c, "", "empty", Upload{Name: "e.txt"}); r.Status != 400 || !strings.Contains(string(r.Body), "is empty") {
			t.Errorf("empty file: %d %s", r.Status, r.Body)
		}
		body, ct := multipartBody(t, nil, Upload{Name: "a.pdf", Data: pdfFile()})
		r := srv.SDK(t, 400, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: body, Header: map[string]string{"Content-Type": ct}})
		if !strings.Contains(string(r.Body), "echo_id") {
			t.Errorf("no echo_id: %s", r.Body)
		}
	})

	checkNoOrphans(t, srv)
}

// TestAttachmentEvents checks the realtime events and replies of messages
// with files against the documented example.
func TestAttachmentEvents(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "sdk-1", "message": map[string]any{"content": "hi", "echo_id": "0"}})
	contact := srv.DialWS(t)
	contact.Subscribe(t, c.Token)

	srv.SendFiles(t, c, "", "589", Upload{Name: "telegram.png", Data: pngFile(t, 640, 640, false)})
	created := frameData(t, contact.Expect(t, "message.created"))
	atts, _ := created["attachments"].([]any)
	if len(atts) != 1 || at(atts, 0, "file_type") != "image" || at(atts, 0, "mime_type") != "image/png" ||
		created["content"] != nil || at(atts, 0, "thumb_url") == at(atts, 0, "data_url") {
		t.Fatalf("message.created = %v", created)
	}
	imageID := num(created["id"])

	// An agent answers with a file of its own, as a reply to the image.
	tok := srv.AdminToken()
	body, ct := multipartBody(t, [][2]string{{"content", ""}, {"message_type", "outgoing"}, {"echo_id", "34e8c7b6476c"},
		{"content_attributes", fmt.Sprintf(`{"in_reply_to": %d}`, imageID)}},
		Upload{Name: "report.pdf", ContentType: "application/pdf", Data: pdfFile()})
	resp := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID),
		Body: body, Header: map[string]string{"Content-Type": ct}}))
	if at(resp, "attachments", 0, "mime_type") != "application/pdf" || at(resp, "attachments", 0, "file_type") != "file" || resp["content"] != nil {
		t.Errorf("agent response = %v", resp)
	}
	f := contact.Expect(t, "message.created")
	assertDocumentedKeys(t, "ws-message-created-with-attachment.json", f.Data)
	reply := frameData(t, f)
	if at(reply, "attachments", 0, "mime_type") != "application/pdf" || num(at(reply, "reply", "id")) != imageID ||
		at(reply, "reply", "attachments", 0, "data_url") != at(atts, 0, "data_url") {
		t.Errorf("reply event = %v", reply)
	}

	// The listing says the same.
	msgs := srv.Messages(t, c, "?limit=2")
	if !slices.Equal(attachmentKeys(msgs), srv.StoredKeys(t)) {
		t.Errorf("listed keys %v, stored %v", attachmentKeys(msgs), srv.StoredKeys(t))
	}
	if at(msgs[1], "reply", "attachments", 0, "thumb_url") != at(atts, 0, "thumb_url") {
		t.Errorf("listed reply = %v", msgs[1]["reply"])
	}

	// A private note with a file never reaches the contact.
	body, ct = multipartBody(t, [][2]string{{"content", "internal"}, {"private", "true"}}, Upload{Name: "notes.pdf", Data: pdfFile()})
	note := decode(t, srv.Agent(t, tok, 200, Request{Method: "POST", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID),
		Body: body, Header: map[string]string{"Content-Type": ct}}))
	if note["private"] != true || at(note, "attachments", 0, "file_type") != "file" {
		t.Errorf("note = %v", note)
	}
	contact.ExpectNothing(t, 100*time.Millisecond)
	if n := len(srv.Messages(t, c, "?limit=100")); n != 3 {
		t.Errorf("the contact lists %d messages, want 3", n)
	}
	list := decode(t, srv.Agent(t, tok, 200, Request{Method: "GET", Path: accountPath(1, "/conversations/%d/messages", c.ConversationID)}))
	payload := at(list, "payload").([]any)
	if at(payload[len(payload)-1], "attachments", 0, "extension") != "pdf" {
		t.Errorf("agent listing = %v", payload[len(payload)-1])
	}
}

func TestAttachmentLimits(t *testing.T) {
	srv := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.Limits = novatalks.DefaultLimits()
		cfg.Limits.MaxAttachmentBytes = 64 << 10
		cfg.Limits.MaxAttachments = 2
		cfg.Limits.MaxImagePixels = 1_000_000
	})
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	big := bytes.Repeat([]byte("0123456789abcdef"), 5<<10) // 80 KiB
	small := Upload{Name: "ok.pdf", Data: pdfFile()}
	before := srv.Events.Len()

	for _, tc := range []struct {
		name  string
		files []Upload
		want  string
	}{
		{"FileTooLarge", []Upload{{Name: "big.bin", Data: big}}, `attachment \"big.bin\" is larger than 65536 bytes`},
		{"SecondFileTooLarge", []Upload{small, {Name: "big.bin", Data: big}}, "is larger than 65536 bytes"},
		{"TooManyFiles", []Upload{small, small, small}, "a message may have at most 2 attachments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := srv.SendFiles(t, c, "x", "limits-"+tc.name, tc.files...)
			if resp.Status != 413 || !strings.Contains(string(resp.Body), tc.want) {
				t.Errorf("status %d body %s", resp.Status, resp.Body)
			}
			if keys := srv.StoredKeys(t); len(keys) != 0 {
				t.Errorf("files left after a refused request: %v", keys)
			}
		})
	}
	if n := srv.Events.Len() - before; n != 0 {
		t.Errorf("%d events from refused requests", n)
	}

	t.Run("ExactlyTheLimit", func(t *testing.T) {
		if resp := srv.SendFiles(t, c, "", "exact", Upload{Name: "exact.bin", Data: big[:64<<10]}); resp.Status != 200 {
			t.Errorf("status %d body %s", resp.Status, resp.Body)
		}
	})

	t.Run("ImageOverThePixelBound", func(t *testing.T) {
		// 1,200 × 1,000 pixels is over the bound: stored, but not decoded.
		data := pngFile(t, 1200, 1000, false)
		if len(data) > 64<<10 {
			t.Skipf("the PNG is %d bytes, over the test's file limit", len(data))
		}
		srv.SendFiles(t, c, "", "huge", Upload{Name: "huge.png", Data: data})
		a := attachmentsOf(t, lastMessage(t, srv, c))[0]
		if a["file_type"] != "image" || a["thumb_url"] != a["data_url"] {
			t.Errorf("attachment = %v", a)
		}
	})

	t.Run("CraftedHeader", func(t *testing.T) {
		// A PNG whose header claims 100,000 × 100,000 pixels: never decoded.
		data := pngFile(t, 8, 8, false)
		copy(data[16:24], []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0})
		binary.BigEndian.PutUint32(data[29:33], crc32.ChecksumIEEE(data[12:29])) // the IHDR chunk's CRC
		srv.SendFiles(t, c, "", "bomb", Upload{Name: "bomb.png", Data: data})
		a := attachmentsOf(t, lastMessage(t, srv, c))[0]
		if a["file_type"] != "image" || a["thumb_url"] != a["data_url"] || num(a["file_size"]) != int64(len(data)) {
			t.Errorf("attachment = %v", a)
		}
	})
	checkNoOrphans(t, srv)
}

// TestAttachmentRetry checks that a retried upload (the same echo_id)
// creates nothing and keeps no second copy of the files.
func TestAttachmentRetry(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	file := Upload{Name: "photo.jpg", Data: jpegFile(t, 400, 300)}
	srv.SendFiles(t, c, "first", "same", file)
	stored := srv.StoredKeys(t)
	before := srv.Events.Len()
	srv.SendFiles(t, c, "first", "same", file)
	if n := srv.Events.Len() - before; n != 0 {
		t.Errorf("a retry emitted %d events", n)
	}
	if msgs := srv.Messages(t, c, "?limit=100"); len(msgs) != 1 {
		t.Errorf("%d messages, want 1", len(msgs))
	}
	if got := srv.StoredKeys(t); len(stored) != 2 || !slices.Equal(got, stored) {
		t.Errorf("stored %v after the retry, %v before", got, stored)
	}
}

// TestAttachmentTruncatedUpload cuts a request off in the middle of its
// second file: the first file, stored already, must go, and nothing is
// created.
func TestAttachmentTruncatedUpload(t *testing.T) {
	logs := &logBuffer{}
	srv := MustStartServerWith(t, func(cfg *app.Config) { cfg.Logger = logs.logger() })
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	first := pdfFile()
	second := bytes.Repeat([]byte("x"), 256<<10)
	body, ct := multipartBody(t, [][2]string{{"message[echo_id]", "cut"}}, Upload{Name: "a.pdf", Data: first}, Upload{Name: "b.bin", Data: second})
	cut := bytes.Index(body, second) + len(second)/2

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: novatalks.test\r\naccess_token: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		messagesPath, c.Token, ct, len(body))
	if _, err := conn.Write(body[:cut]); err != nil {
		t.Fatal(err)
	}
	// Both files are being stored before the client goes away.
	apptest.Eventually(t, "the files to be stored", func() bool { return len(srv.StoredKeys(t)) == 2 })
	conn.Close()

	apptest.Eventually(t, "the request to end", func() bool {
		return strings.Contains(logs.String(), `route="POST /api/v1/sdk/conversations/messages" status=400`)
	})
	if keys := srv.StoredKeys(t); len(keys) != 0 {
		t.Errorf("files left by a cut-off request: %v", keys)
	}
	if msgs := srv.Messages(t, c, ""); len(msgs) != 0 {
		t.Errorf("messages = %v", msgs)
	}
}

// TestAttachmentDelete checks that deleting a message deletes its files,
// from the SDK and from the agent API.
func TestAttachmentDelete(t *testing.T) {
	srv := MustStartServer(t)
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	srv.SendFiles(t, c, "", "del", Upload{Name: "photo.png", Data: pngFile(t, 400, 400, false)}, Upload{Name: "a.pdf", Data: pdfFile()})
	srv.SendFiles(t, c, "", "keep", Upload{Name: "keep.pdf", Data: pdfFile()})
	msgs := srv.Messages(t, c, "")
	del, keep := msgs[0], msgs[1]
	delKeys := attachmentKeys([]map[string]any{del})
	if len(delKeys) != 3 || len(srv.StoredKeys(t)) != 4 {
		t.Fatalf("keys %v, stored %v", delKeys, srv.StoredKeys(t))
	}

	srv.SDK(t, 200, Request{Method: "DELETE", Path: fmt.Sprintf("%s/%d", messagesPath, num(del["id"])), Token: c.Token})
	if got, want := srv.StoredKeys(t), attachmentKeys([]map[string]any{keep}); !slices.Equal(got, want) {
		t.Errorf("stored %v after the delete, want %v", got, want)
	}
	for _, a := range attachmentsOf(t, del) {
		if r := srv.Fetch(t, a["data_url"].(string), nil); r.Status != 404 {
			t.Errorf("GET a deleted file: %d", r.Status)
		}
	}
	tomb := srv.Messages(t, c, "")[0]
	if tomb["deleted_at"] == nil || len(attachmentsOf(t, tomb)) != 0 {
		t.Errorf("tombstone = %v", tomb)
	}
	if pending, err := srv.App.DB.FindBlobDeletions(t.Context(), 10); err != nil || len(pending) != 0 {
		t.Errorf("deletions still recorded: %v %v", pending, err)
	}

	srv.Agent(t, srv.AdminToken(), 200, Request{Method: "DELETE",
		Path: accountPath(1, "/conversations/%d/messages/%d", c.ConversationID, num(keep["id"]))})
	if keys := srv.StoredKeys(t); len(keys) != 0 {
		t.Errorf("stored %v after the agent's delete", keys)
	}
}

// TestAttachmentSweepers simulates crashes: between a message's deletion and
// the deletion of its files, and between storing files and committing
// them. A restarted server cleans up after both.
func TestAttachmentSweepers(t *testing.T) {
	dir := t.TempDir()
	first := MustStartServerWith(t, func(cfg *app.Config) { cfg.DataDir = dir })
	c := first.StartConversation(t, map[string]any{"name": "Ann"})
	first.SendFiles(t, c, "", "gone", Upload{Name: "photo.png", Data: pngFile(t, 400, 400, false)})
	first.SendFiles(t, c, "", "kept", Upload{Name: "kept.pdf", Data: pdfFile()})
	msgs := first.Messages(t, c, "")
	kept := attachmentKeys(msgs[1:])
	sess, err := first.App.Service.AuthenticateContact(t.Context(), c.Token, "")
	if err != nil {
		t.Fatal(err)
	}

	// The crash after the commit: the tombstone and its deletion records are
	// committed, the files are not deleted (this service has no file store).
	noFiles := novatalks.NewService(first.App.DB)
	if err := noFiles.DeleteContactMessage(t.Context(), sess, num(msgs[0]["id"])); err != nil {
		t.Fatal(err)
	}
	// The crash before the commit: files stored, never recorded. One is
	// old, one is as recent as an upload still being read.
	oldKey, newKey := novatalks.NewToken(), novatalks.NewToken()
	for _, key := range []string{oldKey, newKey} {
		if _, err := first.App.Blobs.Put(t.Context(), key, strings.NewReader("partial")); err != nil {
			t.Fatal(err)
		}
	}
	first.Stop()
	oldPath := fmt.Sprintf("%s/files/%s/%s", dir, oldKey[:2], oldKey)
	if err := os.Chtimes(oldPath, time.Time{}, time.Now().Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(storedKeys(t, dir+"/files")); n != 2+len(kept)+2 {
		t.Fatalf("%d files before the restart", n)
	}

	second := MustStartServerWith(t, func(cfg *app.Config) {
		cfg.DataDir = dir
		cfg.BlobSweepInterval, cfg.OrphanSweepInterval = 10*time.Millisecond, 10*time.Millisecond
	})
	want := append(slices.Clone(kept), newKey)
	slices.Sort(want)
	// The sweeper deletes the files first, then their records.
	apptest.Eventually(t, "the sweepers to clean up", func() bool {
		pending, err := second.App.DB.FindBlobDeletions(t.Context(), 10)
		return err == nil && len(pending) == 0 && slices.Equal(second.StoredKeys(t), want)
	})
	if r := second.Fetch(t, attachmentsOf(t, second.Messages(t, c, "")[1])[0]["data_url"].(string), nil); r.Status != 200 {
		t.Errorf("a kept file: %d", r.Status)
	}
}

// TestAttachmentSettings checks that clients can learn the limits.
func TestAttachmentSettings(t *testing.T) {
	srv := MustStartServer(t)
	var s struct {
		Limits struct {
			MaxAttachments     int   `json:"max_attachments"`
			MaxAttachmentBytes int64 `json:"max_attachment_bytes"`
		}
		Attachments struct{ Enabled bool }
	}
	if err := json.Unmarshal(srv.SDK(t, 200, Request{Method: "GET", Path: "/api/v1/sdk/settings"}).Body, &s); err != nil {
		t.Fatal(err)
	}
	if s.Limits.MaxAttachments != 10 || s.Limits.MaxAttachmentBytes != 40<<20 || !s.Attachments.Enabled {
		t.Errorf("settings = %+v", s)
	}
}

// TestAttachmentURLsFollowThePublicURL: attachment URLs are stored without
// the public URL, so a server restarted under another one (a new domain,
// or a path behind a proxy) shows its old files under the new one, in
// listings, in the agent API and in events.
func TestAttachmentURLsFollowThePublicURL(t *testing.T) {
	public := "https://chat-old.example.com"
	srv := MustStartServerWith(t, func(cfg *app.Config) { cfg.PublicURL = public })
	c := srv.StartConversation(t, map[string]any{"name": "Ann"})
	if r := srv.SendFiles(t, c, "", "photo", Upload{Name: "photo.png", Data: pngFile(t, 800, 600, false)}); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	old := attachmentsOf(t, lastMessage(t, srv, c))[0]
	oldData, oldThumb := old["data_url"].(string), old["thumb_url"].(string)
	if !strings.HasPrefix(oldData, public+"/files/") || !strings.HasPrefix(oldThumb, public+"/files/") || oldThumb == oldData {
		t.Fatalf("under %s: data_url %s, thumb_url %s", public, oldData, oldThumb)
	}
	adminToken := srv.AdminToken()

	public = "https://chat.example.com/support"
	srv.test.Restart(t)
	moved := func(u string) string { return public + strings.TrimPrefix(u, "https://chat-old.example.com") }
	a := attachmentsOf(t, lastMessage(t, srv, c))[0]
	if a["data_url"] != moved(oldData) || a["thumb_url"] != moved(oldThumb) {
		t.Errorf("SDK listing after the move: data_url %v, thumb_url %v; want them under %s", a["data_url"], a["thumb_url"], public)
	}
	if r := srv.Fetch(t, oldData, nil); r.Status != 200 {
		t.Errorf("the file itself: %d", r.Status)
	}
	agentList := decode(t, srv.Agent(t, adminToken, 200, Request{Method: "GET",
		Path: fmt.Sprintf("/api/v1/accounts/1/conversations/%d/messages", c.ConversationID)}))
	if got := at(agentList, "payload", 0, "attachments", 0, "data_url"); got != moved(oldData) {
		t.Errorf("agent API after the move: data_url %v", got)
	}

	ws := srv.DialWS(t)
	ws.Subscribe(t, c.Token)
	if r := srv.SendFiles(t, c, "", "doc", Upload{Name: "notes.pdf", Data: pdfFile()}); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var created struct {
		Attachments []struct {
			DataURL string `json:"data_url"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(ws.Expect(t, "message.created").Data, &created); err != nil {
		t.Fatal(err)
	}
	if len(created.Attachments) != 1 || !strings.HasPrefix(created.Attachments[0].DataURL, public+"/files/") {
		t.Errorf("message.created after the move: %+v", created.Attachments)
	}
}

package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/novatalks/novatalks"
)

// Upload is one file part of a multipart request.
type Upload struct {
	Name        string // the file name the client sends
	ContentType string // the client's claim ("" for application/octet-stream)
	Data        []byte
}

// multipartBody encodes text fields (name, value pairs, in order) and files
// as attachments[] into a multipart/form-data body.
func multipartBody(tb testing.TB, fields [][2]string, files ...Upload) (body []byte, contentType string) {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="attachments[]"; filename="%s"`, f.Name))
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		pw, err := w.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		pw.Write(f.Data)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// SendFiles posts a multipart SDK message with files and returns the response.
func (s *Server) SendFiles(tb testing.TB, c Contact, content, echoID string, files ...Upload) *Response {
	tb.Helper()
	fields := [][2]string{{"message[echo_id]", echoID}}
	if content != "" {
		fields = append(fields, [2]string{"message[content]", content})
	}
	body, ct := multipartBody(tb, fields, files...)
	resp := s.Do(tb, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: body,
		Header: map[string]string{"Content-Type": ct}})
	ValidateSDKResponse(tb, resp)
	return resp
}

// Fetch GETs the path of an absolute URL the server handed out (an
// attachment's) on this test server, whichever server instance, and so
// address, made the URL.
func (s *Server) Fetch(tb testing.TB, rawURL string, header map[string]string) *Response {
	tb.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() || !strings.HasPrefix(u.Path, novatalks.FilesPath) {
		tb.Fatalf("%q is not an absolute file URL", rawURL)
	}
	return s.Do(tb, Request{Method: "GET", Path: u.EscapedPath(), Header: header})
}

// FilesDir is the folder of the server's local file store.
func (s *Server) FilesDir() string { return filepath.Join(s.App.DataDir, "files") }

// StoredKeys returns the blob keys in the server's file store, sorted.
func (s *Server) StoredKeys(tb testing.TB) []string {
	tb.Helper()
	return storedKeys(tb, s.FilesDir())
}

func storedKeys(tb testing.TB, dir string) []string {
	tb.Helper()
	keys := []string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			keys = append(keys, d.Name())
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

// urlKey returns the blob key of an attachment URL.
func urlKey(url string) string {
	_, rest, _ := strings.Cut(url, novatalks.FilesPath)
	key, _, _ := strings.Cut(rest, "/")
	return key
}

// attachmentKeys returns the blob keys of the attachments of listed messages.
func attachmentKeys(msgs []map[string]any) []string {
	keys := []string{}
	for _, m := range msgs {
		list, _ := m["attachments"].([]any)
		for _, a := range list {
			a := a.(map[string]any)
			keys = append(keys, urlKey(a["data_url"].(string)))
			if a["thumb_url"] != a["data_url"] {
				keys = append(keys, urlKey(a["thumb_url"].(string)))
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// checkNoOrphans fails unless every file in the store is referred to by an
// attachment.
func checkNoOrphans(tb testing.TB, s *Server) {
	tb.Helper()
	keys := s.StoredKeys(tb)
	inUse, err := s.App.DB.FindBlobKeysInUse(context.Background(), keys)
	if err != nil {
		tb.Fatal(err)
	}
	for _, k := range keys {
		if !inUse[k] {
			tb.Errorf("file %s is stored but no attachment refers to it", k)
		}
	}
}

// gradient returns a w × h image with a pattern (so that encoders cannot
// collapse it); with alpha, its pixels are half transparent.
func gradient(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	a := uint8(255)
	if alpha {
		a = 128
	}
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), a})
		}
	}
	return img
}

// pngFile returns a w × h PNG.
func pngFile(tb testing.TB, w, h int, alpha bool) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, gradient(w, h, alpha)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// jpegFile returns a w × h JPEG.
func jpegFile(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gradient(w, h, false), nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// pdfFile returns a small valid PDF: one empty page, with a correct
// cross-reference table.
func pdfFile() []byte {
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// mp3File returns the start of an MP3: an empty ID3v2.3 tag, then MPEG-1
// Layer III frames (frame sync 0xFFFB, 128 kbit/s, 44.1 kHz) of silence.
func mp3File() []byte {
	b := []byte("ID3\x03\x00\x00\x00\x00\x00\x00")
	frame := make([]byte, 417)
	copy(frame, []byte{0xFF, 0xFB, 0x90, 0x64})
	for range 4 {
		b = append(b, frame...)
	}
	return b
}

// logBuffer collects a server's log lines for tests that wait on them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

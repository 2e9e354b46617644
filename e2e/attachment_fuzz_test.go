package e2e_test

import (
	"strings"
	"testing"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/internal/app"
)

// FuzzMultipartMessage posts arbitrary multipart bodies as SDK messages. The
// server must answer 200, 400 or 413 (never fail or hang), and afterwards
// every stored file must belong to an attachment: no request, however
// malformed or cut off, leaves a file behind.
func FuzzMultipartMessage(f *testing.F) {
	const boundary = "fuzzboundary"
	srv := MustStartServerWith(f, func(cfg *app.Config) {
		cfg.Limits = novatalks.DefaultLimits()
		cfg.Limits.MaxAttachmentBytes, cfg.Limits.MaxAttachments = 4<<10, 3
	})
	c := srv.StartConversation(f, map[string]any{"name": "Fuzz"})
	part := func(name, filename, body string) string {
		disposition := `form-data; name="` + name + `"`
		if filename != "" {
			disposition += `; filename="` + filename + `"`
		}
		return "--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n\r\n" + body + "\r\n"
	}
	end := "--" + boundary + "--\r\n"
	valid := part("message[echo_id]", "", "1") + part("attachments[]", "a.png", "\x89PNG\r\n\x1a\nnot really") + end
	f.Add(valid)
	f.Add(part("message[content]", "", "hi") + part("message[echo_id]", "", "2") + end)
	f.Add(valid[:len(valid)/2])
	f.Add(part("attachments[]", "", "no name") + part("message[echo_id]", "", "3") + end)
	f.Add(part("attachments[]", "x.bin", strings.Repeat("A", 5<<10)) + end)
	f.Add(strings.Repeat(part("attachments", "f.txt", "x"), 4) + part("message[echo_id]", "", "4") + end)
	f.Add("--" + boundary + "\r\nContent-Disposition: form-data; name=\"attachments[]\"; filename=\"../../x\"\r\n\r\n<svg/>")
	f.Add("")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, body string) {
		resp := srv.Do(t, Request{Method: "POST", Path: messagesPath, Token: c.Token, Body: []byte(body),
			Header: map[string]string{"Content-Type": "multipart/form-data; boundary=" + boundary}})
		if resp.Status != 200 && resp.Status != 400 && resp.Status != 413 {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
		checkNoOrphans(t, srv)
	})
}

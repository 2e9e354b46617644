package web_test

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/novatalks/novatalks/internal/apptest"
)

// TestConversationInTheBrowser is the test of issue 9: a contact in the
// widget and an agent in the console hold a conversation in two tabs of a
// real Chromium, against the real server, each seeing the other live: text
// both ways, typing, a file, a reply and a reaction, a quick reply the agent
// sends and the contact answers, and a status change. The widget keeps the
// conversation across a reload; both pages reconnect and catch up when the
// server restarts; neither requests anything from another origin.
func TestConversationInTheBrowser(t *testing.T) {
	browser := startBrowser(t)
	srv := apptest.Start(t, nil)
	token := srv.App().Bootstrap.AdminToken
	// The operator names the inbox, which the widget shows.
	agentAPI(t, srv.URL, token, "PATCH", "/api/v1/accounts/1/inboxes/1", `{"name": "Acme Support"}`)

	// The agent signs in with the administrator's token.
	agent := NewPage(t, browser, "console", 1280, 800)
	agent.Do(chromedp.Navigate(srv.URL + "/app"))
	agent.Type("#token", token)
	agent.Click("#signin-form button", "Sign in")
	agent.WaitText("#conn", "Connected")

	// A contact starts a chat in the widget and writes.
	contact := NewPage(t, browser, "widget", 1280, 800)
	contact.Do(chromedp.Navigate(srv.URL + "/widget"))
	contact.Type("#start-name", "Olena Kovalenko")
	contact.Type("#start-email", "olena@example.com")
	contact.Click("#start-form button", "Start chat")
	contact.WaitText("#conn", "Online")
	contact.Type("#text", "Hello! Where is my order #1042?")
	contact.Click("#send", "Send")
	contact.WaitText(".msg.mine", "Where is my order #1042?")

	// The conversation appears in the agent's list live; the agent opens it.
	agent.WaitText(".conv-item", "Olena Kovalenko")
	agent.WaitText(".conv-item .unread", "1")
	agent.Click(".conv-item", "Olena Kovalenko")
	agent.WaitText("#messages .msg", "Where is my order #1042?")
	agent.WaitText("#details-body", "olena@example.com")

	step(t, "Text")
	{
		agent.Type("#content", "Hi Olena, let me check that for you.")
		agent.Click("#send", "Send")
		contact.WaitText(".msg:not(.mine)", "let me check that for you")
		// The widget marks it seen; the console shows so.
		agent.WaitText(".msg.mine .msg-status", "Seen")

		// A private note stays with the agents.
		agent.Click("[data-mode=note]", "Private note")
		agent.Type("#content", "VIP customer, be quick")
		agent.Click("#send", "Send")
		agent.WaitText("#messages .msg.note", "VIP customer")
		agent.Click("[data-mode=reply]", "Reply")
		agent.Type("#content", "Found it.")
		agent.Click("#send", "Send")
		contact.WaitText(".msg:not(.mine)", "Found it.")
		if n := contact.Count(".msg", "VIP customer"); n != 0 {
			t.Errorf("the widget shows the private note")
		}
	}

	step(t, "Typing")
	{
		contact.Type("#text", "It was")
		agent.WaitText("#typing", "Olena Kovalenko is typing")
		contact.Click("#send", "Send")
		agent.WaitText("#messages .msg", "It was")
	}

	step(t, "ReplyAndReaction")
	{
		contact.Click(".msg:not(.mine) .msg-actions button", "Reply")
		contact.WaitText("#replying", "let me check")
		contact.Type("#text", "Thank you!")
		contact.Click("#send", "Send")
		agent.WaitText("#messages .msg .quote", "let me check")
		agent.WaitText("#messages .msg", "Thank you!")

		contact.Click(".msg:not(.mine) .msg-actions button", "React")
		contact.Click("#emoji-picker button", "👍")
		contact.WaitText(".msg:not(.mine) .reaction", "👍")
		agent.WaitText("#messages .msg.mine .reaction", "👍")
	}

	step(t, "File")
	{
		file := filepath.Join(t.TempDir(), "invoice.pdf")
		if err := os.WriteFile(file, []byte("%PDF-1.4 test invoice"), 0o600); err != nil {
			t.Fatal(err)
		}
		contact.Do(chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{file}))
		contact.WaitText("#chosen-files", "invoice.pdf")
		contact.Type("#text", "Here is the invoice")
		contact.Click("#send", "Send")
		agent.WaitText("#messages .msg", "Here is the invoice")
		agent.WaitText("#messages .attachment", ".pdf")
		contact.WaitText(".msg.mine .attachment", ".pdf")

		// The agent answers with an image; the widget shows its thumbnail,
		// served by the same origin under the pages' content policy.
		sendImage(t, agent, contact, "receipt.png", 640, 480)
		agent.Wait("the agent's own image to load", `() => { const i = document.querySelector('#messages .attachment-image img'); return !!i && i.complete && i.naturalWidth > 0 }`)
	}

	step(t, "AssignSnoozeReopen")
	{
		agent.Select("#assignee", "1")
		agent.WaitText("[data-count=mine]", "1")
		agent.WaitText("#messages .msg-activity", "self-assigned")
		agent.Select("#snooze", "hour")
		agent.WaitText("#conv-status", "snoozed")
		contact.WaitText("#status", "snoozed")
		agent.Click("#reopen", "Reopen")
		agent.WaitText("#conv-status", "open")
		contact.WaitText("#status", "open")
	}

	step(t, "QuickReply")
	{
		agent.Select("#content-type", "quick_reply")
		agent.Type("#content", "How should we ship the replacement?")
		agent.Type("#button-1-title", "Standard (3–5 days)")
		agent.Type("#button-1-value", "SHIP_STANDARD")
		agent.Type("#button-2-title", "Overnight")
		agent.Type("#button-2-value", "SHIP_OVERNIGHT")
		agent.WaitText("#preview .choice", "Overnight") // the preview
		agent.Click("#send", "Send")
		agent.WaitText("#messages .msg.mine", "How should we ship the replacement?")

		contact.WaitText(".msg:not(.mine) .choice", "Overnight")
		contact.Click(".msg:not(.mine) .choice", "Overnight")
		contact.WaitText(".msg.mine", "Overnight")
		contact.Wait("the chosen button marked", `() => document.querySelector('.choice[aria-pressed="true"]')?.textContent === 'Overnight'`)
		agent.WaitText("#messages .msg:not(.mine)", "Overnight")
		agent.Wait("the quick reply marked seen",
			`() => [...document.querySelectorAll('#messages .msg.mine')].pop()?.textContent.includes('Seen')`)
	}

	step(t, "CardAndFeedback")
	{
		agent.Select("#content-type", "card")
		agent.Type("#content", "Our replacement options")
		agent.Select("#button-1-kind", "link")
		agent.Type("#button-1-title", "See the catalogue")
		agent.Type("#button-1-url", "https://shop.example.com/catalogue")
		agent.Type("#button-2-title", "Send a new one")
		agent.Type("#button-2-value", "REPLACE")
		agent.WaitText("#preview a.choice", "See the catalogue")
		agent.Click("#send", "Send")
		contact.WaitText(".msg:not(.mine)", "Our replacement options")
		link := Eval[string](contact, `(() => { const a = [...document.querySelectorAll('.msg a.choice')].pop();
			return a.href + ' ' + a.target + ' ' + a.rel; })()`)
		if link != "https://shop.example.com/catalogue _blank noopener noreferrer" {
			t.Errorf("the card's link button is %q", link)
		}
		contact.Click(".msg:not(.mine) button.choice", "Send a new one")
		agent.WaitText("#messages .msg:not(.mine)", "Send a new one")

		agent.Select("#content-type", "feedback")
		agent.Type("#content", "How did we do today?")
		agent.Click("#send", "Send")
		contact.WaitText(".msg:not(.mine) .feedback-form label", "Your feedback")
		contact.Type(".feedback-form textarea", "Quick and friendly, thanks")
		contact.Click(".feedback-form button", "Send feedback")
		contact.WaitText(".feedback-answer", "Quick and friendly, thanks")
		agent.WaitText("#messages .feedback-answer", "Quick and friendly, thanks")
	}

	agent.Wait("the agent's last message marked seen",
		`() => [...document.querySelectorAll('#messages .msg.mine')].pop()?.textContent.includes('Seen')`)
	// Both threads stayed at their newest message through it all (new
	// messages, a composer that grew and shrank).
	for _, p := range []*Page{agent, contact} {
		p.Wait("the thread at its newest message",
			`() => { const s = document.getElementById('thread'); return s.scrollHeight - s.scrollTop - s.clientHeight < 48; }`)
	}
	agent.Screenshot("console.png")
	contact.Screenshot("widget.png")

	step(t, "Resolve")
	{
		agent.Click("#resolve", "Resolve")
		agent.WaitText("#conv-status", "resolved")
		contact.WaitText("#status", "resolved")
		contact.WaitText("#banner", "resolved")
		contact.WaitText("#inbox-name", "Acme Support")
	}

	step(t, "Reload")
	{
		contact.Do(chromedp.Reload())
		contact.WaitText(".msg.mine", "Where is my order #1042?")
		contact.WaitText(".msg:not(.mine)", "How should we ship the replacement?")
		contact.WaitText("#status", "resolved")
		contact.WaitText("#conn", "Online")
		// Writing again reopens the conversation, live in the console.
		contact.Type("#text", "One more question")
		contact.Click("#send", "Send")
		contact.WaitText("#status", "open")
		agent.WaitText("#conv-status", "open")
		agent.WaitText("#messages .msg", "One more question")
	}

	step(t, "ReconnectAndCatchUp")
	{
		srv.Restart(t) // every WebSocket drops
		// Written while the pages are (or are about to be) reconnecting:
		// each page shows it exactly once, live or caught up.
		srv.AgentText(t, 1, "Your replacement ships tonight.")
		contact.WaitText(".msg:not(.mine)", "Your replacement ships tonight.")
		agent.WaitText("#messages .msg.mine", "Your replacement ships tonight.")
		contact.WaitText("#conn", "Online")
		agent.WaitText("#conn", "Connected")
		if n := contact.Count(".msg", "Your replacement ships tonight."); n != 1 {
			t.Errorf("the widget shows the message %d times", n)
		}
		if n := agent.Count("#messages .msg", "Your replacement ships tonight."); n != 1 {
			t.Errorf("the console shows the message %d times", n)
		}
	}

	step(t, "PhoneWidth")
	{
		phone := NewPage(t, browser, "phone", 390, 844)
		phone.Do(chromedp.Navigate(srv.URL + "/widget"))
		phone.Type("#start-name", "Ada")
		phone.Click("#start-form button", "Start chat")
		phone.Type("#text", "Hi from my phone 📱")
		phone.Click("#send", "Send")
		phone.WaitText(".msg.mine", "Hi from my phone")
		srv.AgentText(t, 2, "Hello Ada! How can I help?")
		phone.WaitText(".msg:not(.mine)", "How can I help?")
		if w := Eval[int](phone, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the widget is %dpx wide on a 390px phone: it scrolls sideways", w)
		}
		phone.Screenshot("widget-phone.png")

		// The console on a phone shows the conversation, with a way back
		// to the list.
		agent.Do(chromedp.EmulateViewport(390, 844))
		agent.Click("#back", "")
		agent.WaitText(".conv-item", "Ada")
		agent.Click(".conv-item", "Ada")
		agent.WaitText("#messages .msg", "Hi from my phone")
		if w := Eval[int](agent, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the console is %dpx wide on a 390px phone: it scrolls sideways", w)
		}
		agent.Screenshot("console-phone.png")
		agent.Do(chromedp.EmulateViewport(1280, 800))
	}

	step(t, "Security")
	{
		for _, p := range []*Page{agent, contact} {
			csp := p.Header("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
				t.Errorf("%s: Content-Security-Policy = %q", p.name, csp)
			}
			if got := p.Header("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options = %q", p.name, got)
			}
			p.CheckSameOrigin(srv.URL)
			if errs := p.Errors(); len(errs) > 0 {
				t.Errorf("%s logged errors:\n  %s", p.name, strings.Join(errs, "\n  "))
			}
		}
		// The policy is enforced, and a breach would be seen: a request to
		// another origin is refused and logged as a violation.
		blocked := Eval[bool](contact, `fetch('http://192.0.2.1/x').then(() => false, () => true)`, chromedp.EvalAwaitPromise)
		if !blocked {
			t.Error("the widget fetched from another origin")
		}
		contact.Wait("the violation logged", `() => true`)
		if errs := strings.Join(contact.Errors(), "\n"); !strings.Contains(errs, "Content Security Policy") {
			t.Errorf("no Content Security Policy violation was logged for a request to another origin; errors:\n%s", errs)
		}
	}
}

// step names the part of a long browser test that runs next. The parts
// share two pages, so they are not subtests: a failure ends the test.
func step(t *testing.T, name string) {
	t.Helper()
	t.Logf("step %s", name)
}

// agentAPI sends one request of the agent API and fails the test unless it
// succeeds.
func agentAPI(t *testing.T, base, token, method, path, body string) []byte {
	t.Helper()
	return call(t, base, "api_access_token", token, method, path, body)
}

// sdkAPI sends one request of the SDK API and fails the test unless it
// succeeds.
func sdkAPI(t *testing.T, base, token, method, path, body string) []byte {
	t.Helper()
	return call(t, base, "access_token", token, method, path, body)
}

func call(t *testing.T, base, header, token, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set(header, token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out
}

// TestHistoryInTheBrowser scrolls both pages up through a conversation
// longer than a page, until its first message.
func TestHistoryInTheBrowser(t *testing.T) {
	browser := startBrowser(t)
	srv := apptest.Start(t, nil)
	const n = 45 // more than two pages of 20
	token := startConversation(t, srv.URL, "Grace", "message 1")
	for i := 2; i <= n; i++ {
		sdkAPI(t, srv.URL, token, "POST", "/api/v1/sdk/conversations/messages",
			fmt.Sprintf(`{"message": {"content": "message %d", "echo_id": "%d"}}`, i, i))
	}
	// scrollToFirst scrolls a thread to its top until message 1 is shown,
	// then checks that every message is shown once, in order.
	scrollToFirst := func(p *Page, sel string) {
		t.Helper()
		p.WaitText(sel, fmt.Sprintf("message %d", n))
		if got := p.Count(sel, "message"); got >= n {
			t.Errorf("%s loaded %d messages at once", p.name, got)
		}
		p.Wait("message 1, scrolling up", `(sel) => {
			document.querySelector('.thread').scrollTop = 0;
			return [...document.querySelectorAll(sel + ' .msg-text')].some((e) => e.textContent === 'message 1');
		}`, sel)
		p.WaitText(".thread-start", "Start of the conversation")
		order := Eval[[]string](p, `[...document.querySelectorAll('.msg .msg-text')].map((e) => e.textContent)`)
		if len(order) != n {
			t.Errorf("%s shows %d messages, want %d", p.name, len(order), n)
		}
		for i, text := range order {
			if want := fmt.Sprintf("message %d", i+1); text != want {
				t.Errorf("%s: message %d is %q, want %q", p.name, i+1, text, want)
				break
			}
		}
	}

	contact := NewPage(t, browser, "widget", 420, 700)
	contact.Do(chromedp.Navigate(srv.URL + "/widget"))
	Eval[chromedp.Void](contact, fmt.Sprintf(`localStorage.setItem('novatalks.widget.token', %q)`, token))
	contact.Do(chromedp.Reload())
	scrollToFirst(contact, "#messages")

	agent := NewPage(t, browser, "console", 1024, 700)
	agent.Do(chromedp.Navigate(srv.URL + "/app"))
	agent.Type("#token", srv.App().Bootstrap.AdminToken)
	agent.Click("#signin-form button", "Sign in")
	agent.Click(".conv-item", "Grace")
	scrollToFirst(agent, "#messages")
}

// TestMessageRendering renders hostile and unusual messages with the
// pages' own module and checks that text stays text, that only http(s)
// links are made, and how attachments show (by their documented fields,
// before the server stores any).
func TestMessageRendering(t *testing.T) {
	browser := startBrowser(t)
	srv := apptest.Start(t, nil)
	p := NewPage(t, browser, "widget", 800, 600)
	p.Do(chromedp.Navigate(srv.URL + "/widget"))
	got := Eval[map[string]any](p, `import('/assets/shared/message.js').then((m) => {
		const render = (raw, opts = {}) => {
			const el = m.renderMessage(m.normalizeMessage({
				id: 1, message_type: 'outgoing', content_type: 'text', content_attributes: {}, created_at: 0, updated_at: 0,
				sender: {name: 'Agent', type: 'User'}, attachments: [], reactions: [], ...raw}), {mine: false, ...opts});
			document.getElementById('messages').append(el);
			return el;
		};
		const hostile = render({content: '<img src=x onerror="window.pwned=1"> javascript:alert(1) see https://example.com/a.'});
		const files = render({id: 2, content: null, attachments: [
			{id: 1, file_type: 'image', data_url: '/files/photo.png', thumb_url: '/files/photo-thumb.png', fallback_title: 'photo.png', file_size: 2048, extension: 'png'},
			{id: 2, file_type: 'file', data_url: '/files/invoice.pdf', thumb_url: '', fallback_title: 'invoice.pdf', file_size: 12345, extension: 'pdf'},
			{id: 3, file_type: 'file', data_url: 'javascript:alert(1)', thumb_url: '', fallback_title: 'evil', file_size: 1, extension: null},
		]});
		const card = render({id: 3, content: 'Pick one', content_type: 'card', content_attributes: {buttons: [
			{type: 'link', title: 'Docs', url: 'https://example.com/docs'},
			{type: 'link', title: 'Evil', url: 'javascript:alert(1)'},
			{type: 'postback', title: 'Buy', value: 'BUY'},
		], image_url: 'https://example.com/card.png'}}, {answer: () => {}});
		const links = (el) => [...el.querySelectorAll('a')].map((a) => a.getAttribute('href') + ' ' + a.rel + ' ' + a.target);
		return {
			hostileText: hostile.querySelector('.msg-text').textContent,
			hostileImages: hostile.querySelectorAll('img').length,
			hostileLinks: links(hostile),
			pwned: Boolean(window.pwned),
			image: files.querySelector('.attachment-image img')?.getAttribute('src') ?? '',
			imageAlt: files.querySelector('.attachment-image img')?.alt ?? '',
			fileLinks: links(files),
			fileText: files.querySelector('.attachments').textContent,
			cardLinks: links(card),
			cardButtons: [...card.querySelectorAll('button.choice')].map((b) => b.textContent),
		};
	})`, chromedp.EvalAwaitPromise)
	want := map[string]any{
		"hostileText":   `<img src=x onerror="window.pwned=1"> javascript:alert(1) see https://example.com/a.`,
		"hostileImages": float64(0),
		"hostileLinks":  []any{"https://example.com/a noopener noreferrer _blank"},
		"pwned":         false,
		"image":         srv.URL + "/files/photo-thumb.png",
		"imageAlt":      "Image: photo.png",
		"fileLinks": []any{
			srv.URL + "/files/photo.png noopener noreferrer _blank",
			srv.URL + "/files/invoice.pdf noopener noreferrer _blank",
		},
		"cardLinks": []any{
			"https://example.com/card.png noopener noreferrer _blank",
			"https://example.com/docs noopener noreferrer _blank",
		},
		"cardButtons": []any{"Buy"},
	}
	for k, w := range want {
		if g := got[k]; fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
	if text := fmt.Sprint(got["fileText"]); !strings.Contains(text, "invoice.pdf") || !strings.Contains(text, "12 KB") || !strings.Contains(text, "evil") {
		t.Errorf("the file attachments read %q", text)
	}
}

// startConversation starts a conversation on the SDK API with a first
// message and returns the contact's token.
func startConversation(t *testing.T, base, name, first string) string {
	t.Helper()
	body := fmt.Sprintf(`{"name": %q, "message": {"content": %q, "echo_id": "1"}}`, name, first)
	var out struct {
		Payload struct {
			ContactInbox struct {
				PubsubToken string `json:"pubsubToken"`
			} `json:"contactInbox"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(sdkAPI(t, base, "", "POST", "/api/v1/sdk/conversations", body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Payload.ContactInbox.PubsubToken
}

// sendImage has the agent send a w×h PNG image named name in the open
// conversation and waits until the contact's widget has loaded it.
func sendImage(t *testing.T, agent, contact *Page, name string, w, h int) {
	t.Helper()
	img := filepath.Join(t.TempDir(), name)
	writePNG(t, img, w, h)
	agent.Do(chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{img}))
	agent.WaitText("#chosen-files", name)
	agent.Click("#send", "Send")
	contact.Wait("the agent's image to load", `() => { const i = document.querySelector('.msg:not(.mine) .attachment-image img'); return !!i && i.complete && i.naturalWidth > 0 }`)
}

// writePNG writes a w×h PNG image to path.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
}

package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// TestSDKFromAnotherOrigin is a web app's own chat page, served from another
// origin than novatalks, calling the SDK API from a real Chromium: with that
// origin in the server's CORS origins, the page starts a conversation, sends
// a message with its access_token header and reads it back; a page of an
// origin not in the list is refused by the browser.
func TestSDKFromAnotherOrigin(t *testing.T) {
	browser := startBrowser(t)
	page := func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>An app</title><p>An app of its own</p>")
	}
	app1 := httptest.NewServer(http.HandlerFunc(page))
	t.Cleanup(app1.Close)
	app2 := httptest.NewServer(http.HandlerFunc(page))
	t.Cleanup(app2.Close)
	srv := apptest.Start(t, func(cfg *app.Config) { cfg.CORSOrigins = []string{app1.URL} })

	allowed := NewPage(t, browser, "allowed app", 800, 600)
	allowed.Do(chromedp.Navigate(app1.URL))
	got := Eval[string](allowed, fmt.Sprintf(`(async () => {
		const base = %q;
		const start = await fetch(base + '/api/v1/sdk/conversations', {method: 'POST',
			headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name: 'Ada'})});
		const token = (await start.json()).payload.contactInbox.pubsubToken;
		const headers = {'Content-Type': 'application/json', 'access_token': token};
		const sent = await fetch(base + '/api/v1/sdk/conversations/messages', {method: 'POST', headers,
			body: JSON.stringify({message: {content: 'hello from another origin', echo_id: 'e1'}})});
		if (!sent.ok) return 'send: ' + sent.status;
		const list = await (await fetch(base + '/api/v1/sdk/conversations/messages', {headers})).json();
		return list.map(m => m.content).join('|');
	})()`, srv.URL), chromedp.EvalAwaitPromise)
	if got != "hello from another origin" {
		t.Errorf("the allowed page read %q, want its message", got)
	}

	refused := NewPage(t, browser, "other app", 800, 600)
	refused.Do(chromedp.Navigate(app2.URL))
	outcome := Eval[string](refused, fmt.Sprintf(`fetch(%q + '/api/v1/sdk/settings').then(r => 'read ' + r.status, e => 'refused')`, srv.URL),
		chromedp.EvalAwaitPromise)
	if outcome != "refused" {
		t.Errorf("a page of an origin not allowed: %s, want the browser to refuse", outcome)
	}
}

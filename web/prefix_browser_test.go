package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/novatalks/novatalks/internal/app"
	"github.com/novatalks/novatalks/internal/apptest"
)

// TestPagesBelowAProxyPath serves novatalks the way docs/deployment.md
// describes for a path of a shared site: a reverse proxy passes
// https://example.com/chat/... to the server with /chat stripped, and
// --public-url names the proxy's address with the path. Both pages, their
// WebSocket and the files they show must then stay below /chat/: the root
// redirect leads to /chat/app, the console signs in and goes live, the
// widget starts a chat whose message the console sees, and the image the
// agent sends loads in the widget from its public URL.
func TestPagesBelowAProxyPath(t *testing.T) {
	browser := startBrowser(t)
	var backend atomic.Pointer[url.URL] // the server, known once it runs
	proxy := httptest.NewServer(http.StripPrefix("/chat", &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(backend.Load()) },
	}))
	t.Cleanup(proxy.Close)
	base := proxy.URL + "/chat"
	srv := apptest.Start(t, func(cfg *app.Config) { cfg.PublicURL = base })
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	backend.Store(u)
	token := srv.App().Bootstrap.AdminToken

	agent := NewPage(t, browser, "console below /chat", 1280, 800)
	agent.Do(chromedp.Navigate(base + "/"))
	agent.Wait("the redirect to the console", `() => location.pathname === '/chat/app' && !!document.querySelector('#token')`)
	agent.Type("#token", token)
	agent.Click("#signin-form button", "Sign in")
	agent.WaitText("#conn", "Connected")

	contact := NewPage(t, browser, "widget below /chat", 800, 800)
	contact.Do(chromedp.Navigate(base + "/widget"))
	contact.Type("#start-name", "Taras")
	contact.Click("#start-form button", "Start chat")
	contact.WaitText("#conn", "Online")
	contact.Type("#text", "Hello from below a path")
	contact.Click("#send", "Send")
	agent.WaitText(".conv-item", "Taras")
	agent.Click(".conv-item", "Taras")
	agent.WaitText("#messages .msg", "Hello from below a path")

	sendImage(t, agent, contact, "map.png", 320, 240)

	for _, p := range []*Page{agent, contact} {
		p.CheckSameOrigin(proxy.URL)
		for _, raw := range p.Requests() {
			if u, err := url.Parse(raw); err == nil && u.Scheme != "blob" && !strings.HasPrefix(u.Path, "/chat/") {
				t.Errorf("%s requested %s, outside /chat/", p.name, raw)
			}
		}
		if errs := p.Errors(); len(errs) > 0 {
			t.Errorf("%s logged errors: %v", p.name, errs)
		}
	}
}

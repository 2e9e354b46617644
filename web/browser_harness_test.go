package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var writeScreenshots = flag.Bool("screenshots", false, "write the screenshots of the browser tests to docs/screenshots")

// waitTimeout bounds every wait for a condition in a page.
const waitTimeout = 15 * time.Second

// startBrowser starts one headless Chromium for a test and stops it when the
// test ends. It skips the test when no Chromium is installed.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("browser tests need Chromium, and none is installed: apt-get install -y chromium (CI's .ci/run installs it)")
	}
	// The flags this machine's Chromium needs: no sandbox as root, and none
	// of the background traffic that a closed network refuses.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return browser
}

// Page is one browser tab with its own storage (a browser context of its
// own, like a separate profile). It records every request the page makes,
// the security headers of its documents, and every error it logs.
type Page struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu       sync.Mutex
	requests []string          // URLs of every request and WebSocket
	headers  map[string]string // of the last document loaded
	errors   []string          // console errors, exceptions and browser log errors
}

// NewPage opens a tab in browser, sized width × height.
func NewPage(t *testing.T, browser context.Context, name string, width, height int64) *Page {
	t.Helper()
	p := &Page{t: t, name: name}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	p.ctx = ctx
	// The first action opens the tab, which lives as long as the context
	// of that action: it runs on ctx itself, not on one with a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	return p
}

// listen runs in the tab's event loop: it only records.
func (p *Page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	case *network.EventWebSocketCreated:
		p.requests = append(p.requests, ev.URL)
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			p.headers = map[string]string{}
			for k, v := range ev.Response.Headers {
				p.headers[strings.ToLower(k)] = fmt.Sprint(v)
			}
		}
	case *runtime.EventExceptionThrown:
		p.errors = append(p.errors, "exception: "+exceptionText(ev.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			p.errors = append(p.errors, "console.error: "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		// Failed HTTP requests are the network's entries; the pages show
		// those they expect (a refused file) in their own words.
		if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
			p.errors = append(p.errors, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// Do runs actions in the tab, failing the test on an error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 2*waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v%s", p.name, err, p.errorReport())
	}
}

// Eval evaluates a JavaScript expression in the tab.
func Eval[T any](p *Page, expr string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		p.t.Fatalf("%s: evaluate %s: %v%s", p.name, expr, err, p.errorReport())
	}
	return v
}

// Wait waits until the JavaScript function fn, called with args, returns a
// truthy value; what names the condition in the failure.
func (p *Page) Wait(what, fn string, args ...any) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.PollFunction[chromedp.Void](fn,
		chromedp.WithPollingArgs(args...), chromedp.WithPollingInterval(25*time.Millisecond),
		chromedp.WithPollingTimeout(waitTimeout)))
	if err != nil {
		p.t.Fatalf("%s: waiting for %s: %v%s", p.name, what, err, p.errorReport())
	}
}

// WaitText waits until an element matching the CSS selector sel contains text.
func (p *Page) WaitText(sel, text string) {
	p.t.Helper()
	p.Wait(fmt.Sprintf("%q in %s", text, sel),
		`(sel, text) => [...document.querySelectorAll(sel)].some((e) => e.offsetParent !== null && e.textContent.includes(text ?? ''))`,
		sel, text)
}

// Count returns how many elements match the CSS selector sel and contain text.
func (p *Page) Count(sel, text string) int {
	p.t.Helper()
	args, err := json.Marshal([]string{sel, text})
	if err != nil {
		p.t.Fatal(err)
	}
	return Eval[int](p, fmt.Sprintf(
		`((sel, text) => [...document.querySelectorAll(sel)].filter((e) => e.textContent.includes(text ?? '')).length)(...%s)`, args))
}

// Click clicks the first visible element matching the CSS selector sel
// whose text contains text ("" for any).
func (p *Page) Click(sel, text string) {
	p.t.Helper()
	p.Wait(fmt.Sprintf("a visible %s with %q to click", sel, text),
		`(sel, text) => {
			const el = [...document.querySelectorAll(sel)].find((e) => e.offsetParent !== null && !e.disabled && e.textContent.includes(text ?? ''));
			if (!el) return false;
			el.scrollIntoView({block: 'center'});
			el.click();
			return true;
		}`, sel, text)
}

// Select chooses an option of a <select> as a user would.
func (p *Page) Select(sel, value string) {
	p.t.Helper()
	p.Wait(fmt.Sprintf("option %q of %s", value, sel), `(sel, value) => {
		const el = document.querySelector(sel);
		if (!el || el.disabled || ![...el.options].some((o) => o.value === value)) return false;
		el.value = value;
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	}`, sel, value)
}

// Type types text into the element matching sel as a user would, key by key.
func (p *Page) Type(sel, text string) {
	p.t.Helper()
	p.Do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Screenshot saves a picture of the viewport as docs/screenshots/name when
// the test runs with -screenshots.
func (p *Page) Screenshot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	if !*writeScreenshots {
		return
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// Requests returns the URLs the page has requested so far.
func (p *Page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.requests)
}

// Header returns a response header of the last document loaded.
func (p *Page) Header(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.headers[strings.ToLower(name)]
}

// Errors returns what the page has logged as errors so far.
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.errors)
}

// errorReport describes the page's state for a failure: what it logged as
// errors, and where a picture of it is when NOVATALKS_BROWSER_SHOTS names a
// folder.
func (p *Page) errorReport() string {
	var report string
	if dir := os.Getenv("NOVATALKS_BROWSER_SHOTS"); dir != "" {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		defer cancel()
		if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			name := filepath.Join(dir, p.name+"-failed.png")
			if os.WriteFile(name, buf, 0o644) == nil {
				report = "\nscreenshot: " + name
			}
		}
	}
	errs := p.Errors()
	if len(errs) == 0 {
		return report
	}
	return report + "\npage errors:\n  " + strings.Join(errs, "\n  ")
}

// CheckSameOrigin fails the test if the page requested anything from
// another origin than base (http and ws of the same host and port).
func (p *Page) CheckSameOrigin(base string) {
	p.t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		p.t.Fatal(err)
	}
	for _, raw := range p.Requests() {
		u, err := url.Parse(raw)
		if err != nil || u.Host != b.Host || (u.Scheme != "http" && u.Scheme != "ws") {
			if u != nil && u.Scheme == "blob" {
				continue // an object URL the page made itself
			}
			p.t.Errorf("%s requested %s, which is not of %s", p.name, raw, base)
		}
	}
}

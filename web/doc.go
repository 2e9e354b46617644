// Package web serves the two browser pages of novatalks from the binary
// itself: the agent console at /app and the demo contact widget at /widget.
//
// The pages are plain HTML, CSS and JavaScript modules, embedded with
// embed.FS and served as they are: there is no build step, no npm package
// and no request to any other origin. static/shared holds what both pages
// use (the API client, the realtime connection, message rendering, the
// thread view, the base styles); static/app is the console and
// static/widget the widget, which doubles as the reference client for teams
// building their own (docs/web.md).
//
// Every response carries a Content-Security-Policy that allows only the
// page's own origin (ContentSecurityPolicy), X-Content-Type-Options: nosniff
// and Referrer-Policy: no-referrer. The console may not be framed; the
// widget may be framed by any site, since teams embed it in an iframe.
//
// The package knows nothing of the API it talks to (the browser does the
// talking): it imports no other package of the module, and internal/app
// mounts it on the HTTP server with Mount. A Handler holds the files in
// memory, built once by New, and is safe for concurrent use.
package web

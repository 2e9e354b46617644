// Package e2e holds the end-to-end tests of novatalks: the real server, as the
// binary assembles it, on a real SQLite file, driven through real HTTP (and
// WebSocket) clients. It has no code outside its tests.
package e2e

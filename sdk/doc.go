// Package sdk is the Go client of the NovaTalks SDK API: the contact side of
// a novatalks server.
package sdk

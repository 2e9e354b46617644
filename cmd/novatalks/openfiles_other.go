//go:build !unix

package main

// openFilesLimit returns 0: the limit is not read on this system, and the
// WebSocket gateway is then not bounded by default.
func openFilesLimit() uint64 { return 0 }

//go:build unix

package main

import "syscall"

// openFilesLimit returns how many files this process may hold open (Go
// raises the soft limit to the hard one when a program starts), or 0 when
// it cannot be read.
func openFilesLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return lim.Cur
}

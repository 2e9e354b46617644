package sqlite

import (
	"errors"
	"io/fs"
	"os"
)

// logFlusher flushes a database's write-ahead log (its "-wal" file) to disk.
// It is not safe for concurrent use.
type logFlusher struct {
	dbPath string
	wal    *os.File
}

// flush makes every commit written so far durable. It keeps the log open
// between calls and reopens it if SQLite has replaced the file (which it
// does only when every connection was closed). When there is no log, SQLite
// has copied everything into the database file, and that is flushed
// instead.
func (l *logFlusher) flush() error {
	path := l.dbPath + "-wal"
	onDisk, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		l.close()
		return syncPath(l.dbPath)
	} else if err != nil {
		return err
	}
	if l.wal != nil {
		if open, err := l.wal.Stat(); err != nil || !os.SameFile(open, onDisk) {
			l.close()
		}
	}
	if l.wal == nil {
		if l.wal, err = os.Open(path); err != nil {
			return err
		}
	}
	return datasync(l.wal)
}

func (l *logFlusher) close() error {
	if l.wal == nil {
		return nil
	}
	err := l.wal.Close()
	l.wal = nil
	return err
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return datasync(f)
}

// Package blob implements novatalks.BlobStore, where the bytes of
// attachments live.
//
// # The local store
//
// Local keeps each blob as one file in a folder (by default <data>/files),
// under a subfolder named after the key's first two characters so that no
// folder grows too large: key "kJGO53QxaEuhHaOU3h5Dc5" is the file
// "kJ/kJGO53QxaEuhHaOU3h5Dc5". Every file operation goes through an
// [os.Root] opened on the folder, so no key, symbolic link or ".." can reach
// a file outside it; keys are also checked with novatalks.ValidBlobKey
// before any file is touched.
//
// Put writes the file in place (created exclusively, mode 0600), syncs it
// and its folder before returning, and removes it on any failure. A crash
// while writing can leave a partial file, which no attachment refers to and
// novatalks.Service.SweepOrphanBlobs removes later.
//
// Several nodes can share a Local store only through a shared folder (NFS
// or similar) mounted at the same path on each: the files are not
// replicated by the server.
//
// # An S3-compatible store
//
// The BlobStore interface maps one to one onto an object store, so an
// S3-compatible store (for example with github.com/minio/minio-go/v7) is a
// second type in this package: Put is PutObject with an unknown size
// (streamed as a multipart upload, aborted on error so nothing is left),
// Open is GetObject, whose object seeks by issuing ranged GETs and so serves
// HTTP range requests, Delete is RemoveObject (which succeeds for a missing
// key), and Walk is ListObjects with each object's LastModified. Nothing
// outside cmd/ and internal/app would change; the server could then also
// redirect downloads to presigned URLs instead of serving the bytes itself.
//
// Stores are safe for concurrent use.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/novatalks/novatalks"
)

// Local is a novatalks.BlobStore on a folder of the local file system.
type Local struct {
	root *os.Root
}

var _ novatalks.BlobStore = (*Local)(nil)

// OpenLocal opens (creating it if needed, mode 0700) the folder dir as a
// store. Close it when done.
func OpenLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create file folder: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open file folder: %w", err)
	}
	return &Local{root: root}, nil
}

// Close releases the folder.
func (l *Local) Close() error { return l.root.Close() }

// name returns the path of key inside the folder, or EINVALID.
func name(key string) (string, error) {
	if !novatalks.ValidBlobKey(key) {
		return "", novatalks.Errorf(novatalks.EINVALID, "invalid blob key")
	}
	return key[:2] + "/" + key, nil
}

// Put implements novatalks.BlobStore.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	p, err := name(key)
	if err != nil {
		return 0, err
	}
	dir := path.Dir(p)
	if err := l.root.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	f, err := l.root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return 0, novatalks.Errorf(novatalks.ECONFLICT, "blob %s exists already", key)
	} else if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = l.root.Remove(p)
			n = 0
		}
	}()
	src := &readerError{r: contextReader{ctx, r}}
	n, err = io.Copy(f, src)
	if src.err != nil {
		return n, src.err // the source's own error, as the interface promises
	} else if err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, err
	}
	return n, l.syncDir(dir)
}

// syncDir makes a new file's entry in dir durable.
func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readerError remembers the error of the reader it wraps, so that Put can
// tell a failing source (a cut-off request) from a failing disk.
type readerError struct {
	r   io.Reader
	err error
}

func (r *readerError) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// contextReader stops reading once ctx is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open implements novatalks.BlobStore.
func (l *Local) Open(ctx context.Context, key string) (*novatalks.Blob, error) {
	p, err := name(key)
	if err != nil {
		return nil, err
	}
	f, err := l.root.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, novatalks.Errorf(novatalks.ENOTFOUND, "blob not found")
	} else if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, novatalks.Errorf(novatalks.ENOTFOUND, "blob not found")
	}
	return &novatalks.Blob{ReadSeekCloser: f, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// Delete implements novatalks.BlobStore.
func (l *Local) Delete(ctx context.Context, key string) error {
	p, err := name(key)
	if err != nil {
		return err
	}
	if err := l.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Walk implements novatalks.BlobStore. Files whose names are not keys, or
// that are not in their key's subfolder, are not blobs and are left alone.
func (l *Local) Walk(ctx context.Context, fn func(key string, modTime time.Time) error) error {
	return fs.WalkDir(l.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && path.Dir(p) != "." {
				return fs.SkipDir // blobs are one level down
			}
			return nil
		}
		key := path.Base(p)
		if want, err := name(key); err != nil || want != p || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		return fn(key, info.ModTime())
	})
}

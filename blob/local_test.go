package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novatalks/novatalks"
	"github.com/novatalks/novatalks/blob"
)

// MustOpenLocal opens a store in a temp dir and closes it when the test ends.
func MustOpenLocal(tb testing.TB) (*blob.Local, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "files")
	l, err := blob.OpenLocal(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l, dir
}

func keys(tb testing.TB, l *blob.Local) map[string]bool {
	tb.Helper()
	out := map[string]bool{}
	if err := l.Walk(context.Background(), func(key string, _ time.Time) error { out[key] = true; return nil }); err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestLocal(t *testing.T) {
	ctx := context.Background()
	l, dir := MustOpenLocal(t)
	key := novatalks.NewToken()

	t.Run("PutOpenDelete", func(t *testing.T) {
		data := bytes.Repeat([]byte("0123456789"), 1000)
		n, err := l.Put(ctx, key, bytes.NewReader(data))
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Put = %d, %v", n, err)
		}
		if _, err := os.Stat(filepath.Join(dir, key[:2], key)); err != nil {
			t.Errorf("file layout: %v", err)
		}
		b, err := l.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if b.Size != int64(len(data)) || b.ModTime.IsZero() {
			t.Errorf("size %d, mod time %v", b.Size, b.ModTime)
		}
		if _, err := b.Seek(9990, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		tail, _ := io.ReadAll(b)
		b.Close()
		if string(tail) != "0123456789" {
			t.Errorf("read after seek: %q", tail)
		}
		if !keys(t, l)[key] {
			t.Error("Walk does not see the blob")
		}
		if err := l.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Open(ctx, key); novatalks.ErrorCode(err) != novatalks.ENOTFOUND {
			t.Errorf("Open after Delete: %v", err)
		}
		if err := l.Delete(ctx, key); err != nil {
			t.Errorf("deleting again: %v", err)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		k := novatalks.NewToken()
		if _, err := l.Put(ctx, k, strings.NewReader("a")); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Put(ctx, k, strings.NewReader("b")); novatalks.ErrorCode(err) != novatalks.ECONFLICT {
			t.Errorf("second Put: %v", err)
		}
		b, _ := l.Open(ctx, k)
		got, _ := io.ReadAll(b)
		b.Close()
		if string(got) != "a" {
			t.Errorf("the first blob was overwritten: %q", got)
		}
	})

	t.Run("FailingReaderLeavesNothing", func(t *testing.T) {
		k := novatalks.NewToken()
		boom := errors.New("connection reset")
		r := io.MultiReader(strings.NewReader("half a file"), &failing{boom})
		if _, err := l.Put(ctx, k, r); !errors.Is(err, boom) {
			t.Errorf("Put = %v, want the reader's error", err)
		}
		if keys(t, l)[k] {
			t.Error("a partial blob is left")
		}
	})

	t.Run("CanceledContextLeavesNothing", func(t *testing.T) {
		k := novatalks.NewToken()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := l.Put(cctx, k, strings.NewReader("data")); !errors.Is(err, context.Canceled) {
			t.Errorf("Put = %v", err)
		}
		if keys(t, l)[k] {
			t.Error("a partial blob is left")
		}
	})

	t.Run("EscapeAttempts", func(t *testing.T) {
		outside := filepath.Join(filepath.Dir(dir), "secret")
		if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"../secret", "../../etc/passwd", "/etc/passwd", "ab/../../secret", "..", "", "ab\x00cdefghijklmnopq"} {
			if _, err := l.Put(ctx, bad, strings.NewReader("x")); novatalks.ErrorCode(err) != novatalks.EINVALID {
				t.Errorf("Put(%q) = %v", bad, err)
			}
			if _, err := l.Open(ctx, bad); novatalks.ErrorCode(err) != novatalks.EINVALID {
				t.Errorf("Open(%q) = %v", bad, err)
			}
			if err := l.Delete(ctx, bad); novatalks.ErrorCode(err) != novatalks.EINVALID {
				t.Errorf("Delete(%q) = %v", bad, err)
			}
		}
		// A valid key whose file is a link out of the folder: os.Root
		// refuses to follow it.
		k := novatalks.NewToken()
		os.MkdirAll(filepath.Join(dir, k[:2]), 0o700)
		if err := os.Symlink(outside, filepath.Join(dir, k[:2], k)); err != nil {
			t.Fatal(err)
		}
		if b, err := l.Open(ctx, k); err == nil {
			got, _ := io.ReadAll(b)
			b.Close()
			t.Errorf("Open followed a link out of the folder: %q", got)
		}
		// A shard folder that is a link out of the folder.
		// The shard must not exist yet: earlier random keys may have made some.
		k2 := novatalks.NewToken()
		for _, err := os.Lstat(filepath.Join(dir, k2[:2])); err == nil; _, err = os.Lstat(filepath.Join(dir, k2[:2])) {
			k2 = novatalks.NewToken()
		}
		if err := os.Symlink(filepath.Dir(dir), filepath.Join(dir, k2[:2])); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Put(ctx, k2, strings.NewReader("x")); err == nil {
			t.Error("Put wrote through a linked folder")
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), k2)); err == nil {
			t.Error("a file was written outside the folder")
		}
		if keys(t, l)[k] {
			t.Error("Walk reports a link as a blob")
		}
		if got, _ := os.ReadFile(outside); string(got) != "secret" {
			t.Errorf("the outside file changed: %q", got)
		}
	})

	t.Run("WalkIgnoresStrangers", func(t *testing.T) {
		os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o600)
		k := novatalks.NewToken()
		os.MkdirAll(filepath.Join(dir, "QQ"), 0o700)
		os.WriteFile(filepath.Join(dir, "QQ", k), []byte("x"), 0o600) // not in its key's folder
		for key := range keys(t, l) {
			if key == "README" || key == k {
				t.Errorf("Walk reported %q", key)
			}
		}
	})
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

package novatalks_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/novatalks/novatalks"
)

func TestFileTypeOf(t *testing.T) {
	for in, want := range map[string]string{
		"image/png": "image", "image/svg+xml": "image", "audio/mpeg": "audio", "video/mp4": "video",
		"application/pdf": "file", "text/html; charset=utf-8": "file", "": "file", "imagery/x": "file",
		"IMAGE/JPEG": "image", "nonsense": "file",
	} {
		if got := novatalks.FileTypeOf(in); got != want {
			t.Errorf("FileTypeOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServeInline(t *testing.T) {
	for in, want := range map[string]bool{
		"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "audio/mpeg": true,
		"video/mp4": true, "application/pdf": true, "Image/PNG": true,
		// Active or unknown types are downloads.
		"text/html": false, "image/svg+xml": false, "application/xhtml+xml": false, "text/xml": false,
		"application/xml": false, "text/javascript": false, "application/javascript": false, "text/css": false,
		"text/plain": false, "application/octet-stream": false, "": false, "image/x-icon": false,
		"application/x-shockwave-flash": false, "text/html; charset=utf-8": false,
	} {
		if got := novatalks.ServeInline(in); got != want {
			t.Errorf("ServeInline(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCleanFileName(t *testing.T) {
	long := strings.Repeat("ж", 200) + ".png"
	for _, tc := range []struct{ in, want string }{
		{"photo.png", "photo.png"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\ann\photo.jpg`, "photo.jpg"},
		{"a\x00b\nc\".txt", "abc.txt"},
		{"  ", "file"},
		{"..", "file"},
		{"dir/", "file"},
		{"bad\xffutf8.txt", "badutf8.txt"},
	} {
		if got := novatalks.CleanFileName(tc.in); got != tc.want {
			t.Errorf("CleanFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := novatalks.CleanFileName(long)
	if len(got) > novatalks.MaxFileNameBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, ".png") {
		t.Errorf("long name cut to %q (%d bytes)", got, len(got))
	}
}

func TestFileExtension(t *testing.T) {
	for in, want := range map[string]string{
		"photo.PNG": "png", "archive.tar.gz": "gz", "README": "", ".bashrc": "", "a.": "", "x.tooooooooooooolong": "",
		"we!rd.p-g": "", "voice.mp3": "mp3",
	} {
		got := novatalks.FileExtension(in)
		if (got == nil) != (want == "") || (got != nil && *got != want) {
			t.Errorf("FileExtension(%q) = %v, want %q", in, got, want)
		}
	}
}

func TestValidBlobKey(t *testing.T) {
	if !novatalks.ValidBlobKey(novatalks.NewToken()) {
		t.Error("a token is not a valid key")
	}
	for _, key := range []string{"", "short", "../../../etc/passwd", "kJGO53QxaEuhHaOU3h5Dc5/x", "kJGO53QxaEuhHaOU3h5D.c",
		"/kJGO53QxaEuhHaOU3h5Dc5", strings.Repeat("a", 65), "kJGO53QxaEuhHaOU3h5Dc\x00"} {
		if novatalks.ValidBlobKey(key) {
			t.Errorf("ValidBlobKey(%q) = true", key)
		}
	}
}

func TestMaxMultipartBytes(t *testing.T) {
	l := novatalks.DefaultLimits()
	if got, want := l.MaxMultipartBytes(), int64(10*40<<20+1<<20); got != want {
		t.Errorf("MaxMultipartBytes = %d, want %d", got, want)
	}
}

package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/novatalks/novatalks"
)

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inline bool
		want   string
	}{
		{"photo.png", true, "inline; filename=photo.png"},
		{"page.html", false, "attachment; filename=page.html"},
		{"my file.pdf", true, `inline; filename="my file.pdf"`},
		{"фото.png", true, "inline; filename*=utf-8''%D1%84%D0%BE%D1%82%D0%BE.png"},
	} {
		if got := contentDisposition(&novatalks.File{Name: tc.name, Inline: tc.inline}); got != tc.want {
			t.Errorf("contentDisposition(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMultipartError(t *testing.T) {
	s := &Server{uploadTimeout: DefaultUploadTimeout}
	disk := errors.New("no space left on device")
	for _, tc := range []struct {
		err  error
		code string
	}{
		{novatalks.Errorf(novatalks.ETOOLARGE, "too many"), novatalks.ETOOLARGE},
		{bodyError{&http.MaxBytesError{Limit: 10}}, novatalks.ETOOLARGE},
		{bodyError{io.ErrUnexpectedEOF}, novatalks.EINVALID},
		{bodyError{fmt.Errorf("read: %w", os.ErrDeadlineExceeded)}, novatalks.EINVALID},
		{bodyError{errors.New("multipart: NextPart: bufio: buffer full")}, novatalks.EINVALID},
		// Failing to store is the server's fault, whatever the body did.
		{disk, novatalks.EINTERNAL},
	} {
		if got := novatalks.ErrorCode(s.multipartError(tc.err, 100)); got != tc.code {
			t.Errorf("multipartError(%v) = %s, want %s", tc.err, got, tc.code)
		}
	}
}

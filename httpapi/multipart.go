package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/novatalks/novatalks"
)

// DefaultUploadTimeout is how long a multipart request body may take to
// arrive when Config.UploadTimeout is zero.
const DefaultUploadTimeout = time.Hour

// maxTextParts bounds the text fields of one multipart request.
const maxTextParts = 100

// isMultipart reports whether a request body is multipart/form-data.
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// readMultipart reads a multipart/form-data request part by part, in one
// pass. File parts (any part with a file name, or named attachments[]) are
// streamed into ups as they arrive, so no file is ever held whole in memory;
// text fields (at most maxField bytes each) go to field. The body is bounded
// by Limits.MaxMultipartBytes and must arrive within the upload timeout.
// On error, files already stored stay in ups: the caller discards them.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request, ups *novatalks.Uploads, maxField int, field func(name, value string) error) error {
	limit := s.service.Limits.MaxMultipartBytes()
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	// Not every ResponseWriter supports deadlines (test recorders do not).
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.uploadTimeout))
	mr, err := r.MultipartReader()
	if err != nil {
		return novatalks.Errorf(novatalks.EINVALID, "malformed multipart body: %v", err)
	}
	for texts := 0; ; {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return s.multipartError(bodyError{err}, limit)
		}
		body := bodyReader{part}
		if name := part.FormName(); part.FileName() != "" || name == "attachments[]" || name == "attachments" {
			err = ups.Add(r.Context(), part.FileName(), body)
		} else if texts++; texts > maxTextParts {
			err = novatalks.Errorf(novatalks.EINVALID, "a multipart body may have at most %d text fields", maxTextParts)
		} else {
			var value string
			if value, err = readField(body, maxField); err == nil {
				err = field(name, value)
			}
		}
		part.Close()
		if err != nil {
			return s.multipartError(err, limit)
		}
	}
}

// readField reads a multipart text field of at most max bytes.
func readField(part io.Reader, max int) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, int64(max)+1))
	if err != nil {
		return "", err
	}
	if len(b) > max {
		return "", novatalks.Errorf(novatalks.ETOOLARGE, "a multipart field is larger than %d bytes", max)
	}
	return string(b), nil
}

// bodyError marks a failure to read the request body (a body cut off, too
// large or too slow, or not valid multipart): the client's doing, unlike a
// failure to store what was read.
type bodyError struct{ err error }

func (e bodyError) Error() string { return e.err.Error() }
func (e bodyError) Unwrap() error { return e.err }

// bodyReader marks the errors of reading a request body as bodyError,
// except io.EOF, which readers must see as it is.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = bodyError{err}
	}
	return n, err
}

// multipartError turns a failure of reading a multipart body into the
// caller-facing error. Domain errors (limits) pass as they are, and so do
// the server's own failures (storage), which the error writer reports as
// internal.
func (s *Server) multipartError(err error, limit int64) error {
	var domain *novatalks.Error
	var body bodyError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &domain):
		return domain
	case errors.Is(err, context.Canceled):
		return novatalks.Errorf(novatalks.EINVALID, "the request was canceled before its body arrived")
	case !errors.As(err, &body):
		return err
	case errors.As(err, &tooLarge):
		return novatalks.Errorf(novatalks.ETOOLARGE, "request body must be at most %d bytes", limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return novatalks.Errorf(novatalks.EINVALID, "the request body did not arrive within %s", s.uploadTimeout)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return novatalks.Errorf(novatalks.EINVALID, "malformed multipart body: it ends before its closing boundary")
	}
	return novatalks.Errorf(novatalks.EINVALID, "malformed multipart body: %s", multipartReason(err))
}

// multipartReason is the text of a multipart parsing error, which the
// mime/multipart package writes for people ("multipart: NextPart: ...").
func multipartReason(err error) string { return fmt.Sprint(errors.Unwrap(err)) }

package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an error answer of the server: a response with a status of 300 or
// more. The SDK API answers errors in the shape of its original NestJS server,
// {"statusCode": 400, "message": "...", "error": "Bad Request"}, where message
// is one string or an array with one string per invalid field; Error keeps
// both forms in Messages. Use errors.As to reach it, or the Is helpers.
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Messages holds the server's message: one entry, or one per invalid
	// field. It is never empty.
	Messages []string
	// Reason is the body's "error" field, the status text ("Bad Request").
	Reason string
	// RequestID is the X-Request-Id the server gave the request, for logs.
	RequestID string
	// RetryAfter is the wait the server asked for with Retry-After (429, 503),
	// or 0.
	RetryAfter time.Duration
}

// Error implements the error interface: "novatalks: 400 Bad Request: name
// must be a non-empty string".
func (e *Error) Error() string {
	return fmt.Sprintf("novatalks: %d %s: %s", e.StatusCode, e.Reason, e.Message())
}

// Message returns the server's messages joined with "; ".
func (e *Error) Message() string { return strings.Join(e.Messages, "; ") }

// IsNotFound reports whether err is (or wraps) an *Error with status 404: the
// message, push token or inbox does not exist for this contact.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is (or wraps) an *Error with status 401:
// the token is missing or unknown.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsInvalid reports whether err is (or wraps) an *Error with status 400: the
// request was refused as invalid and changed nothing.
func IsInvalid(err error) bool { return hasStatus(err, http.StatusBadRequest) }

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// readError builds the *Error of a failed response. A body that is not in
// the NestJS shape (a proxy's HTML page, say) becomes a single message made
// of its first line, or of the status text.
func readError(resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode, Reason: http.StatusText(resp.StatusCode), RequestID: resp.Header.Get("X-Request-Id")}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Message json.RawMessage `json:"message"`
		Error   string          `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && len(body.Message) > 0 {
		var one string
		if json.Unmarshal(body.Message, &one) == nil {
			e.Messages = []string{one}
		} else {
			_ = json.Unmarshal(body.Message, &e.Messages)
		}
		if body.Error != "" {
			e.Reason = body.Error
		}
	}
	if len(e.Messages) == 0 {
		line, _, _ := strings.Cut(strings.TrimSpace(string(raw)), "\n")
		if line == "" {
			line = e.Reason
		}
		e.Messages = []string{line}
	}
	return e
}

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
// is one string or an array with one string per invalid field. The agent API
// answers in Chatwoot's shape, {"error": "..."}, with "errors" listing the
// fields when several are invalid. Error keeps either in Messages. Use
// errors.As to reach it, or the Is helpers.
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Messages holds the server's message: one entry, or one per invalid
	// field. It is never empty.
	Messages []string
	// Reason is the status text ("Bad Request"), or the "error" field of a
	// NestJS body.
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
// message, push token or inbox does not exist for this contact; on the agent
// API, nothing with that ID exists in the agent's account.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is (or wraps) an *Error with status 401:
// the token is missing or unknown, or (on the agent API) the agent's role
// does not allow the action.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsInvalid reports whether err is (or wraps) an *Error with status 400 (the
// SDK API) or 422 (the agent API, as Chatwoot answers): the request was
// refused as invalid and changed nothing.
func IsInvalid(err error) bool {
	return hasStatus(err, http.StatusBadRequest) || hasStatus(err, http.StatusUnprocessableEntity)
}

func hasStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// readError builds the *Error of a failed response, from a body in the
// NestJS shape (it has "message") or in Chatwoot's (only "error"). Any other
// body (a proxy's HTML page, say) becomes a single message made of its first
// line, or of the status text.
func readError(resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode, Reason: http.StatusText(resp.StatusCode), RequestID: resp.Header.Get("X-Request-Id")}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Message json.RawMessage `json:"message"`
		Error   string          `json:"error"`
		Errors  []string        `json:"errors"`
	}
	switch err := json.Unmarshal(raw, &body); {
	case err != nil:
	case len(body.Message) > 0: // NestJS
		var one string
		if json.Unmarshal(body.Message, &one) == nil {
			e.Messages = []string{one}
		} else {
			_ = json.Unmarshal(body.Message, &e.Messages)
		}
		if body.Error != "" {
			e.Reason = body.Error
		}
	case len(body.Errors) > 0: // Chatwoot, several fields
		e.Messages = body.Errors
	case body.Error != "": // Chatwoot
		e.Messages = []string{body.Error}
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

package novatalks

import (
	"errors"
	"fmt"
)

// Error codes. Every error the domain returns to a caller carries one of these;
// the HTTP layer maps them to status codes through one table.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOLARGE     = "too_large"
	EUNSUPPORTED  = "unsupported"
	ERATELIMIT    = "rate_limited"
)

// Error is an error meant for the caller: Code says what kind of failure it is
// and Message (or Details, one line per invalid field) says what to fix.
type Error struct {
	Code    string
	Message string
	// Details, when set, lists one message per invalid field; the SDK API sends
	// them as its array form of "message".
	Details []string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("novatalks error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EINTERNAL for any other non-nil error. It returns "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-facing message of err. Internal errors get a
// generic message so that no detail of the server leaks to a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// invalid collects validation failures of one request, one message per field.
type invalid []string

func (v *invalid) addf(format string, args ...any) { *v = append(*v, fmt.Sprintf(format, args...)) }

// err returns nil when nothing was collected, else an EINVALID *Error whose
// Message is the first failure and Details all of them.
func (v invalid) err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: v[0], Details: []string(v)}
}

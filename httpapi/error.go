package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/novatalks/novatalks"
)

// statusByCode maps domain error codes to HTTP statuses: the one table of it.
// Each code has the status of the SDK API (CONTRACT.md) and that of the agent
// API, which answers as Chatwoot does: validation failures are 422, and an
// action the caller's role does not allow is 401 ("You are not authorized to
// do this action", Chatwoot's answer to a Pundit refusal), like a bad token.
var statusByCode = map[string]struct{ sdk, agent int }{
	novatalks.EINVALID:      {http.StatusBadRequest, http.StatusUnprocessableEntity},
	novatalks.EUNAUTHORIZED: {http.StatusUnauthorized, http.StatusUnauthorized},
	novatalks.EFORBIDDEN:    {http.StatusForbidden, http.StatusUnauthorized},
	novatalks.ENOTFOUND:     {http.StatusNotFound, http.StatusNotFound},
	novatalks.ECONFLICT:     {http.StatusConflict, http.StatusUnprocessableEntity},
	novatalks.ETOOLARGE:     {http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge},
	novatalks.EUNSUPPORTED:  {http.StatusUnsupportedMediaType, http.StatusUnsupportedMediaType},
	novatalks.ERATELIMIT:    {http.StatusTooManyRequests, http.StatusTooManyRequests},
	novatalks.EINTERNAL:     {http.StatusInternalServerError, http.StatusInternalServerError},
}

// nestError is the SDK API's error body, the shape of the original NestJS
// server. Message is a string, or an array with one entry per invalid field.
type nestError struct {
	StatusCode int    `json:"statusCode"`
	Message    any    `json:"message"`
	Error      string `json:"error"`
}

// chatwootError is the agent API's error body, Chatwoot's {"error": "..."}.
// When several fields are invalid, Error joins them and Errors lists them.
type chatwootError struct {
	Error  string   `json:"error"`
	Errors []string `json:"errors,omitempty"`
}

// isAgentAPI reports whether a request belongs to the agent API (Chatwoot's
// paths), whose errors have Chatwoot's shape; every other path answers in
// the SDK API's NestJS shape.
func isAgentAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/v1/accounts/") || p == "/api/v1/profile" || strings.HasPrefix(p, "/api/v1/profile/")
}

// writeError is the only function that writes an error response. It maps the
// error's code to a status, writes the body shape of the API the request
// belongs to, and logs internal errors with the request id; the text of an
// internal error never reaches the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := novatalks.ErrorCode(err)
	statuses, ok := statusByCode[code]
	if !ok {
		statuses = statusByCode[novatalks.EINTERNAL]
	}
	if statuses.sdk == http.StatusInternalServerError {
		s.logger.Error("internal error", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	message := novatalks.ErrorMessage(err)
	var details []string
	var e *novatalks.Error
	if errors.As(err, &e) && len(e.Details) > 1 {
		details = e.Details
	}
	if isAgentAPI(r) {
		body := chatwootError{Error: message, Errors: details}
		if details != nil {
			body.Error = strings.Join(details, "; ")
		}
		writeJSON(w, statuses.agent, body)
		return
	}
	var m any = message
	if details != nil {
		m = details
	}
	writeJSON(w, statuses.sdk, nestError{StatusCode: statuses.sdk, Message: m, Error: http.StatusText(statuses.sdk)})
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON request body of at most limit bytes into v. Every
// failure is an *novatalks.Error that tells the client what to fix.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return novatalks.Errorf(novatalks.EUNSUPPORTED, "Content-Type must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	if dec.More() {
		return novatalks.Errorf(novatalks.EINVALID, "request body must hold a single JSON value")
	}
	return nil
}

func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// jsonError turns a json or body-reading error into a caller-facing error.
func jsonError(err error, limit int64) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	var domain *novatalks.Error
	switch {
	case errors.As(err, &domain):
		return domain
	case errors.As(err, &tooLarge):
		return novatalks.Errorf(novatalks.ETOOLARGE, "request body must be at most %d bytes", limit)
	case errors.Is(err, io.EOF):
		return novatalks.Errorf(novatalks.EINVALID, "request body must be a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return novatalks.Errorf(novatalks.EINVALID, "malformed JSON: the body ends too early")
	case errors.As(err, &syntax):
		return novatalks.Errorf(novatalks.EINVALID, "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return novatalks.Errorf(novatalks.EINVALID, "request body must be a JSON object")
		}
		return novatalks.Errorf(novatalks.EINVALID, "%s must be %s", typ.Field, jsonKind(typ.Type))
	}
	return novatalks.Errorf(novatalks.EINVALID, "malformed JSON")
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "of another type"
}

// flexString is a JSON string that also accepts a number (clients send
// echo_id both ways) and keeps its text.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err == nil {
		*f = flexString(b)
		return nil
	}
	return novatalks.Errorf(novatalks.EINVALID, "echo_id must be a string")
}

// pathID parses a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, novatalks.Errorf(novatalks.EINVALID, "%s must be a positive integer", name)
	}
	return id, nil
}

// queryInt parses an optional integer query parameter; ok is false when absent.
func queryInt(r *http.Request, name string) (n int64, ok bool, err error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(raw, 10, 64)
	if err != nil {
		// Accept a whole number written as a float (1745349358080.0).
		f, ferr := strconv.ParseFloat(raw, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false, novatalks.Errorf(novatalks.EINVALID, "%s must be an integer", name)
		}
		n = int64(f)
	}
	return n, true, nil
}

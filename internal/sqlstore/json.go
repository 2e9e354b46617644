package sqlstore

import (
	"database/sql"
	"encoding/json"
	"math"
)

// jsonText encodes v for a TEXT column; nil maps are stored as {}.
func jsonText[T any](v T) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return "{}", nil
	}
	return string(b), nil
}

// attrsText encodes two attribute maps (custom and additional, in that
// order) for their TEXT columns.
func attrsText(custom, additional map[string]any) (string, string, error) {
	c, err := jsonText(custom)
	if err != nil {
		return "", "", err
	}
	a, err := jsonText(additional)
	return c, a, err
}

// jsonMap decodes a TEXT column holding a JSON object; it never returns nil.
func jsonMap(s string) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal([]byte(s), &m)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func nullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

// placeholders returns "?,?,...,?" with n marks, and args as []any.
func placeholders[T any](ids []T) (string, []any) {
	if len(ids) == 0 {
		return "NULL", nil
	}
	b := make([]byte, 0, 2*len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
		args[i] = id
	}
	return string(b), args
}

// limitOrAll turns a limit where 0 means "no limit" into a LIMIT that both
// databases take as none.
func limitOrAll(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt64
	}
	return int64(limit)
}

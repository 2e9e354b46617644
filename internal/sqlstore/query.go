package sqlstore

import (
	"context"

	"github.com/novatalks/novatalks"
)

// scanner is what a row scan needs: *sql.Row and *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// queryAll runs query and scans every row with scan.
func queryAll[T any](ctx context.Context, q Querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryOne runs query and scans its first row; no row is ENOTFOUND naming what.
func queryOne[T any](ctx context.Context, q Querier, scan func(scanner) (T, error), what, query string, args ...any) (T, error) {
	list, err := queryAll(ctx, q, scan, query+` LIMIT 1`, args...)
	if err == nil && len(list) == 0 {
		err = novatalks.Errorf(novatalks.ENOTFOUND, "%s not found", what)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return list[0], nil
}

// byID runs query, whose WHERE ends with "id IN (", with the lead arguments
// and then ids, and returns the scanned rows by the ID that key gives. No IDs
// run no query.
func byID[T any](ctx context.Context, q Querier, scan func(scanner) (T, error), key func(T) int64, query string, lead []any, ids []int64) (map[int64]T, error) {
	out := map[int64]T{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := placeholders(ids)
	list, err := queryAll(ctx, q, scan, query+in+`)`, append(lead, args...)...)
	for _, v := range list {
		out[key(v)] = v
	}
	return out, err
}

// affected turns an UPDATE or DELETE that touched no row into ENOTFOUND naming what.
func affected(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return novatalks.Errorf(novatalks.ENOTFOUND, "%s not found", what)
	}
	return nil
}

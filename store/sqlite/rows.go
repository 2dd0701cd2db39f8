package sqlite

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// millis stores a time as Unix milliseconds.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis reads a time stored by millis, in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nullMillis stores an optional time: NULL when nil.
func nullMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// fromNullMillis reads a time stored by nullMillis.
func fromNullMillis(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMillis(n.Int64)
	return &t
}

// nullString stores an optional string: NULL when empty, so that unique indexes skip it.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// boolInt stores a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// search returns the lower-cased text that Query filters match substrings of.
func search(fields ...string) string {
	return strings.ToLower(strings.Join(fields, "\x1f"))
}

// encodeJSON stores v as JSON text.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// encodeClocks stores a field-clock map: NULL when empty.
func encodeClocks(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	return encodeJSON(m)
}

// decodeClocks reads a map stored by encodeClocks.
func decodeClocks(s sql.NullString) (map[string]string, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(s.String), &m)
	return m, err
}

// pageLimit applies the default and the cap to a requested page size.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return domain.DefaultPageLimit
	case n > domain.MaxPageLimit:
		return domain.MaxPageLimit
	}
	return n
}

// encodeCursor makes the opaque cursor that continues a list after id.
func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id))
}

// decodeCursor reads a cursor made by encodeCursor: "" for the first page.
func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 64 {
		return "", domain.FieldErrorf(domain.EINVALID, "cursor", "not a cursor from a previous page")
	}
	return string(b), nil
}

// listQuery builds a keyset-paged list query over table: the given conditions, tombstones left
// out, ids after the cursor, in id order, one row more than limit to learn whether a next page
// exists.
type listQuery struct {
	where []string
	args  []any
	// index, when set, names the index the query must use (SQLite's INDEXED BY), for filters
	// that select few rows but that the planner would answer by scanning in id order.
	index string
}

// add appends one condition with its arguments.
func (q *listQuery) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

// build returns the SQL and arguments for a page of at most limit rows after cursor id after.
func (q *listQuery) build(columns, table, after string, limit int) (string, []any) {
	where := append([]string{"deleted = 0"}, q.where...)
	args := q.args
	if after != "" {
		where = append(where, "id > ?")
		args = append(args, after)
	}
	args = append(args, limit+1)
	from := table
	if q.index != "" {
		from += " INDEXED BY " + q.index
	}
	return "SELECT " + columns + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY id LIMIT ?", args
}

// page trims a fetched list of limit+1 values to limit and returns the next cursor.
func page[T any](vs []*T, limit int, id func(*T) string) ([]*T, string) {
	if len(vs) <= limit {
		return vs, ""
	}
	vs = vs[:limit]
	return vs, encodeCursor(id(vs[limit-1]))
}

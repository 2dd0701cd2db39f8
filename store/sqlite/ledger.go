package sqlite

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
)

// This file holds what the ledger's parts share: HLC columns, seek cursors and required fields.

// parseHLC reads an HLC text into its two stored columns; a malformed one adds a field problem
// on "hlc" to *problems.
func parseHLC(s string, problems *[]domain.FieldError) (wall, counter int64) {
	ts, err := hlc.Parse(s)
	if err != nil {
		*problems = append(*problems, domain.FieldError{Field: "hlc",
			Message: fmt.Sprintf("must be \"<wall_ms>-<counter>\", two non-negative numbers, not %q", s)})
		return 0, 0
	}
	return ts.Wall, int64(ts.Counter)
}

// formatHLC writes the stored columns of an HLC back as its text.
func formatHLC(wall, counter int64) string {
	return hlc.Timestamp{Wall: wall, Counter: uint32(counter)}.String()
}

// maxSeekCursor bounds the decoded size of a seek cursor.
const maxSeekCursor = 512

// encodeSeekCursor makes the opaque cursor that continues a newest-first list after the row at
// position (keys…, id).
func encodeSeekCursor(id string, keys ...int64) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(k, 10))
	}
	b.WriteByte('|')
	b.WriteString(id)
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

// decodeSeekCursor reads a cursor made by encodeSeekCursor with n keys.
func decodeSeekCursor(c string, n int) (keys []int64, id string, err error) {
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "not a cursor from a previous page")
	raw, derr := base64.RawURLEncoding.DecodeString(c)
	if derr != nil || len(raw) > maxSeekCursor {
		return nil, "", bad
	}
	nums, id, ok := strings.Cut(string(raw), "|")
	parts := strings.Split(nums, ",")
	if !ok || id == "" || len(parts) != n {
		return nil, "", bad
	}
	keys = make([]int64, n)
	for i, p := range parts {
		if keys[i], derr = strconv.ParseInt(p, 10, 64); derr != nil {
			return nil, "", bad
		}
	}
	return keys, id, nil
}

// required takes name, value pairs and returns a field problem for each empty value, in order.
func required(fields ...string) []domain.FieldError {
	var out []domain.FieldError
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			out = append(out, domain.FieldError{Field: fields[i], Message: "is required"})
		}
	}
	return out
}

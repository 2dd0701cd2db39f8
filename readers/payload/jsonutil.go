package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/custodyhq/custody/domain"
)

// decodeErr turns an encoding/json error for the value at field into a *domain.Error: bad JSON
// is EMALFORMED, well-formed JSON of the wrong type EINVALID. body and base locate a syntax
// error as line and column of the whole payload; where, if not empty, is added to the message.
func decodeErr(err error, field string, body []byte, base int64, where string) error {
	if where != "" {
		where = " (" + where + ")"
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	f := field
	if errors.As(err, &te) && te.Field != "" {
		f = joinField(field, te.Field)
	}
	if f == "" {
		f = "body"
	}
	switch {
	case errors.As(err, &se):
		line, col := lineCol(body, base+se.Offset)
		return domain.FieldErrorf(domain.EMALFORMED, f, "invalid JSON at line %d, column %d: %v%s", line, col, se, where)
	case te != nil:
		return domain.FieldErrorf(domain.EINVALID, f, "expected %s, got JSON %s%s", jsonKind(te.Type), te.Value, where)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.FieldErrorf(domain.EMALFORMED, f, "truncated JSON%s", where)
	}
	return domain.FieldErrorf(domain.EMALFORMED, f, "invalid JSON: %v%s", err, where)
}

// jsonKind names the JSON kind a Go type decodes from, for messages.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// lineCol converts a byte offset of body into 1-based line and column.
func lineCol(body []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func joinField(prefix, f string) string {
	if prefix == "" {
		return f
	}
	return prefix + "." + f
}

// parseTime reads the timestamp spellings readers use: RFC 3339 with "Z" or "+00:00", and
// Zebra's offset without a colon ("2024-05-01T10:15:30.123+0000"), with or without fractional
// seconds. The result is UTC.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
}

// checkRSSI refuses values no reader reports, which also keeps NaN and infinities out.
func checkRSSI(v float64) error {
	if math.IsNaN(v) || v < -200 || v > 50 {
		return fmt.Errorf("%v dBm is not a plausible RSSI (-200 to 50)", v)
	}
	return nil
}

// firstByte returns the first non-blank byte of body, or 0.
func firstByte(body []byte) byte {
	t := bytes.TrimLeft(body, " \t\r\n")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// matchName returns the index in names of a member name as read (quoted), or -1. An exact
// match is found without allocating; otherwise names match case-insensitively, as
// encoding/json matched them.
func matchName(raw jsontext.Value, names []string) int {
	inner := raw[1 : len(raw)-1]
	for i, n := range names {
		if string(inner) == n {
			return i
		}
	}
	name, err := unquote(raw)
	if err != nil {
		return -1
	}
	for i, n := range names {
		if strings.EqualFold(name, n) {
			return i
		}
	}
	return -1
}

// unquote returns the text of a JSON string value.
func unquote(raw jsontext.Value) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

// unquoteKey returns the text of a JSON string held as a Go string: a part of it, not a
// copy, when it has no escapes.
func unquoteKey(raw string) (string, error) {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

// kindName names the kind of a JSON value for messages.
func kindName(raw jsontext.Value) string {
	switch raw.Kind() {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

// truncate shortens s to at most n bytes for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package payload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/custodyhq/custody/domain"
)

// element locates one top-level JSON event of a payload: a lone object, an element of an
// array or a line of a newline-delimited stream.
type element struct {
	index int // position among the events
	line  int // 1-based line of the body where it starts
}

// field names a field of the element for an error: "[3].data.idHex".
func (e element) field(f string) string {
	if f == "" {
		return fmt.Sprintf("[%d]", e.index)
	}
	return fmt.Sprintf("[%d].%s", e.index, f)
}

func (e element) where() string { return fmt.Sprintf("event %d, line %d", e.index, e.line) }

// invalid returns an EINVALID error about field f of the element, saying where it is.
func (e element) invalid(f, format string, args ...any) error {
	return domain.FieldErrorf(domain.EINVALID, e.field(f), "%s (%s)", fmt.Sprintf(format, args...), e.where())
}

// decodeEvents decodes a body holding one JSON object, an array of objects or a stream of
// objects (newline-delimited or simply concatenated) event by event into T, calling fn for
// each. Each event is scanned once, straight into T.
func decodeEvents[T any](body []byte, fn func(el element, ev *T) error) error {
	switch firstByte(body) {
	case 0:
		return domain.FieldErrorf(domain.EMALFORMED, "body", "empty body")
	case '[', '{':
	default:
		return domain.FieldErrorf(domain.EMALFORMED, "body", "expected a JSON object, an array of objects or one object per line")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	// Lines are counted incrementally: counting from the start for every event would make a
	// long stream quadratic.
	index, line, counted := 0, 1, int64(0)
	next := func() error {
		off := dec.InputOffset()
		start := off + int64(len(body[off:])-len(bytes.TrimLeft(body[off:], " \t\r\n,")))
		line += bytes.Count(body[counted:start], []byte{'\n'})
		counted = start
		el := element{index: index, line: line}
		index++
		var ev T
		if err := dec.Decode(&ev); err != nil {
			return decodeErr(err, el.field(""), body, 0, el.where())
		}
		return fn(el, &ev)
	}
	if firstByte(body) == '[' {
		if _, err := dec.Token(); err != nil {
			return decodeErr(err, "body", body, 0, "")
		}
		for dec.More() {
			if err := next(); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing bracket
			return decodeErr(err, "body", body, 0, "")
		}
		if _, err := dec.Token(); err != io.EOF {
			line, col := lineCol(body, dec.InputOffset())
			return domain.FieldErrorf(domain.EMALFORMED, "body", "unexpected data after the array at line %d, column %d", line, col)
		}
		return nil
	}
	for len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		if err := next(); err != nil {
			return err
		}
	}
	return nil
}

// Package gs1 parses GS1 data as scanners deliver it: element strings with a symbology
// identifier and GS (FNC1) separators, the bracketed human-readable form and GS1 Digital Link
// URIs, validating every value against the Application Identifier table of the GS1 General
// Specifications (lengths, character sets, check digits, dates).
//
// It is pure: no I/O, standard library and the domain package only.
package gs1

import (
	"fmt"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// GS is the ASCII group separator that stands for FNC1 between element strings.
const GS = '\x1D'

// Element is one Application Identifier and its value.
type Element struct {
	AI    string
	Value string
}

// Elements is an ordered list of AI values, in the order they were encoded.
type Elements []Element

// Map returns the elements keyed by AI, the shape of the /v1/resolve "gs1" object.
func (es Elements) Map() map[string]string {
	m := make(map[string]string, len(es))
	for _, e := range es {
		m[e.AI] = e.Value
	}
	return m
}

// Get returns the value of the first element with the given AI.
func (es Elements) Get(ai string) (string, bool) {
	for _, e := range es {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

// String renders the elements in bracketed form, e.g. (01)09506000134352(10)ABC; a "(" in a
// value is escaped as "\(".
func (es Elements) String() string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("(" + e.AI + ")" + strings.ReplaceAll(e.Value, "(", `\(`))
	}
	return b.String()
}

// Error says what is wrong with GS1 data and where.
type Error struct {
	AI  string // the Application Identifier at fault, "" when none was identified
	Pos int    // byte offset in the input where the problem starts, -1 when not known
	Msg string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("gs1: ")
	if e.AI != "" {
		b.WriteString("(" + e.AI + ") ")
	}
	b.WriteString(e.Msg)
	if e.Pos >= 0 {
		fmt.Fprintf(&b, " (at position %d)", e.Pos)
	}
	return b.String()
}

// Unwrap exposes an equivalent *domain.Error (EINVALID, field "code") to errors.As, so that the
// API answers a 422 problem that says why.
func (e *Error) Unwrap() error {
	return domain.FieldErrorf(domain.EINVALID, "code", "%s", strings.TrimPrefix(e.Error(), "gs1: "))
}

func errAt(ai string, pos int, format string, args ...any) *Error {
	return &Error{AI: ai, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads GS1 data in any form a scanner or a person may give it:
//
//   - an element string, optionally led by a symbology identifier — ]C1 (GS1-128), ]d2 (GS1
//     DataMatrix), ]Q3 (GS1 QR Code), ]e0 (GS1 DataBar) — with GS bytes ending
//     variable-length fields (repeated or stray GS are tolerated);
//   - ]E0 or ]E4: an EAN-13/UPC-A or EAN-8 symbol, returned as (01) with its GTIN-14;
//   - the bracketed form "(01)09506000134352(17)201225(10)ABC";
//   - a GS1 Digital Link URI, bare or after a plain-data identifier such as ]Q1.
//
// Surrounding blanks and line ends (scanner suffixes) are ignored.
func Parse(s string) (Elements, error) {
	start := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
	s = strings.TrimRight(s, " \t\r\n")
	if start >= len(s) {
		return nil, errAt("", -1, "empty input")
	}
	data, off := s[start:], start
	gs1Mode := false // whether a symbology identifier announced GS1 element strings
	if data[0] == ']' {
		if len(data) < 3 {
			return nil, errAt("", off, "truncated symbology identifier %q", data)
		}
		sym := data[:3]
		data, off = data[3:], off+3
		switch sym {
		case "]C1", "]d2", "]Q3", "]e0", "]J1":
			gs1Mode = true
		case "]E0":
			return parseEAN(data, off, 13)
		case "]E4":
			return parseEAN(data, off, 8)
		case "]C0", "]d1", "]Q1", "]Q0":
			if !isDigitalLink(data) {
				return nil, errAt("", off, "symbology %s carries no GS1 data: only a GS1 Digital Link URI is accepted there", sym)
			}
		default:
			return nil, errAt("", off-3, "unknown symbology identifier %q", sym)
		}
		if data == "" {
			return nil, errAt("", off, "no data after the symbology identifier")
		}
	}
	switch {
	case isDigitalLink(data) && !gs1Mode:
		return parseDigitalLink(data, off)
	case data[0] == '(' && !gs1Mode:
		return parseBracketed(data, off)
	default:
		return parseElementString(data, off)
	}
}

// ParseElementString parses raw element strings (no symbology identifier) with GS separators.
func ParseElementString(s string) (Elements, error) {
	if s == "" {
		return nil, errAt("", -1, "empty input")
	}
	return parseElementString(s, 0)
}

func parseElementString(data string, off int) (Elements, error) {
	var out Elements
	i := 0
	for i < len(data) {
		if data[i] == GS {
			i++ // leading, doubled or trailing FNC1: tolerated
			continue
		}
		d := lookupPrefix(data[i:])
		if d == nil {
			return nil, errAt("", off+i, "no known Application Identifier starts %q", clip(data[i:]))
		}
		i += len(d.ai)
		var value string
		if d.predefined {
			n := d.fixedLen()
			end := min(i+n, len(data))
			value = data[i:end]
			i = end
		} else {
			end := strings.IndexByte(data[i:], GS)
			if end < 0 {
				end = len(data) - i
			}
			value = data[i : i+end]
			i += end
		}
		if err := check(d, value, off+i-len(value)); err != nil {
			return nil, err
		}
		var err error
		if out, err = addElement(out, d.ai, value, off+i-len(value)-len(d.ai)); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, errAt("", off, "no element strings")
	}
	return out, nil
}

// check validates value for AI d; valueAt is the value's offset in the input.
func check(d *aiDef, value string, valueAt int) error {
	if msg, at := d.validate(value); msg != "" {
		return errAt(d.ai, valueAt+at, "%s %s", d.title, msg)
	}
	return nil
}

// addElement appends an element. The General Specifications forbid one AI with two values in
// a message, so a different value is an error; the same value again is dropped.
func addElement(es Elements, ai, value string, pos int) (Elements, error) {
	if prev, ok := es.Get(ai); ok {
		if prev != value {
			return nil, errAt(ai, pos, "appears twice with different values (%q and %q)", prev, value)
		}
		return es, nil
	}
	return append(es, Element{AI: ai, Value: value}), nil
}

// parseEAN reads the digits of an EAN-13/UPC-A (n=13) or EAN-8 (n=8) symbol as a GTIN.
func parseEAN(data string, off, n int) (Elements, error) {
	if len(data) != n || badChar('N', data) >= 0 {
		return nil, errAt("01", off, "an EAN-%d symbol must carry %d digits, got %q", n, n, clip(data))
	}
	if want := checkDigit(data[:n-1]); data[n-1] != want {
		return nil, errAt("01", off+n-1, "EAN-%d check digit is %c, should be %c", n, data[n-1], want)
	}
	return Elements{{AI: "01", Value: strings.Repeat("0", 14-n) + data}}, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

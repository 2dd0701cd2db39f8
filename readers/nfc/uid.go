// Package nfc normalizes NFC / HF tag UIDs (badges, tool tags) as phones and readers report
// them, so that one tag always gives the same identity: uppercase hex, no separators.
//
// It is pure: standard library and the domain package only.
package nfc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// Kind names the UID family, which its length tells apart.
type Kind string

// UID kinds.
const (
	Single   Kind = "iso14443-single" // 4 bytes, ISO/IEC 14443-3 single-size
	Double   Kind = "iso14443-double" // 7 bytes, such as NXP NTAG and MIFARE Ultralight
	Triple   Kind = "iso14443-triple" // 10 bytes
	Vicinity Kind = "iso15693"        // 8 bytes starting E0, ISO/IEC 15693 vicinity cards
)

// Sentinel errors tell callers why a UID was refused; test for them with errors.Is. Every
// error returned is an *Error that also wraps a *domain.Error (EINVALID, field "uid").
var (
	ErrEmpty    = errors.New("empty UID")
	ErrNotHex   = errors.New("not a hex UID")
	ErrLength   = errors.New("invalid UID length")
	ErrRandomID = errors.New("random UID")
	ErrNoID     = errors.New("UID carries no identity")
)

// Error describes why a UID was refused.
type Error struct {
	Kind   error // one of the sentinel errors
	Detail string
}

func (e *Error) Error() string { return "nfc: " + e.Detail }

// Unwrap exposes the sentinel kind and an equivalent *domain.Error to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	return []error{e.Kind, domain.FieldErrorf(domain.EINVALID, "uid", "%s", e.Detail)}
}

func errf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// UID is a normalized tag UID.
type UID struct {
	Hex  string // uppercase hex, two digits per byte, no separators
	Kind Kind
}

// Normalize returns the canonical form of a UID: uppercase hex without separators.
//
// It accepts hex in either case, with or without a 0x prefix, as one run of digits or as bytes
// separated by colons, dashes, dots or blanks (a separated byte may drop its leading zero,
// as "4:e1:41" from naive formatting). Byte order is taken as given: a reversed UID is a
// different UID. Valid lengths are 4, 7 and 10 bytes (ISO/IEC 14443-3) and 8 bytes starting
// E0 (ISO/IEC 15693). A 4-byte UID starting 08 is refused: it is a random ID that changes at
// every tap.
func Normalize(s string) (string, error) {
	u, err := Parse(s)
	return u.Hex, err
}

// Parse normalizes a UID like Normalize and tells its kind.
func Parse(s string) (UID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return UID{}, errf(ErrEmpty, "empty UID (the tag reported no ID)")
	}
	groups := strings.FieldsFunc(s, func(r rune) bool {
		return r == ':' || r == '-' || r == '.' || r == ' ' || r == '\t'
	})
	if len(groups) == 0 {
		return UID{}, errf(ErrNotHex, "%q has no hex digits", s)
	}
	separated := len(groups) > 1
	var b strings.Builder
	for _, g := range groups {
		if len(g) >= 2 && g[0] == '0' && (g[1] == 'x' || g[1] == 'X') {
			g = g[2:]
		}
		if g == "" {
			return UID{}, errf(ErrNotHex, "%q has an empty byte", s)
		}
		for i := 0; i < len(g); i++ {
			if !isHex(g[i]) {
				return UID{}, errf(ErrNotHex, "%q: character %q is not a hex digit", s, g[i])
			}
		}
		switch {
		case len(g) == 1 && separated:
			b.WriteByte('0')
		case len(g)%2 == 1:
			return UID{}, errf(ErrNotHex, "%q has an odd number of hex digits", s)
		}
		b.WriteString(g)
	}
	hex := strings.ToUpper(b.String())
	n := len(hex) / 2
	u := UID{Hex: hex}
	switch {
	case n == 4:
		u.Kind = Single
	case n == 7:
		u.Kind = Double
	case n == 10:
		u.Kind = Triple
	case n == 8 && strings.HasPrefix(hex, "E0"):
		u.Kind = Vicinity
	case n == 8:
		return UID{}, errf(ErrLength, "8-byte UID %s does not start E0 as an ISO/IEC 15693 UID must", hex)
	default:
		return UID{}, errf(ErrLength, "UID %s has %d bytes; NFC UIDs have 4, 7 or 10 (or 8 for ISO/IEC 15693)", hex, n)
	}
	if strings.Trim(hex, "0") == "" {
		return UID{}, errf(ErrNoID, "UID %s is all zeros", hex)
	}
	if u.Kind == Single && strings.HasPrefix(hex, "08") {
		return UID{}, errf(ErrRandomID, "UID %s is a random ID (a 4-byte UID starting 08, ISO/IEC 14443-3): it changes at every tap and cannot identify a tag", hex)
	}
	return u, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

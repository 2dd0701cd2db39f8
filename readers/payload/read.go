// Package payload turns what RFID readers send — Custody's own sweep batch, Zebra IoT
// Connector JSON and Impinj IoT device interface JSON — into one shape, Read, and offers the
// read hygiene a sweep needs: per-EPC deduplication and an RSSI floor.
//
// It is pure: no I/O; the standard library, go-json-experiment/json (jsontext, for the sweep
// batch), and the domain and readers/nfc packages.
package payload

import (
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// Read is one tag seen by a reader, in any vendor's format.
type Read struct {
	EPC       string    // uppercase hex of the EPC memory's EPC, whole 16-bit words
	Antenna   int       // antenna port, 0 when the reader did not say
	RSSI      float64   // peak signal strength in dBm
	Count     int       // how many times the tag was read, at least 1
	FirstSeen time.Time // UTC
	ReaderID  string    // the reader's hostname or id when the payload names it
}

// maxEPCHex is the longest EPC a Gen2 tag can hold: 31 words of EPC memory after the PC word.
const maxEPCHex = 124

// NormalizeEPC returns an EPC as uppercase hex. It accepts either case, a 0x prefix and
// blanks, colons or dashes between digits; the EPC must be whole 16-bit words (a multiple of
// four hex digits), 1 to 31 of them.
func NormalizeEPC(s string) (string, error) {
	if canonicalEPC(s) { // as most readers send it: nothing to copy
		return s, nil
	}
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
			b.WriteByte(c)
		case c >= 'a' && c <= 'f':
			b.WriteByte(c - 'a' + 'A')
		case c == ' ' || c == ':' || c == '-':
		default:
			return "", errEPC("character %q is not a hex digit", c)
		}
	}
	h := b.String()
	switch {
	case h == "":
		return "", errEPC("empty EPC")
	case len(h)%4 != 0:
		return "", errEPC("%d hex digits is not a whole number of 16-bit words", len(h))
	case len(h) > maxEPCHex:
		return "", errEPC("%d hex digits is longer than an EPC can be (%d)", len(h), maxEPCHex)
	}
	return h, nil
}

// canonicalEPC reports whether s is already what NormalizeEPC returns: whole words of
// uppercase hex digits, no longer than an EPC can be.
func canonicalEPC(s string) bool {
	if len(s) == 0 || len(s)%4 != 0 || len(s) > maxEPCHex {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func errEPC(format string, args ...any) error {
	return domain.FieldErrorf(domain.EINVALID, "epc", format, args...)
}

// Dedupe merges reads of the same EPC into one: the highest RSSI (and the antenna that saw
// it), the counts summed, the earliest first-seen time, the first reader id given. Reads keep
// the order in which their EPC first appears.
func Dedupe(reads []Read) []Read {
	// Room for a tag read twice or more, as a sweep reads most: a stream of one read a tag
	// grows the list once.
	n := len(reads)/2 + 1
	out := make([]Read, 0, n)
	at := make(map[string]int, n)
	i := -1 // out's entry of the read before: readers send a tag's reads one after another
	for _, r := range reads {
		if i < 0 || out[i].EPC != r.EPC {
			var seen bool
			if i, seen = at[r.EPC]; !seen {
				i = len(out)
				at[r.EPC] = i
				out = append(out, r)
				continue
			}
		}
		m := &out[i]
		if r.RSSI > m.RSSI {
			m.RSSI, m.Antenna = r.RSSI, r.Antenna
		}
		m.Count += r.Count
		if !r.FirstSeen.IsZero() && (m.FirstSeen.IsZero() || r.FirstSeen.Before(m.FirstSeen)) {
			m.FirstSeen = r.FirstSeen
		}
		if m.ReaderID == "" {
			m.ReaderID = r.ReaderID
		}
	}
	return out
}

// FilterRSSI returns the reads at or above floor dBm, dropping weak reads that usually come
// from tags outside the cabinet. Apply it after Dedupe to judge each tag by its best read.
func FilterRSSI(reads []Read, floor float64) []Read {
	out := make([]Read, 0, len(reads))
	for _, r := range reads {
		if r.RSSI >= floor {
			out = append(out, r)
		}
	}
	return out
}

// Package epc decodes binary Electronic Product Codes, as RFID readers report them in hex,
// following the GS1 EPC Tag Data Standard (TDS 2.x), and encodes the asset schemes Custody
// writes to its own tags (GIAI-96, GRAI-96, SGTIN-96).
//
// It is pure: no I/O, standard library and the domain package only, so the mobile SDK can
// link it.
package epc

import (
	"strings"
)

// Scheme names an EPC binary coding scheme as the tag URI spells it.
type Scheme string

// The schemes Decode understands.
const (
	SGTIN96  Scheme = "sgtin-96"
	SSCC96   Scheme = "sscc-96"
	GRAI96   Scheme = "grai-96"
	GIAI96   Scheme = "giai-96"
	GID96    Scheme = "gid-96"
	SGTIN198 Scheme = "sgtin-198"
	GRAI170  Scheme = "grai-170"
	GIAI202  Scheme = "giai-202"
)

// EPC is a decoded binary EPC: its identity in URI form and its fields.
//
// Fields that a scheme does not have are empty; Filter and Partition are -1 for GID-96,
// which has neither.
type EPC struct {
	Hex       string // the input, uppercase, without a 0x prefix
	Header    byte
	Scheme    Scheme
	URI       string // pure-identity URI, e.g. urn:epc:id:sgtin:0614141.812345.6789
	TagURI    string // tag URI, e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789
	Filter    int
	Partition int

	CompanyPrefix   string // GS1 Company Prefix, zero-padded to its partition's digits
	ItemReference   string // SGTIN: indicator digit and item reference
	SerialReference string // SSCC: extension digit and serial reference
	AssetType       string // GRAI: asset type, possibly empty
	AssetReference  string // GIAI: individual asset reference
	Serial          string // SGTIN, GRAI and GID serial; decoded (not URI-escaped) text
	GTIN            string // SGTIN: the GTIN-14 with its check digit

	Manager     string // GID: general manager number
	ObjectClass string // GID: object class
}

// scheme describes one supported header: its name, bit length and field decoder.
type scheme struct {
	name   Scheme
	bits   int
	decode func(r *bitReader, e *EPC) error
}

// schemes maps a header byte to the scheme it announces.
var schemes = map[byte]scheme{
	0x30: {SGTIN96, 96, decodeSGTIN96},
	0x31: {SSCC96, 96, decodeSSCC96},
	0x33: {GRAI96, 96, decodeGRAI96},
	0x34: {GIAI96, 96, decodeGIAI96},
	0x35: {GID96, 96, decodeGID96},
	0x36: {SGTIN198, 198, decodeSGTIN198},
	0x37: {GRAI170, 170, decodeGRAI170},
	0x38: {GIAI202, 202, decodeGIAI202},
}

// knownUnsupported names assigned TDS headers that are not decoded here, so that the error
// can say which scheme the tag carries.
var knownUnsupported = map[byte]string{
	0x2C: "GDTI-96", 0x2D: "GSRN-96", 0x2E: "GSRNP-96", 0x2F: "USDOD-96", 0x32: "SGLN-96",
	0x39: "SGLN-195", 0x3A: "GDTI-113", 0x3B: "ADI-var", 0x3C: "CPI-96", 0x3D: "CPI-var",
	0x3E: "GDTI-174", 0x3F: "SGCN-96", 0x40: "ITIP-110", 0x41: "ITIP-212",
}

// Decode decodes a binary EPC given as hex (case-insensitive, optional 0x prefix, surrounding
// blanks ignored). Binary EPCs longer than 96 bits may come padded to a whole number of
// 16-bit words, as EPC memory reports them; the padding is ignored.
func Decode(hexEPC string) (EPC, error) {
	s := normalizeHex(hexEPC)
	if s == "" {
		return EPC{}, errf(ErrInvalidHex, "", "", "empty EPC")
	}
	nib, err := nibbles(s)
	if err != nil {
		return EPC{}, err
	}
	if len(nib) < 2 {
		return EPC{}, errf(ErrLength, "", "", "%d bits is too short for a header", 4*len(nib))
	}
	header := nib[0]<<4 | nib[1]
	if header == 0x00 {
		return EPC{}, errf(ErrUnprogrammed, "", "header", "0x00: the tag holds no EPC (unprogrammed)")
	}
	sc, ok := schemes[header]
	if !ok {
		return EPC{}, unsupported(header, s)
	}
	bits := 4 * len(nib)
	if bits < sc.bits || bits > (sc.bits+15)/16*16 {
		return EPC{}, errf(ErrLength, sc.name, "", "length %d bits (not %d) for header 0x%02X", bits, sc.bits, header)
	}
	e := EPC{Hex: s, Header: header, Scheme: sc.name, Filter: -1, Partition: -1}
	r := &bitReader{nib: nib, pos: 8}
	if err := sc.decode(r, &e); err != nil {
		return EPC{}, err
	}
	return e, nil
}

func unsupported(header byte, s string) *Error {
	if name, ok := knownUnsupported[header]; ok {
		return errf(ErrUnsupportedHeader, "", "header", "0x%02X (%s) is not supported; raw form %s", header, name, RawURI(s))
	}
	if header == 0xE2 {
		// 0xE2 is the ISO/IEC 15963 TID class byte; tags often leave the factory with a copy of
		// their TID in EPC memory.
		return errf(ErrUnsupportedHeader, "", "header", "0xE2 is unassigned in the Tag Data Standard (a factory-default, TID-like code), not a GS1 EPC; raw form %s", RawURI(s))
	}
	return errf(ErrUnsupportedHeader, "", "header", "0x%02X is not a GS1 EPC scheme this decoder supports; raw form %s", header, RawURI(s))
}

// RawURI returns the TDS raw URI of an EPC given as hex (urn:epc:raw:<bits>.x<HEX>), the
// identity to keep for tags whose EPC is not a decodable GS1 scheme.
func RawURI(hexEPC string) string {
	s := normalizeHex(hexEPC)
	return "urn:epc:raw:" + itoa(uint64(4*len(s))) + ".x" + s
}

// normalizeHex trims blanks and a 0x prefix and upper-cases what is left.
func normalizeHex(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	return strings.ToUpper(s)
}

// nibbles converts upper-case hex to one value per hex digit.
func nibbles(s string) ([]byte, error) {
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			out[i] = c - '0'
		case c >= 'A' && c <= 'F':
			out[i] = c - 'A' + 10
		default:
			return nil, errf(ErrInvalidHex, "", "", "character %q at position %d is not a hex digit", rune(c), i)
		}
	}
	return out, nil
}

// bitReader reads big-endian bit fields from a sequence of nibbles.
type bitReader struct {
	nib []byte
	pos int
}

// read returns the next n bits (n <= 64) as an unsigned integer.
func (r *bitReader) read(n int) uint64 {
	var v uint64
	for i := 0; i < n; i++ {
		bit := (r.nib[r.pos>>2] >> (3 - uint(r.pos&3))) & 1
		v = v<<1 | uint64(bit)
		r.pos++
	}
	return v
}

// itoa formats an unsigned integer in decimal.
func itoa(v uint64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(buf[i:])
}

// pad formats v in decimal, left-padded with zeros to width digits (no digits for width 0).
func pad(v uint64, width int) string {
	if width == 0 {
		return ""
	}
	s := itoa(v)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// pow10 returns 10^n for 0 <= n <= 19.
func pow10(n int) uint64 {
	v := uint64(1)
	for ; n > 0; n-- {
		v *= 10
	}
	return v
}

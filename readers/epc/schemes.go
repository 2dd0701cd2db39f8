package epc

import "strings"

// partition is one row of a TDS partition table: the bits and decimal digits of the GS1
// Company Prefix and of the field that follows it.
type partition struct {
	cpBits, cpDigits       int
	otherBits, otherDigits int // otherDigits is a character limit for 7-bit string fields
}

// Partition tables of TDS §14, indexed by the 3-bit partition value 0–6.
var (
	sgtinPartitions = [7]partition{{40, 12, 4, 1}, {37, 11, 7, 2}, {34, 10, 10, 3}, {30, 9, 14, 4}, {27, 8, 17, 5}, {24, 7, 20, 6}, {20, 6, 24, 7}}
	ssccPartitions  = [7]partition{{40, 12, 18, 5}, {37, 11, 21, 6}, {34, 10, 24, 7}, {30, 9, 28, 8}, {27, 8, 31, 9}, {24, 7, 34, 10}, {20, 6, 38, 11}}
	graiPartitions  = [7]partition{{40, 12, 4, 0}, {37, 11, 7, 1}, {34, 10, 10, 2}, {30, 9, 14, 3}, {27, 8, 17, 4}, {24, 7, 20, 5}, {20, 6, 24, 6}}
	giai96Parts     = [7]partition{{40, 12, 42, 13}, {37, 11, 45, 14}, {34, 10, 48, 15}, {30, 9, 52, 16}, {27, 8, 55, 17}, {24, 7, 58, 18}, {20, 6, 62, 19}}
	giai202Parts    = [7]partition{{40, 12, 148, 18}, {37, 11, 151, 19}, {34, 10, 154, 20}, {30, 9, 158, 21}, {27, 8, 161, 22}, {24, 7, 164, 23}, {20, 6, 168, 24}}
)

// readFilterPartition reads the 3-bit filter and 3-bit partition that follow the header.
func readFilterPartition(r *bitReader, e *EPC, table *[7]partition) (partition, error) {
	e.Filter = int(r.read(3))
	p := int(r.read(3))
	if p > 6 {
		return partition{}, errf(ErrInvalidPartition, e.Scheme, "partition", "%d is invalid (0-6 only)", p)
	}
	e.Partition = p
	return table[p], nil
}

// readCompanyPrefix reads the company prefix and checks it fits its decimal digits.
func readCompanyPrefix(r *bitReader, e *EPC, p partition) error {
	c := r.read(p.cpBits)
	if c >= pow10(p.cpDigits) {
		return errf(ErrOutOfRange, e.Scheme, "company prefix", "%d exceeds %d digits (partition %d)", c, p.cpDigits, e.Partition)
	}
	e.CompanyPrefix = pad(c, p.cpDigits)
	return nil
}

// readPadded reads the field after the company prefix as a zero-padded decimal of
// p.otherDigits digits (the TDS "Partition Table" method).
func readPadded(r *bitReader, e *EPC, p partition, field string) (string, error) {
	d := r.read(p.otherBits)
	if d >= pow10(p.otherDigits) {
		return "", errf(ErrOutOfRange, e.Scheme, field, "%d exceeds %d digits (partition %d)", d, p.otherDigits, e.Partition)
	}
	return pad(d, p.otherDigits), nil
}

func decodeSGTIN96(r *bitReader, e *EPC) error {
	if err := decodeSGTINKey(r, e); err != nil {
		return err
	}
	e.Serial = itoa(r.read(38))
	e.finishSGTIN()
	return nil
}

func decodeSGTIN198(r *bitReader, e *EPC) error {
	if err := decodeSGTINKey(r, e); err != nil {
		return err
	}
	s, err := readString(r, e, "serial", 140, 20)
	if err != nil {
		return err
	}
	e.Serial = s
	e.finishSGTIN()
	return nil
}

func decodeSGTINKey(r *bitReader, e *EPC) error {
	p, err := readFilterPartition(r, e, &sgtinPartitions)
	if err != nil {
		return err
	}
	if err := readCompanyPrefix(r, e, p); err != nil {
		return err
	}
	e.ItemReference, err = readPadded(r, e, p, "item reference")
	return err
}

func (e *EPC) finishSGTIN() {
	body := e.ItemReference[:1] + e.CompanyPrefix + e.ItemReference[1:]
	e.GTIN = body + string(rune('0'+checkDigit(body)))
	s := uriEscape(e.Serial)
	e.URI = "urn:epc:id:sgtin:" + e.CompanyPrefix + "." + e.ItemReference + "." + s
	e.TagURI = "urn:epc:tag:" + string(e.Scheme) + ":" + itoa(uint64(e.Filter)) + "." + e.CompanyPrefix + "." + e.ItemReference + "." + s
}

func decodeSSCC96(r *bitReader, e *EPC) error {
	p, err := readFilterPartition(r, e, &ssccPartitions)
	if err != nil {
		return err
	}
	if err := readCompanyPrefix(r, e, p); err != nil {
		return err
	}
	if e.SerialReference, err = readPadded(r, e, p, "serial reference"); err != nil {
		return err
	}
	if v := r.read(24); v != 0 {
		return errf(ErrOutOfRange, e.Scheme, "reserved", "the 24 reserved bits must be zero")
	}
	e.URI = "urn:epc:id:sscc:" + e.CompanyPrefix + "." + e.SerialReference
	e.TagURI = "urn:epc:tag:sscc-96:" + itoa(uint64(e.Filter)) + "." + e.CompanyPrefix + "." + e.SerialReference
	return nil
}

func decodeGRAI96(r *bitReader, e *EPC) error {
	if err := decodeGRAIKey(r, e); err != nil {
		return err
	}
	e.Serial = itoa(r.read(38))
	e.finishGRAI()
	return nil
}

func decodeGRAI170(r *bitReader, e *EPC) error {
	if err := decodeGRAIKey(r, e); err != nil {
		return err
	}
	s, err := readString(r, e, "serial", 112, 16)
	if err != nil {
		return err
	}
	e.Serial = s
	e.finishGRAI()
	return nil
}

func decodeGRAIKey(r *bitReader, e *EPC) error {
	p, err := readFilterPartition(r, e, &graiPartitions)
	if err != nil {
		return err
	}
	if err := readCompanyPrefix(r, e, p); err != nil {
		return err
	}
	e.AssetType, err = readPadded(r, e, p, "asset type")
	return err
}

func (e *EPC) finishGRAI() {
	s := uriEscape(e.Serial)
	e.URI = "urn:epc:id:grai:" + e.CompanyPrefix + "." + e.AssetType + "." + s
	e.TagURI = "urn:epc:tag:" + string(e.Scheme) + ":" + itoa(uint64(e.Filter)) + "." + e.CompanyPrefix + "." + e.AssetType + "." + s
}

func decodeGIAI96(r *bitReader, e *EPC) error {
	p, err := readFilterPartition(r, e, &giai96Parts)
	if err != nil {
		return err
	}
	if err := readCompanyPrefix(r, e, p); err != nil {
		return err
	}
	// The "Unpadded Partition Table" method: the asset reference has no leading zeros.
	d := r.read(p.otherBits)
	if d >= pow10(p.otherDigits) {
		return errf(ErrOutOfRange, e.Scheme, "asset reference", "%d exceeds %d digits (partition %d)", d, p.otherDigits, e.Partition)
	}
	e.AssetReference = itoa(d)
	e.finishGIAI()
	return nil
}

func decodeGIAI202(r *bitReader, e *EPC) error {
	p, err := readFilterPartition(r, e, &giai202Parts)
	if err != nil {
		return err
	}
	if err := readCompanyPrefix(r, e, p); err != nil {
		return err
	}
	if e.AssetReference, err = readString(r, e, "asset reference", p.otherBits, p.otherDigits); err != nil {
		return err
	}
	e.finishGIAI()
	return nil
}

func (e *EPC) finishGIAI() {
	a := uriEscape(e.AssetReference)
	e.URI = "urn:epc:id:giai:" + e.CompanyPrefix + "." + a
	e.TagURI = "urn:epc:tag:" + string(e.Scheme) + ":" + itoa(uint64(e.Filter)) + "." + e.CompanyPrefix + "." + a
}

func decodeGID96(r *bitReader, e *EPC) error {
	e.Manager = itoa(r.read(28))
	e.ObjectClass = itoa(r.read(24))
	e.Serial = itoa(r.read(36))
	ids := e.Manager + "." + e.ObjectClass + "." + e.Serial
	e.URI = "urn:epc:id:gid:" + ids
	e.TagURI = "urn:epc:tag:gid-96:" + ids
	return nil
}

// readString decodes a TDS "String" field of bits bits: 7-bit characters from GS1 AI
// encodable character set 82, ended by an all-zero character, at most maxChars of them,
// with every bit after the end zero.
func readString(r *bitReader, e *EPC, field string, bits, maxChars int) (string, error) {
	var b strings.Builder
	ended := false
	n := 0
	for left := bits; left > 0; {
		w := min(7, left)
		c := byte(r.read(w))
		left -= w
		switch {
		case c == 0:
			ended = true
		case ended:
			return "", errf(ErrInvalidCharacter, e.Scheme, field, "non-zero bits after the end of the string")
		case w < 7:
			return "", errf(ErrOutOfRange, e.Scheme, field, "the %d padding bits must be zero", w)
		case !inCSet82(c):
			return "", errf(ErrInvalidCharacter, e.Scheme, field, "character 0x%02X at position %d is not in GS1 character set 82", c, n)
		default:
			n++
			if n > maxChars {
				return "", errf(ErrOutOfRange, e.Scheme, field, "longer than %d characters", maxChars)
			}
			b.WriteByte(c)
		}
	}
	if n == 0 {
		return "", errf(ErrOutOfRange, e.Scheme, field, "empty")
	}
	return b.String(), nil
}

// inCSet82 reports whether c is in the GS1 AI encodable character set 82.
func inCSet82(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

// uriEscape escapes the characters of set 82 that TDS requires to be percent-encoded in EPC
// URIs.
func uriEscape(s string) string {
	if !strings.ContainsAny(s, `"%&/<>?`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '%', '&', '/', '<', '>', '?':
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// checkDigit computes the GS1 mod-10 check digit of a string of decimal digits.
func checkDigit(digits string) int {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

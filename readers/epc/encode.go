package epc

import (
	"strconv"
)

// EncodeGIAI96 encodes a Global Individual Asset Identifier as a GIAI-96 EPC and returns it as
// 24 uppercase hex digits. companyPrefix is the GS1 Company Prefix (6–12 digits, its length
// selects the partition); assetRef is the individual asset reference as a decimal number
// without leading zeros; filter is the TDS filter value 0–7.
func EncodeGIAI96(companyPrefix, assetRef string, filter int) (string, error) {
	p, cp, err := encodeCompanyPrefix(GIAI96, companyPrefix, &giai96Parts)
	if err != nil {
		return "", err
	}
	if err := checkFilter(GIAI96, filter); err != nil {
		return "", err
	}
	a, err := parseInteger(GIAI96, "asset reference", assetRef, giai96Parts[p].otherDigits, giai96Parts[p].otherBits)
	if err != nil {
		return "", err
	}
	w := &bitWriter{}
	w.write(0x34, 8)
	w.write(uint64(filter), 3)
	w.write(uint64(p), 3)
	w.write(cp, giai96Parts[p].cpBits)
	w.write(a, giai96Parts[p].otherBits)
	return w.hex(), nil
}

// EncodeGRAI96 encodes a Global Returnable Asset Identifier as a GRAI-96 EPC and returns it as
// 24 uppercase hex digits. companyPrefix is the GS1 Company Prefix (6–12 digits); assetType
// has exactly 12 minus len(companyPrefix) digits (so it is empty for a 12-digit prefix);
// serial is a decimal number without leading zeros below 2^38; filter is 0–7.
func EncodeGRAI96(companyPrefix, assetType, serial string, filter int) (string, error) {
	p, cp, err := encodeCompanyPrefix(GRAI96, companyPrefix, &graiPartitions)
	if err != nil {
		return "", err
	}
	if err := checkFilter(GRAI96, filter); err != nil {
		return "", err
	}
	at, err := parsePadded(GRAI96, "asset type", assetType, graiPartitions[p].otherDigits)
	if err != nil {
		return "", err
	}
	s, err := parseInteger(GRAI96, "serial", serial, 12, 38)
	if err != nil {
		return "", err
	}
	w := &bitWriter{}
	w.write(0x33, 8)
	w.write(uint64(filter), 3)
	w.write(uint64(p), 3)
	w.write(cp, graiPartitions[p].cpBits)
	w.write(at, graiPartitions[p].otherBits)
	w.write(s, 38)
	return w.hex(), nil
}

// EncodeSGTIN96 encodes a serialised GTIN as an SGTIN-96 EPC and returns it as 24 uppercase
// hex digits. itemRef is the indicator digit followed by the item reference, 13 minus
// len(companyPrefix) digits in all; serial is a decimal number without leading zeros below
// 2^38; filter is 0–7.
func EncodeSGTIN96(companyPrefix, itemRef, serial string, filter int) (string, error) {
	p, cp, err := encodeCompanyPrefix(SGTIN96, companyPrefix, &sgtinPartitions)
	if err != nil {
		return "", err
	}
	if err := checkFilter(SGTIN96, filter); err != nil {
		return "", err
	}
	ir, err := parsePadded(SGTIN96, "item reference", itemRef, sgtinPartitions[p].otherDigits)
	if err != nil {
		return "", err
	}
	s, err := parseInteger(SGTIN96, "serial", serial, 12, 38)
	if err != nil {
		return "", err
	}
	w := &bitWriter{}
	w.write(0x30, 8)
	w.write(uint64(filter), 3)
	w.write(uint64(p), 3)
	w.write(cp, sgtinPartitions[p].cpBits)
	w.write(ir, sgtinPartitions[p].otherBits)
	w.write(s, 38)
	return w.hex(), nil
}

// encodeCompanyPrefix picks the partition whose company prefix has len(cp) digits.
func encodeCompanyPrefix(s Scheme, cp string, table *[7]partition) (int, uint64, error) {
	if !allDigits(cp) {
		return 0, 0, errf(ErrOutOfRange, s, "company prefix", "%q must be decimal digits", cp)
	}
	for p, row := range table {
		if row.cpDigits == len(cp) {
			v, _ := strconv.ParseUint(cp, 10, 64)
			return p, v, nil
		}
	}
	return 0, 0, errf(ErrInvalidPartition, s, "company prefix", "%d digits; a GS1 Company Prefix has 6 to 12", len(cp))
}

func checkFilter(s Scheme, f int) error {
	if f < 0 || f > 7 {
		return errf(ErrOutOfRange, s, "filter", "%d is not 0-7", f)
	}
	return nil
}

// parsePadded parses a field of exactly digits decimal digits (leading zeros kept).
func parsePadded(s Scheme, field, v string, digits int) (uint64, error) {
	if len(v) != digits || !allDigits(v) {
		return 0, errf(ErrOutOfRange, s, field, "%q must be exactly %d digits for this company prefix length", v, digits)
	}
	if digits == 0 {
		return 0, nil
	}
	n, _ := strconv.ParseUint(v, 10, 64)
	return n, nil
}

// parseInteger parses a decimal without leading zeros that fits maxDigits digits and bits bits.
func parseInteger(s Scheme, field, v string, maxDigits, bits int) (uint64, error) {
	if v == "" || !allDigits(v) {
		return 0, errf(ErrOutOfRange, s, field, "%q must be a decimal number", v)
	}
	if len(v) > 1 && v[0] == '0' {
		return 0, errf(ErrOutOfRange, s, field, "%q must not have leading zeros", v)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || len(v) > maxDigits || n >= 1<<uint(bits) {
		return 0, errf(ErrOutOfRange, s, field, "%s does not fit %d bits and %d digits", v, bits, maxDigits)
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bitWriter packs big-endian bit fields.
type bitWriter struct {
	buf []byte
	n   int
}

func (w *bitWriter) write(v uint64, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.buf[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

func (w *bitWriter) hex() string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(w.buf))
	for i, b := range w.buf {
		out[2*i] = digits[b>>4]
		out[2*i+1] = digits[b&15]
	}
	return string(out)
}

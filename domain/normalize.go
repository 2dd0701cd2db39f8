package domain

import (
	"fmt"
	"strings"
)

// NormalizeTag returns a tag value in its stored form: EPC and NFC values as uppercase hex with
// separators removed, barcodes trimmed. It refuses values that cannot be that kind.
func NormalizeTag(kind TagKind, value string) (string, error) {
	switch kind {
	case TagEPC, TagNFC:
		v := strings.ToUpper(strings.TrimSpace(value))
		v = strings.TrimPrefix(v, "0X")
		v = strings.NewReplacer(":", "", "-", "", " ", "").Replace(v)
		if v == "" {
			return "", fmt.Errorf("%s value is empty", kind)
		}
		for _, r := range v {
			if !strings.ContainsRune("0123456789ABCDEF", r) {
				return "", fmt.Errorf("%s value %q is not hexadecimal", kind, value)
			}
		}
		if len(v)%2 != 0 {
			return "", fmt.Errorf("%s value %q has an odd number of hex digits", kind, value)
		}
		if kind == TagNFC && len(v) != 8 && len(v) != 14 && len(v) != 20 {
			return "", fmt.Errorf("NFC UID %q must be 4, 7 or 10 bytes", value)
		}
		return v, nil
	case TagBarcode:
		v := strings.TrimSpace(value)
		if v == "" {
			return "", fmt.Errorf("barcode value is empty")
		}
		return v, nil
	}
	return "", fmt.Errorf("unknown tag kind %q (want epc, nfc or barcode)", kind)
}

// NormalizeGTIN returns a GTIN-8, -12, -13 or -14 as 14 digits, checking its check digit.
func NormalizeGTIN(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", fmt.Errorf("a GTIN has 8, 12, 13 or 14 digits, not %d", len(s))
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("a GTIN has only digits")
		}
	}
	s = strings.Repeat("0", 14-len(s)) + s
	if CheckDigit(s[:13]) != s[13] {
		return "", fmt.Errorf("check digit of %s should be %c", s, CheckDigit(s[:13]))
	}
	return s, nil
}

// CheckDigit returns the GS1 mod-10 check digit of a string of digits.
func CheckDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

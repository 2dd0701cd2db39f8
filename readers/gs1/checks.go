package gs1

import (
	"fmt"
	"strings"
)

// checkFunc validates one component; it returns "" when the value is fine, otherwise what is
// wrong and the offset in the component where the problem starts.
type checkFunc func(s string) (msg string, at int)

// checks are the content checks the AI table refers to by name.
var checks = map[string]checkFunc{
	"csum":      checkCsum,
	"csumalpha": checkCsumAlpha,
	"date6":     func(s string) (string, int) { return checkYYMMDD(s, false) },
	"date6z":    func(s string) (string, int) { return checkYYMMDD(s, true) },
	"date8":     checkYYYYMMDD,
	"hhmm":      checkHHMM,
	"hh":        func(s string) (string, int) { return checkRange(s, 0, 23, "hour") },
	"mi":        func(s string) (string, int) { return checkRange(s, 0, 59, "minute") },
	"ss":        func(s string) (string, int) { return checkRange(s, 0, 59, "second") },
	"zero":      func(s string) (string, int) { return checkRange(s, 0, 0, "value") },
	"nonzero":   checkNonZero,
	"yesno":     func(s string) (string, int) { return checkRange(s, 0, 1, "yes/no flag") },
	"winding":   checkOneOf("0", "1", "9"),
	"sex":       checkOneOf("0", "1", "2", "9"),
	"piece":     checkPieceOfTotal,
	"hyphen":    checkOneOf("-"),
	"nolead0":   checkNoLeadingZero,
	"hasalpha":  checkHasNonDigit,
	"lat":       func(s string) (string, int) { return checkRange(s, 0, 1800000000, "latitude") },
	"lon":       func(s string) (string, int) { return checkRange(s, 0, 3600000000, "longitude") },
	"pcenc":     checkPercentEncoding,
	"alpha2":    checkAlpha2,
	"media":     checkMediaType,
	"seq":       checkPosInSeq,
	"iban":      checkIBAN,
	"impidx":    checkImporterIndex,
}

// validate checks value against the AI's components and returns a problem and its offset in
// value, or "" when value is valid.
func (d *aiDef) validate(value string) (string, int) {
	i := 0
	for ci, c := range d.comps {
		if i == len(value) && c.optional {
			break
		}
		rest := len(value) - i
		var part string
		switch {
		case c.min == c.max && rest < c.min:
			if len(d.comps) == 1 {
				return fmt.Sprintf("must be %s, got %d", describe(c), len(value)), i
			}
			return fmt.Sprintf("component %d must be %s, got %d", ci+1, describe(c), rest), i
		case c.min == c.max:
			part = value[i : i+c.min]
		case rest > c.max:
			if len(d.comps) == 1 {
				return fmt.Sprintf("longer than %d characters (%d)", c.max, len(value)), i + c.max
			}
			return fmt.Sprintf("component %d longer than %d characters (%d)", ci+1, c.max, rest), i + c.max
		default:
			part = value[i:]
		}
		if len(part) < c.min {
			return fmt.Sprintf("must not be empty (%s)", describe(c)), i
		}
		if at := badChar(c.set, part); at >= 0 {
			return fmt.Sprintf("character %q is not allowed (must be %s)", rune(part[at]), describe(c)), i + at
		}
		for _, ch := range c.checks {
			if msg, at := ch.fn(part); msg != "" {
				return msg, i + at
			}
		}
		i += len(part)
	}
	if i < len(value) {
		return fmt.Sprintf("%d characters too long", len(value)-i), i
	}
	return "", 0
}

// describe renders a component for messages: "N6", "X..20".
func describe(c component) string {
	kind := map[byte]string{'N': "digits", 'X': "GS1 characters", 'Y': "GS1 set-39 characters", 'Z': "base64url characters"}[c.set]
	if c.min == c.max {
		return fmt.Sprintf("%d %s (%c%d)", c.max, kind, c.set, c.max)
	}
	return fmt.Sprintf("up to %d %s (%c..%d)", c.max, kind, c.set, c.max)
}

// badChar returns the offset of the first character of s outside set, or -1.
func badChar(set byte, s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := false
		switch set {
		case 'N':
			ok = isDigit(c)
		case 'X':
			ok = inCSet82(c)
		case 'Y':
			ok = isDigit(c) || c >= 'A' && c <= 'Z' || c == '#' || c == '-' || c == '/'
		case 'Z':
			ok = isDigit(c) || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_' ||
				c == '=' && strings.Trim(s[i:], "=") == ""
		}
		if !ok {
			return i
		}
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cset82 lists GS1 AI encodable character set 82 in the order that gives each character its
// value in the alphanumeric check-character calculation.
const cset82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`

func inCSet82(c byte) bool { return c != 0 && strings.IndexByte(cset82, c) >= 0 }

// checkDigit computes the GS1 mod-10 check digit of a string of decimal digits.
func checkDigit(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func checkCsum(s string) (string, int) {
	last := len(s) - 1
	if want := checkDigit(s[:last]); s[last] != want {
		return fmt.Sprintf("check digit is %c, should be %c", s[last], want), last
	}
	return "", 0
}

// checkCsumAlpha verifies the two check characters that end a GMN: data characters weighted
// by primes from right to left, modulo 1021, split into two characters of set 32.
func checkCsumAlpha(s string) (string, int) {
	const cset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	if len(s) < 2 {
		return "too short for its two check characters", 0
	}
	primes := [...]int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109}
	data := s[:len(s)-2]
	if len(data) > len(primes) {
		return "too long for an alphanumeric check pair", 0
	}
	sum := 0
	for i := 0; i < len(data); i++ {
		sum += strings.IndexByte(cset82, data[i]) * primes[len(data)-1-i]
	}
	sum %= 1021
	want := string([]byte{cset32[sum>>5], cset32[sum&31]})
	if s[len(s)-2:] != want {
		return fmt.Sprintf("check characters are %s, should be %s", s[len(s)-2:], want), len(s) - 2
	}
	return "", 0
}

var daysInMonth = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// checkYYMMDD validates a six-digit date. zeroDay allows day 00 ("end of month" for dates such
// as best-before). Two-digit years are leap years when divisible by 4: within the GS1 century
// window that holds for every date until 2100.
func checkYYMMDD(s string, zeroDay bool) (string, int) {
	yy, mm, dd := atoi2(s[0:2]), atoi2(s[2:4]), atoi2(s[4:6])
	return checkDate(yy%4 == 0, mm, dd, zeroDay, 2)
}

func checkYYYYMMDD(s string) (string, int) {
	y := atoi2(s[0:2])*100 + atoi2(s[2:4])
	leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
	return checkDate(leap, atoi2(s[4:6]), atoi2(s[6:8]), false, 4)
}

func checkDate(leap bool, mm, dd int, zeroDay bool, monthAt int) (string, int) {
	if mm < 1 || mm > 12 {
		return fmt.Sprintf("month %02d is not 01-12", mm), monthAt
	}
	limit := daysInMonth[mm]
	if mm == 2 && !leap {
		limit = 28
	}
	if dd == 0 && zeroDay {
		return "", 0
	}
	if dd < 1 || dd > limit {
		return fmt.Sprintf("day %02d is not valid for month %02d", dd, mm), monthAt + 2
	}
	return "", 0
}

func checkHHMM(s string) (string, int) {
	if msg, at := checkRange(s[:2], 0, 23, "hour"); msg != "" {
		return msg, at
	}
	msg, at := checkRange(s[2:], 0, 59, "minute")
	return msg, at + 2
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// checkRange requires a digit string whose value is within [lo, hi].
func checkRange(s string, lo, hi int, what string) (string, int) {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	if v < lo || v > hi {
		return fmt.Sprintf("%s %s is not %d-%d", what, s, lo, hi), 0
	}
	return "", 0
}

func checkOneOf(allowed ...string) checkFunc {
	return func(s string) (string, int) {
		for _, a := range allowed {
			if s == a {
				return "", 0
			}
		}
		return fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", ")), 0
	}
}

func checkNonZero(s string) (string, int) {
	if strings.Trim(s, "0") == "" {
		return "must not be zero", 0
	}
	return "", 0
}

func checkPieceOfTotal(s string) (string, int) {
	piece, total := atoi2(s[:2]), atoi2(s[2:])
	if piece == 0 || total == 0 || piece > total {
		return fmt.Sprintf("piece %02d of total %02d is not valid", piece, total), 0
	}
	return "", 0
}

func checkNoLeadingZero(s string) (string, int) {
	if len(s) > 1 && s[0] == '0' {
		return "must not start with 0", 0
	}
	return "", 0
}

func checkHasNonDigit(s string) (string, int) {
	if badChar('N', s) < 0 {
		return "must contain a character that is not a digit", 0
	}
	return "", 0
}

func checkPercentEncoding(s string) (string, int) {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return "bad percent-encoding", i
		}
	}
	return "", 0
}

func isHex(c byte) bool { return isDigit(c) || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f' }

func checkAlpha2(s string) (string, int) {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return "must be an ISO 3166 alpha-2 country code", i
		}
	}
	return "", 0
}

func checkMediaType(s string) (string, int) {
	if v := atoi2(s); v >= 1 && v <= 10 || v >= 80 {
		return "", 0
	}
	return fmt.Sprintf("media type %s is not assigned (01-10, 80-99)", s), 0
}

// checkPosInSeq requires "n/m" with 1 <= n <= m <= 9.
func checkPosInSeq(s string) (string, int) {
	if len(s) != 3 || s[1] != '/' || !isDigit(s[0]) || !isDigit(s[2]) || s[0] == '0' || s[0] > s[2] {
		return fmt.Sprintf("%q is not a position in a sequence such as 1/2", s), 0
	}
	return "", 0
}

func checkIBAN(s string) (string, int) {
	if len(s) < 5 {
		return "too short for an IBAN", 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i < 2 && (c < 'A' || c > 'Z') || i >= 2 && i < 4 && !isDigit(c) || i >= 4 && !isDigit(c) && (c < 'A' || c > 'Z') {
			return "not an IBAN", i
		}
	}
	rem := 0
	for _, c := range []byte(s[4:] + s[:4]) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	if rem != 1 {
		return "IBAN check digits are wrong", 2
	}
	return "", 0
}

func checkImporterIndex(s string) (string, int) {
	c := s[0]
	if isDigit(c) || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_' {
		return "", 0
	}
	return fmt.Sprintf("importer index %q is not valid", s), 0
}

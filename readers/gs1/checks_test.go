package gs1

import "testing"

// Check-character pairs from the GS1 General Specifications' GMN examples, as used by the GS1
// Barcode Syntax Tests.
func TestCheckCsumAlpha(t *testing.T) {
	for _, s := range []string{"1987654Ad4X4bL5ttr2310c2K", "12345678901234567890123NT", "12345_ABCDEFGHIJKLMCP",
		"12345_!\"%&'()*+,-./LC", "7907665Bm8v2AB", "00000!HV", "22"} {
		if msg, _ := checkCsumAlpha(s); msg != "" {
			t.Errorf("checkCsumAlpha(%q) = %q, want valid", s, msg)
		}
	}
	for _, s := range []string{"1987654Ad4X4bL5ttr2310cXK", "1987654Ad4X4bL5ttr2310c2X", "33", "2"} {
		if msg, _ := checkCsumAlpha(s); msg == "" {
			t.Errorf("checkCsumAlpha(%q) = valid, want an error", s)
		}
	}
}

func TestChecks(t *testing.T) {
	tests := []struct {
		check, in string
		ok        bool
	}{
		{"iban", "GB82WEST12345698765432", true},
		{"iban", "DE89370400440532013000", true},
		{"iban", "GB82WEST12345698765433", false},
		{"iban", "gb82WEST12345698765432", false},
		{"date6", "000229", true},
		{"date6", "250229", false},
		{"date6", "241231", true},
		{"date6", "240431", false},
		{"date6", "240100", false},
		{"date6z", "240100", true},
		{"date8", "20000229", true},
		{"date8", "21000229", false},
		{"hhmm", "2359", true},
		{"hhmm", "2400", false},
		{"hhmm", "1260", false},
		{"piece", "0102", true},
		{"piece", "0000", false},
		{"seq", "1/2", true},
		{"seq", "3/2", false},
		{"seq", "0/2", false},
		{"lat", "1800000000", true},
		{"lat", "1800000001", false},
		{"media", "10", true},
		{"media", "11", false},
		{"media", "80", true},
		{"pcenc", "A%20B", true},
		{"pcenc", "A%2", false},
		{"pcenc", "A%G0", false},
		{"alpha2", "NL", true},
		{"alpha2", "nl", false},
		{"nolead0", "0", true},
		{"nolead0", "012", false},
		{"hasalpha", "123A", true},
		{"hasalpha", "1234", false},
		{"winding", "9", true},
		{"winding", "2", false},
	}
	for _, tt := range tests {
		msg, _ := checks[tt.check](tt.in)
		if (msg == "") != tt.ok {
			t.Errorf("check %s(%q) = %q, want ok=%v", tt.check, tt.in, msg, tt.ok)
		}
	}
}

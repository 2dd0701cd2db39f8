package gs1

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// els builds Elements from AI, value pairs.
func els(kv ...string) Elements {
	var out Elements
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Element{AI: kv[i], Value: kv[i+1]})
	}
	return out
}

const gs = "\x1D"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     Elements
	}{
		// Element strings and FNC1.
		{"predefined length needs no GS", "3103000123" + "10ABC", els("3103", "000123", "10", "ABC")},
		{"variable field runs to the GS", "10ABC" + gs + "21XYZ", els("10", "ABC", "21", "XYZ")},
		{"variable field without GS swallows the rest", "10ABC21XYZ", els("10", "ABC21XYZ")},
		{"GS after a predefined field is tolerated", "0109506000134352" + gs + "10A", els("01", "09506000134352", "10", "A")},
		{"leading and trailing GS", gs + "0109506000134352" + gs, els("01", "09506000134352")},
		{"scanner suffix", "]C10109506000134352\r\n", els("01", "09506000134352")},
		{"DataBar identifier", "]e00109506000134352", els("01", "09506000134352")},
		{"all check-digit keys", "00095201234567891235" + "4149521141123454" + "8017952114112345678906",
			els("00", "095201234567891235", "414", "9521141123454", "8017", "952114112345678906")},
		{"GDTI with serial, ITIP, GMN", "2539521141123454" + "5678" + gs + "8006095211411234540102" + gs + "80131987654Ad4X4bL5ttr2310c2K",
			els("253", "95211411234545678", "8006", "095211411234540102", "8013", "1987654Ad4X4bL5ttr2310c2K")},
		{"IBAN", "8007GB82WEST12345698765432", els("8007", "GB82WEST12345698765432")},
		{"geo coordinates", "43091234567890" + "1234567890", els("4309", "12345678901234567890")},
		{"same AI twice with the same value", "(10)A(10)A", els("10", "A")},
		{"four-digit AI range end", "3955123456" + gs + "9112", els("3955", "123456", "91", "12")},
		{"newest AIs", "8040123456789012345" + gs + "7174711", els("8040", "123456789012345", "717", "4711")},

		// Dates.
		{"leap day", "17240229", els("17", "240229")},
		{"day 00 allowed for expiry", "17240200", els("17", "240200")},
		{"eight-digit date of birth", "725020000229", els("7250", "20000229")},
		{"production date and hour", "800824022913", els("8008", "24022913")},
		{"production date, hour, minute, second", "80082402291359" + "59", els("8008", "2402291359"+"59")},

		// Bracketed.
		{"bracketed", "(01)09506000134352(17)201225(10)ABC", els("01", "09506000134352", "17", "201225", "10", "ABC")},
		{"bracketed escaped parenthesis", `(10)AB\(C(21)X`, els("10", "AB(C", "21", "X")},
		{"bracketed parenthesis that opens no AI", "(10)A(B)(21)X", els("10", "A(B)", "21", "X")},

		// EAN/UPC.
		{"EAN-13", "]E04006381333931", els("01", "04006381333931")},
		{"EAN-8", "]E495012346", els("01", "00000095012346")},

		// Digital Link.
		{"Digital Link", "https://id.gs1.org/01/09506000134352/10/ABC?17=201225", els("01", "09506000134352", "10", "ABC", "17", "201225")},
		{"Digital Link custom domain with path prefix and percent-encoding", "https://example.com/products/01/09506000134352/21/ABC%2F1?linkType=all",
			els("01", "09506000134352", "21", "ABC/1")},
		{"Digital Link short names", "https://id.gs1.org/gtin/09506000134352/lot/ABC", els("01", "09506000134352", "10", "ABC")},
		{"Digital Link upper-case scheme and fragment", "HTTPS://ID.GS1.ORG/01/09506000134352#top", els("01", "09506000134352")},
		{"Digital Link SSCC", "https://example.org/00/095201234567891235", els("00", "095201234567891235")},
		{"Digital Link GIAI with plus kept", "https://a.example/8004/9521141A+B", els("8004", "9521141A+B")},
		{"Digital Link alternative qualifier", "https://id.gs1.org/01/09506000134352/235/TPX1", els("01", "09506000134352", "235", "TPX1")},
		{"Digital Link in plain QR", "]Q1https://id.gs1.org/414/9521141123454/254/2", els("414", "9521141123454", "254", "2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.want)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		ai       string // the AI the error must name ("" for none)
		pos      int    // the position it must report (-2: do not check)
		msgHas   string
	}{
		{"empty", "", "", -1, "empty"},
		{"blank", " \r\n", "", -1, "empty"},
		{"unknown AI", "236ABC", "", 0, "no known Application Identifier"},
		{"unknown AI after a valid one", "0109506000134352" + "2361", "", 16, "no known Application Identifier"},
		{"GTIN check digit", "0109506000134353", "01", 15, "check digit"},
		{"SSCC check digit", "00095201234567891236", "00", 19, "check digit"},
		{"GLN check digit", "4149521141123455", "414", 15, "check digit"},
		{"GSRN check digit", "8017952114112345678907", "8017", 21, "check digit"},
		{"GMN check pair", "80131987654Ad4X4bL5ttr2310cXK", "8013", -2, "check characters"},
		{"IBAN check", "8007GB83WEST12345698765432", "8007", -2, "IBAN"},
		{"GTIN too short at end", "01095060001343", "01", 2, "14 digits"},
		{"letters in a numeric field", "]C101123123123133^10ABC", "01", 17, "not allowed"},
		{"variable field too long", "10ABCDEFGHIJKLMNOPQRSTU", "10", 22, "longer than 20"},
		{"empty variable field", "10" + gs + "21A", "10", 2, "empty"},
		{"character outside set 82", "10AB CD", "10", 4, "not allowed"},
		{"not a leap year", "17230229", "17", 6, "day 29"},
		{"month 13", "17241301", "17", 4, "month 13"},
		{"day 00 not allowed for first freeze", "7006240200", "7006", 8, "day 00"},
		{"1900 was not a leap year", "725019000229", "7250", 10, "day 29"},
		{"hour 25", "800824022925", "8008", -2, "hour 25"},
		{"partial optional component", "8008240229131", "8008", -2, "component 3"},
		{"piece above total", "8006095211411234540302", "8006", -2, "piece 03 of total 02"},
		{"GRAI must start with 0", "800312112345678900", "8003", 4, "value 1"},
		{"conflicting duplicate", "(10)A(10)B", "10", -2, "different values"},
		{"bracketed unknown AI", "(01)09506000134352(236)X", "", 18, "not a known"},
		{"bracketed unclosed", "(01", "", 0, "unclosed"},
		{"EAN-13 check digit", "]E02112345678901", "01", 15, "check digit"},
		{"EAN-13 wrong length", "]E0211234567890", "01", 3, "13 digits"},
		{"unknown symbology", "]X10109506000134352", "", 0, "symbology"},
		{"plain QR without a URI", "]Q10109506000134352", "", 3, "Digital Link"},
		{"symbology only", "]d2", "", 3, "no data"},
		{"Digital Link without key", "https://example.com/products/123", "", -2, "primary key"},
		{"Digital Link qualifiers out of order", "https://id.gs1.org/01/09506000134352/21/X/10/Y", "01", -2, "not in order"},
		{"Digital Link mixing alternatives", "https://id.gs1.org/01/09506000134352/22/A/235/B", "01", -2, "not in order"},
		{"Digital Link GTIN-13", "https://a/01/9506000134352", "01", -2, "14 digits"},
		{"Digital Link unknown numeric query key", "https://id.gs1.org/01/09506000134352?999=1", "", -2, "not a known"},
		{"Digital Link qualifier in the query", "https://id.gs1.org/01/09506000134352?21=ABC", "21", -2, "query attribute"},
		{"Digital Link bad date in query", "https://id.gs1.org/01/09506000134352?17=201332", "17", -2, "month 13"},
		{"Digital Link no host", "https:///01/09506000134352", "", 0, "no host"},
		{"Digital Link bad escape", "https://id.gs1.org/01/09506000134352/10/A%ZZ", "", 0, "URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("Parse(%q) = %v, %v, want a *gs1.Error", tt.in, got, err)
			}
			if ge.AI != tt.ai || (tt.pos != -2 && ge.Pos != tt.pos) || !strings.Contains(ge.Msg, tt.msgHas) {
				t.Errorf("Parse(%q) error = {AI %q, Pos %d, %q}, want AI %q, pos %d, message containing %q", tt.in, ge.AI, ge.Pos, ge.Msg, tt.ai, tt.pos, tt.msgHas)
			}
		})
	}
}

func TestParseFormsDirectly(t *testing.T) {
	want := els("01", "09506000134352", "10", "A")
	if got, err := ParseElementString("0109506000134352" + "10A"); err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseElementString = %v, %v, want %v", got, err, want)
	}
	if got, err := ParseBracketed("(01)09506000134352(10)A"); err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseBracketed = %v, %v, want %v", got, err, want)
	}
	if got, err := ParseDigitalLink("https://id.gs1.org/01/09506000134352/10/A"); err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseDigitalLink = %v, %v, want %v", got, err, want)
	}
	if _, err := ParseBracketed("01)0950"); err == nil || !strings.Contains(err.Error(), "expected") {
		t.Errorf("ParseBracketed(01)0950) error = %v, want one saying a \"(\" was expected", err)
	}
	for name, fn := range map[string]func(string) (Elements, error){"ParseElementString": ParseElementString, "ParseBracketed": ParseBracketed, "ParseDigitalLink": ParseDigitalLink} {
		if _, err := fn(""); err == nil {
			t.Errorf("%s(\"\") error = nil, want an error", name)
		}
	}
}

func TestElementsHelpers(t *testing.T) {
	es := els("01", "09506000134352", "10", "A(1")
	if m := es.Map(); len(m) != 2 || m["01"] != "09506000134352" || m["10"] != "A(1" {
		t.Errorf("Map() = %v", m)
	}
	if v, ok := es.Get("10"); !ok || v != "A(1" {
		t.Errorf("Get(10) = %q, %v, want A(1, true", v, ok)
	}
	if _, ok := es.Get("21"); ok {
		t.Errorf("Get(21) found a value in %v", es)
	}
	if s := es.String(); s != `(01)09506000134352(10)A\(1` {
		t.Errorf("String() = %q", s)
	}
	back, err := ParseBracketed(es.String())
	if err != nil || !slices.Equal(back, es) {
		t.Errorf("ParseBracketed(String()) = %v, %v, want %v", back, err, es)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		code           string
		found          bool
		predef, pk     bool
		minLen, maxLen int
		title          string
	}{
		{"00", true, true, true, 18, 18, "SSCC"},
		{"01", true, true, true, 14, 14, "GTIN"},
		{"10", true, false, false, 1, 20, "BATCH/LOT"},
		{"21", true, false, false, 1, 20, "SERIAL"},
		{"235", true, false, false, 1, 28, "TPX"},
		{"253", true, false, true, 13, 30, "GDTI"},
		{"3103", true, true, false, 6, 6, "NET WEIGHT (kg)"},
		{"3695", true, true, false, 6, 6, "VOLUME (yd³), log"},
		{"3943", true, false, false, 4, 4, "PRCNT OFF"},
		{"414", true, true, true, 13, 13, "LOC No."},
		{"4326", true, false, false, 6, 6, "REL DATE"},
		{"7003", true, false, false, 10, 10, "EXPIRY TIME"},
		{"7041", true, false, false, 1, 4, "UFRGT UNIT TYPE"},
		{"7259", true, false, false, 1, 40, "BABY"},
		{"8003", true, false, true, 14, 30, "GRAI"},
		{"8004", true, false, true, 1, 30, "GIAI"},
		{"8200", true, false, false, 1, 70, "PRODUCT URL"},
		{"99", true, false, false, 1, 90, "INTERNAL"},
		{"3106", false, false, false, 0, 0, ""},
		{"3944", false, false, false, 0, 0, ""},
		{"23", false, false, false, 0, 0, ""},
		{"718", false, false, false, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, ok := Lookup(tt.code)
			if ok != tt.found {
				t.Fatalf("Lookup(%q) found = %v, want %v", tt.code, ok, tt.found)
			}
			if !ok {
				return
			}
			if got.PredefinedLength != tt.predef || got.FNC1Required == tt.predef || got.DigitalLinkKey != tt.pk ||
				got.MinLength != tt.minLen || got.MaxLength != tt.maxLen || got.Title != tt.title {
				t.Errorf("Lookup(%q) = %+v, want predefined %v, key %v, length %d-%d, title %q", tt.code, got, tt.predef, tt.pk, tt.minLen, tt.maxLen, tt.title)
			}
		})
	}
}

// TestTableIsPrefixFree guards the property lookupPrefix relies on: no AI is a prefix of another.
func TestTableIsPrefixFree(t *testing.T) {
	if len(table) < 500 {
		t.Errorf("AI table has %d entries, want the full table (500+)", len(table))
	}
	for a := range table {
		for b := range table {
			if a != b && strings.HasPrefix(b, a) {
				t.Errorf("AI %s is a prefix of AI %s", a, b)
			}
		}
	}
}

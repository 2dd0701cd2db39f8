package epc

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// randDigits returns n random decimal digits (leading zeros allowed).
func randDigits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

// randInteger returns a decimal without leading zeros below min(10^maxDigits, 2^bits).
func randInteger(r *rand.Rand, maxDigits, bits int) string {
	limit := uint64(1) << uint(bits)
	if p := pow10(maxDigits); p < limit {
		limit = p
	}
	// Bias towards the edges: zero, the maximum and short numbers are the interesting cases.
	switch r.IntN(6) {
	case 0:
		return "0"
	case 1:
		return strconv.FormatUint(limit-1, 10)
	case 2:
		return strconv.FormatUint(r.Uint64N(1000), 10)
	}
	return strconv.FormatUint(r.Uint64N(limit), 10)
}

func TestEncodeGIAI96RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 96))
	for i := 0; i < 500; i++ {
		cp := randDigits(r, 6+r.IntN(7))
		p := 12 - len(cp)
		ref := randInteger(r, giai96Parts[p].otherDigits, giai96Parts[p].otherBits)
		filter := r.IntN(8)
		hex, err := EncodeGIAI96(cp, ref, filter)
		if err != nil {
			t.Fatalf("EncodeGIAI96(%q, %q, %d) error = %v", cp, ref, filter, err)
		}
		got, err := Decode(hex)
		if err != nil {
			t.Fatalf("Decode(EncodeGIAI96(%q, %q, %d) = %s) error = %v", cp, ref, filter, hex, err)
		}
		want := "urn:epc:tag:giai-96:" + strconv.Itoa(filter) + "." + cp + "." + ref
		if got.TagURI != want || got.Partition != p {
			t.Fatalf("Decode(EncodeGIAI96(%q, %q, %d) = %s) = %q partition %d, want %q partition %d", cp, ref, filter, hex, got.TagURI, got.Partition, want, p)
		}
	}
}

func TestEncodeGRAI96RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 96))
	for i := 0; i < 500; i++ {
		cp := randDigits(r, 6+r.IntN(7))
		at := randDigits(r, 12-len(cp))
		serial := randInteger(r, 12, 38)
		filter := r.IntN(8)
		hex, err := EncodeGRAI96(cp, at, serial, filter)
		if err != nil {
			t.Fatalf("EncodeGRAI96(%q, %q, %q, %d) error = %v", cp, at, serial, filter, err)
		}
		got, err := Decode(hex)
		if err != nil {
			t.Fatalf("Decode(EncodeGRAI96(%q, %q, %q, %d) = %s) error = %v", cp, at, serial, filter, hex, err)
		}
		want := "urn:epc:tag:grai-96:" + strconv.Itoa(filter) + "." + cp + "." + at + "." + serial
		if got.TagURI != want {
			t.Fatalf("Decode(EncodeGRAI96(%q, %q, %q, %d) = %s) = %q, want %q", cp, at, serial, filter, hex, got.TagURI, want)
		}
	}
}

func TestEncodeSGTIN96RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 96))
	for i := 0; i < 300; i++ {
		cp := randDigits(r, 6+r.IntN(7))
		ir := randDigits(r, 13-len(cp))
		serial := randInteger(r, 12, 38)
		filter := r.IntN(8)
		hex, err := EncodeSGTIN96(cp, ir, serial, filter)
		if err != nil {
			t.Fatalf("EncodeSGTIN96(%q, %q, %q, %d) error = %v", cp, ir, serial, filter, err)
		}
		got, err := Decode(hex)
		if err != nil {
			t.Fatalf("Decode(EncodeSGTIN96(%q, %q, %q, %d) = %s) error = %v", cp, ir, serial, filter, hex, err)
		}
		body := ir[:1] + cp + ir[1:]
		if got.ItemReference != ir || got.CompanyPrefix != cp || got.Serial != serial || got.GTIN[:13] != body || !validGTIN(got.GTIN) {
			t.Fatalf("Decode(EncodeSGTIN96(%q, %q, %q, %d) = %s) = %+v", cp, ir, serial, filter, hex, got)
		}
	}
}

// validGTIN checks a GTIN-14 check digit the long way: weights 3,1,3,… from the left.
func validGTIN(g string) bool {
	sum := 0
	for i := 0; i < 13; i++ {
		w := 1
		if i%2 == 0 {
			w = 3
		}
		sum += int(g[i]-'0') * w
	}
	return int(g[13]-'0') == (10-sum%10)%10
}

func TestEncodeKnownValues(t *testing.T) {
	tests := []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"GIAI-96 TDS example", func() (string, error) { return EncodeGIAI96("9521141", "5678", 3) }, "3476451FD40000000000162E"},
		{"GIAI-96 retail-epcpy", func() (string, error) { return EncodeGIAI96("0614141", "12345400", 1) }, "3434257BF400000000BC6038"},
		{"GRAI-96 TDS example", func() (string, error) { return EncodeGRAI96("0614141", "12345", "5678", 3) }, "3374257BF40C0E400000162E"},
		{"GRAI-96 empty asset type", func() (string, error) { return EncodeGRAI96("061414113245", "", "0", 0) }, "3300393243FF740000000000"},
		{"SGTIN-96 TDS example", func() (string, error) { return EncodeSGTIN96("0614141", "812345", "6789", 3) }, "3074257BF7194E4000001A85"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil || got != tt.want {
				t.Errorf("%s = %q, %v, want %q", tt.name, got, err, tt.want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		err  func() error
		want error
	}{
		{"GIAI prefix too short", func() error { _, err := EncodeGIAI96("12345", "1", 0); return err }, ErrInvalidPartition},
		{"GIAI prefix too long", func() error { _, err := EncodeGIAI96("1234567890123", "1", 0); return err }, ErrInvalidPartition},
		{"GIAI prefix not digits", func() error { _, err := EncodeGIAI96("12345A7", "1", 0); return err }, ErrOutOfRange},
		{"GIAI leading zero", func() error { _, err := EncodeGIAI96("9521141", "0123", 0); return err }, ErrOutOfRange},
		{"GIAI empty reference", func() error { _, err := EncodeGIAI96("9521141", "", 0); return err }, ErrOutOfRange},
		{"GIAI reference too wide for 42 bits", func() error { _, err := EncodeGIAI96("061414112345", "9999999999999", 0); return err }, ErrOutOfRange},
		{"GIAI filter 8", func() error { _, err := EncodeGIAI96("9521141", "1", 8); return err }, ErrOutOfRange},
		{"GIAI negative filter", func() error { _, err := EncodeGIAI96("9521141", "1", -1); return err }, ErrOutOfRange},
		{"GRAI asset type wrong width", func() error { _, err := EncodeGRAI96("9521141", "1234", "1", 0); return err }, ErrOutOfRange},
		{"GRAI serial 2^38", func() error { _, err := EncodeGRAI96("9521141", "12345", "274877906944", 0); return err }, ErrOutOfRange},
		{"GRAI serial letters", func() error { _, err := EncodeGRAI96("9521141", "12345", "A1", 0); return err }, ErrOutOfRange},
		{"SGTIN item reference wrong width", func() error { _, err := EncodeSGTIN96("0614141", "81234", "1", 0); return err }, ErrOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.err(); !errors.Is(err, tt.want) {
				t.Errorf("%s: error = %v, want errors.Is(%v)", tt.name, err, tt.want)
			}
		})
	}
}

package nfc

import (
	"errors"
	"testing"
)

// FuzzNormalizeUID checks that Normalize never panics, that failures are *nfc.Error, and that
// its output is canonical: valid length, uppercase hex, and a fixed point.
func FuzzNormalizeUID(f *testing.F) {
	for _, v := range readVectors(f, "nfc_uid_vectors.tsv") {
		f.Add(v.input)
	}
	f.Add("0x04 0xE1 0x41 0x12 0x4C 0x28 0x80")
	f.Add("4:e1:41:12:4c:28:80")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Normalize(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Normalize(%q) error %v (%T) is not an *nfc.Error", in, err, err)
			}
			return
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
				t.Fatalf("Normalize(%q) = %q: not uppercase hex", in, got)
			}
		}
		if n := len(got) / 2; n != 4 && n != 7 && n != 8 && n != 10 {
			t.Fatalf("Normalize(%q) = %q: %d bytes", in, got, n)
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Fatalf("Normalize(Normalize(%q) = %q) = %q, %v: not a fixed point", in, got, again, err)
		}
	})
}

package gs1

import (
	"errors"
	"slices"
	"testing"
)

// FuzzParseGS1 checks that Parse never panics, that failures are *gs1.Error, and that what it
// accepts is made of known AIs whose values survive a trip through the bracketed form.
func FuzzParseGS1(f *testing.F) {
	for _, v := range readVectors(f, "gs1_vectors.tsv") {
		f.Add(v.input)
	}
	f.Add("(01)09506000134352(17)201225(10)ABC")
	f.Add("https://id.gs1.org/01/09506000134352/10/ABC?17=201225")
	f.Add("]E04006381333931")
	f.Add("8008240229135959" + gs + "80131987654Ad4X4bL5ttr2310c2K")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(in)
		if err != nil {
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("Parse(%q) error %v (%T) is not a *gs1.Error", in, err, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("Parse(%q) returned no elements and no error", in)
		}
		for _, e := range got {
			if _, ok := Lookup(e.AI); !ok {
				t.Fatalf("Parse(%q) returned unknown AI %q", in, e.AI)
			}
		}
		back, err := ParseBracketed(got.String())
		if err != nil || !slices.Equal(back, got) {
			t.Fatalf("Parse(%q) = %v, but ParseBracketed(%q) = %v, %v", in, got, got.String(), back, err)
		}
	})
}

package epc

import (
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeEPC checks that Decode never panics, that every failure is a typed *Error, and
// that every success yields URIs of the decoded scheme.
func FuzzDecodeEPC(f *testing.F) {
	for _, v := range readVectors(f, "epc_vectors.tsv") {
		f.Add(v.input)
	}
	f.Add("3666C4409047E159B2C2BF100000000000000000000000000000")
	f.Add("3776451FD40C0E59B2C2BF1000000000000000000000")
	f.Add("3876451FD59B2C2BF10000000000000000000000000000000000")
	f.Add("311BA1B300CE0A6A83000000")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Decode(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%q) error %v (%T) is not an *epc.Error", in, err, err)
			}
			return
		}
		if !strings.HasPrefix(got.URI, "urn:epc:id:") || !strings.HasPrefix(got.TagURI, "urn:epc:tag:"+string(got.Scheme)+":") {
			t.Fatalf("Decode(%q) = %q / %q: URIs do not match scheme %s", in, got.URI, got.TagURI, got.Scheme)
		}
		if strings.ContainsAny(got.URI, "/?&<>\"") {
			t.Fatalf("Decode(%q).URI = %q has an unescaped reserved character", in, got.URI)
		}
	})
}

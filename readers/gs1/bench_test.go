package gs1

import "testing"

func BenchmarkParseElementString(b *testing.B) {
	in := "]d201095011010209171719050810ABCD1234" + gs + "2110"
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDigitalLink(b *testing.B) {
	in := "https://id.gs1.org/01/09506000134352/10/ABC?17=201225"
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

package epc

import "testing"

func BenchmarkDecodeSGTIN96(b *testing.B) {
	for b.Loop() {
		if _, err := Decode("3074257BF7194E4000001A85"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSGTIN198(b *testing.B) {
	for b.Loop() {
		if _, err := Decode("3666C4409047E159B2C2BF100000000000000000000000000000"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeGIAI96(b *testing.B) {
	for b.Loop() {
		if _, err := EncodeGIAI96("9521141", "5678", 3); err != nil {
			b.Fatal(err)
		}
	}
}

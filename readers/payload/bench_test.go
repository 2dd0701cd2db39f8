package payload

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// impinjStream builds an HTTP-stream body of n tag events over n/3 distinct tags, with a
// status event every 500 lines, as an R700 sends during a cabinet sweep.
func impinjStream(n int) []byte {
	var b strings.Builder
	for i := range n {
		if i%500 == 0 {
			b.WriteString(impinjStatus + "\n")
		}
		epc := fmt.Sprintf("30340242201D8840%08X", i%(n/3))
		raw, _ := hex.DecodeString(epc)
		fmt.Fprintf(&b, `{"timestamp":"2024-05-01T10:15:%02d.%06dZ","hostname":"impinj-14-2b-3c","eventType":"tagInventory","tagInventoryEvent":{"epc":"%s","epcHex":"%s","antennaPort":%d,"antennaName":"Antenna %d","peakRssiCdbm":%d,"frequency":915250,"transmitPowerCdbm":3000}}`+"\n",
			i%60, i, base64.StdEncoding.EncodeToString(raw), epc, 1+i%4, 1+i%4, -4000-i%3000)
	}
	return []byte(b.String())
}

func TestImpinjStreamFixture(t *testing.T) {
	reads, err := ParseImpinj(impinjStream(3000))
	if err != nil || len(reads) != 3000 {
		t.Fatalf("ParseImpinj(3000-read stream) = %d reads, %v", len(reads), err)
	}
	if got := Dedupe(reads); len(got) != 1000 || got[0].Count != 3 {
		t.Fatalf("Dedupe(3000-read stream) = %d tags, first count %d, want 1000 tags read 3 times", len(got), got[0].Count)
	}
}

func BenchmarkParseImpinjStream3000(b *testing.B) {
	body := impinjStream(3000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		reads, err := ParseImpinj(body)
		if err != nil || len(reads) != 3000 {
			b.Fatal(len(reads), err)
		}
	}
}

func BenchmarkParseImpinjStream3000AndDedupe(b *testing.B) {
	body := impinjStream(3000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		reads, err := ParseImpinj(body)
		if err != nil {
			b.Fatal(err)
		}
		if got := Dedupe(reads); len(got) != 1000 {
			b.Fatal(len(got))
		}
	}
}

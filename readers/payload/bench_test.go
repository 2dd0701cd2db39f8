package payload

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
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

// batchBody builds a cabinet's sweep batch of n distinct tags read three times each, on three
// antennas a second apart, as BenchmarkSweep3000Reads in package api posts it.
func batchBody(n int) []byte {
	at := time.Date(2024, 5, 1, 10, 15, 30, 0, time.UTC)
	var b strings.Builder
	fmt.Fprintf(&b, `{"sweep_id":"cab-7/%s","started_at":"%s","completed":true,"overflow":false,"reads":[`, at.Format(time.RFC3339), at.Format(time.RFC3339))
	for i := range n {
		for a := range 3 {
			if i > 0 || a > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"antenna":%d,"count":%d,"epc":"3034257BF400000000%06X","first_seen":"%s","rssi":%v}`,
				a+1, a+1, i, at.Add(time.Duration(a)*time.Second).Format(time.RFC3339Nano), -48.5-float64(a)*3)
		}
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func TestBatchBodyFixture(t *testing.T) {
	b, err := ParseBatch(batchBody(1000))
	if err != nil || len(b.Reads) != 3000 {
		t.Fatalf("ParseBatch(3000-read batch) = %d reads, %v", len(b.Reads), err)
	}
	if got := Dedupe(b.Reads); len(got) != 1000 || got[0].Count != 6 || got[0].RSSI != -48.5 {
		t.Fatalf("Dedupe(3000-read batch) = %d tags, first %+v; want 1000 tags, count 6, RSSI -48.5", len(got), got[0])
	}
}

func BenchmarkParseBatch3000(b *testing.B) {
	body := batchBody(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		batch, err := ParseBatch(body)
		if err != nil || len(batch.Reads) != 3000 {
			b.Fatal(len(batch.Reads), err)
		}
	}
}

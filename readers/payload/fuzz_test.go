package payload

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// vectorEPCs returns the well-formed hex EPCs of the shared EPC vectors, to seed the fuzzers
// with real codes; a missing file fails.
func vectorEPCs(tb testing.TB) []string {
	tb.Helper()
	const path = "../testdata/vectors/epc_vectors.tsv"
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("vectors file epc_vectors.tsv not found (looked for %s): %v", path, err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		h, _, _ := strings.Cut(sc.Text(), "\t")
		if _, err := hex.DecodeString(h); err == nil && h != "" && len(h)%4 == 0 {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("%s has no usable EPCs", path)
	}
	return out
}

// checkResult holds what every parser promises: a *domain.Error with a client code on
// failure, and on success reads that are normalized and plausible.
func checkResult(t *testing.T, name string, in []byte, reads []Read, err error) {
	t.Helper()
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || (de.Code != domain.EINVALID && de.Code != domain.EMALFORMED) {
			t.Fatalf("%s(%q) error = %v (%T), want a *domain.Error EINVALID/EMALFORMED", name, in, err, err)
		}
		return
	}
	for i, r := range reads {
		if epc, e := NormalizeEPC(r.EPC); e != nil || epc != r.EPC {
			t.Fatalf("%s(%q) read %d EPC %q is not normalized", name, in, i, r.EPC)
		}
		if r.Count < 1 || r.Antenna < 0 || checkRSSI(r.RSSI) != nil || r.FirstSeen.IsZero() {
			t.Fatalf("%s(%q) read %d = %+v: count, antenna, RSSI or time out of range", name, in, i, r)
		}
	}
}

func FuzzParseZebra(f *testing.F) {
	f.Add([]byte(zebraEvent1))
	f.Add([]byte("[" + zebraEvent1 + "," + zebraEvent2 + "]"))
	for _, epc := range vectorEPCs(f) {
		f.Add([]byte(strings.Replace(zebraEvent1, "3074257bf7194e4000001a85", epc, 1)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		reads, err := ParseZebra(in)
		checkResult(t, "ParseZebra", in, reads, err)
	})
}

func FuzzParseImpinj(f *testing.F) {
	f.Add([]byte(impinjEvent1))
	f.Add([]byte(impinjStatus + "\n" + impinjEvent1 + "\n" + impinjB64Only + "\n"))
	for _, epc := range vectorEPCs(f) {
		raw, _ := hex.DecodeString(epc)
		f.Add([]byte(strings.Replace(impinjB64Only, "NHZFH9QAAAAAABYu", base64.StdEncoding.EncodeToString(raw), 1)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		reads, err := ParseImpinj(in)
		checkResult(t, "ParseImpinj", in, reads, err)
	})
}

func FuzzParseBatch(f *testing.F) {
	for _, epc := range vectorEPCs(f) {
		f.Add([]byte(`{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","completed":true,"overflow":false,"door_badge":"04:e1:41:12:4c:28:80","reads":[{"epc":"` + epc + `","antenna":1,"rssi":-52.5,"count":2,"first_seen":"2024-05-01T10:15:31+0000"}]}`))
	}
	f.Add([]byte(`{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","reads":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := ParseBatch(in)
		checkResult(t, "ParseBatch", in, b.Reads, err)
		if err == nil && (b.SweepID == "" || b.StartedAt.IsZero()) {
			t.Fatalf("ParseBatch(%q) = %+v without sweep id or start", in, b)
		}
	})
}

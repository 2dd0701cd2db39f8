package epc

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

const vectorsDir = "../testdata/vectors"

// vectorRow is one line of a vectors TSV: the input, the expected output or "ERROR:…", and
// where the case comes from.
type vectorRow struct {
	line             int
	input, want, src string
}

// readVectors loads a TSV from the shared vectors folder; a missing file fails the test.
func readVectors(tb testing.TB, name string) []vectorRow {
	tb.Helper()
	path := filepath.Join(vectorsDir, name)
	f, err := os.Open(path)
	if err != nil {
		abs, _ := filepath.Abs(path)
		tb.Fatalf("vectors file %s not found (looked for %s): %v", name, abs, err)
	}
	defer f.Close()
	var rows []vectorRow
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n == 1 || strings.TrimSpace(sc.Text()) == "" {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 {
			tb.Fatalf("%s:%d: want at least 2 tab-separated columns, got %q", name, n, sc.Text())
		}
		r := vectorRow{line: n, input: cols[0], want: cols[1]}
		if len(cols) > 2 {
			r.src = cols[2]
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("reading %s: %v", path, err)
	}
	if len(rows) == 0 {
		tb.Fatalf("%s has no cases", path)
	}
	return rows
}

// errorKinds says which sentinel each ERROR row of epc_vectors.tsv must produce. A new ERROR
// row without an entry only has to be refused.
var errorKinds = map[string]error{
	"E28011606000020528F904FA": ErrUnsupportedHeader,
	"301C00000000000000000000": ErrInvalidPartition,
	"302C75BCD15FFFC000000007": ErrOutOfRange,
	"3074257BF7194E4000001A":   ErrLength,
}

func TestDecodeVectors(t *testing.T) {
	for _, v := range readVectors(t, "epc_vectors.tsv") {
		t.Run(v.input, func(t *testing.T) {
			got, err := Decode(v.input)
			if reason, ok := strings.CutPrefix(v.want, "ERROR:"); ok {
				if err == nil {
					t.Fatalf("Decode(%q) = %q, want an error (%s) [line %d, %s]", v.input, got.URI, reason, v.line, v.src)
				}
				if kind := errorKinds[v.input]; kind != nil && !errors.Is(err, kind) {
					t.Errorf("Decode(%q) error = %v, want errors.Is(%v)", v.input, err, kind)
				}
				var de *domain.Error
				if !errors.As(err, &de) || de.Code != domain.EINVALID {
					t.Errorf("Decode(%q) error = %v, want a *domain.Error with code %q", v.input, err, domain.EINVALID)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%q) error = %v, want %s [line %d, %s]", v.input, err, v.want, v.line, v.src)
			}
			if got.URI != v.want {
				t.Errorf("Decode(%q).URI = %q, want %q [line %d, %s]", v.input, got.URI, v.want, v.line, v.src)
			}
		})
	}
}

func TestDecodeVectorsRawURI(t *testing.T) {
	// The 0xE2 row asks that such a code be kept as its raw URI; the error must carry it.
	_, err := Decode("E28011606000020528F904FA")
	want := "urn:epc:raw:96.xE28011606000020528F904FA"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Decode(E280…) error = %v, want it to name %s", err, want)
	}
	if got := RawURI("e28011606000020528f904fa"); got != want {
		t.Errorf("RawURI(e280…) = %q, want %q", got, want)
	}
}

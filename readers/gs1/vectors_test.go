package gs1

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

const vectorsDir = "../testdata/vectors"

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
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 {
			tb.Fatalf("%s:%d: want at least 2 tab-separated columns, got %q", name, n, sc.Text())
		}
		r := vectorRow{line: n, input: strings.ReplaceAll(cols[0], `\x1D`, "\x1D"), want: cols[1]}
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

// orderedJSON decodes a flat JSON object of strings keeping its key order.
func orderedJSON(tb testing.TB, s string) Elements {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("expected JSON object, got %q: %v", s, err)
	}
	var out Elements
	for dec.More() {
		k, err1 := dec.Token()
		v, err2 := dec.Token()
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			tb.Fatalf("expected flat object of strings, got %q", s)
		}
		out = append(out, Element{AI: ks, Value: vs})
	}
	return out
}

func TestParseVectors(t *testing.T) {
	for _, v := range readVectors(t, "gs1_vectors.tsv") {
		name := strings.ReplaceAll(v.input, "\x1D", "<GS>")
		t.Run(name, func(t *testing.T) {
			got, err := Parse(v.input)
			if reason, ok := strings.CutPrefix(v.want, "ERROR:"); ok {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want an error (%s) [line %d, %s]", v.input, got, reason, v.line, v.src)
				}
				var ge *Error
				var de *domain.Error
				if !errors.As(err, &ge) || !errors.As(err, &de) || de.Code != domain.EINVALID {
					t.Errorf("Parse(%q) error = %v (%T), want a *gs1.Error wrapping a domain EINVALID", v.input, err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want %s [line %d, %s]", v.input, err, v.want, v.line, v.src)
			}
			if want := orderedJSON(t, v.want); !slices.Equal(got, want) {
				t.Errorf("Parse(%q) = %v, want %v [line %d, %s]", v.input, got, want, v.line, v.src)
			}
		})
	}
}

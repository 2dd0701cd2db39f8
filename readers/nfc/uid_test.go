package nfc

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
		if n == 1 {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 {
			continue // a blank line
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

func TestNormalizeVectors(t *testing.T) {
	for _, v := range readVectors(t, "nfc_uid_vectors.tsv") {
		name := v.input
		if name == "" {
			name = "(empty)"
		}
		t.Run(name, func(t *testing.T) {
			got, err := Normalize(v.input)
			if reason, ok := strings.CutPrefix(v.want, "ERROR:"); ok {
				if err == nil {
					t.Fatalf("Normalize(%q) = %q, want an error (%s) [line %d, %s]", v.input, got, reason, v.line, v.src)
				}
				var de *domain.Error
				if !errors.As(err, &de) || de.Code != domain.EINVALID {
					t.Errorf("Normalize(%q) error = %v, want a *domain.Error with code %q", v.input, err, domain.EINVALID)
				}
				return
			}
			if err != nil || got != v.want {
				t.Errorf("Normalize(%q) = %q, %v, want %q [line %d, %s]", v.input, got, err, v.want, v.line, v.src)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, hex string
		kind    Kind
	}{
		{"04:E1:41:12:4C:28:80", "04E141124C2880", Double},
		{"04-e1-41-12-4c-28-80", "04E141124C2880", Double},
		{"04.E1.41.12.4C.28.80", "04E141124C2880", Double},
		{"0x04E141124C2880", "04E141124C2880", Double},
		{"0X04e141124c2880", "04E141124C2880", Double},
		{"0x04 0xE1 0x41 0x12 0x4C 0x28 0x80", "04E141124C2880", Double},
		{"4:e1:41:12:4c:28:80", "04E141124C2880", Double},
		{"  04e14112  ", "04E14112", Single},
		{"04E1 4112", "04E14112", Single},
		{"DEADBEEF", "DEADBEEF", Single},
		{"04112233445566778899", "04112233445566778899", Triple},
		{"e0:04:01:00:12:34:56:78", "E004010012345678", Vicinity},
		{"80E14112", "80E14112", Single},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil || got.Hex != tt.hex || got.Kind != tt.kind {
				t.Errorf("Parse(%q) = %+v, %v, want {%s %s}", tt.in, got, err, tt.hex, tt.kind)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrEmpty},
		{"blanks", "   ", ErrEmpty},
		{"separators only", ":::", ErrNotHex},
		{"not hex", "04:E1:4G:12", ErrNotHex},
		{"odd digits unseparated", "04E1411", ErrNotHex},
		{"odd group", "04E:14112", ErrNotHex},
		{"bare 0x", "0x", ErrNotHex},
		{"decimal is not guessed", "1234567890123", ErrNotHex},
		{"5 bytes", "0411223344", ErrLength},
		{"8 bytes not E0", "0401001234567812", ErrLength},
		{"16 bytes", "04112233445566778899AABBCCDDEEFF", ErrLength},
		{"random ID", "08A1B2C3", ErrRandomID},
		{"random ID separated lower case", "08:a1:b2:c3", ErrRandomID},
		{"all zeros", "00000000", ErrNoID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %+v, %v, want errors.Is(%v)", tt.in, got, err, tt.want)
			}
			if got != (UID{}) {
				t.Errorf("Parse(%q) returned %+v alongside an error", tt.in, got)
			}
		})
	}
}

func TestRandomIDMessageSaysWhy(t *testing.T) {
	_, err := Normalize("08A1B2C3")
	if err == nil || !strings.Contains(err.Error(), "random") {
		t.Errorf("Normalize(08A1B2C3) error = %v, want a reason mentioning a random ID", err)
	}
	// 7-byte UIDs starting 08 are ordinary manufacturer-coded UIDs.
	if got, err := Normalize("08112233445566"); err != nil || got != "08112233445566" {
		t.Errorf("Normalize(08112233445566) = %q, %v, want it accepted", got, err)
	}
}

// Package readers_test checks that the decoding vectors kept in the repository are the
// published ones in the project's shared folder.
package readers_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVectorsMatchShared compares readers/testdata/vectors, which the decoders' tests read so
// that a clone of the repository alone can run them, with ../shared/testdata/vectors, the
// published vectors, wherever that folder sits beside the repository (as in CI).
func TestVectorsMatchShared(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "testdata", "vectors")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no shared vectors at %s to compare with (a clone without the project's shared folder); the in-repo copy is used", shared)
	}
	files, err := filepath.Glob(filepath.Join(shared, "*.tsv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files in %s: %v", shared, err)
	}
	for _, f := range files {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("testdata", "vectors", filepath.Base(f)))
		if err != nil {
			t.Errorf("%s is published but has no copy in readers/testdata/vectors: %v", filepath.Base(f), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("readers/testdata/vectors/%s differs from the published %s: copy it again", filepath.Base(f), f)
		}
	}
}

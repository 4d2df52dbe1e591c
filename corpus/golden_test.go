package corpus

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares got with testdata file name, or rewrites the file
// when -update is set.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("cleaned text differs from %s (run go test -update and review the diff):\ngot:\n%s", path, got)
	}
}

// TestCleanGolden renders invented scraped pages and the shipped corpus as
// cleaned text and compares them with golden files, so a reviewer can read
// exactly what the cleaning keeps.
func TestCleanGolden(t *testing.T) {
	tests := []struct {
		fsys   fs.FS
		golden string // directory under testdata
	}{
		{os.DirFS("testdata/clean"), "clean"},
		{Default(), "shipped"},
	}
	for _, tt := range tests {
		names, err := fs.Glob(tt.fsys, "*.*")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, ".golden") {
				continue
			}
			t.Run(name, func(t *testing.T) {
				data, err := fs.ReadFile(tt.fsys, name)
				if err != nil {
					t.Fatal(err)
				}
				doc, err := Parse(name, data)
				if err != nil {
					t.Fatalf("Parse(%q) error: %v", name, err)
				}
				checkGolden(t, filepath.Join(tt.golden, name+".golden"), doc.String())
			})
		}
	}
}

package corpus

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/internal/golden"
)

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
				golden.Check(t, filepath.Join(tt.golden, name+".golden"), doc.String())
			})
		}
	}
}

package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that what it returns is
// consistent, whatever the bytes and whichever format the name picks.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/clean/*.*")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".golden" {
			f.Add(uint8(0), data)
			f.Add(uint8(1), data)
			f.Add(uint8(2), data)
		}
	}
	f.Add(uint8(0), []byte("Q: why?\nA: because.\nQ: how?\n"))
	f.Add(uint8(1), []byte("---\ntitle: x\n---\n# h\n```\ncode"))
	f.Add(uint8(2), []byte("<h3 id=x>Q?</h3><pre>a\n\tb</pre><table><tr><td>"))
	f.Add(uint8(0), []byte("\xff\xfe\x00\x00"))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		id := []string{"f.txt", "f.md", "f.html"}[int(kind)%3]
		doc, err := Parse(id, data)
		if err != nil {
			return
		}
		if len(doc.Sections) == 0 {
			t.Fatal("no error and no sections")
		}
		for _, c := range Split(doc, DefaultSplitOptions()) {
			if runeLen(c.Text) > DefaultSplitOptions().Max {
				t.Fatalf("chunk of %d characters", runeLen(c.Text))
			}
		}
	})
}

package corpus

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzSplit checks the splitter on whatever the cleaner makes of arbitrary
// bytes, with arbitrary sizes: it never panics, no passage exceeds Max,
// IDs are unique and positions count from 0, and every word of a passage
// comes from the document (nothing is invented, nothing leaks across
// documents). Seeds: testdata/fuzz/FuzzSplit and the cleaning goldens'
// inputs; run it longer with
//
//	go test ./corpus -run '^$' -fuzz '^FuzzSplit$' -fuzztime 90s
func FuzzSplit(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/clean/*.*")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil && filepath.Ext(p) != ".golden" {
			f.Add(uint8(0), data, 800, 1600, 150)
			f.Add(uint8(1), data, 40, 60, 30)
		}
	}
	f.Add(uint8(0), []byte("Q: why?\nA: "+strings.Repeat("because it is so. ", 200)), 100, 150, 40)
	f.Add(uint8(1), []byte("# T\n\n"+strings.Repeat("x", 5000)), 50, 80, 20)
	f.Add(uint8(2), []byte("<p>"+strings.Repeat("日本語の文。", 300)+"</p>"), 30, 45, 10)
	f.Add(uint8(1), []byte("```\n"+strings.Repeat("line\n", 400)+"```"), 20, 0, -5)
	f.Fuzz(func(t *testing.T, kind uint8, data []byte, target, max, overlap int) {
		if len(data) > 16<<10 {
			return
		}
		// Sizes from tiny to the defaults; normalized() handles the rest,
		// including zero and negative values.
		target, max, overlap = clampSize(target), clampSize(max), clampSize(overlap)
		id := []string{"f.txt", "f.md", "f.html"}[int(kind)%3]
		doc, err := Parse(id, data)
		if err != nil {
			return
		}
		opt := SplitOptions{Target: target, Max: max, Overlap: overlap}
		limit := opt.normalized().Max
		chunks := Split(doc, opt)
		if len(chunks) == 0 {
			t.Fatal("a parsed document gave no passages")
		}
		text := docWords(doc)
		words := map[string]bool{}
		for _, w := range strings.Fields(text) {
			words[w] = true
		}
		seen := map[string]bool{}
		for i, c := range chunks {
			if n := runeLen(c.Text); n > limit {
				t.Fatalf("passage %d has %d characters, over Max %d", i, n, limit)
			}
			if strings.TrimSpace(c.Text) == "" {
				t.Fatalf("passage %d is blank", i)
			}
			if seen[c.ID] {
				t.Fatalf("passage ID %q repeated", c.ID)
			}
			seen[c.ID] = true
			if c.Pos != i || c.DocID != id || c.ID != id+"#"+strconv.Itoa(i) || c.Hash == "" {
				t.Fatalf("passage %d: ID %q DocID %q Pos %d Hash %q", i, c.ID, c.DocID, c.Pos, c.Hash)
			}
			for _, w := range strings.Fields(c.Text) {
				if !words[w] && !strings.Contains(text, w) {
					t.Fatalf("passage %d holds %q, which is not in the document", i, w)
				}
			}
		}
	})
}

// clampSize keeps fuzzed sizes in a range that exercises the splitter
// (zero and negative included: normalized fills them in) without making
// one input take seconds: a Target of 1 on 64 KB is 64,000 passages.
func clampSize(n int) int {
	n %= 2000
	if n > 0 && n < 20 {
		n += 20
	}
	return n
}

// docWords is the text of a document's sections, which every passage
// word must come from (a word may be cut by hard wrapping, so it is
// looked up as a substring).
func docWords(d Document) string {
	var b strings.Builder
	for _, s := range d.Sections {
		for _, p := range s.Paragraphs {
			b.WriteString(p)
			b.WriteString("\n")
		}
	}
	return b.String()
}

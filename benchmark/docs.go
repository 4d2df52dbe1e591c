package benchmark

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// The user-path corpora are Markdown documents on disk, written the way a
// docs site or a long FAQ is: a title, then sections under headings, each
// a few paragraphs of sentences drawn from the synthetic vocabulary (see
// synth.go). A document of sectionsPerDoc sections gives about 15
// passages at the default split. One document in dupEvery is a planted
// near-duplicate: an abridged copy (every other section) of an earlier
// one under the same title, which near-duplicate detection must find;
// the rest share a vocabulary and a template but no text, which it must
// not pair.
const (
	sectionsPerDoc = 12
	parasPerSec    = 2
	paraChars      = 420 // median paragraph length, before the log-normal spread
	dupEvery       = 200
)

// DocCorpus describes a written corpus.
type DocCorpus struct {
	// Dir is the folder; Docs the number of documents and Bytes their
	// total size.
	Dir   string
	Docs  int
	Bytes int64
	// Planted lists the near-duplicate pairs written on purpose, as
	// "copy.md ~ original.md".
	Planted []string
	// Questions are questions about the documents, phrased from their
	// text, and Sources the document each one comes from.
	Questions []string
	Sources   []string
}

// docName names document i.
func docName(i int) string { return fmt.Sprintf("doc-%06d.md", i) }

// WriteDocs writes n generated documents into dir (created if needed) and
// returns what it wrote. The same n and seed always write the same files.
func WriteDocs(dir string, n int, seed uint64) (DocCorpus, error) {
	out := DocCorpus{Dir: dir, Docs: n}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, fmt.Errorf("writing documents: %w", err)
	}
	g := newGenerator(seed)
	var sections [][]string // of the documents written, for planting copies
	var titles []string
	for i := range n {
		var title string
		var secs []string
		if i > 0 && i%dupEvery == 0 {
			orig := g.r.IntN(i)
			title = titles[orig]
			for k, s := range sections[orig] {
				if k%2 == 0 {
					secs = append(secs, s)
				}
			}
			out.Planted = append(out.Planted, docName(i)+" ~ "+docName(orig))
		} else {
			title = "Guide to " + g.word() + " " + g.word() + " and " + g.word()
			for range sectionsPerDoc {
				var b strings.Builder
				b.WriteString("## " + strings.TrimSuffix(g.title(), "?") + "?\n\n")
				for range parasPerSec {
					b.WriteString(g.text(g.paraLen()) + "\n\n")
				}
				secs = append(secs, b.String())
			}
		}
		titles = append(titles, title)
		sections = append(sections, secs)
		body := "# " + title + "\n\n" + strings.Join(secs, "")
		if err := os.WriteFile(filepath.Join(dir, docName(i)), []byte(body), 0o644); err != nil {
			return out, fmt.Errorf("writing documents: %w", err)
		}
		out.Bytes += int64(len(body))
	}
	// Questions quote a few consecutive words of a paragraph, as a member
	// paraphrasing a page would.
	for q := range 40 {
		i := (q*7919 + 13) % n
		secs := sections[i]
		sec := secs[g.r.IntN(len(secs))]
		_, paras, _ := strings.Cut(sec, "\n\n")
		w := strings.Fields(strings.NewReplacer(".", "", ",", "").Replace(paras))
		k := min(4+g.r.IntN(3), len(w))
		at := g.r.IntN(len(w) - k + 1)
		out.Questions = append(out.Questions, "how does "+strings.ToLower(strings.Join(w[at:at+k], " "))+" work?")
		out.Sources = append(out.Sources, docName(i))
	}
	return out, nil
}

// paraLen draws a paragraph length around paraChars.
func (g *generator) paraLen() int {
	return max(120, min(900, int(float64(paraChars)*(0.6+0.8*g.r.Float64()))))
}

// newPage returns a new document for a corpus of n, about words no other
// document uses, and a question only it answers.
func newPage(n int, seed uint64) (name, body, question string) {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	word := func() string {
		var b strings.Builder
		for range 3 {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		return b.String() + "x"
	}
	a, b, c := word(), word(), word()
	name = fmt.Sprintf("added-%06d.md", n)
	body = fmt.Sprintf("# Added page about %s\n\n## How do I reset the %s %s?\n\nHold the %s button for ten seconds, then enter the %s code printed under the %s lid. The light blinks twice when the reset worked.\n",
		a, b, c, b, c, a)
	question = fmt.Sprintf("how do I reset my %s %s?", b, c)
	return name, body, question
}

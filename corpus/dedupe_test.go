package corpus

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDuplicateSimilarities logs the similarity matrix of the shipped
// documents (the evidence behind the thresholds in dedupe.go) and checks
// that the translation pair 001/003 is the only pair the rules accept.
func TestDuplicateSimilarities(t *testing.T) {
	docs, _, err := LoadFS(context.Background(), Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := newAnalyser()
	var das []*docAnalysis
	for _, d := range docs {
		das = append(das, a.analyse(DocText{ID: d.ID, Title: d.Title, Chunks: Split(d, DefaultSplitOptions())}))
	}
	t.Log("terms Jaccard/containment, word pairs containment:")
	for i := range das {
		var b strings.Builder
		for j := range das {
			ts := compare(das[i].sets.terms, das[j].sets.terms)
			wp := compare(das[i].sets.bigrams, das[j].sets.bigrams)
			fmt.Fprintf(&b, "  %.2f/%.2f %.2f", ts.Jaccard, ts.Containment, wp.Containment)
			isPair := strings.HasPrefix(docs[i].ID, "001") && strings.HasPrefix(docs[j].ID, "003") ||
				strings.HasPrefix(docs[i].ID, "003") && strings.HasPrefix(docs[j].ID, "001")
			_, match := docsMatch(das[i], das[j])
			if i != j && match != isPair {
				t.Errorf("%s ~ %s: %.2f/%.2f %.2f, pair %v", docs[i].ID, docs[j].ID, ts.Jaccard, ts.Containment, wp.Containment, isPair)
			}
		}
		t.Logf("%s (%3d terms)%s", docs[i].ID[:3], len(das[i].sets.terms), b.String())
	}
}

func TestFindDuplicatesShipped(t *testing.T) {
	set, err := Build(context.Background(), Default(), nil, DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := set.Duplicates
	t.Log(r)
	if len(r.Documents) != 1 {
		t.Fatalf("got %d document pairs, want 1: %v", len(r.Documents), r)
	}
	p := r.Documents[0]
	if p.A != "001_3a04cc96b03d8b02.txt" || p.B != "003_6eff58b343190368.txt" {
		t.Errorf("pair = %s ~ %s, want 001 ~ 003", p.A, p.B)
	}
	marked := 0
	for _, c := range set.Chunks {
		if c.DupOf == "" {
			continue
		}
		marked++
		if c.DocID != p.B || !strings.HasPrefix(c.DupOf, p.A+"#") {
			t.Errorf("%s marked as a copy of %s", c.ID, c.DupOf)
		}
	}
	if marked != r.Passages || p.Passages != marked || marked < 3 {
		t.Errorf("%d passages marked, report says %d (pair %d); want at least 3 of 003's passages", marked, r.Passages, p.Passages)
	}
	// The first passage of each is the same lead paragraph, reworded.
	for _, c := range set.Chunks {
		if c.ID == "003_6eff58b343190368.txt#0" && c.DupOf != "001_3a04cc96b03d8b02.txt#0" {
			t.Errorf("003#0 DupOf = %q, want 001#0", c.DupOf)
		}
	}
}

func TestFindDuplicatesRules(t *testing.T) {
	story := "The harbour bridge in Port Alder reopened to traffic on Saturday after a two-year repair programme that replaced forty per cent of its steel deck, the council said. Officials said the work cost eighty-two million euros."
	other := "A new library opens in the old railway station next spring, with a children's floor, a maker space and a rooftop reading garden funded by local donors."
	doc := func(id string, paras ...string) Document {
		return Document{ID: id, Title: id, Sections: []Section{{Paragraphs: paras}}}
	}
	// Two short pages of one template, each about its own command, and
	// the first again under its own title.
	page := func(id, title, name, algo string) Document {
		return Document{ID: id, Title: title, Sections: []Section{{Paragraphs: []string{
			"Calculate " + algo + " cryptographic checksums.",
			"Calculate the " + algo + " checksum for one or more files: " + name + " path/to/file1 path/to/file2",
			"Calculate and save the list of " + algo + " checksums to a file: " + name + " path/to/file1 path/to/file2 > path/to/file." + algo,
			"Read a file of " + algo + " checksums and filenames and verify all files have matching checksums: " + name + " --check path/to/file." + algo,
			"Only show a message for missing files or when verification fails: " + name + " --check --quiet path/to/file." + algo,
		}}}}
	}
	// Two pages of one text with the command's name swapped (the tldr
	// pages of Graphviz's layout engines).
	layout := func(id, name string) Document {
		return Document{ID: id, Title: name, Sections: []Section{{Paragraphs: []string{
			"Render an image of a network graph from a graphviz file. Layouts: dot, neato, twopi, circo, fdp, sfdp, osage and patchwork.",
			"Render a PNG image with a filename based on the input filename and output format (uppercase -O): " + name + " -T png -O path/to/input.gv",
			"Render a SVG image with the specified output filename (lowercase -o): " + name + " -T svg -o path/to/image.svg path/to/input.gv",
			"Render the output in PS, PDF, SVG, Fig, PNG, GIF, JPEG, JSON, or DOT format: " + name + " -T format -O path/to/input.gv",
			"Render a GIF image using stdin and stdout: echo digraph this that | " + name + " -T gif > path/to/image.gif",
		}}}}
	}
	// A long document and its abridged copy: every other paragraph.
	long := syntheticCorpus(1, 12)[0]
	long.ID, long.Title = "full.txt", "Harbour report"
	abridged := long
	abridged.ID, abridged.Sections = "short.txt", []Section{{}}
	for i, p := range long.Sections[0].Paragraphs {
		if i%2 == 0 {
			abridged.Sections[0].Paragraphs = append(abridged.Sections[0].Paragraphs, p)
		}
	}
	// Reports that share a vocabulary and a template but not a text.
	reports := reportCorpus(60)
	tests := []struct {
		name  string
		docs  []Document
		dupOf map[string]string // chunk ID -> DupOf
		pairs int
	}{
		{"exact copy across documents", []Document{doc("b.txt", story), doc("a.txt", story)}, map[string]string{"b.txt#0": "a.txt#0"}, 1},
		{"unrelated", []Document{doc("a.txt", story), doc("b.txt", other)}, map[string]string{}, 0},
		{"chain points at the first copy", []Document{doc("a.txt", story), doc("b.txt", story), doc("c.txt", story)},
			map[string]string{"b.txt#0": "a.txt#0", "c.txt#0": "a.txt#0"}, 3},
		{"tiny passages are never marked", []Document{doc("a.txt", "Yes."), doc("b.txt", "Yes.")}, map[string]string{}, 0},
		{"one template, two commands", []Document{page("a.md", "sha1sum", "sha1sum", "SHA1"), page("b.md", "sha256sum", "sha256sum", "SHA256")}, map[string]string{}, 0},
		{"one text, two commands", []Document{layout("dot.md", "dot"), layout("sfdp.md", "sfdp")}, map[string]string{}, 0},
		{"one short page twice", []Document{page("a.md", "sha1sum", "sha1sum", "SHA1"), page("b.md", "sha1sum", "sha1sum", "SHA1")}, map[string]string{"b.md#0": "a.md#0"}, 1},
		{"abridged copy", []Document{long, abridged}, nil, 1},
		{"a vocabulary and a template shared", reports, map[string]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := DefaultSplitOptions()
			chunks := SplitAll(tt.docs, opt)
			chunks[0].DupOf = "stale" // FindDuplicates resets old marks
			r := FindDuplicates(tt.docs, chunks)
			got := map[string]string{}
			for _, c := range chunks {
				if c.DupOf != "" {
					got[c.ID] = c.DupOf
				}
			}
			if tt.dupOf != nil && fmt.Sprint(got) != fmt.Sprint(tt.dupOf) {
				t.Errorf("DupOf = %v, want %v", got, tt.dupOf)
			}
			if len(r.Documents) != tt.pairs || r.Passages != len(got) || tt.dupOf != nil && r.Passages != len(tt.dupOf) {
				t.Errorf("report = %v, want %d pairs, %d passages", r, tt.pairs, len(tt.dupOf))
			}
		})
	}
}

// reportCorpus generates n reports written from one vocabulary of 2,000
// words on one template: the same headings, the same closing line, the
// same few words in every title. They share their words, never a text.
func reportCorpus(n int) []Document {
	r := rand.New(rand.NewPCG(7, 8))
	vocab := make([]string, 2000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("term%c%c%d", 'a'+rune(i%7), 'k'+rune(i%5), i)
	}
	zipf := rand.NewZipf(r, 1.1, 3, uint64(len(vocab)-1))
	para := func() string {
		var b strings.Builder
		for range 3 + r.IntN(3) {
			b.WriteString("The team")
			for range 8 + r.IntN(10) {
				b.WriteString(" " + vocab[zipf.Uint64()])
			}
			b.WriteString(". ")
		}
		return strings.TrimSpace(b.String())
	}
	docs := make([]Document, n)
	for i := range docs {
		var secs []Section
		for _, h := range []string{"Summary", "Findings", "Next steps"} {
			secs = append(secs, Section{Heading: h, Paragraphs: []string{para(), para()}})
		}
		secs = append(secs, Section{Heading: "About", Paragraphs: []string{"This report was prepared by the operations team for the quarterly review."}})
		docs[i] = Document{ID: fmt.Sprintf("report-%03d.md", i), Title: "Quarterly operations report " + vocab[zipf.Uint64()], Sections: secs}
	}
	return docs
}

// TestFindDuplicatesScale checks that near-duplicate search stays fast on
// a large corpus; BenchmarkFindDuplicates measures it.
func TestFindDuplicatesScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large corpus")
	}
	docs := syntheticCorpus(2000, 10)
	chunks := SplitAll(docs, DefaultSplitOptions())
	r := FindDuplicates(docs, chunks)
	t.Logf("%d documents, %d passages: %v", len(docs), len(chunks), r.String()[:60])
	if len(r.Documents) != 20 {
		t.Errorf("got %d document pairs, want the 20 planted copies", len(r.Documents))
	}
}

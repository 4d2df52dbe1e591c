package corpus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

// article builds a document of n paragraphs of about size characters.
func article(id string, n, size int) Document {
	var paras []string
	for i := range n {
		var b strings.Builder
		for s := 0; b.Len() < size; s++ {
			fmt.Fprintf(&b, "Paragraph %d sentence %d talks about topic %d in some detail. ", i, s, (i*7+s)%13)
		}
		paras = append(paras, strings.TrimSpace(b.String()))
	}
	return Document{ID: id, Title: "Doc " + id, Sections: []Section{{Paragraphs: paras}}}
}

func TestSplitSizes(t *testing.T) {
	opt := DefaultSplitOptions()
	long := strings.Repeat("This sentence is part of one very long paragraph. ", 100) // 5,000 characters
	nospace := strings.Repeat("x", 4000)
	tests := []struct {
		name string
		doc  Document
	}{
		{"short paragraphs", article("a", 20, 150)},
		{"target-size paragraphs", article("b", 8, 700)},
		{"overlong paragraph", Document{ID: "c", Title: "C", Sections: []Section{{Paragraphs: []string{"Intro.", long, "Outro."}}}}},
		{"no spaces", Document{ID: "d", Title: "D", Sections: []Section{{Paragraphs: []string{nospace}}}}},
		{"two sections", Document{ID: "e", Title: "E", Sections: []Section{
			{Heading: "One", Paragraphs: article("x", 3, 400).Sections[0].Paragraphs},
			{Heading: "Two", Paragraphs: article("y", 3, 400).Sections[0].Paragraphs},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := Split(tt.doc, opt)
			if len(chunks) == 0 {
				t.Fatal("no chunks")
			}
			ids := map[string]bool{}
			for i, c := range chunks {
				if n := runeLen(c.Text); n > opt.Max {
					t.Errorf("chunk %d has %d characters, over the max %d", i, n, opt.Max)
				}
				if c.Pos != i || c.ID != fmt.Sprintf("%s#%d", tt.doc.ID, i) || c.DocID != tt.doc.ID {
					t.Errorf("chunk %d: ID %q Pos %d DocID %q", i, c.ID, c.Pos, c.DocID)
				}
				if ids[c.ID] {
					t.Errorf("duplicate chunk ID %q", c.ID)
				}
				ids[c.ID] = true
				sum := sha256.Sum256([]byte(c.Title + "\n" + c.Text))
				if c.Hash != hex.EncodeToString(sum[:]) {
					t.Errorf("chunk %d hash is not sha256(Title+\"\\n\"+Text)", i)
				}
			}
			// Every word of the document is in some chunk, in order.
			var all strings.Builder
			for _, c := range chunks {
				all.WriteString(c.Text + " ")
			}
			for _, s := range tt.doc.Sections {
				for _, p := range s.Paragraphs {
					for _, sent := range sentences(p) {
						if len(sent) < 200 && !strings.Contains(all.String(), sent) {
							t.Errorf("sentence lost: %.60q", sent)
						}
					}
				}
			}
		})
	}
}

func TestSplitPacking(t *testing.T) {
	opt := DefaultSplitOptions()
	doc := article("a", 20, 150)
	chunks := Split(doc, opt)
	for i, c := range chunks[:len(chunks)-1] {
		if n := runeLen(c.Text); n < opt.Target/2 {
			t.Errorf("chunk %d has only %d characters", i, n)
		}
	}
	// Overlap: each passage after the first starts with the end of the one
	// before (here a whole short paragraph).
	for i := 1; i < len(chunks); i++ {
		first, _, _ := strings.Cut(chunks[i].Text, "\n\n")
		if !strings.HasSuffix(chunks[i-1].Text, first) {
			t.Errorf("chunk %d does not start with the end of chunk %d: %.50q", i, i-1, first)
		}
	}
	// No overlap across sections.
	two := Document{ID: "e", Title: "E", Sections: []Section{
		{Heading: "One", Paragraphs: []string{"Alpha section text."}},
		{Heading: "Two", Paragraphs: []string{"Beta section text."}},
	}}
	got := Split(two, opt)
	if len(got) != 2 || got[1].Text != "Beta section text." || got[0].Title != "One" || got[1].Title != "Two" {
		t.Errorf("sections: got %+v", got)
	}
	// Overlap off.
	opt.Overlap = 0
	for i, c := range Split(doc, opt)[1:] {
		if strings.HasPrefix(c.Text, chunks[i].Text[len(chunks[i].Text)-20:]) {
			t.Errorf("overlap with Overlap 0 in chunk %d", i+1)
		}
	}
}

func TestSplitFAQ(t *testing.T) {
	opt := DefaultSplitOptions()
	longAnswer := article("x", 6, 600).Sections[0].Paragraphs
	doc := Document{ID: "faq.md", Title: "FAQ", URL: "https://ex.example/faq", Sections: []Section{
		{Paragraphs: []string{"Intro."}},
		{Question: "Short?", Paragraphs: []string{"Yes.", "Really."}, URL: "https://ex.example/faq#short"},
		{Question: "Mid-size?", Paragraphs: article("y", 2, 600).Sections[0].Paragraphs},
		{Question: "Long?", Paragraphs: longAnswer},
	}}
	chunks := Split(doc, opt)
	var titles []string
	for _, c := range chunks {
		titles = append(titles, c.Title)
	}
	want := "FAQ|Short?|Mid-size?|Long?|Long?|Long?"
	if got := strings.Join(titles, "|"); !strings.HasPrefix(got, "FAQ|Short?|Mid-size?|Long?|Long?") || strings.Count(got, "Mid-size?") != 1 {
		t.Errorf("titles = %s, want like %s", got, want)
	}
	if chunks[1].Text != "Yes.\n\nReally." || chunks[1].URL != "https://ex.example/faq#short" {
		t.Errorf("short entry chunk = %q url %q", chunks[1].Text, chunks[1].URL)
	}
	if chunks[0].URL != doc.URL {
		t.Errorf("intro URL = %q, want the document's", chunks[0].URL)
	}
}

// TestChromeNotInChunks checks that nothing the cleaning removes from the
// shipped corpus reaches a passage or a title.
func TestChromeNotInChunks(t *testing.T) {
	set, err := Build(context.Background(), Default(), nil, DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	banned := []string{"See also", "Back to top", "Introvert", "ago", "contributed reporting",
		"alternate addresses", "Photo by", "Related Articles", "Leave a Reply", "email address",
		"SHARE THIS", "presstv.co.uk", "Queenie Bell", "story was updated", "broken and updated",
		"News / Foreign", "Politics\n", "Roku", "Hawai", "Establishing a Civilian Hotline", "Riccardo",
		"Winning as a kid", "William Barr"}
	for _, c := range set.Chunks {
		for _, b := range banned {
			if strings.Contains(c.Text, b) || strings.Contains(c.Title, b) || strings.Contains(c.DocTitle, b) {
				t.Errorf("chunk %s contains %q", c.ID, b)
			}
		}
	}
	for _, dir := range []string{"testdata/clean"} {
		set, err := Build(context.Background(), os.DirFS(dir), nil, DefaultSplitOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range set.Chunks {
			for _, b := range []string{"Share", "ago", "Read more", "Read also", "See also", "Related", "Getty",
				"Photo", "Maren Holt", "Leave a comment", "cookies", "Docs", "Comments", "Great article",
				"password", "rights reserved", "contributed reporting", "will be updated", "Trending", "min read"} {
				if strings.Contains(c.Text, b) || strings.Contains(c.Title, b) {
					t.Errorf("chunk %s contains %q", c.ID, b)
				}
			}
		}
	}
}

// TestSplitKeepsCodeFenced checks that code longer than a passage is cut
// between lines with every piece fenced, and that no passage starts with
// the tail of a code block repeated as overlap.
func TestSplitKeepsCodeFenced(t *testing.T) {
	var code []string
	for i := range 120 {
		code = append(code, fmt.Sprintf("    step_%03d = run(step_%03d)  # keep going", i, i-1))
	}
	src := "# Setup\n\nRun this script:\n\n```python\n" + strings.Join(code, "\n") + "\n```\n\nThe script takes a minute to finish on most laptops.\n"
	doc, err := Parse("setup.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	chunks := Split(doc, DefaultSplitOptions())
	if len(chunks) < 3 {
		t.Fatalf("got %d passages, want the code cut into several", len(chunks))
	}
	for _, c := range chunks {
		if n := strings.Count(c.Text, "```"); n%2 != 0 {
			t.Errorf("passage %s has %d fences:\n%s", c.ID, n, c.Text)
		}
		if strings.HasPrefix(c.Text, "    step_") {
			t.Errorf("passage %s starts inside code:\n%s", c.ID, c.Text)
		}
	}
}

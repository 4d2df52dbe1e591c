package corpus

import (
	"strings"
	"testing"
)

// TestMDXEdgeCases checks the MDX rules a docs site relies on, case by
// case: what must vanish and what must survive.
func TestMDXEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		want      []string // substrings of the cleaned document
		wantNot   []string
		wantTitle string
	}{
		{
			name:    "multi-line export and import are dropped",
			src:     "# T\n\nimport {\n  A,\n  B,\n} from \"x\";\nexport const C = () => {\n  return <div>Hidden words</div>;\n};\n\nVisible text here.\n",
			want:    []string{"Visible text here."},
			wantNot: []string{"Hidden", "import", "export", "from"},
		},
		{
			name:    "a tag inside a code span is code",
			src:     "# T\n\nAdd `<Note>` to a page to show a note.\n",
			want:    []string{"Add `<Note>` to a page to show a note."},
			wantNot: nil,
		},
		{
			name: "a stray angle bracket is text",
			src:  "# T\n\nIt takes <5 minutes when a < b.\n",
			want: []string{"It takes <5 minutes when a < b."},
		},
		{
			name:    "media and self-closing components are dropped",
			src:     "# T\n\n<video src=\"a.mp4\">\n  Your browser cannot play this.\n</video>\n\n<Snippet file=\"x.mdx\" />\n\nText stays.\n",
			want:    []string{"Text stays."},
			wantNot: []string{"browser", "Snippet"},
		},
		{
			name:      "an HTML heading in JSX is a heading",
			src:       "<div className=\"hero\">\n  <h1 className=\"big\">\n    Welcome aboard\n  </h1>\n  <p>Start with the quickstart guide for your first week.</p>\n</div>\n",
			wantTitle: "Welcome aboard",
			want:      []string{"Start with the quickstart guide for your first week."},
		},
		{
			name:    "an unclosed export does not swallow the page",
			src:     "# T\n\nexport const broken = (\n\nText after a blank line survives.\n",
			want:    []string{"Text after a blank line survives."},
			wantNot: []string{"broken"},
		},
		{
			name:    "JSX comments go",
			src:     "# T\n\n{/* a\n   comment */}\nKept.\n",
			want:    []string{"Kept."},
			wantNot: []string{"comment"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("page.mdx", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := doc.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("cleaned document lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("cleaned document keeps %q:\n%s", w, got)
				}
			}
			if tt.wantTitle != "" && doc.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", doc.Title, tt.wantTitle)
			}
		})
	}
}

// TestTableRowsArePassagesWithColumnNames checks that a fact held in a
// table cell comes out in a passage beside the names of its columns, in
// every format that has tables.
func TestTableRowsArePassagesWithColumnNames(t *testing.T) {
	tests := []struct {
		name, src string
	}{
		{"limits.md", "# Limits\n\n| Field | Limit |\n|---|---|\n| Message content | 6000 characters |\n| Embed title | 256 characters |\n"},
		{"limits.mdx", "# Limits\n\n<Note>Read this.</Note>\n\n| Field | Limit |\n| :-- | --: |\n| Message content | 6000 characters |\n"},
		{"limits.html", "<h1>Limits</h1><table><tr><th>Field</th><th>Limit</th></tr><tr><td>Message content</td><td>6000 characters</td></tr></table>"},
		{"limits.rst", "Limits\n======\n\n===============  ===============\nField            Limit\n===============  ===============\nMessage content  6000 characters\n===============  ===============\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse(tt.name, []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			const want = "- Field: Message content; Limit: 6000 characters"
			found := false
			for _, c := range Split(doc, DefaultSplitOptions()) {
				for _, line := range strings.Split(c.Text, "\n") {
					found = found || line == want
				}
			}
			if !found {
				t.Errorf("no passage line %q in:\n%s", want, doc)
			}
		})
	}
}

// TestTextWithoutFrontMatter: a plain text file that starts with a line
// of dashes but says nothing front matter says keeps all its text.
func TestTextWithoutFrontMatter(t *testing.T) {
	src := "---\nNotice: the office moves in May\n---\n\nThe new address is 4 Mill Lane.\n"
	doc, err := Parse("notice.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if text := doc.String(); !strings.Contains(text, "the office moves in May") || doc.URL != "" {
		t.Errorf("the first lines were taken for front matter:\n%s", text)
	}
}

// TestFrontMatter checks YAML and TOML front matter, valid or sloppy: the
// title and description are used and none of it is left in the text.
func TestFrontMatter(t *testing.T) {
	tests := []struct {
		name, src         string
		title, desc, date string
		url               string
	}{
		{"a.md", "---\ntitle: \"Refunds: how they work\"\ndescription: Money back within 14 days.\ndate: 2024-02-03\ntags: [billing]\n---\n\nBody text.\n",
			"Refunds: how they work", "Money back within 14 days.", "2024-02-03", ""},
		{"b.md", "+++\ntitle = \"Refunds\"\nurl = \"https://example.org/refunds\"\n[extra]\nx = 1\n+++\n\nBody text.\n",
			"Refunds", "", "", "https://example.org/refunds"},
		{"c.md", "---\ntitle: Refunds: the rules\n\tdescription: tabbed: invalid yaml\n---\n\nBody text.\n",
			"Refunds: the rules", "", "", ""},
		// Plain text and reStructuredText carry a link the same way (a
		// fetched Git file is given its page's link so).
		{"d.txt", "---\nurl: https://example.org/d\ntitle: Refunds\n---\n\nBody text.\n",
			"Refunds", "", "", "https://example.org/d"},
		{"e.rst", ":url: https://example.org/e\n:orphan:\n\nRefunds\n=======\n\nBody text.\n",
			"Refunds", "", "", "https://example.org/e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse(tt.name, []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if doc.Title != tt.title || doc.Date != tt.date || doc.URL != tt.url {
				t.Errorf("title, date, url = %q, %q, %q; want %q, %q, %q", doc.Title, doc.Date, doc.URL, tt.title, tt.date, tt.url)
			}
			text := doc.String()
			if tt.desc != "" && !strings.Contains(text, tt.desc) {
				t.Errorf("description %q not in the text:\n%s", tt.desc, text)
			}
			for _, leak := range []string{"tags", "---", "+++", "extra", "title:"} {
				if strings.Contains(text, leak) {
					t.Errorf("front matter %q leaked into the text:\n%s", leak, text)
				}
			}
		})
	}
}

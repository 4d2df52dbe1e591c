package corpus

import (
	"context"
	"testing"
	"testing/fstest"
)

// TestLinks checks each source of a passage's link: front matter, an HTML
// page's canonical link and heading anchors, and the source URL template
// with permalinks, slugs and heading anchors.
func TestLinks(t *testing.T) {
	files := fstest.MapFS{
		"guides/setup.md":    {Data: []byte("# Setup\n\nIntro text for the setup guide.\n\n## Install the CLI\n\nRun the installer and wait for it.\n")},
		"own-link.md":        {Data: []byte("---\ntitle: Refunds\nurl: https://shop.example/help/refunds\n---\n\nRefunds take five days.\n\n## Digital goods {#digital}\n\nDigital goods are refunded within 14 days.\n")},
		"blog/2024/post.md":  {Data: []byte("---\ntitle: Launch\nslug: we-launched\n---\n\nWe launched the new plan today.\n")},
		"legacy/old-page.md": {Data: []byte("---\ntitle: Moved\npermalink: /help/moved-page/\n---\n\nThis page moved to the help centre.\n")},
		"faq.html": {Data: []byte(`<html><head><link rel="canonical" href="https://help.example/faq"></head><body>
<h1>FAQ</h1><h2 id="hours">When are you open?</h2><p>Weekdays from nine to five.</p></body></html>`)},
		"anchors.html":   {Data: []byte(`<h1>Hours</h1><h2 id="weekend">Weekend</h2><p>Closed on Sundays, open Saturday mornings.</p>`)},
		"api/limits.rst": {Data: []byte("Limits\n======\n\n.. _rate-limits:\n\nRate limits\n-----------\n\nFifty requests per minute per token.\n")},
	}
	tests := []struct {
		tmpl string
		want map[string]string // passage title -> URL
	}{
		{"", map[string]string{
			"Install the CLI":    "",
			"Refunds":            "https://shop.example/help/refunds",
			"Digital goods":      "https://shop.example/help/refunds#digital",
			"Launch":             "",
			"When are you open?": "https://help.example/faq#hours",
			"Weekend":            "",
			"Rate limits":        "",
		}},
		{"https://docs.example.com/{path}", map[string]string{
			"Setup":              "https://docs.example.com/guides/setup",
			"Install the CLI":    "https://docs.example.com/guides/setup#install-the-cli",
			"Refunds":            "https://shop.example/help/refunds",
			"Digital goods":      "https://shop.example/help/refunds#digital",
			"Launch":             "https://docs.example.com/blog/2024/we-launched",
			"Moved":              "https://docs.example.com/help/moved-page/",
			"When are you open?": "https://help.example/faq#hours",
			"Weekend":            "https://docs.example.com/anchors#weekend",
			"Rate limits":        "https://docs.example.com/api/limits#rate-limits",
		}},
		{"https://github.com/org/repo/blob/main/docs/{file}", map[string]string{
			"Install the CLI": "https://github.com/org/repo/blob/main/docs/guides/setup.md#install-the-cli",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			opt := DefaultSplitOptions()
			opt.SourceURL = tt.tmpl
			set, err := Build(context.Background(), files, nil, opt)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range set.Chunks {
				got[c.Title] = c.URL
			}
			for title, want := range tt.want {
				u, ok := got[title]
				if !ok {
					t.Errorf("no passage titled %q among %q", title, got)
					continue
				}
				if u != want {
					t.Errorf("passage %q links to %q, want %q", title, u, want)
				}
			}
		})
	}
}

func TestSourceURLTemplate(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{"https://docs.example.com/{path}", "https://docs.example.com/{path}", false},
		{"https://docs.example.com/docs", "https://docs.example.com/docs/{path}", false},
		{"https://docs.example.com/{path}.html", "https://docs.example.com/{path}.html", false},
		{"ftp://files.example.com/{path}", "", true},
		{"docs.example.com/{path}", "", true},
	}
	for _, tt := range tests {
		got, err := SourceURLTemplate(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("SourceURLTemplate(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/sources"
)

func TestParseFile(t *testing.T) {
	good := `# The base corpus's sources
https://help.example.com/sitemap.xml

https://github.com/org/docs/tree/main/site/docs  link=https://docs.example.com/
git+https://git.example.com/team/wiki.git branch=stable folder=faq
https://example.com/faq kind=page
`
	got, err := ParseFile(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []sources.Source{
		{Kind: sources.KindSitemap, URL: "https://help.example.com/sitemap.xml"},
		{Kind: sources.KindGit, URL: "https://github.com/org/docs", Branch: "main", Folder: "site/docs", LinkBase: "https://docs.example.com/"},
		{Kind: sources.KindGit, URL: "https://git.example.com/team/wiki.git", Branch: "stable", Folder: "faq"},
		{Kind: sources.KindPage, URL: "https://example.com/faq"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	bad := "https://example.com/a\nnot a url\nhttps://example.com/a\nhttps://example.com/b colour=blue\nhttps://example.com/c branch=main\n"
	_, err = ParseFile(strings.NewReader(bad))
	if err == nil {
		t.Fatal("a bad file was read")
	}
	for _, want := range []string{"line 2", "line 3: the same source as line 1", "line 4", "colour", "line 5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, sources.ErrBadSource) {
		t.Errorf("error %v is not ErrBadSource", err)
	}
}

// TestDeclare: the sources file owns the sources it added: they are
// fetched by the schedule at once, and go (with their pages) when the file
// no longer lists them; sources added otherwise stay.
func TestDeclare(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Interval = 0 })
	site := harborSite(t)
	site.set("/other.xml", sitemap(site.URL("/help/showers")))
	if _, err := e.s.Add(e.ctx, "", mustSource(t, site.URL("/help/fuel")), "cli", nil); err != nil {
		t.Fatal(err)
	}
	list := []sources.Source{mustSource(t, site.URL("/sitemap.xml")), mustSource(t, site.URL("/other.xml"))}
	added, removed, err := e.s.Declare(e.ctx, "", list)
	if err != nil || len(added) != 2 || len(removed) != 0 {
		t.Fatalf("Declare: %v %v %v", added, removed, err)
	}
	if again, _, err := e.s.Declare(e.ctx, "", list); err != nil || len(again) != 0 {
		t.Errorf("declaring the same list again added %v (%v)", again, err)
	}
	// Even with no interval, sources never fetched are fetched by the
	// schedule's first pass.
	if next := e.s.RunDue(e.ctx); !next.IsZero() {
		t.Errorf("next refresh %v, want none (no interval)", next)
	}
	recs := e.sourcesOf("")
	if len(recs) != 3 || recs[1].Pages != 3 || recs[2].Pages != 1 || recs[1].AddedBy != FromFile {
		t.Fatalf("sources after the first pass: %+v", recs)
	}
	if got := len(e.docIDs("")); got != 1+1+3+1 {
		t.Errorf("%d base documents, want welcome.md and 5 pages", got)
	}

	// The file drops the sitemap: it goes with its pages; the CLI's
	// source stays.
	_, removed, err = e.s.Declare(e.ctx, "", list[1:])
	if err != nil || len(removed) != 1 || removed[0].URL != site.URL("/sitemap.xml") {
		t.Fatalf("Declare after dropping a line: %v %v", removed, err)
	}
	recs = e.sourcesOf("")
	if len(recs) != 2 || recs[0].AddedBy != "cli" {
		t.Errorf("sources: %+v", recs)
	}
	if got := len(e.docIDs("")); got != 1+1+1 {
		t.Errorf("%d base documents, want welcome.md and 2 pages", got)
	}
	if _, _, err := e.s.Declare(e.ctx, "g1", []sources.Source{{Kind: sources.KindGit, URL: "file:///srv/repo"}}); !errors.Is(err, sources.ErrLocalRepo) {
		t.Errorf("a server declaring a local repository: %v", err)
	}
}

package sources

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/library"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want Source
		err  error
	}{
		{"https://example.com/help/faq", Source{Kind: KindPage, URL: "https://example.com/help/faq"}, nil},
		{"  https://example.com/help/faq#billing ", Source{Kind: KindPage, URL: "https://example.com/help/faq"}, nil},
		{"https://example.com", Source{Kind: KindSite, URL: "https://example.com"}, nil},
		{"https://example.com/", Source{Kind: KindSite, URL: "https://example.com/"}, nil},
		{"https://docs.example.com/sitemap.xml", Source{Kind: KindSitemap, URL: "https://docs.example.com/sitemap.xml"}, nil},
		{"https://example.com/sitemaps/docs.xml.gz", Source{Kind: KindSitemap, URL: "https://example.com/sitemaps/docs.xml.gz"}, nil},
		{"https://example.com/sitemap_index", Source{Kind: KindSitemap, URL: "https://example.com/sitemap_index"}, nil},
		{"https://github.com/org/repo", Source{Kind: KindGit, URL: "https://github.com/org/repo"}, nil},
		{"https://github.com/org/repo/tree/main/docs/guide", Source{Kind: KindGit, URL: "https://github.com/org/repo", Branch: "main", Folder: "docs/guide"}, nil},
		{"https://github.com/org/repo/tree/v2", Source{Kind: KindGit, URL: "https://github.com/org/repo", Branch: "v2"}, nil},
		{"https://gitlab.com/group/proj/-/tree/master/doc", Source{Kind: KindGit, URL: "https://gitlab.com/group/proj", Branch: "master", Folder: "doc"}, nil},
		{"https://codeberg.org/o/r/src/branch/main/docs", Source{Kind: KindGit, URL: "https://codeberg.org/o/r", Branch: "main", Folder: "docs"}, nil},
		{"https://github.com/org/repo/blob/main/README.md", Source{Kind: KindPage, URL: "https://github.com/org/repo/blob/main/README.md"}, nil},
		{"https://git.example.com/team/docs.git", Source{Kind: KindGit, URL: "https://git.example.com/team/docs.git"}, nil},
		{"git+https://git.example.com/team/docs", Source{Kind: KindGit, URL: "https://git.example.com/team/docs"}, nil},
		{"file:///srv/docs-repo", Source{Kind: KindGit, URL: "file:///srv/docs-repo"}, nil},
		{"", Source{}, ErrBadSource},
		{"example.com/faq", Source{}, ErrBadSource},
		{"ftp://example.com/faq", Source{}, ErrBadSource},
		{"javascript:alert(1)", Source{}, ErrBadSource},
		{"https://user:secret@example.com/faq", Source{}, ErrBadSource},
	}
	for _, tc := range tests {
		got, err := ParseSource(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("ParseSource(%q) = %+v, %v; want %v", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSource(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Source{Kind: KindGit, URL: "https://github.com/o/r", Branch: "release/2.x", Folder: "docs/en"}
	if err := good.Validate(); err != nil {
		t.Errorf("%+v: %v", good, err)
	}
	for _, s := range []Source{
		{Kind: "ftp", URL: "https://example.com/"},
		{Kind: KindGit, URL: "https://github.com/o/r", Folder: "../etc"},
		{Kind: KindGit, URL: "https://github.com/o/r", Folder: "docs/../../x"},
		{Kind: KindGit, URL: "https://github.com/o/r", Branch: "main; rm -rf"},
		{Kind: KindGit, URL: "https://github.com/o/r", Branch: "-upload-pack=evil"},
		{Kind: KindGit, URL: "https://github.com/o/r", LinkBase: "javascript:alert(1)"},
		{Kind: KindPage, URL: "https://example.com/", Folder: "docs"},
		{Kind: KindSitemap, URL: "file:///etc/passwd"},
	} {
		if err := s.Validate(); !errors.Is(err, ErrBadSource) {
			t.Errorf("%+v: %v, want ErrBadSource", s, err)
		}
	}
}

func TestParseSitemap(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(sitemapXML("https://e.com/a", "https://e.com/b")))
	zw.Close()
	tests := []struct {
		name            string
		body            []byte
		pages, children []string
	}{
		{"urlset", []byte(sitemapXML("https://e.com/a", "https://e.com/b")), []string{"https://e.com/a", "https://e.com/b"}, nil},
		{"index", []byte(sitemapIndexXML("https://e.com/s1.xml")), nil, []string{"https://e.com/s1.xml"}},
		{"byte order mark and spaces", []byte("\xef\xbb\xbf\n  " + sitemapXML(" https://e.com/a\n")), []string{"https://e.com/a"}, nil},
		{"no namespace", []byte("<urlset><url><loc>https://e.com/x</loc></url></urlset>"), []string{"https://e.com/x"}, nil},
		{"text", []byte("https://e.com/a\n\n# comment\nhttps://e.com/b\r\n"), []string{"https://e.com/a", "https://e.com/b"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, children, err := parseSitemap(tc.body)
			if err != nil || !slices.Equal(pages, tc.pages) || !slices.Equal(children, tc.children) {
				t.Errorf("got %v %v %v; want %v %v", pages, children, err, tc.pages, tc.children)
			}
		})
	}
	for _, bad := range []string{"<html><body>not a sitemap", "just words", "<urlset><url><loc>unclosed"} {
		if _, _, err := parseSitemap([]byte(bad)); err == nil && !strings.HasPrefix(bad, "<html") {
			t.Errorf("parseSitemap(%q) accepted", bad)
		}
	}
}

func TestNames(t *testing.T) {
	keys := []string{
		"https://docs.example.com/guide/install.html",
		"https://docs.example.com/guide/install",
		"https://docs.example.com/",
		"https://docs.example.com/search?q=reset&lang=en",
		"https://docs.example.com/" + strings.Repeat("very-long-segment/", 20) + "end",
		"https://例え.jp/ページ/概要",
		"https://docs.example.com/con",
	}
	seen := map[string]string{}
	for _, k := range keys {
		for _, ext := range []string{".html", ".md", ".txt"} {
			n := pageName(k, ext)
			if safe, err := library.SanitizeName(n); err != nil || safe != n {
				t.Errorf("pageName(%q) = %q: not a safe document name (%q, %v)", k, n, safe, err)
			}
			if pageName(k, ext) != n {
				t.Errorf("pageName(%q) is not stable", k)
			}
			if other, dup := seen[n]; dup {
				t.Errorf("%q and %q share the name %q", k, other, n)
			}
			seen[n] = k
		}
	}
	for _, p := range []string{"guide/install.md", "guide-install.md", "README.MD", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/7/8/9.rst", "con.md", "über/straße.mdx"} {
		n := gitName(p)
		if safe, err := library.SanitizeName(n); err != nil || safe != n {
			t.Errorf("gitName(%q) = %q: not a safe document name (%q, %v)", p, n, safe, err)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("%q and %q share the name %q", p, other, n)
		}
		seen[n] = p
	}
}

func TestStateSurvivesJSON(t *testing.T) {
	st := State{Source: "page https://e.com/", Commit: "abc", Pages: map[string]PageState{
		"https://e.com/": {Name: "e.com-1.html", URL: "https://e.com/", ETag: `W/"x"`, LastModified: "Wed, 01 May 2024 10:00:00 GMT", Hash: "h"},
	}}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, st) {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, st)
	}
	src := Source{Kind: KindGit, URL: "https://github.com/o/r", Branch: "main", Folder: "docs"}
	data, _ = json.Marshal(src)
	if string(data) != `{"kind":"git","url":"https://github.com/o/r","branch":"main","folder":"docs"}` {
		t.Errorf("a Source marshals as %s", data)
	}
}

func TestLimits(t *testing.T) {
	l := Limits{MaxSources: 3, MaxPages: 100}
	if err := l.CheckAdd(2); err != nil {
		t.Errorf("a third source refused: %v", err)
	}
	if err := l.CheckAdd(3); !errors.Is(err, ErrTooManySources) {
		t.Errorf("a fourth source: %v, want ErrTooManySources", err)
	}
	if got, err := l.PageBudget(40); got != 60 || err != nil {
		t.Errorf("PageBudget(40) = %d, %v; want 60", got, err)
	}
	if _, err := l.PageBudget(100); !errors.Is(err, ErrTooManyPages) {
		t.Errorf("PageBudget at the limit: %v, want ErrTooManyPages", err)
	}
	if n, err := (Limits{}).PageBudget(1000); err != nil || n != 0 || (Limits{}).CheckAdd(1000) != nil {
		t.Error("zero limits are not unlimited")
	}
}

func TestSummary(t *testing.T) {
	r := Result{Added: make([]Page, 3), Changed: make([]Page, 1), Unchanged: make([]string, 195), Removed: make([]Removal, 1), Failed: make([]Failure, 2)}
	if got, want := r.Summary(), "3 added, 1 changed, 195 unchanged, 1 removed, 2 failed"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// bigSite builds a site of n documentation pages listed by a sitemap
// index of two sitemaps that robots.txt names, with a disallowed /private/
// folder also listed. Pages use ETags, Last-Modified only, or no
// validators at all, as real servers do; paths returns the page paths.
func bigSite(t *testing.T, n int) (s *testSite, paths []string) {
	s = newTestSite(t)
	var urls []string
	for i := range n {
		p := fmt.Sprintf("/docs/page-%03d.html", i)
		if i%20 == 7 {
			p = fmt.Sprintf("/private/page-%03d.html", i)
		}
		paths = append(paths, p)
		urls = append(urls, s.URL(p))
		s.set(p, sitePage(s, p, 1))
	}
	s.set("/robots.txt", testPage{ctype: "text/plain", body: "User-agent: *\nDisallow: /private/\n\nSitemap: " + s.URL("/sitemap_index.xml") + "\n"})
	s.set("/sitemap_index.xml", testPage{ctype: "application/xml", body: sitemapIndexXML(s.URL("/sitemap-1.xml"), s.URL("/sitemap-2.xml"))})
	s.set("/sitemap-1.xml", testPage{ctype: "application/xml", body: sitemapXML(urls[:n/2]...)})
	s.set("/sitemap-2.xml", testPage{ctype: "application/xml", body: sitemapXML(urls[n/2:]...)})
	return s, paths
}

// sitePage is version v of the page at p: pages ending in 3 send only
// Last-Modified, pages ending in 5 send no validators, the rest an ETag.
func sitePage(s *testSite, p string, v int) testPage {
	pg := testPage{body: docPage(fmt.Sprintf("Page %s version %d", p, v), s.URL(p), para(p, 1), para(p, v+1))}
	switch {
	case strings.HasSuffix(p, "3.html"):
		pg.lastMod = fmt.Sprintf("Wed, 0%d May 2024 10:00:00 GMT", v)
	case strings.HasSuffix(p, "5.html"):
	default:
		pg.etag = fmt.Sprintf(`"%s-v%d"`, p, v)
	}
	return pg
}

func TestSitemapImportAndRefresh(t *testing.T) {
	ctx := testCtx(t)
	s, paths := bigSite(t, 200)
	f, _ := newTestFetcher(t, Options{}, nil, s)
	src := Source{Kind: KindSite, URL: s.URL("/")}

	var progress []int
	res, err := f.Fetch(ctx, Request{Source: src, Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	var public, private []string
	for _, p := range paths {
		if strings.HasPrefix(p, "/private/") {
			private = append(private, s.URL(p))
		} else {
			public = append(public, s.URL(p))
		}
	}
	slices.Sort(public)
	if got := keysOf(res.Added); !slices.Equal(got, public) {
		t.Fatalf("first import added %d pages, want the %d public ones", len(got), len(public))
	}
	if len(res.Changed)+len(res.Unchanged)+len(res.Removed)+len(res.Failed) != 0 {
		t.Errorf("first import: %s, want only additions", res.Summary())
	}
	var disallowed []string
	for _, sk := range res.Skipped {
		if sk.Reason == ErrDisallowed.Error() {
			disallowed = append(disallowed, sk.Key)
		}
	}
	if slices.Sort(disallowed); !slices.Equal(disallowed, private) {
		t.Errorf("skipped as disallowed: %v, want %v", disallowed, private)
	}
	if n := s.hitsUnder("/private/"); n != 0 {
		t.Errorf("robots.txt disallows /private/, but it was requested %d times", n)
	}
	if len(progress) != len(paths) || progress[len(progress)-1] != len(paths) {
		t.Errorf("progress reported %d times, last %v; want once per listed page", len(progress), progress[len(progress)-1:])
	}
	for ua := range s.agents {
		if ua != DefaultUserAgent {
			t.Errorf("a request had User-Agent %q, want %q", ua, DefaultUserAgent)
		}
	}
	if res.Stats.Requests != s.hitsUnder("/") {
		t.Errorf("Stats.Requests = %d, the site saw %d", res.Stats.Requests, s.hitsUnder("/"))
	}
	if s.count("/robots.txt") != 1 {
		t.Errorf("robots.txt fetched %d times in one run, want 1", s.count("/robots.txt"))
	}
	names := map[string]bool{}
	for _, pg := range res.Added {
		if names[pg.Name] {
			t.Errorf("two pages named %s", pg.Name)
		}
		names[pg.Name] = true
		if safe, err := library.SanitizeName(pg.Name); err != nil || safe != pg.Name {
			t.Errorf("page name %q is not a safe document name (%q, %v)", pg.Name, safe, err)
		}
	}

	// A refresh: three pages change, two leave the sitemap, one joins.
	changedPaths := []string{paths[0], paths[3], paths[5]} // an ETag, a Last-Modified and a validator-less page
	for _, p := range changedPaths {
		s.set(p, sitePage(s, p, 2))
	}
	gonePaths := []string{paths[10], paths[11]}
	newPath := "/docs/new-page.html"
	s.set(newPath, sitePage(s, newPath, 1))
	var urls []string
	for _, p := range append(slices.Clone(paths), newPath) {
		if !slices.Contains(gonePaths, p) {
			urls = append(urls, s.URL(p))
		}
	}
	s.set("/sitemap-1.xml", testPage{ctype: "application/xml", body: sitemapXML(urls[:100]...)})
	s.set("/sitemap-2.xml", testPage{ctype: "application/xml", body: sitemapXML(urls[100:]...)})
	s.resetCounts()

	// Callers persist the state as JSON between refreshes.
	saved, err := json.Marshal(res.State)
	if err != nil {
		t.Fatal(err)
	}
	var prev State
	if err := json.Unmarshal(saved, &prev); err != nil {
		t.Fatal(err)
	}
	res2, err := f.Fetch(ctx, Request{Source: src, Prev: prev})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(res2.Changed), []string{s.URL(paths[0]), s.URL(paths[3]), s.URL(paths[5])}; !slices.Equal(got, want) {
		t.Errorf("changed = %v, want %v", got, want)
	}
	if got, want := keysOf(res2.Added), []string{s.URL(newPath)}; !slices.Equal(got, want) {
		t.Errorf("added = %v, want %v", got, want)
	}
	if got, want := removedKeys(res2.Removed), []string{s.URL(gonePaths[0]), s.URL(gonePaths[1])}; !slices.Equal(got, want) {
		t.Errorf("removed = %v, want %v", got, want)
	}
	for _, r := range res2.Removed {
		if r.Reason != "no longer listed" || r.Name != res.State.Pages[r.Key].Name {
			t.Errorf("removal %+v: want reason \"no longer listed\" and the page's file name", r)
		}
	}
	if want := len(public) - 3 - 2; len(res2.Unchanged) != want || len(res2.Failed) != 0 {
		t.Errorf("refresh: %s; want %d unchanged, none failed", res2.Summary(), want)
	}

	// Only what changed was downloaded: unchanged pages with validators
	// cost a 304, pages without validators are downloaded and compared.
	var noValidators, withValidators int
	for _, p := range paths {
		if strings.HasPrefix(p, "/private/") || slices.Contains(gonePaths, p) || slices.Contains(changedPaths, p) {
			continue
		}
		if strings.HasSuffix(p, "5.html") {
			noValidators++
		} else {
			withValidators++
		}
	}
	if s.notModified != withValidators || res2.Stats.NotModified != withValidators {
		t.Errorf("304s: the site sent %d, the fetcher counted %d; want %d (every unchanged page with a validator)",
			s.notModified, res2.Stats.NotModified, withValidators)
	}
	fullPages := 0
	for p, n := range s.full {
		if strings.HasPrefix(p, "/docs/") {
			fullPages += n
		}
	}
	if want := len(changedPaths) + 1 + noValidators; fullPages != want {
		t.Errorf("pages sent in full on refresh: %d, want %d (3 changed, 1 new, %d without validators)", fullPages, want, noValidators)
	}

	// The new state carries the new validators: a third refresh with no
	// change finds everything unchanged.
	res3, err := f.Fetch(ctx, Request{Source: src, Prev: res2.State})
	if err != nil {
		t.Fatal(err)
	}
	if len(res3.Added)+len(res3.Changed)+len(res3.Removed)+len(res3.Failed) != 0 {
		t.Errorf("a refresh with nothing changed: %s", res3.Summary())
	}
}

func TestPagesLoseTheirChrome(t *testing.T) {
	ctx := testCtx(t)
	s := newTestSite(t)
	s.set("/robots.txt", testPage{status: http.StatusNotFound})
	article := []string{para("faq", 1), para("faq", 2), para("faq", 3)}
	tests := []struct {
		name, path, canonical, wantURL string
	}{
		{"canonical on the same host", "/help/reset", "/help/reset-the-server", s.URL("/help/reset-the-server")},
		{"no canonical: the fetched URL", "/help/plain", "", s.URL("/help/plain")},
		{"canonical on another host is not trusted", "/help/elsewhere", "https://evil.example/phish", s.URL("/help/elsewhere")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.set(tc.path, testPage{body: docPage("How to reset the server", tc.canonical, article...)})
			f, _ := newTestFetcher(t, Options{}, nil, s)
			res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: s.URL(tc.path)}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Added) != 1 {
				t.Fatalf("added %d pages, want 1", len(res.Added))
			}
			pg := res.Added[0]
			if pg.URL != tc.wantURL {
				t.Errorf("page URL = %q, want %q", pg.URL, tc.wantURL)
			}
			doc, err := corpus.Parse(pg.Name, pg.Content)
			if err != nil {
				t.Fatalf("the corpus cannot read the fetched page: %v", err)
			}
			if doc.URL != tc.wantURL {
				t.Errorf("the corpus reads the link as %q, want %q", doc.URL, tc.wantURL)
			}
			if doc.Title != "How to reset the server" || pg.Title != doc.Title {
				t.Errorf("title = %q (page %q), want the page's headline without the site's name", doc.Title, pg.Title)
			}
			text := doc.String()
			for _, p := range article {
				if !strings.Contains(text, p) {
					t.Errorf("article paragraph lost: %q", p[:40])
				}
			}
			for _, w := range chromeWords {
				if strings.Contains(text, w) || strings.Contains(string(pg.Content), w) {
					t.Errorf("chrome %q survived", w)
				}
			}
		})
	}
}

func TestRobotsDisallow(t *testing.T) {
	ctx := testCtx(t)
	s := newTestSite(t)
	s.set("/robots.txt", testPage{ctype: "text/plain", body: "User-agent: *\nAllow: /\n\nUser-agent: faqbot\nDisallow: /members/\n"})
	s.set("/members/secret", testPage{body: docPage("Members only", "", para("m", 1))})
	s.set("/faq", testPage{body: docPage("FAQ", "", para("faq", 1))})
	s.set("/redirects-to-members", testPage{redirect: "/members/secret"})
	f, _ := newTestFetcher(t, Options{}, nil, s)

	for _, p := range []string{"/members/secret", "/redirects-to-members"} {
		_, err := f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: s.URL(p)}})
		if !errors.Is(err, ErrNoPages) || !strings.Contains(err.Error(), ErrDisallowed.Error()) {
			t.Errorf("fetching %s: %v; want no pages, disallowed by robots.txt", p, err)
		}
	}
	if n := s.count("/members/secret"); n != 0 {
		t.Errorf("a disallowed page was requested %d times", n)
	}

	// A page the source held that robots.txt now disallows is removed.
	res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: s.URL("/faq")}})
	if err != nil {
		t.Fatal(err)
	}
	sm := Source{Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
	s.set("/sitemap.xml", testPage{ctype: "text/xml", body: sitemapXML(s.URL("/faq"), s.URL("/members/secret"))})
	prev := State{Source: sm.Key(), Pages: map[string]PageState{
		s.URL("/faq"):            res.State.Pages[s.URL("/faq")],
		s.URL("/members/secret"): {Name: "members-secret.html", Hash: "x"},
	}}
	res2, err := f.Fetch(ctx, Request{Source: sm, Prev: prev})
	if err != nil {
		t.Fatal(err)
	}
	if got := removedKeys(res2.Removed); !slices.Equal(got, []string{s.URL("/members/secret")}) || res2.Removed[0].Reason != ErrDisallowed.Error() {
		t.Errorf("removed %v, want the now disallowed page", res2.Removed)
	}
}

func TestFailureKeepsLastGoodContent(t *testing.T) {
	ctx := testCtx(t)
	s := newTestSite(t)
	s.set("/robots.txt", testPage{ctype: "text/plain", body: "User-agent: *\nDisallow:\n"})
	var urls []string
	for i := range 5 {
		p := fmt.Sprintf("/kb/%d", i)
		urls = append(urls, s.URL(p))
		s.set(p, testPage{etag: fmt.Sprintf(`"%d"`, i), body: docPage(fmt.Sprintf("Article %d", i), "", para(p, 1), para(p, 2))})
	}
	s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML(urls...)})
	f, _ := newTestFetcher(t, Options{}, nil, s)
	src := Source{Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
	good, err := f.Fetch(ctx, Request{Source: src})
	if err != nil || len(good.Added) != 5 {
		t.Fatalf("first import: %v, %s", err, good.Summary())
	}

	sourceFails := []struct {
		name  string
		setup func()
		want  error
	}{
		{"sitemap answers 500", func() { s.set("/sitemap.xml", testPage{status: 500}) }, &StatusError{Code: 500}},
		{"sitemap is not XML", func() { s.set("/sitemap.xml", testPage{ctype: "text/html", body: "<html><body>oops</body>"}) }, nil},
		{"sitemap index names a missing sitemap", func() {
			s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapIndexXML(s.URL("/sitemap-a.xml"), s.URL("/missing.xml"))})
			s.set("/sitemap-a.xml", testPage{ctype: "application/xml", body: sitemapXML(urls[:2]...)})
		}, &StatusError{Code: 404}},
		{"sitemap lists nothing", func() { s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML()}) }, ErrNoPages},
		{"robots.txt answers 503", func() { s.set("/robots.txt", testPage{status: 503}) }, &StatusError{Code: 503}},
		{"every page fails", func() {
			for i := range 5 {
				s.set(fmt.Sprintf("/kb/%d", i), testPage{status: 500})
			}
		}, ErrNoPages},
	}
	for _, tc := range sourceFails {
		t.Run(tc.name, func(t *testing.T) {
			s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML(urls...)})
			s.set("/robots.txt", testPage{ctype: "text/plain", body: "User-agent: *\nDisallow:\n"})
			tc.setup()
			t.Cleanup(func() {
				for i := range 5 {
					p := fmt.Sprintf("/kb/%d", i)
					s.set(p, testPage{etag: fmt.Sprintf(`"%d"`, i), body: docPage(fmt.Sprintf("Article %d", i), "", para(p, 1), para(p, 2))})
				}
			})
			res, err := f.Fetch(ctx, Request{Source: src, Prev: good.State})
			if err == nil {
				t.Fatalf("no error; result %s", res.Summary())
			}
			if se, ok := tc.want.(*StatusError); ok {
				var got *StatusError
				if !errors.As(err, &got) || got.Code != se.Code {
					t.Errorf("error %v, want %v", err, se)
				}
			} else if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(res.State, good.State) {
				t.Errorf("a failed fetch changed the state")
			}
			if len(res.Removed)+len(res.Added)+len(res.Changed) != 0 {
				t.Errorf("a failed fetch reported %s", res.Summary())
			}
		})
	}

	t.Run("some pages fail", func(t *testing.T) {
		s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML(urls...)})
		s.set("/kb/1", testPage{status: 500})
		s.set("/kb/2", testPage{status: 404})
		s.set("/kb/3", testPage{status: 410})
		s.set("/kb/4", testPage{ctype: "application/pdf", body: "%PDF-1.4"})
		res, err := f.Fetch(ctx, Request{Source: src, Prev: good.State})
		if err != nil {
			t.Fatal(err)
		}
		var failed []string
		for _, fl := range res.Failed {
			failed = append(failed, fl.Key)
			if !fl.Held {
				t.Errorf("failure %s not marked as held", fl.Key)
			}
			if res.State.Pages[fl.Key] != good.State.Pages[fl.Key] {
				t.Errorf("failed page %s lost its last good state", fl.Key)
			}
		}
		slices.Sort(failed)
		if want := []string{urls[1], urls[2], urls[4]}; !slices.Equal(failed, want) {
			t.Errorf("failed = %v, want %v", failed, want)
		}
		if got := removedKeys(res.Removed); !slices.Equal(got, []string{urls[3]}) || !strings.Contains(res.Removed[0].Reason, "410") {
			t.Errorf("removed = %v, want only the page answering 410 Gone", res.Removed)
		}
		if !slices.Equal(res.Unchanged, []string{urls[0]}) {
			t.Errorf("unchanged = %v, want %v", res.Unchanged, urls[:1])
		}
		var ct *StatusError
		for _, fl := range res.Failed {
			switch fl.Key {
			case urls[4]:
				if !errors.Is(fl.Err, ErrContentType) {
					t.Errorf("a PDF failed with %v, want ErrContentType", fl.Err)
				}
			case urls[1]:
				if !errors.As(fl.Err, &ct) || ct.Code != 500 {
					t.Errorf("a 500 failed with %v", fl.Err)
				}
			}
		}
	})
}

func TestSlowHost(t *testing.T) {
	ctx := testCtx(t)
	s := newTestSite(t)
	s.set("/robots.txt", testPage{status: 404})
	arrived := make(chan struct{}, 10)
	slow := testPage{handler: func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done() // never answers
	}}
	s.set("/slow", slow)
	s.set("/fast", testPage{body: docPage("Fast", "", para("fast", 1))})
	s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML(s.URL("/fast"), s.URL("/slow"))})

	t.Run("a page that never answers fails within the page timeout", func(t *testing.T) {
		f, _ := newTestFetcher(t, Options{PageTimeout: 300e6}, nil, s)
		res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindSitemap, URL: s.URL("/sitemap.xml")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Added) != 1 || len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, context.DeadlineExceeded) {
			t.Fatalf("got %s, failures %v; want the fast page added and the slow one failed by its deadline", res.Summary(), res.Failed)
		}
	})

	t.Run("cancelling the fetch returns at once and keeps the state", func(t *testing.T) {
		f, _ := newTestFetcher(t, Options{}, nil, s)
		prev := State{Source: Source{Kind: KindPage, URL: s.URL("/slow")}.Key(), Pages: map[string]PageState{
			s.URL("/slow"): {Name: "slow.html", Hash: "abc"},
		}}
		cctx, cancel := context.WithCancel(ctx)
		go func() {
			<-arrived
			cancel()
		}()
		res, err := f.Fetch(cctx, Request{Source: Source{Kind: KindPage, URL: s.URL("/slow")}, Prev: prev})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if !reflect.DeepEqual(res.State, prev) {
			t.Errorf("a cancelled fetch changed the state")
		}
	})
}

func TestPerHostLimits(t *testing.T) {
	ctx := testCtx(t)
	t.Run("concurrency", func(t *testing.T) {
		// The first page requests are held until a third is in flight,
		// which must not happen; half a second without one lets them go.
		s, _ := bigSite(t, 24)
		s.barrier, s.barrierWait = 3, 500e6
		f, _ := newTestFetcher(t, Options{PerHostConcurrency: 2, Concurrency: 8}, nil, s)
		if _, err := f.Fetch(ctx, Request{Source: Source{Kind: KindSite, URL: s.URL("/")}}); err != nil {
			t.Fatal(err)
		}
		t.Logf("at most %d requests in flight", s.maxInflight)
		if s.maxInflight > 2 {
			t.Errorf("%d requests were in flight at once, over the per-host limit of 2", s.maxInflight)
		}
	})
	t.Run("interval and crawl-delay", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			interval float64 // seconds
			robots   string
			least    float64 // seconds between request starts
		}{
			{"interval", 0.04, "User-agent: *\nDisallow:\n", 0.04},
			{"crawl-delay is longer", 0.001, "User-agent: faqbot\nCrawl-delay: 0.06\nDisallow:\n", 0.06},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newTestSite(t)
				s.set("/robots.txt", testPage{ctype: "text/plain", body: tc.robots})
				var urls []string
				for i := range 5 {
					p := fmt.Sprintf("/p%d", i)
					urls = append(urls, s.URL(p))
					s.set(p, testPage{body: docPage("P", "", para(p, 1))})
				}
				s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML(urls...)})
				f, _ := newTestFetcher(t, Options{PerHostInterval: secs(tc.interval)}, nil, s)
				start := f.hosts.now()
				res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindSitemap, URL: s.URL("/sitemap.xml")}})
				if err != nil || len(res.Added) != 5 {
					t.Fatalf("%v %s", err, res.Summary())
				}
				// sitemap, robots.txt and 5 pages: the last page cannot
				// start before six gaps; the robots.txt request itself is
				// spaced by the interval only.
				elapsed := f.hosts.now().Sub(start)
				if want := secs(2*tc.interval + 4*tc.least); elapsed < want {
					t.Errorf("7 requests took %v, want at least %v", elapsed, want)
				}
			})
		}
	})
}

func TestLimitsAndFormats(t *testing.T) {
	ctx := testCtx(t)
	s := newTestSite(t)
	s.set("/robots.txt", testPage{status: 404})
	s.set("/big", testPage{body: docPage("Big", "", strings.Repeat(para("big", 1)+" ", 400))})
	s.set("/image", testPage{ctype: "image/png", body: "\x89PNG\r\n\x1a\n"})
	s.set("/loop", testPage{redirect: "/loop2"})
	s.set("/loop2", testPage{redirect: "/loop"})
	s.set("/guide.md", testPage{ctype: "text/plain; charset=utf-8", body: "# Guide\n\nRun `cinder restart` to restart.\n"})
	s.set("/notes", testPage{ctype: "text/markdown", body: "# Notes\n\nSome notes.\n"})
	s.set("/latin1", testPage{ctype: "text/plain; charset=iso-8859-1", body: "Caf\xe9 opening hours are 9 to 5.\n"})
	s.set("/no-type", testPage{ctype: "-", body: "<!DOCTYPE html><html><head><title>T</title></head><body><p>" + para("nt", 1) + "</p></body></html>"})
	s.set("/busy", testPage{handler: busyOnce()})
	f, _ := newTestFetcher(t, Options{MaxPageBytes: 64 << 10, MaxRedirects: 3}, nil, s)

	page := func(p string) (Result, error) {
		return f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: s.URL(p)}})
	}
	for _, tc := range []struct{ path string }{{"/big"}, {"/image"}, {"/loop"}} {
		_, err := page(tc.path)
		want := map[string]error{"/big": ErrTooLarge, "/image": ErrContentType, "/loop": ErrTooManyRedirects}[tc.path]
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", tc.path, err, want)
		}
	}
	for _, tc := range []struct {
		path, ext, text string
	}{
		{"/guide.md", ".md", "cinder restart"},
		{"/notes", ".md", "Some notes."},
		{"/latin1", ".txt", "Café opening hours"},
		{"/no-type", ".html", "Paragraph 1 of nt"},
		{"/busy", ".html", "Busy"},
	} {
		res, err := page(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		pg := res.Added[0]
		if !strings.HasSuffix(pg.Name, tc.ext) || !strings.Contains(string(pg.Content), tc.text) {
			t.Errorf("%s: name %s, content %.80q; want %s holding %q", tc.path, pg.Name, pg.Content, tc.ext, tc.text)
		}
	}
	if n := s.count("/busy"); n != 2 {
		t.Errorf("a 429 with Retry-After: 0 was tried %d times, want 2", n)
	}

	t.Run("page limit", func(t *testing.T) {
		var urls []string
		for i := range 6 {
			p := fmt.Sprintf("/many/%d", i)
			urls = append(urls, s.URL(p))
			s.set(p, testPage{body: docPage("Many", "", para(p, 1))})
		}
		s.set("/many.xml", testPage{ctype: "application/xml", body: sitemapXML(urls...)})
		src := Source{Kind: KindSitemap, URL: s.URL("/many.xml")}
		res, err := f.Fetch(ctx, Request{Source: src, MaxPages: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Added) != 4 || len(res.Skipped) != 2 || res.Skipped[0].Reason != "over the page limit" {
			t.Errorf("with a limit of 4: %s, skipped %v", res.Summary(), res.Skipped)
		}
		if n := s.hitsUnder("/many/"); n != 4 {
			t.Errorf("%d pages requested, want 4", n)
		}
		// A lower budget later removes the pages over it.
		res2, err := f.Fetch(ctx, Request{Source: src, Prev: res.State, MaxPages: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res2.Removed) != 1 || res2.Removed[0].Key != urls[3] {
			t.Errorf("with the limit lowered to 3: removed %v", res2.Removed)
		}
	})
}

// busyOnce answers 429 with Retry-After: 0 the first time, then a page.
func busyOnce() http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, docPage("Busy", "", para("busy", 1)))
	}
}

func TestSiteDiscovery(t *testing.T) {
	ctx := testCtx(t)
	s := newTestSite(t)
	s.set("/robots.txt", testPage{ctype: "text/plain", body: "User-agent: *\nDisallow:\n"})
	for _, p := range []string{"/docs/a", "/docs/b", "/blog/c"} {
		s.set(p, testPage{body: docPage("Page "+p, "", para(p, 1))})
	}
	f, _ := newTestFetcher(t, Options{}, nil, s)

	// No Sitemap: line and no sitemap anywhere: a clear error.
	_, err := f.Fetch(ctx, Request{Source: Source{Kind: KindSite, URL: s.URL("/docs/")}})
	if !errors.Is(err, ErrNoSitemap) {
		t.Fatalf("a site without a sitemap: %v, want ErrNoSitemap", err)
	}

	// A sitemap at the root listing the whole site, twice over and with
	// another host: only the site folder's pages, once each.
	s.set("/sitemap.xml", testPage{ctype: "application/xml", body: sitemapXML(
		s.URL("/docs/a"), s.URL("/docs/b"), s.URL("/blog/c"), s.URL("/docs/a#top"), "https://elsewhere.example/docs/x", s.URL("/docsify"))})
	res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindSite, URL: s.URL("/docs/")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(res.Added), []string{s.URL("/docs/a"), s.URL("/docs/b")}; !slices.Equal(got, want) {
		t.Errorf("added %v, want %v", got, want)
	}
	var outside []string
	for _, sk := range res.Skipped {
		if sk.Reason == "outside the site" {
			outside = append(outside, sk.Key)
		}
	}
	if want := []string{s.URL("/blog/c"), "https://elsewhere.example/docs/x", s.URL("/docsify")}; !slices.Equal(outside, want) {
		t.Errorf("skipped as outside %v, want %v", outside, want)
	}
	if s.count("/blog/c") != 0 || s.count("/docs/a") != 1 {
		t.Errorf("requests: /blog/c %d, /docs/a %d; want 0 and 1", s.count("/blog/c"), s.count("/docs/a"))
	}
}

// TestFAQPageKeepsEveryEntry fetches a community wiki's FAQ page (short
// answers, a table, code, anchors, headings whose ids readability would
// take for chrome) and checks that the reduction keeps every entry and
// its anchor while the wiki's chrome goes.
func TestFAQPageKeepsEveryEntry(t *testing.T) {
	ctx := testCtx(t)
	page, err := os.ReadFile("testdata/faq-with-chrome.html")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestSite(t)
	s.set("/robots.txt", testPage{status: 404})
	s.set("/wiki/server-faq", testPage{body: string(page)})
	f, _ := newTestFetcher(t, Options{}, nil, s)
	res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: s.URL("/wiki/server-faq")}})
	if err != nil {
		t.Fatal(err)
	}
	pg := res.Added[0]
	doc, err := corpus.Parse(pg.Name, pg.Content)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Server FAQ" || doc.URL != s.URL("/wiki/server-faq") {
		t.Errorf("title %q, link %q", doc.Title, doc.URL)
	}
	want := []string{
		"Joining|What is the server address?|#address",
		"Joining|Which game version do I need?|#version",
		"Joining|Do I need to be whitelisted?|#whitelist",
		"Playing|How do I protect my base?|#claims",
		"Playing|How do ranks work?|#ranks",
		"Playing|When is the resource world reset?|#reset",
		"Playing|Can I get my items back after a crash?|#backup",
		"Community|Where does donation money go?|#donate",
	}
	var got []string
	for _, sec := range doc.Sections {
		if sec.Question != "" {
			got = append(got, sec.Heading+"|"+sec.Question+"|"+strings.TrimPrefix(sec.URL, s.URL("/wiki/server-faq")))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range []string{"Search the wiki", "Create account", "Weekly events calendar", "Random page", "Top 10 builds",
		"Share this page", "last edited on", "Privacy policy", "uses cookies", "UA-tracking-code", "Home"} {
		if strings.Contains(string(pg.Content), w) {
			t.Errorf("chrome %q survived", w)
		}
	}
	for _, w := range []string{"Architect", "100 hours", "10 homes and /hat", "/abandonclaim", "play.cinderbrook.example"} {
		if !strings.Contains(doc.String(), w) {
			t.Errorf("content %q lost", w)
		}
	}
}

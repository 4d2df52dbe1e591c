package sources

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPage is one path of a testSite.
type testPage struct {
	body    string
	ctype   string // "" means text/html; "-" sends no Content-Type
	etag    string
	lastMod string
	// status, when set, is answered instead of the page.
	status int
	// header is added to the response.
	header http.Header
	// redirect, when set, answers 302 to it.
	redirect string
	// handler, when set, answers instead.
	handler http.HandlerFunc
}

// testSite is a web site on loopback that records what it was asked: hits
// per path, 304s sent, User-Agents seen, and the most requests it had in
// flight at once.
type testSite struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	pages       map[string]*testPage
	hits        map[string]int
	full        map[string]int // 200 responses per path
	notModified int
	agents      map[string]int
	inflight    int
	maxInflight int
	// barrier, when above 1, holds the first requests for pages under
	// /docs/ until that many are in flight (or barrierWait passes): the
	// requests the fetcher queues meanwhile push its concurrency limit.
	barrier     int
	barrierWait time.Duration
	barrierDone bool
	cond        *sync.Cond
}

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	s := &testSite{t: t, pages: map[string]*testPage{}, hits: map[string]int{}, full: map[string]int{}, agents: map[string]int{}}
	s.cond = sync.NewCond(&s.mu)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the site's root URL plus p.
func (s *testSite) URL(p string) string { return s.srv.URL + p }

// addr is the site's ip:port.
func (s *testSite) addr() string { return s.srv.Listener.Addr().String() }

// set puts (or replaces) the page at p.
func (s *testSite) set(p string, pg testPage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[p] = &pg
}

// count returns the hits on p.
func (s *testSite) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

// hitsUnder returns the hits on paths starting with prefix.
func (s *testSite) hitsUnder(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// resetCounts forgets what was asked so far.
func (s *testSite) resetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits, s.full, s.agents = map[string]int{}, map[string]int{}, map[string]int{}
	s.notModified, s.maxInflight = 0, 0
}

func (s *testSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.agents[r.UserAgent()]++
	pg := s.pages[r.URL.Path]
	s.inflight++
	s.maxInflight = max(s.maxInflight, s.inflight)
	if s.barrier > 1 && !s.barrierDone && strings.HasPrefix(r.URL.Path, "/docs/") {
		deadline := time.Now().Add(s.barrierWait)
		stop := time.AfterFunc(s.barrierWait, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
		for s.inflight < s.barrier && !s.barrierDone && time.Now().Before(deadline) {
			s.cond.Wait()
		}
		s.barrierDone = true
		s.cond.Broadcast()
		stop.Stop()
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}()

	switch {
	case pg == nil:
		http.NotFound(w, r)
		return
	case pg.handler != nil:
		pg.handler(w, r)
		return
	case pg.redirect != "":
		http.Redirect(w, r, pg.redirect, http.StatusFound)
		return
	}
	for k, v := range pg.header {
		w.Header()[k] = v
	}
	if pg.status != 0 {
		w.WriteHeader(pg.status)
		return
	}
	if pg.etag != "" {
		w.Header().Set("ETag", pg.etag)
		if r.Header.Get("If-None-Match") == pg.etag {
			s.mu.Lock()
			s.notModified++
			s.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if pg.lastMod != "" {
		w.Header().Set("Last-Modified", pg.lastMod)
		if r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == pg.lastMod {
			s.mu.Lock()
			s.notModified++
			s.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	switch pg.ctype {
	case "":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	case "-":
		w.Header()["Content-Type"] = nil
	default:
		w.Header().Set("Content-Type", pg.ctype)
	}
	s.mu.Lock()
	s.full[r.URL.Path]++
	s.mu.Unlock()
	fmt.Fprint(w, pg.body)
}

// sitemapXML is a <urlset> of the given URLs.
func sitemapXML(urls ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, u := range urls {
		fmt.Fprintf(&b, "  <url><loc>%s</loc><lastmod>2024-05-01</lastmod></url>\n", u)
	}
	b.WriteString("</urlset>\n")
	return b.String()
}

// sitemapIndexXML is a <sitemapindex> of the given sitemaps.
func sitemapIndexXML(urls ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, u := range urls {
		fmt.Fprintf(&b, "  <sitemap><loc>%s</loc></sitemap>\n", u)
	}
	b.WriteString("</sitemapindex>\n")
	return b.String()
}

// docPage is an article page wrapped in the chrome real sites have: a
// header with navigation, a sidebar, "related stories", a cookie notice
// and a footer.
func docPage(title, canonical string, paras ...string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s | Cinder Docs</title>\n", title)
	if canonical != "" {
		fmt.Fprintf(&b, "<link rel=\"canonical\" href=\"%s\">\n", canonical)
	}
	b.WriteString(`<link rel="stylesheet" href="/site.css"><script>window.analytics = "tracking-script-text";</script>
</head><body>
<header class="site-header"><a href="/">Cinder Docs</a>
<nav class="main-nav"><ul><li><a href="/docs/">Guides</a></li><li><a href="/blog/">Blog</a></li><li><a href="/pricing/">Pricing</a></li><li><a href="/login/">Sign in to your dashboard</a></li></ul></nav>
</header>
<div class="layout">
<aside class="sidebar"><h3>On this site</h3><ul><li><a href="/docs/a">Sidebar link alpha</a></li><li><a href="/docs/b">Sidebar link beta</a></li><li><a href="/docs/c">Sidebar link gamma</a></li></ul></aside>
<main><article>
`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", title)
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`</article>
<section class="related-stories"><h2>Related stories</h2><ul>
<li><a href="/blog/x">Ten tips for faster servers you will not believe</a></li>
<li><a href="/blog/y">Our spring community meetup recap</a></li></ul></section>
</main></div>
<div id="cookie-banner" class="cookie-notice">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<footer class="site-footer"><p>Copyright 2024 Cinder Hosting Ltd. All rights reserved.</p><ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of service</a></li></ul></footer>
</body></html>
`)
	return b.String()
}

// chromeWords are words only the chrome of docPage holds.
var chromeWords = []string{"Sign in to your dashboard", "Sidebar link", "Ten tips for faster servers", "meetup recap",
	"Accept all cookies", "All rights reserved", "Privacy policy", "tracking-script-text"}

// para makes a paragraph of article text long enough for readability to
// take it as the article, distinct per (page, n).
func para(page string, n int) string {
	return fmt.Sprintf("Paragraph %d of %s. To reset the server you open the control panel, choose the instance, "+
		"and press the restart button; the world is saved first, so nobody loses progress, and players are told "+
		"a minute before it happens so they can reach a safe place.", n, page)
}

// dialLog records the addresses the fetcher connected to.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.addrs)
}

// newTestFetcher returns a fetcher whose allowed addresses are the given
// sites (unless opts says otherwise), with no per-host interval, logging
// to t. Its network seams keep any test from reaching the network: host
// names resolve only through hosts (else fail), and a connection to
// anything but loopback fails the test — whatever the rules being tested
// would have done.
func newTestFetcher(t *testing.T, opts Options, hosts map[string][]netip.Addr, sites ...*testSite) (*Fetcher, *dialLog) {
	t.Helper()
	for _, s := range sites {
		opts.AllowAddrs = append(opts.AllowAddrs, s.addr())
	}
	if opts.PerHostInterval == 0 {
		opts.PerHostInterval = -1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	f.guard.resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if a, ok := hosts[host]; ok {
			return a, nil
		}
		return nil, &net.DNSError{Err: "no such host (test resolver)", Name: host, IsNotFound: true}
	}
	log := &dialLog{}
	real := f.guard.dial
	f.guard.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		log.mu.Lock()
		log.addrs = append(log.addrs, addr)
		log.mu.Unlock()
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || !ap.Addr().IsLoopback() {
			t.Errorf("the fetcher tried to connect to %s: only loopback may be reached from a test", addr)
			return nil, errors.New("test: refusing a non-loopback connection")
		}
		return real(ctx, network, addr)
	}
	return f, log
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// keysOf returns the keys of pages, sorted.
func keysOf(pages []Page) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p.Key)
	}
	slices.Sort(out)
	return out
}

// removedKeys returns the keys of removals, sorted.
func removedKeys(rs []Removal) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Key)
	}
	slices.Sort(out)
	return out
}

// testCtx is a context that bounds a test that hangs; generous, since CI
// is a busy 2-core machine.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// secs is a duration of f seconds.
func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

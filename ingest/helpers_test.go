package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// site is a web site on loopback whose pages the test edits, counting the
// requests per path and the pages sent in full (not 304).
type site struct {
	srv *httptest.Server

	mu     sync.Mutex
	pages  map[string]string
	status map[string]int
	hits   map[string]int
	full   map[string]int
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{pages: map[string]string{}, status: map[string]int{}, hits: map[string]int{}, full: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) URL(p string) string { return s.srv.URL + p }

// set puts (or replaces) the page at p; its ETag is its content's hash.
func (s *site) set(p, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[p] = body
	delete(s.status, p)
}

// fail makes p answer status until set again.
func (s *site) fail(p string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[p] = status
}

// downloads counts the pages sent in full under prefix since the last
// reset.
func (s *site) downloads(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.full {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

func (s *site) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.hits {
		n += c
	}
	return n
}

func (s *site) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits, s.full = map[string]int{}, map[string]int{}
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	body, ok := s.pages[r.URL.Path]
	status := s.status[r.URL.Path]
	s.mu.Unlock()
	switch {
	case status != 0:
		w.WriteHeader(status)
		return
	case !ok:
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.HasSuffix(r.URL.Path, ".xml") {
		w.Header().Set("Content-Type", "application/xml")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	s.mu.Lock()
	s.full[r.URL.Path]++
	s.mu.Unlock()
	fmt.Fprint(w, body)
}

// sitemap lists urls.
func sitemap(urls ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, u := range urls {
		fmt.Fprintf(&b, "<url><loc>%s</loc></url>\n", u)
	}
	b.WriteString("</urlset>\n")
	return b.String()
}

// faqPage is a help page of question-and-answer pairs inside the chrome
// of a real site (navigation, sidebar, footer), with its canonical link.
func faqPage(title, canonical string, qa ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s | Harbor Help</title>\n", title)
	if canonical != "" {
		fmt.Fprintf(&b, "<link rel=\"canonical\" href=\"%s\">\n", canonical)
	}
	b.WriteString(`</head><body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/pricing">Pricing</a></li><li><a href="/login">Sign in to the dashboard</a></li></ul></nav></header>
<aside class="sidebar"><ul><li><a href="/a">Sidebar link one</a></li><li><a href="/b">Sidebar link two</a></li></ul></aside><main><article>`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", title)
	for i := 0; i+1 < len(qa); i += 2 {
		fmt.Fprintf(&b, "<h2>%s</h2>\n<p>%s</p>\n", qa[i], qa[i+1])
	}
	b.WriteString(`</article></main><footer><p>Copyright Harbor Hosting. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer></body></html>`)
	return b.String()
}

// fakeClock is the schedule's clock: time moves when the test says, and
// the waits Run asks for fire then.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	waiting chan struct{} // signalled when a wait is registered
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newClock(t0 time.Time) *fakeClock {
	return &fakeClock{now: t0, waiting: make(chan struct{}, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Until(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: t, ch: ch})
	select {
	case c.waiting <- struct{}{}:
	default:
	}
	return ch
}

// Advance moves the clock by d and fires the waits that are over.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// waitForWait returns once something waits on the clock.
func (c *fakeClock) waitForWait(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-c.waiting:
	case <-ctx.Done():
		t.Fatal("the schedule never waited on the clock")
	}
}

// testEnv is a syncer over real parts: a SQLite store, a kb.Manager of
// servers' knowledge bases, a base library on disk, and a fetcher that
// may reach the loopback test sites.
type testEnv struct {
	t       *testing.T
	ctx     context.Context
	db      *store.SQLite
	kbs     *kb.Manager
	base    *library.Library
	baseDir string
	clock   *fakeClock
	s       *Syncer
	notes   chan Report
	// ctxCancel ends ctx, and with it a running schedule.
	ctxCancel context.CancelFunc
}

var t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, tune ...func(*Options)) *testEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	root := t.TempDir()
	lg := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := &testEnv{t: t, ctx: ctx, ctxCancel: cancel, clock: newClock(t0), notes: make(chan Report, 100), baseDir: filepath.Join(root, "base")}
	db, err := store.Open(ctx, filepath.Join(root, "faqbot.db"), store.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	emb := retrieval.NewHashEmbedder(0)
	if err := os.MkdirAll(e.baseDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.baseDir, "welcome.md"), []byte("# Welcome\n\n## Who runs this server?\n\nThe server is run by volunteers from the harbour club.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.base, err = library.Open(ctx, library.Options{Dir: e.baseDir, IndexDir: filepath.Join(root, "base-index"), Embedder: emb, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	e.kbs, err = kb.New(kb.Options{Dir: filepath.Join(root, "guilds"), Embedder: emb, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	f, err := sources.New(sources.Options{AllowPrivate: true, AllowLocalRepos: true, PerHostInterval: -1, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	opts := Options{
		Fetcher: f, Store: db, Corpora: KnowledgeBases{Servers: e.kbs, Base: e.base},
		Interval: 24 * time.Hour, Now: e.clock.Now, Until: e.clock.Until, Logger: lg,
		Notify: func(_ context.Context, r Report) { e.notes <- r },
	}
	for _, fn := range tune {
		fn(&opts)
	}
	if e.s, err = New(opts); err != nil {
		t.Fatal(err)
	}
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ask returns the best passage guild's knowledge base finds for q.
func (e *testEnv) ask(guild, q string) retrieval.Hit {
	e.t.Helper()
	hits, err := e.kbs.Searcher(guild).Search(e.ctx, q, 3)
	if err != nil {
		e.t.Fatalf("searching %s: %v", guild, err)
	}
	if len(hits) == 0 {
		e.t.Fatalf("no passage for %q in %s", q, guild)
	}
	return hits[0]
}

// sourcesOf returns guild's sources as the store has them.
func (e *testEnv) sourcesOf(guild string) []store.Source {
	e.t.Helper()
	recs, err := e.db.Guild(guild).Sources(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// docIDs lists guild's own documents.
func (e *testEnv) docIDs(guild string) []string {
	e.t.Helper()
	docs, err := KnowledgeBases{Servers: e.kbs, Base: e.base}.Documents(e.ctx, guild)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, d := range docs {
		out = append(out, d.ID)
	}
	return out
}

// changes returns guild's change log, oldest first.
func (e *testEnv) changes(guild string) []store.Change {
	e.t.Helper()
	cs, err := e.db.Guild(guild).Changes(e.ctx, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
		cs[i], cs[j] = cs[j], cs[i]
	}
	return cs
}

// libraryDelete is a batch deleting one document.
func libraryDelete(id string) library.Batch { return library.Batch{Delete: []string{id}} }

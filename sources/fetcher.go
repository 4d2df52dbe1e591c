package sources

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Options fields left zero, with the reason for each value.
const (
	// DefaultUserAgent names the bot and where to read about it, so a
	// site's operator can tell what is fetching and block it by name in
	// robots.txt ("faqbot").
	DefaultUserAgent = "faqbot/1.0 (+https://github.com/faqbot/faqbot; FAQ answering bot for Discord)"
	// RobotsAgent is the product token robots.txt groups are matched
	// against.
	RobotsAgent = "faqbot"
	// DefaultPerHostConcurrency: two requests in flight per host is what
	// browsers' polite crawlers use; more is rarely needed for a docs site.
	DefaultPerHostConcurrency = 2
	// DefaultPerHostInterval spaces request starts to one host: 4 per
	// second keeps a 200-page first import near a minute, and refreshes
	// are mostly cheap 304s.
	DefaultPerHostInterval = 250 * time.Millisecond
	// MaxCrawlDelay caps a robots.txt Crawl-delay: a larger one would make
	// a refresh of a few hundred pages take hours.
	MaxCrawlDelay = 10 * time.Second
	// DefaultConcurrency bounds the requests in flight for one Fetch.
	DefaultConcurrency = 8
	// DefaultMaxPageBytes is the largest page body read: docs pages are
	// tens of kilobytes, very long ones a few hundred.
	DefaultMaxPageBytes = 5 << 20
	// DefaultMaxSitemapBytes is the sitemap protocol's own limit
	// (50 MB uncompressed).
	DefaultMaxSitemapBytes = 50 << 20
	// DefaultMaxPages bounds the pages of one source.
	DefaultMaxPages = 1000
	// DefaultMaxRedirects is how many redirects one request follows.
	DefaultMaxRedirects = 5
	// DefaultPageTimeout bounds one request (headers and body).
	DefaultPageTimeout = 30 * time.Second
	// DefaultMaxRepoBytes bounds what one Git fetch downloads.
	DefaultMaxRepoBytes = 200 << 20
	// DefaultMaxRetryAfter is the longest Retry-After a 429 or 503 is
	// waited for before its one retry; longer ones fail the page.
	DefaultMaxRetryAfter = 30 * time.Second
	// maxSitemaps bounds the sitemaps one sitemap index may lead to.
	maxSitemaps = 100
	// maxRobotsBytes is the most of a robots.txt read; RFC 9309 asks
	// crawlers to parse at least 500 KiB.
	maxRobotsBytes = 512 << 10
)

// Options configure a Fetcher. Zero fields take the defaults above.
type Options struct {
	// UserAgent is sent with every web request.
	UserAgent string
	// AllowPrivate allows loopback, private and link-local addresses (not
	// cloud metadata endpoints). FAQBOT_ALLOW_PRIVATE_SOURCES sets it; off
	// by default because the sources are typed by moderators.
	AllowPrivate bool
	// AllowAddrs are exact "ip:port" addresses allowed whatever their
	// kind (metadata included): for an operator's local docs server, and
	// for tests, whose servers listen on loopback.
	AllowAddrs []string
	// AllowLocalRepos allows file:// Git repositories, read in place.
	// Only for operators: a moderator must never read the host's disk.
	AllowLocalRepos bool
	// PerHostConcurrency bounds the requests in flight to one host.
	PerHostConcurrency int
	// PerHostInterval is the least time between two requests' starts to
	// one host (a larger robots.txt Crawl-delay wins, up to MaxCrawlDelay).
	// Negative means none.
	PerHostInterval time.Duration
	// Concurrency bounds the requests in flight for one Fetch.
	Concurrency int
	// MaxPageBytes is the largest page (or Git file) accepted.
	MaxPageBytes int64
	// MaxSitemapBytes is the largest sitemap accepted, uncompressed.
	MaxSitemapBytes int64
	// MaxPages is the most pages one source may have; a Request may ask
	// for fewer.
	MaxPages int
	// MaxRedirects is how many redirects one request follows.
	MaxRedirects int
	// PageTimeout bounds each request; the Fetch's ctx bounds the whole.
	PageTimeout time.Duration
	// MaxRepoBytes bounds the Git data one fetch downloads.
	MaxRepoBytes int64
	// MaxRetryAfter is the longest Retry-After waited for.
	MaxRetryAfter time.Duration
	// Logger receives debug logs of each request; discarded when nil.
	Logger *slog.Logger
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	def(&o.PerHostConcurrency, DefaultPerHostConcurrency)
	def(&o.Concurrency, DefaultConcurrency)
	def(&o.MaxPages, DefaultMaxPages)
	def(&o.MaxRedirects, DefaultMaxRedirects)
	def64(&o.MaxPageBytes, DefaultMaxPageBytes)
	def64(&o.MaxSitemapBytes, DefaultMaxSitemapBytes)
	def64(&o.MaxRepoBytes, DefaultMaxRepoBytes)
	switch {
	case o.PerHostInterval == 0:
		o.PerHostInterval = DefaultPerHostInterval
	case o.PerHostInterval < 0:
		o.PerHostInterval = 0
	}
	if o.PageTimeout <= 0 {
		o.PageTimeout = DefaultPageTimeout
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Limits are what one server may hold: a moderator can add at most
// MaxSources sources and MaxPages pages in all. Zero means no limit.
type Limits struct {
	MaxSources int
	MaxPages   int
}

// CheckAdd says whether a server that has `have` sources may add one more.
func (l Limits) CheckAdd(have int) error {
	if l.MaxSources > 0 && have >= l.MaxSources {
		return fmt.Errorf("%w: this server has %d (the limit is %d)", ErrTooManySources, have, l.MaxSources)
	}
	return nil
}

// PageBudget is how many pages a source may fetch when the server's other
// sources hold `others`: the Request.MaxPages to pass (0 when there is no
// limit). A server already at its limit gets ErrTooManyPages.
func (l Limits) PageBudget(others int) (int, error) {
	if l.MaxPages <= 0 {
		return 0, nil
	}
	if others >= l.MaxPages {
		return 0, fmt.Errorf("%w: this server's sources hold %d (the limit is %d)", ErrTooManyPages, others, l.MaxPages)
	}
	return l.MaxPages - others, nil
}

// Fetcher fetches sources. It is safe for concurrent use; its per-host
// limits hold across concurrent Fetch calls. Close releases its idle
// connections.
type Fetcher struct {
	opts   Options
	lg     *slog.Logger
	guard  *guard
	hosts  *hostLimiter
	tr     *http.Transport
	client *http.Client
}

// New returns a Fetcher with opts (zero fields take the defaults).
func New(opts Options) (*Fetcher, error) {
	opts = opts.withDefaults()
	g, err := newGuard(opts)
	if err != nil {
		return nil, fmt.Errorf("configuring the fetcher: %w", err)
	}
	f := &Fetcher{
		opts:  opts,
		lg:    opts.Logger,
		guard: g,
		hosts: newHostLimiter(opts.PerHostConcurrency, opts.PerHostInterval),
	}
	f.tr = &http.Transport{
		// No proxy: a proxy would be the address checked, not the target.
		Proxy:                  nil,
		DialContext:            g.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    opts.PerHostConcurrency,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	// Web requests follow redirects themselves (run.get), so that every
	// hop is checked against robots.txt and the host limits.
	f.client = &http.Client{Transport: f.tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return f, nil
}

// Close closes the fetcher's idle connections.
func (f *Fetcher) Close() { f.tr.CloseIdleConnections() }

// checkRedirect is the redirect policy of Git requests (which go-git
// follows through net/http): it bounds redirect chains and refuses, before
// any connection, redirects to other schemes or to literal blocked
// addresses (host names are checked when dialled, after resolution).
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.opts.MaxRedirects {
		return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, f.opts.MaxRedirects)
	}
	return f.checkURL(req.URL)
}

// checkURL refuses URLs the fetcher never requests: other schemes,
// credentials, and literal addresses the guard blocks.
func (f *Fetcher) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: %s: only http and https are fetched", ErrBlocked, u.Redacted())
	}
	if u.User != nil {
		return fmt.Errorf("%w: %s: credentials in a URL are not sent", ErrBlocked, u.Redacted())
	}
	if ip, err := parseLiteralIP(u.Hostname()); err == nil {
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		ap, err := parseAddrPort(ip, port)
		if err != nil {
			return fmt.Errorf("%w: %s: bad port", ErrBlocked, u.Redacted())
		}
		return f.guard.check(ap)
	}
	return nil
}

// Check says whether the fetcher would fetch src, without fetching: src
// is valid, a file:// repository only when local repositories are
// allowed, and an address written as an IP only when the address rules
// allow it (host names are checked when fetching, after DNS resolution).
// Call it when a moderator adds a source, to refuse at once.
func (f *Fetcher) Check(src Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	u, err := url.Parse(src.URL)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	if u.Scheme == "file" {
		if !f.opts.AllowLocalRepos {
			return fmt.Errorf("%w: %s", ErrLocalRepo, src.URL)
		}
		return nil
	}
	return f.checkURL(u)
}

// Request is one fetch of a source.
type Request struct {
	// Source is what to fetch.
	Source Source
	// Prev is the State the previous fetch of this source returned (zero
	// for a first import).
	Prev State
	// MaxPages, when positive and below the fetcher's limit, bounds the
	// pages of this source (Limits.PageBudget).
	MaxPages int
	// Progress, when set, is called as pages complete (from one goroutine
	// at a time).
	Progress func(done, total int)
}

// Fetch fetches req.Source, asking only for what changed since req.Prev.
//
// On success the Result lists the pages added and changed (with content),
// unchanged and removed, the pages that failed (held ones are kept in the
// new State with their previous validators) and those skipped, and the
// State to persist. Only a page the source no longer lists (or a 410 Gone,
// or a robots.txt disallow) is removed; a failing page is kept.
//
// When the source as a whole fails — its sitemap or repository cannot be
// read, ctx ends, or not one page could be fetched (every page failed,
// was skipped or was removed) — Fetch returns an error and a Result whose
// State is req.Prev, with no pages added or removed: the caller keeps
// what it had and reports the error.
//
// A Prev made for another source (State.Source is not Source.Key()) is
// ignored: the fetch starts afresh and reports no removals, so a caller
// that changes a source's description removes the old pages itself.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (Result, error) {
	src := req.Source
	prev := req.Prev
	if prev.Source != src.Key() {
		prev = State{Source: src.Key()}
	}
	maxPages := f.opts.MaxPages
	if req.MaxPages > 0 && req.MaxPages < maxPages {
		maxPages = req.MaxPages
	}
	r := &run{f: f, src: src, prev: prev, maxPages: maxPages, progress: req.Progress}
	fail := func(err error) (Result, error) {
		return Result{State: req.Prev, Stats: r.stats()}, fmt.Errorf("fetching %s: %w", src.URL, err)
	}
	if err := f.Check(src); err != nil {
		return fail(err)
	}
	var res Result
	var err error
	switch src.Kind {
	case KindGit:
		res, err = r.git(ctx)
	default:
		res, err = r.web(ctx)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fail(err)
	}
	if len(res.Added)+len(res.Changed)+len(res.Unchanged) == 0 {
		return fail(noPagesError(res))
	}
	res.State.Source = src.Key()
	res.State.Fetched = time.Now().UTC()
	res.Stats = r.stats()
	return res, nil
}

// noPagesError explains a fetch that left the source empty by its first
// failure, skip or removal.
func noPagesError(res Result) error {
	switch {
	case len(res.Failed) > 0:
		fl := res.Failed[0]
		return fmt.Errorf("%w: %s: %w", ErrNoPages, fl.URL, fl.Err)
	case len(res.Skipped) > 0:
		return fmt.Errorf("%w: %s: %s", ErrNoPages, res.Skipped[0].Key, res.Skipped[0].Reason)
	case len(res.Removed) > 0:
		return fmt.Errorf("%w: %s: %s", ErrNoPages, res.Removed[0].Key, res.Removed[0].Reason)
	}
	return ErrNoPages
}

// run is the state of one Fetch.
type run struct {
	f        *Fetcher
	src      Source
	prev     State
	maxPages int
	progress func(done, total int)

	requests    atomic.Int64
	notModified atomic.Int64
	bytes       atomic.Int64

	robotsMu sync.Mutex
	robots   map[string]*robotsEntry

	progressMu sync.Mutex
	done       int
}

func (r *run) stats() Stats {
	return Stats{Requests: int(r.requests.Load()), NotModified: int(r.notModified.Load()), Bytes: r.bytes.Load()}
}

// report tells the progress callback one more page is done.
func (r *run) report(total int) {
	if r.progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	r.done++
	r.progress(r.done, total)
}

// countingReader counts the bytes read through it into n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

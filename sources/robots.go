package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/temoto/robotstxt"
)

// robotsEntry is one host's robots.txt, loaded once per Fetch.
type robotsEntry struct {
	ready chan struct{} // closed once loaded
	group *robotstxt.Group
	// sitemaps are the Sitemap: lines.
	sitemaps []string
	// err is why robots.txt could not be read. The pages of the host are
	// then failed, not fetched: RFC 9309 asks crawlers to assume a
	// complete disallow when robots.txt is unreachable, and failing keeps
	// what the source already holds.
	err error
}

// robotsFor returns the robots.txt of u's scheme and host, fetching it on
// first use in this run. Concurrent callers wait for one fetch.
func (r *run) robotsFor(ctx context.Context, u *url.URL) (*robotsEntry, error) {
	key := u.Scheme + "://" + u.Host
	r.robotsMu.Lock()
	if r.robots == nil {
		r.robots = map[string]*robotsEntry{}
	}
	e := r.robots[key]
	if e == nil {
		e = &robotsEntry{ready: make(chan struct{})}
		r.robots[key] = e
		r.robotsMu.Unlock()
		e.group, e.sitemaps, e.err = r.loadRobots(ctx, u)
		close(e.ready)
		return e, nil
	}
	r.robotsMu.Unlock()
	select {
	case <-e.ready:
		return e, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// loadRobots fetches and parses robots.txt. A 4xx means no rules (RFC
// 9309); a 5xx, a network error or a timeout is an error.
func (r *run) loadRobots(ctx context.Context, u *url.URL) (*robotstxt.Group, []string, error) {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	ctx, cancel := context.WithTimeout(ctx, r.f.opts.PageTimeout)
	defer cancel()
	resp, _, err := r.get(ctx, ru, nil, false)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", ru, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		return nil, nil, fmt.Errorf("reading %s: %w", ru, &StatusError{Code: resp.StatusCode})
	}
	var body []byte
	if resp.StatusCode < 300 {
		// A robots.txt longer than the limit is cut, as RFC 9309 allows.
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
		if err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", ru, err)
		}
	}
	data, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body)
	if err != nil {
		// The parser is lenient; it fails only on statuses it does not
		// know (1xx, 3xx left after redirects): treat as no rules.
		data, _ = robotstxt.FromStatusAndBytes(404, nil)
	}
	return data.FindGroup(RobotsAgent), data.Sitemaps, nil
}

// robotsAllows says whether robots.txt lets the fetcher have u, and the
// Crawl-delay its host asks for (capped at MaxCrawlDelay).
func (r *run) robotsAllows(ctx context.Context, u *url.URL) (time.Duration, error) {
	e, err := r.robotsFor(ctx, u)
	if err != nil {
		return 0, err
	}
	if e.err != nil {
		return 0, e.err
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	if !e.group.Test(p) {
		return 0, fmt.Errorf("%s: %w", u.Redacted(), ErrDisallowed)
	}
	return min(e.group.CrawlDelay, MaxCrawlDelay), nil
}

// isDisallowed reports whether err is a robots.txt refusal.
func isDisallowed(err error) bool { return errors.Is(err, ErrDisallowed) }

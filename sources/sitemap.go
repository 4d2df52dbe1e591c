package sources

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxListed bounds the URLs read from one source's sitemaps: the sitemap
// protocol's own limit for one file. Sources are capped far lower by
// MaxPages; this only bounds the work of reading a huge listing.
const maxListed = 50000

// errNoSitemapHere is a candidate sitemap URL that answered 404 or 410.
var errNoSitemapHere = errors.New("not found")

// siteSitemaps returns the sitemaps of the site at root: the Sitemap:
// lines of its robots.txt on its own host, else the usual places to try in
// order (discover is then true).
func (r *run) siteSitemaps(ctx context.Context, root *url.URL) ([]*url.URL, error) {
	e, err := r.robotsFor(ctx, root)
	if err != nil {
		return nil, err
	}
	if e.err != nil {
		return nil, e.err
	}
	onHost := sameHost(root, "")
	var out []*url.URL
	for _, s := range e.sitemaps {
		if u, err := root.Parse(strings.TrimSpace(s)); err == nil && onHost(u) {
			out = append(out, u)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	seen := map[string]bool{}
	for _, p := range []string{strings.TrimSuffix(root.Path, "/") + "/sitemap.xml", "/sitemap.xml", "/sitemap_index.xml"} {
		u := &url.URL{Scheme: root.Scheme, Host: root.Host, Path: p}
		if !seen[u.String()] {
			seen[u.String()] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// sitemapPages reads the sitemaps at roots, following sitemap indexes on
// the same host, and returns the page URLs in scope, normalised, in the
// order listed, and the entries it ignored. With discover, roots are
// candidates tried in order until one exists (ErrNoSitemap when none
// does). Any sitemap that cannot be read fails the whole listing: a
// partial listing would make the pages it misses look removed.
func (r *run) sitemapPages(ctx context.Context, roots []*url.URL, discover bool, inScope func(*url.URL) bool) ([]string, []Skip, error) {
	if discover {
		var tried []string
		for _, u := range roots {
			pages, skips, err := r.sitemapPages(ctx, []*url.URL{u}, false, inScope)
			if !errors.Is(err, errNoSitemapHere) {
				return pages, skips, err
			}
			tried = append(tried, u.String())
		}
		return nil, nil, fmt.Errorf("%w: robots.txt names none, and there is none at %s", ErrNoSitemap, strings.Join(tried, ", "))
	}
	onHost := sameHost(roots[0], "")
	queue := append([]*url.URL(nil), roots...)
	seen := map[string]bool{}
	var keys []string
	var skips []Skip
	for n := 0; len(queue) > 0; n++ {
		u := queue[0]
		queue = queue[1:]
		if seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		if n >= maxSitemaps {
			return nil, nil, fmt.Errorf("%w: more than %d sitemaps", ErrTooLarge, maxSitemaps)
		}
		body, err := r.fetchSitemap(ctx, u)
		if err != nil {
			if n > 0 && errors.Is(err, errNoSitemapHere) {
				// A sitemap index naming a missing sitemap is a broken
				// listing, not an absent one.
				err = fmt.Errorf("%s: %w", u.Redacted(), &StatusError{Code: http.StatusNotFound})
			}
			return nil, nil, err
		}
		pages, children, err := parseSitemap(body)
		if err != nil {
			return nil, nil, fmt.Errorf("reading sitemap %s: %w", u.Redacted(), err)
		}
		for _, c := range children {
			if cu, err := u.Parse(c); err == nil && onHost(cu) {
				queue = append(queue, cu)
			} else {
				skips = append(skips, Skip{Key: c, Reason: "sitemap on another host"})
			}
		}
		for _, p := range pages {
			pu, err := u.Parse(p)
			switch {
			case err != nil:
				skips = append(skips, Skip{Key: p, Reason: "not a URL"})
			case !inScope(pu):
				skips = append(skips, Skip{Key: p, Reason: "outside the site"})
			case len(keys) >= maxListed:
				return keys, append(skips, Skip{Key: p, Reason: fmt.Sprintf("the sitemaps list more than %d pages", maxListed)}), nil
			default:
				keys = append(keys, normalizeURL(pu))
			}
		}
	}
	if len(keys) == 0 {
		return nil, skips, fmt.Errorf("%w: the sitemap lists no page of this site", ErrNoPages)
	}
	return keys, skips, nil
}

// fetchSitemap downloads one sitemap, decompressing gzip, within the
// size limit. A 404 or 410 is errNoSitemapHere.
func (r *run) fetchSitemap(ctx context.Context, u *url.URL) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.f.opts.PageTimeout)
	defer cancel()
	resp, _, err := r.get(ctx, u, nil, false)
	if err != nil {
		return nil, fmt.Errorf("reading sitemap %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, fmt.Errorf("%s: %w", u.Redacted(), errNoSitemapHere)
	default:
		return nil, fmt.Errorf("reading sitemap %s: %w", u.Redacted(), &StatusError{Code: resp.StatusCode})
	}
	limit := r.f.opts.MaxSitemapBytes
	body, err := readLimited(resp.Body, limit)
	if err != nil {
		return nil, fmt.Errorf("reading sitemap %s: %w", u.Redacted(), err)
	}
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("reading sitemap %s: %w", u.Redacted(), err)
		}
		if body, err = readLimited(zr, limit); err != nil {
			return nil, fmt.Errorf("reading sitemap %s: %w", u.Redacted(), err)
		}
	}
	return body, nil
}

// xmlSitemap is a <urlset> or a <sitemapindex>; encoding/xml matches the
// elements by local name whatever their namespace.
type xmlSitemap struct {
	URLs []struct {
		Loc string `xml:"loc"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

// parseSitemap reads an XML sitemap or sitemap index, or a text sitemap
// (one URL per line), into the page URLs and child sitemap URLs it lists.
func parseSitemap(body []byte) (pages, children []string, err error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<")) {
		sc := bufio.NewScanner(bytes.NewReader(trimmed))
		sc.Buffer(make([]byte, 0, 4096), 64<<10)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
				pages = append(pages, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, nil, err
		}
		if len(pages) == 0 {
			return nil, nil, errors.New("neither XML nor a list of URLs")
		}
		return pages, nil, nil
	}
	var sm xmlSitemap
	if err := xml.Unmarshal(trimmed, &sm); err != nil {
		return nil, nil, err
	}
	for _, u := range sm.URLs {
		if l := strings.TrimSpace(u.Loc); l != "" {
			pages = append(pages, l)
		}
	}
	for _, s := range sm.Sitemaps {
		if l := strings.TrimSpace(s.Loc); l != "" {
			children = append(children, l)
		}
	}
	return pages, children, nil
}

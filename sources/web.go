package sources

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"golang.org/x/net/html/charset"
)

// outcomeKind is what happened to one listed page.
type outcomeKind int

const (
	added outcomeKind = iota
	changed
	unchanged
	removed
	failed
	skipped
)

// outcome is the result of fetching one listed page.
type outcome struct {
	kind   outcomeKind
	page   Page      // added, changed
	ps     PageState // added, changed, unchanged
	reason string    // removed, skipped
	err    error     // failed
}

// web fetches a page, sitemap or site source.
func (r *run) web(ctx context.Context) (Result, error) {
	keys, skips, err := r.listing(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Skipped: skips, State: State{Pages: map[string]PageState{}}}
	listed := make(map[string]bool, len(keys))
	var fetch []string
	for _, k := range keys {
		if listed[k] {
			continue
		}
		listed[k] = true
		if len(fetch) < r.maxPages {
			fetch = append(fetch, k)
			continue
		}
		const reason = "over the page limit"
		if ps, held := r.prev.Pages[k]; held {
			res.Removed = append(res.Removed, Removal{Key: k, Name: ps.Name, URL: ps.URL, Reason: reason})
		} else {
			res.Skipped = append(res.Skipped, Skip{Key: k, Reason: reason})
		}
	}
	res.State.Listed = len(listed)
	for _, k := range sortedKeys(r.prev.Pages) {
		if !listed[k] {
			ps := r.prev.Pages[k]
			res.Removed = append(res.Removed, Removal{Key: k, Name: ps.Name, URL: ps.URL, Reason: "no longer listed"})
		}
	}

	outs := make([]outcome, len(fetch))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(r.f.opts.Concurrency, len(fetch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				outs[i] = r.page(ctx, fetch[i])
				r.report(len(fetch))
			}
		}()
	}
feed:
	for i := range fetch {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	names := map[string]string{} // file name -> key, to catch the (vanishingly rare) clash
	for i, o := range outs {
		k := fetch[i]
		if o.kind == added || o.kind == changed || o.kind == unchanged {
			if other, dup := names[o.ps.Name]; dup {
				o = outcome{kind: failed, err: fmt.Errorf("%w: file name %s also used by %s", ErrBadSource, o.ps.Name, other)}
			} else {
				names[o.ps.Name] = k
			}
		}
		switch o.kind {
		case added:
			res.Added = append(res.Added, o.page)
			res.State.Pages[k] = o.ps
		case changed:
			res.Changed = append(res.Changed, o.page)
			res.State.Pages[k] = o.ps
		case unchanged:
			res.Unchanged = append(res.Unchanged, k)
			res.State.Pages[k] = o.ps
		case removed:
			ps := r.prev.Pages[k]
			res.Removed = append(res.Removed, Removal{Key: k, Name: ps.Name, URL: ps.URL, Reason: o.reason})
		case skipped:
			res.Skipped = append(res.Skipped, Skip{Key: k, Reason: o.reason})
		case failed:
			ps, held := r.prev.Pages[k]
			res.Failed = append(res.Failed, Failure{Key: k, URL: k, Held: held, Err: o.err})
			if held {
				res.State.Pages[k] = ps
			}
		}
	}
	return res, nil
}

// listing returns the URLs the source lists, normalised, in order, and
// the listed entries it ignores (other hosts, outside the site's folder).
func (r *run) listing(ctx context.Context) ([]string, []Skip, error) {
	u, err := url.Parse(r.src.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	switch r.src.Kind {
	case KindPage:
		return []string{normalizeURL(u)}, nil, nil
	case KindSitemap:
		return r.sitemapPages(ctx, []*url.URL{u}, false, sameHost(u, ""))
	case KindSite:
		roots, err := r.siteSitemaps(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		return r.sitemapPages(ctx, roots, true, sameHost(u, strings.TrimSuffix(u.Path, "/")))
	}
	return nil, nil, fmt.Errorf("%w: kind %q is not a web source", ErrBadSource, r.src.Kind)
}

// sameHost returns a scope test: a URL on u's host (http or https) whose
// path is prefix or under it.
func sameHost(u *url.URL, prefix string) func(*url.URL) bool {
	return func(c *url.URL) bool {
		if c.Scheme != "http" && c.Scheme != "https" || !strings.EqualFold(c.Host, u.Host) {
			return false
		}
		return prefix == "" || c.Path == prefix || strings.HasPrefix(c.Path, prefix+"/")
	}
}

// normalizeURL is the key of a listed URL: no fragment, lower-case scheme
// and host, no default port, "/" for an empty path.
func normalizeURL(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	c.Scheme = strings.ToLower(c.Scheme)
	c.Host = strings.ToLower(c.Host)
	if p := c.Port(); c.Scheme == "http" && p == "80" || c.Scheme == "https" && p == "443" {
		c.Host = c.Hostname()
		if strings.Contains(c.Host, ":") {
			c.Host = "[" + c.Host + "]"
		}
	}
	if c.Path == "" {
		c.Path = "/"
	}
	return c.String()
}

// page fetches one listed page, conditionally when the source holds it.
func (r *run) page(ctx context.Context, key string) outcome {
	prev, held := r.prev.Pages[key]
	ctx, cancel := context.WithTimeout(ctx, r.f.opts.PageTimeout)
	defer cancel()
	u, err := url.Parse(key)
	if err != nil {
		return outcome{kind: failed, err: fmt.Errorf("%w: %v", ErrBadSource, err)}
	}
	hdr := http.Header{}
	if held && prev.ETag != "" {
		hdr.Set("If-None-Match", prev.ETag)
	}
	if held && prev.LastModified != "" {
		hdr.Set("If-Modified-Since", prev.LastModified)
	}
	gone := func(reason string) outcome {
		if held {
			return outcome{kind: removed, reason: reason}
		}
		return outcome{kind: skipped, reason: reason}
	}

	resp, final, err := r.get(ctx, u, hdr, true)
	if err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		// One retry after the wait the server asks for, when it is short.
		if d, ok := retryAfter(resp.Header, r.f.hosts.now()); ok && d <= r.f.opts.MaxRetryAfter {
			resp.Body.Close()
			if err = sleep(ctx, d); err == nil {
				resp, final, err = r.get(ctx, u, hdr, true)
			}
		}
	}
	switch {
	case isDisallowed(err):
		return gone(ErrDisallowed.Error())
	case err != nil:
		return outcome{kind: failed, err: err}
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusNotModified && held:
		r.notModified.Add(1)
		ps := prev
		if et := resp.Header.Get("ETag"); et != "" {
			ps.ETag = et
		}
		return outcome{kind: unchanged, ps: ps}
	case code == http.StatusGone:
		return gone("gone (HTTP 410)")
	case code != http.StatusOK:
		return outcome{kind: failed, err: &StatusError{Code: code}}
	}

	ext, isHTML, err := fileKind(resp.Header.Get("Content-Type"), final.Path)
	if err != nil {
		return outcome{kind: failed, err: err}
	}
	raw, err := readLimited(resp.Body, r.f.opts.MaxPageBytes)
	if err != nil {
		return outcome{kind: failed, err: fmt.Errorf("reading %s: %w", final.Redacted(), err)}
	}
	if ext == "" { // no Content-Type: judge by the bytes
		if ext, isHTML, err = fileKind(http.DetectContentType(raw), final.Path); err != nil {
			return outcome{kind: failed, err: err}
		}
	}
	text, err := toUTF8(raw, resp.Header.Get("Content-Type"))
	if err != nil {
		return outcome{kind: failed, err: fmt.Errorf("decoding %s: %w", final.Redacted(), err)}
	}
	link := normalizeURL(final)
	content, title := text, ""
	if isHTML {
		content, title, link = reduceHTML(text, final, u)
	}
	sum := sha256.Sum256(content)
	ps := PageState{
		Name:         pageName(key, ext),
		URL:          link,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Hash:         hex.EncodeToString(sum[:]),
	}
	pg := Page{Key: key, Name: ps.Name, URL: link, Title: title, Content: content, Hash: ps.Hash}
	switch {
	case !held:
		return outcome{kind: added, page: pg, ps: ps}
	case prev.Hash == ps.Hash && prev.Name == ps.Name:
		// Fetched in full (no validators, or they changed) but the main
		// content is the same: nothing to re-index.
		return outcome{kind: unchanged, ps: ps}
	}
	if prev.Name != ps.Name {
		pg.Replaces = prev.Name
	}
	return outcome{kind: changed, page: pg, ps: ps}
}

// fileKind maps a Content-Type (and the URL's path, for text/plain) to
// the extension of the file the corpus reads; "" with no error means
// there was no Content-Type to judge.
func fileKind(contentType, urlPath string) (ext string, isHTML bool, err error) {
	if strings.TrimSpace(contentType) == "" {
		return "", false, nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false, fmt.Errorf("%w: %q", ErrContentType, contentType)
	}
	switch mt {
	case "text/html", "application/xhtml+xml":
		return ".html", true, nil
	case "text/markdown", "text/x-markdown":
		if e := strings.ToLower(path.Ext(urlPath)); e == ".mdx" {
			return e, false, nil
		}
		return ".md", false, nil
	case "text/plain":
		// Raw files from forges and docs sites come as text/plain: the
		// path's extension says what they are.
		switch e := strings.ToLower(path.Ext(urlPath)); e {
		case ".md", ".markdown", ".mdx", ".rst":
			return e, false, nil
		}
		return ".txt", false, nil
	}
	return "", false, fmt.Errorf("%w: %s", ErrContentType, mt)
}

// toUTF8 decodes text in the charset its Content-Type (or, for HTML, its
// <meta charset>) declares.
func toUTF8(raw []byte, contentType string) ([]byte, error) {
	rd, err := charset.NewReader(bytes.NewReader(raw), contentType)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(rd); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

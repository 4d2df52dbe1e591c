package sources

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// get sends one GET for u, following redirects itself so that every hop
// is checked like the first: its scheme and literal address, robots.txt
// (when robots is set) and the per-host limits of its host. hdr adds
// request headers (validators). The returned response's body must be
// closed; closing it frees the host's slot. The final URL is returned
// beside it.
func (r *run) get(ctx context.Context, u *url.URL, hdr http.Header, robots bool) (*http.Response, *url.URL, error) {
	f := r.f
	for hop := 0; ; hop++ {
		if err := f.checkURL(u); err != nil {
			return nil, u, err
		}
		var delay time.Duration
		if robots {
			d, err := r.robotsAllows(ctx, u)
			if err != nil {
				return nil, u, err
			}
			delay = d
		}
		release, err := f.hosts.acquire(ctx, u.Host, delay)
		if err != nil {
			return nil, u, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			release()
			return nil, u, fmt.Errorf("requesting %s: %w", u.Redacted(), err)
		}
		req.Header.Set("User-Agent", f.opts.UserAgent)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,application/xml;q=0.7,*/*;q=0.1")
		for k, v := range hdr {
			req.Header[k] = v
		}
		r.requests.Add(1)
		resp, err := f.client.Do(req)
		if err != nil {
			release()
			return nil, u, err
		}
		f.lg.Debug("fetched", "url", u.Redacted(), "status", resp.StatusCode)
		loc := resp.Header.Get("Location")
		if isRedirect(resp.StatusCode) && loc != "" {
			// Drain a little so the connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			release()
			if hop >= f.opts.MaxRedirects {
				return nil, u, fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, f.opts.MaxRedirects)
			}
			next, err := u.Parse(loc)
			if err != nil {
				return nil, u, fmt.Errorf("redirect from %s to %q: %w", u.Redacted(), loc, err)
			}
			next.Fragment, next.RawFragment = "", ""
			u = next
			continue
		}
		resp.Body = &releasingBody{ReadCloser: countingBody(resp.Body, r), release: release}
		return resp, u, nil
	}
}

// isRedirect reports whether code is a redirect that carries a Location.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// countingBody counts the bytes read from body into the run's stats.
func countingBody(body io.ReadCloser, r *run) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{countingReader{r: body, n: &r.bytes}, body}
}

// releasingBody frees the host's slot when the body is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// readLimited reads at most limit bytes of body, failing with ErrTooLarge
// rather than cutting a page short.
func readLimited(body io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) as a
// duration from now; ok is false when there is none or it cannot be read.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

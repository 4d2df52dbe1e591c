package llm

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Retry defaults. Three retries with a backoff from half a second ride out
// a restarting local server or a burst of 429s within the few seconds a
// Discord user will wait; the cap on a server-requested wait keeps one
// question from sleeping through a long rate-limit window.
const (
	DefaultMaxRetries = 3
	DefaultBackoff    = 500 * time.Millisecond
	maxBackoff        = 8 * time.Second
	// DefaultMaxRetryWait is the longest wait between attempts, a
	// server's Retry-After included; a server that asks for more is not
	// retried.
	DefaultMaxRetryWait = 20 * time.Second
)

// retryHint carries, per call, what the last response said about when to
// retry. It travels in the request context rather than in the Client, so
// concurrent calls never see each other's headers.
type retryHint struct {
	mu    sync.Mutex
	after time.Duration
	ok    bool
}

type hintKey struct{}

// hintDoer wraps the HTTP client to read Retry-After headers, which
// go-openai drops when it turns an error response into an error.
type hintDoer struct{ c *http.Client }

// Do sends req and notes its response's retry headers for the call.
func (d hintDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if h, _ := req.Context().Value(hintKey{}).(*retryHint); h != nil && resp != nil {
		after, ok := parseRetryAfter(resp.Header, time.Now())
		h.mu.Lock()
		h.after, h.ok = after, ok
		h.mu.Unlock()
	}
	return resp, err
}

var _ openai.HTTPDoer = hintDoer{}

// parseRetryAfter reads retry-after-ms (OpenAI's, in milliseconds) or
// Retry-After (seconds or an HTTP date).
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// attempt is one try of a request. It reports whether output already
// reached the caller: after that, a failure cannot be retried without
// showing the user the same text twice.
type attempt func(ctx context.Context) (delivered bool, err error)

// withRetries runs try until it succeeds, fails for good, delivers output
// and then fails, or runs out of retries or time. Errors are classified.
func (c *Client) withRetries(ctx context.Context, op string, try attempt) error {
	h := &retryHint{}
	ctx = context.WithValue(ctx, hintKey{}, h)
	for n := 0; ; n++ {
		h.mu.Lock()
		h.ok = false
		h.mu.Unlock()
		delivered, err := try(ctx)
		if err == nil {
			return nil
		}
		err = classify(err, c.cfg.APIKey)
		if delivered || !retryable(err) || n >= c.cfg.MaxRetries {
			return err
		}
		h.mu.Lock()
		wait, fromServer := h.after, h.ok
		h.mu.Unlock()
		if !fromServer {
			wait = c.backoff(n)
		}
		if wait > c.cfg.MaxRetryWait {
			c.lg.Warn("llm server asked to wait too long, not retrying", "op", op, "wait", wait, "err", err)
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err // the deadline would pass while waiting
		}
		c.lg.Warn("llm request failed, retrying", "op", op, "attempt", n+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return classify(ctx.Err(), c.cfg.APIKey)
		case <-t.C:
		}
	}
}

// backoff is the wait before retry n+1: exponential from cfg.Backoff, with
// jitter over its upper half so that clients that failed together do not
// retry together.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.Backoff << n
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

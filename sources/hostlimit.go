package sources

import (
	"context"
	"sync"
	"time"
)

// hostLimiter keeps the fetcher polite to each host: at most conc requests
// in flight and at least interval between the starts of two requests. It
// is shared by every Fetch of one Fetcher, so refreshing the sources of
// many servers that live on one host does not multiply the load.
type hostLimiter struct {
	conc     int
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// hostSlot is one host's semaphore and the earliest time its next request
// may start.
type hostSlot struct {
	sem  chan struct{}
	next time.Time
	// users counts acquirers holding or waiting for the slot, so an idle
	// slot can be dropped and the map does not grow without bound.
	users int
}

func newHostLimiter(conc int, interval time.Duration) *hostLimiter {
	return &hostLimiter{conc: conc, interval: interval, now: time.Now, hosts: map[string]*hostSlot{}}
}

// acquire waits until a request to host may start, honouring delay when
// it is longer than the limiter's interval (a robots.txt Crawl-delay), and
// returns the function that ends the request. It fails only when ctx ends.
func (l *hostLimiter) acquire(ctx context.Context, host string, delay time.Duration) (release func(), err error) {
	l.mu.Lock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, l.conc)}
		l.hosts[host] = s
	}
	s.users++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		s.users--
		if s.users == 0 && !s.next.After(l.now()) {
			delete(l.hosts, host)
		}
		l.mu.Unlock()
	}

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
	release = func() { <-s.sem; done() }

	delay = max(delay, l.interval)
	l.mu.Lock()
	now := l.now()
	start := now
	if s.next.After(now) {
		start = s.next
	}
	s.next = start.Add(delay)
	l.mu.Unlock()
	if wait := start.Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

package bot

import (
	"sync"
	"time"
)

// maxBuckets is how many users' buckets are kept before full ones (users
// who have not asked for a while) are forgotten.
const maxBuckets = 10000

// rateLimiter is a token bucket per user: a user may ask perMinute
// questions in a burst, then one every 60s/perMinute.
type rateLimiter struct {
	mu      sync.Mutex
	burst   float64
	perSec  float64
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{
		burst:   float64(perMinute),
		perSec:  float64(perMinute) / 60,
		now:     now,
		buckets: make(map[string]*bucket),
	}
}

// allow takes a token from user's bucket. When it is empty, it returns
// false and how long until the next token.
func (l *rateLimiter) allow(user string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[user]
	if !ok {
		l.prune(now)
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[user] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.perSec)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
	return false, wait
}

// prune forgets the buckets that have refilled, when there are too many.
func (l *rateLimiter) prune(now time.Time) {
	if len(l.buckets) < maxBuckets {
		return
	}
	for user, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.perSec >= l.burst {
			delete(l.buckets, user)
		}
	}
}

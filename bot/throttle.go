package bot

import (
	"sync"
	"time"
)

// throttle forwards the latest of a stream of updates at most once per
// interval: the first at once, then the newest one pending when the
// interval has passed. Updates in between are dropped, since each partial
// answer contains the ones before it.
type throttle struct {
	send     func(Reply)
	interval time.Duration
	after    func(time.Duration) <-chan time.Time

	mu     sync.Mutex
	latest *Reply
	wake   chan struct{}
	stopc  chan struct{}
	done   chan struct{}
}

func newThrottle(interval time.Duration, send func(Reply)) *throttle {
	return newThrottleWithClock(interval, send, time.After)
}

// newThrottleWithClock lets tests control the passing of intervals.
func newThrottleWithClock(interval time.Duration, send func(Reply), after func(time.Duration) <-chan time.Time) *throttle {
	t := &throttle{
		send:     send,
		interval: interval,
		after:    after,
		wake:     make(chan struct{}, 1),
		stopc:    make(chan struct{}),
		done:     make(chan struct{}),
	}
	go t.loop()
	return t
}

// update offers a new version of the message.
func (t *throttle) update(r Reply) {
	t.mu.Lock()
	t.latest = &r
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// stop drops any pending update and returns once no send is in progress,
// so the caller's final edit cannot be overtaken by a partial one.
func (t *throttle) stop() {
	close(t.stopc)
	<-t.done
}

func (t *throttle) loop() {
	defer close(t.done)
	for {
		select {
		case <-t.stopc:
			return
		case <-t.wake:
		}
		t.mu.Lock()
		r := t.latest
		t.latest = nil
		t.mu.Unlock()
		if r == nil {
			continue
		}
		select {
		case <-t.stopc:
			return
		default:
		}
		t.send(*r)
		select {
		case <-t.stopc:
			return
		case <-t.after(t.interval):
		}
	}
}

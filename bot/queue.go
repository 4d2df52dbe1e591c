package bot

import (
	"context"
	"slices"
	"sync"
)

// queue caps the answers computed at once. Questions beyond the cap wait
// in arrival order; a freed slot goes straight to the first waiter, so a
// newcomer cannot overtake the queue.
type queue struct {
	mu      sync.Mutex
	free    int
	waiters []chan struct{}
	depth   func(n int) // reports the number waiting; may be nil
}

func newQueue(slots int, depth func(int)) *queue {
	return &queue{free: slots, depth: depth}
}

// acquire waits for a slot. When the question has to wait, onQueued (if
// not nil) is called with its 1-based position before waiting. The caller
// must call release once done.
func (q *queue) acquire(ctx context.Context, onQueued func(pos int)) (release func(), err error) {
	q.mu.Lock()
	if q.free > 0 && len(q.waiters) == 0 {
		q.free--
		q.mu.Unlock()
		return q.releaser(), nil
	}
	ready := make(chan struct{})
	q.waiters = append(q.waiters, ready)
	pos := len(q.waiters)
	q.report()
	q.mu.Unlock()

	if onQueued != nil {
		onQueued(pos)
	}
	select {
	case <-ready:
		return q.releaser(), nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	select {
	case <-ready:
		// Granted as ctx ended: pass the slot on.
		q.mu.Unlock()
		q.releaser()()
	default:
		if i := slices.Index(q.waiters, ready); i >= 0 {
			q.waiters = slices.Delete(q.waiters, i, i+1)
		}
		q.report()
		q.mu.Unlock()
	}
	return nil, ctx.Err()
}

// releaser returns a function that frees the slot once, however often it
// is called.
func (q *queue) releaser() func() {
	var once sync.Once
	return func() { once.Do(q.release) }
}

func (q *queue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiters) > 0 {
		close(q.waiters[0])
		q.waiters = q.waiters[1:]
		q.report()
		return
	}
	q.free++
}

// report must be called with q.mu held.
func (q *queue) report() {
	if q.depth != nil {
		q.depth(len(q.waiters))
	}
}

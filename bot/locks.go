package bot

import (
	"context"
	"sync"
)

// keyedLocks is one lock per key (a server), held by at most one holder
// at a time; different keys never wait for each other. Unused locks are
// dropped.
type keyedLocks struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	token chan struct{} // holds a value while locked
	refs  int
}

func newKeyedLocks() *keyedLocks { return &keyedLocks{locks: make(map[string]*keyedLock)} }

// lock takes key's lock, calling onWait first when it has to wait. It
// returns false, without the lock, when ctx ends while waiting; otherwise
// the caller must call unlock.
func (k *keyedLocks) lock(ctx context.Context, key string, onWait func()) (unlock func(), ok bool) {
	k.mu.Lock()
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{token: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.token <- struct{}{}:
	default:
		if onWait != nil {
			onWait()
		}
		select {
		case l.token <- struct{}{}:
		case <-ctx.Done():
			release()
			return nil, false
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-l.token
			release()
		})
	}, true
}

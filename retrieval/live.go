package retrieval

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrNoIndex reports a search or load with no index to use.
var ErrNoIndex = errors.New("no index")

// Live holds the index that questions are answered from. A reindex builds
// a new Index and swaps it in; searches already running finish on the old
// one, and no search ever waits for a rebuild.
type Live struct {
	cur atomic.Pointer[Index]
}

// NewLive returns a Live serving ix (which may be nil until the first
// index is ready).
func NewLive(ix *Index) *Live {
	l := &Live{}
	l.cur.Store(ix)
	return l
}

// Load returns the current index, or nil.
func (l *Live) Load() *Index { return l.cur.Load() }

// Swap makes ix current and returns the index it replaces.
func (l *Live) Swap(ix *Index) (old *Index) { return l.cur.Swap(ix) }

// Search searches the current index; with none it returns ErrNoIndex.
func (l *Live) Search(ctx context.Context, query string, k int) ([]Hit, error) {
	ix := l.cur.Load()
	if ix == nil {
		return nil, ErrNoIndex
	}
	return ix.Search(ctx, query, k)
}

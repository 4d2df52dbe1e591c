package retrieval

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func TestLiveSwapUnderSearch(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(64)
	a := mustBuild(t, diplomacy(), emb)
	b := mustBuild(t, []corpus.Chunk{chunk("other#1", "Bread", "Sourdough bread needs a starter.")}, emb)
	l := NewLive(a)

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				hits, err := l.Search(ctx, "sourdough talks", 3)
				if err != nil {
					errs <- err
					return
				}
				if len(hits) == 0 {
					errs <- errors.New("no hits")
					return
				}
			}
		}()
	}
	for i := range 100 {
		next := b
		if i%2 == 1 {
			next = a
		}
		if old := l.Swap(next); old == nil {
			t.Errorf("Swap returned nil old index")
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Search during swaps: %v", err)
	}
	if l.Load() != a {
		t.Errorf("Load after an even number of swaps is not the first index")
	}
}

func TestLiveEmpty(t *testing.T) {
	l := NewLive(nil)
	if _, err := l.Search(context.Background(), "q", 1); !errors.Is(err, ErrNoIndex) {
		t.Errorf("Search with no index: err = %v, want ErrNoIndex", err)
	}
}

package kb

import (
	"context"
	"fmt"
	"sync"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// Searcher searches one server's knowledge base: its own index and the
// base's, merged, each with the server's taught phrasings. It satisfies
// answer.Searcher.
type Searcher struct {
	m     *Manager
	guild string
}

// Searcher returns the searcher of guild. It loads nothing until it
// searches. The searcher of store.BaseGuild searches the base alone, with
// the operator's taught phrasings.
func (m *Manager) Searcher(guild string) Searcher { return Searcher{m: m, guild: guild} }

// Search returns the best k hits of the server's own documents and the
// base's together. The two indexes are searched at once.
func (s Searcher) Search(ctx context.Context, query string, k int) ([]retrieval.Hit, error) {
	own, err := s.m.ownOf(ctx, s.guild)
	if err != nil {
		return nil, err
	}
	ixs := []*retrieval.Index{indexOf(own), indexOf(s.m.baseOf(s.guild))}
	if ixs[0] == nil && ixs[1] == nil {
		return nil, fmt.Errorf("searching for server %s: %w", s.guild, ErrNoFAQ)
	}
	ownAl, baseAl := s.m.aliases(ctx, s.guild, ixs[0], ixs[1])
	als := []*retrieval.Aliases{ownAl, baseAl}
	lists := make([][]retrieval.Hit, len(ixs))
	errs := make([]error, len(ixs))
	var wg sync.WaitGroup
	for i, ix := range ixs {
		if ix == nil {
			continue
		}
		wg.Go(func() { lists[i], errs[i] = ix.SearchWith(ctx, query, k, retrieval.SearchOptions{Aliases: als[i]}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			which := "its own documents"
			if i == 1 {
				which = "the base corpus"
			}
			return nil, fmt.Errorf("searching %s for server %s: %w", which, s.guild, err)
		}
	}
	return Merge(k, lists...), nil
}

// Passage returns the passage with the given ID from the server's own
// documents or the base's, as Manager.Passage does; with it an answer can
// read on from a hit into the passages around it (answer.Passages).
func (s Searcher) Passage(ctx context.Context, id string) (corpus.Chunk, bool, error) {
	return s.m.Passage(ctx, s.guild, id)
}

// Merge combines hit lists from several indexes into one, at most k (all
// when k <= 0). Each list keeps its index's own order (Search ranks by more
// than confidence: among relevant passages, the one that dwells on the
// question's words comes first), and the lists are interleaved by
// Relevance, which must compare across indexes: the next hit is the best
// of the lists' next ones, the earlier list's (the server's own
// documents) on a tie. So a server with no documents of its own is
// answered exactly as the base alone would be.
func Merge(k int, lists ...[]retrieval.Hit) []retrieval.Hit {
	var out []retrieval.Hit
	next := make([]int, len(lists))
	for k <= 0 || len(out) < k {
		best := -1
		for i, l := range lists {
			if next[i] < len(l) && (best < 0 || Relevance(l[next[i]]) > Relevance(lists[best][next[best]])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, lists[best][next[best]])
		next[best]++
	}
	return out
}

// Relevance is the value Merge orders hits by. It must mean the same in
// every index: Hit.Score is each index's calibrated confidence, which maps
// that index's own measured threshold to retrieval.ConfidenceThreshold, so
// retrieval.Decide takes the merged list as it would either index's own.
func Relevance(h retrieval.Hit) float64 { return h.Score }

package kb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

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

// Merge combines hit lists from several indexes into one, best first, at
// most k (all when k <= 0). Hits are ordered by Relevance, which must
// compare across indexes; on a tie the earlier list (the server's own
// documents) comes first.
func Merge(k int, lists ...[]retrieval.Hit) []retrieval.Hit {
	var all []retrieval.Hit
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortStableFunc(all, func(a, b retrieval.Hit) int { return cmp.Compare(Relevance(b), Relevance(a)) })
	if k > 0 && len(all) > k {
		all = all[:k]
	}
	return all
}

// Relevance is the value Merge orders hits by. It must mean the same in
// every index: Hit.Score is each index's calibrated confidence, which maps
// that index's own measured threshold to retrieval.ConfidenceThreshold, so
// retrieval.Decide takes the merged list as it would either index's own.
func Relevance(h retrieval.Hit) float64 { return h.Score }

package answer

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/faqbot/faqbot/retrieval"
)

// rrfK is the rank offset of reciprocal rank fusion (Cormack, Clarke and
// Büttcher, 2009, whose 60 is the usual choice): a passage's fused score is
// the sum over queries of 1/(rrfK + rank). The offset is large against the
// handful of ranks each query contributes, so a passage that several
// phrasings of the question rank well beats one that a single phrasing
// ranks first, which is the point of asking several. Ranks, unlike scores,
// mean the same for every query, so no query's scale dominates.
const rrfK = 60

// retrieved is what retrieval found for a question.
type retrieved struct {
	plan plan
	// rewritten is set when the model wrote the plan; otherwise the
	// question was searched as asked.
	rewritten bool
	// hits are the passages found, best first, at most K.
	hits []retrieval.Hit
	// lexicalOnly is set when some search could not embed its query and
	// found passages by their words alone.
	lexicalOnly bool
}

// retrieve searches for q: as asked (see asAsked), and in LLM mode also
// with the queries the model writes from the question and the headings of
// what the first search found, all results fused.
func (e *Engine) retrieve(ctx context.Context, q Question) (retrieved, error) {
	first := asAsked(q)
	hits, err := e.search.Search(ctx, first, e.opts.K)
	if err != nil {
		return retrieved{}, fmt.Errorf("searching the index: %w", err)
	}
	r := retrieved{plan: plan{standalone: first, queries: []string{first}}, hits: hits, lexicalOnly: anyLexicalOnly(hits)}
	if e.opts.Chat == nil {
		return r, nil
	}
	p, err := e.planQueries(ctx, q, first, headings(hits))
	if err != nil {
		if ctx.Err() != nil {
			return retrieved{}, fmt.Errorf("writing search queries: %w", ctx.Err())
		}
		e.lg.Warn("writing search queries failed, searching the question as asked", "err", err)
		return r, nil
	}
	lists, err := e.searchAll(ctx, p.queries[1:])
	if err != nil {
		return retrieved{}, fmt.Errorf("searching the index: %w", err)
	}
	lists = append([][]retrieval.Hit{hits}, lists...)
	r = retrieved{plan: p, rewritten: true, hits: fuse(lists, e.opts.K)}
	for _, l := range lists {
		r.lexicalOnly = r.lexicalOnly || anyLexicalOnly(l)
	}
	return r, nil
}

// searchAll searches the queries at once and returns their hits in the
// queries' order.
func (e *Engine) searchAll(ctx context.Context, queries []string) ([][]retrieval.Hit, error) {
	lists := make([][]retrieval.Hit, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = e.search.Search(ctx, q, e.opts.K)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return lists, nil
}

// fuse merges the hit lists of several queries by reciprocal rank fusion
// and returns the best k. A passage found by several queries appears once
// (near-duplicates, which Search links by DupOf, count as one passage),
// carrying the hit with its best score, so that relevance is judged on
// the query that matched it best.
func fuse(lists [][]retrieval.Hit, k int) []retrieval.Hit {
	type entry struct {
		hit   retrieval.Hit
		rrf   float64
		first int
	}
	byKey := map[string]*entry{}
	var all []*entry
	for _, list := range lists {
		for rank, h := range list {
			key := passageKey(h)
			en := byKey[key]
			if en == nil {
				en = &entry{hit: h, first: len(all)}
				byKey[key] = en
				all = append(all, en)
			} else if h.Score > en.hit.Score {
				en.hit = h
			}
			en.rrf += 1 / float64(rrfK+rank+1)
		}
	}
	slices.SortFunc(all, func(a, b *entry) int {
		if c := cmp.Compare(b.rrf, a.rrf); c != 0 {
			return c
		}
		if c := cmp.Compare(b.hit.Score, a.hit.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.first, b.first)
	})
	out := make([]retrieval.Hit, 0, min(k, len(all)))
	for _, en := range all[:min(k, len(all))] {
		out = append(out, en.hit)
	}
	return out
}

// passageKey identifies a passage across queries: its group of
// near-duplicates when it has one.
func passageKey(h retrieval.Hit) string {
	if h.Chunk.DupOf != "" {
		return h.Chunk.DupOf
	}
	return h.Chunk.ID
}

func anyLexicalOnly(hits []retrieval.Hit) bool {
	for _, h := range hits {
		if h.LexicalOnly {
			return true
		}
	}
	return false
}

package retrieval

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/faqbot/faqbot/corpus"
)

// minCandidates is the fewest candidates taken from each ranking before
// fusion, so that a passage ranked modestly by both can still rise to the
// top, and near-duplicates removed after fusion still leave k hits.
const minCandidates = 20

// candidatesPerHit is how many candidates per requested hit each ranking
// contributes when k is large.
const candidatesPerHit = 4

// maxDupChain bounds the walk along Chunk.DupOf links to the canonical
// passage, in case the corpus ever records a cycle.
const maxDupChain = 8

// Search returns up to k passages for the query, best first: the nearest
// vectors and the best BM25 matches are pooled, each given its relevance
// and calibrated confidence (Hit.Relevance, Hit.Score) and ranked (see
// Calibration.rankKey), and near-duplicates collapsed so the same content
// is never returned twice. A blank query or k <= 0 gives no hits and no
// error. When the embedder fails and ctx is still live, the hits come from
// BM25 alone, each marked LexicalOnly, rather than an error.
func (ix *Index) Search(ctx context.Context, query string, k int) ([]Hit, error) {
	return ix.SearchWith(ctx, query, k, SearchOptions{})
}

// SearchOptions add to what Search looks at.
type SearchOptions struct {
	// Aliases are taught questions of this index's passages (see
	// Index.Aliases); aliases made for another index are ignored.
	Aliases *Aliases
	// Expander, when set, replaces the index's own expander (see
	// BuildOptions.Expander) for this search. The index was calibrated
	// with its own: another one shifts the relevance its threshold was
	// measured on.
	Expander Expander
}

// SearchWith is Search with options.
func (ix *Index) SearchWith(ctx context.Context, query string, k int, opt SearchOptions) (hits []Hit, err error) {
	if strings.TrimSpace(query) == "" || k <= 0 || ix.Len() == 0 {
		return nil, nil
	}
	// Vectors and passages are read in place from the index's shards,
	// which may be mapped files: keep them until the end.
	defer runtime.KeepAlive(ix)
	err = guard(func() error {
		hits, err = ix.search(ctx, query, k, opt)
		return err
	})
	return hits, err
}

func (ix *Index) search(ctx context.Context, text string, k int, opt SearchOptions) ([]Hit, error) {
	exp := opt.Expander
	if exp == nil {
		exp = ix.exp
	}
	q := analyzeQuery(text, ix.lex, exp)
	lexicalOnly := false
	found, err := ix.candidates(ctx, q, max(k*candidatesPerHit, minCandidates), opt.Aliases, func() ([]float32, error) {
		qv, err := ix.embedQuery(ctx, q.embed)
		if err != nil && ctx.Err() == nil {
			// An embedder that is down or stalled must not take the
			// answers down with it: the lexical half still finds what
			// shares words with the question, and the hits say how they
			// were found.
			lexicalOnly = true
			return nil, nil
		}
		return qv, err
	})
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	for i := range found {
		found[i].h.LexicalOnly = lexicalOnly
	}
	ix.rank(found)
	hits := make([]Hit, len(found))
	for i, f := range found {
		hits[i] = f.h
	}
	return ix.collapse(hits, k), nil
}

// candidates pools the n best passages by BM25 and the n nearest by
// vector, with their raw signals (Relevance and Score unset), and the hits
// of aliases (taught questions) that share anything with the query. embed
// gives the query vector, nil when the query has no words to embed.
func (ix *Index) candidates(ctx context.Context, q query, n int, aliases *Aliases, embed func() ([]float32, error)) ([]numbered, error) {
	// The lexical half runs beside the embedding and the vector query:
	// chromem spends part of a query feeding its workers from one
	// goroutine, and BM25 fills that idle time, so at 100k passages Search
	// costs little more than chromem's query alone. The scratch space
	// belongs to the goroutine until lexTop is received.
	s, _ := ix.scratch.Get().(*lexScores)
	if s == nil {
		s = &lexScores{}
	}
	lexDone := make(chan []int32, 1)
	var lexErr error
	go func() {
		var top []int32
		lexErr = guard(func() error {
			ix.lex.score(q, s)
			top = s.top(n)
			return nil
		})
		lexDone <- top
	}()
	var lexTop []int32
	received := false
	defer func() {
		if !received {
			<-lexDone
		}
		s.reset()
		ix.scratch.Put(s)
	}()

	qv, err := embed()
	if err != nil {
		return nil, err
	}
	cos := map[int32]float64{}
	// The postings read are the query terms', in every shard; the
	// vectors and passages read are released as they are read (scatter),
	// the last shard's by this.
	defer ix.releaseAll()
	if qv != nil {
		res, err := ix.queryVectors(ctx, qv, n)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			cos[r.d] = float64(r.sim)
		}
	}
	lexTop, received = <-lexDone, true
	if lexErr != nil {
		return nil, lexErr
	}

	// Passages found only by BM25 still need their cosine.
	rows := scatter{ix: ix}
	for _, d := range slices.Sorted(slices.Values(lexTop)) {
		if _, ok := cos[d]; ok || qv == nil {
			continue
		}
		rows.touch(d)
		if v := ix.vector(d); v != nil {
			cos[d] = dot(qv, v)
		} else {
			cos[d] = 0
		}
	}
	for _, d := range lexTop {
		if _, ok := cos[d]; !ok {
			cos[d] = 0 // no query vector: lexical evidence only
		}
	}

	found := make([]numbered, 0, len(cos))
	for _, d := range slices.Sorted(maps.Keys(cos)) {
		c := cos[d]
		rows.touch(d)
		h := Hit{
			Chunk:    ix.chunkAt(d),
			Vector:   c,
			Lexical:  s.lexical(d),
			Coverage: s.coverage(d),
		}
		h.TitleCoverage = s.titleCoverage(ix.titleTerms(d))
		found = append(found, numbered{h, d})
	}
	// A passage found through a taught question competes with its own
	// hit; collapse keeps the better of the two.
	found = append(found, ix.aliasHits(aliases, s, qv, false)...)
	return found, nil
}

// rank gives each hit its relevance and confidence under the index's
// calibration and puts them in rank order (see Calibration.rankKey), best
// first; ties go to the passage whose title asks the question, then to the
// earlier passage, so results are reproducible. A passage may be there
// twice, by its own text and through a taught question.
func (ix *Index) rank(found []numbered) {
	cal := ix.Calibration()
	keys := make([]float64, len(found))
	for i := range found {
		h := &found[i].h
		h.Relevance = cal.relevance(*h)
		h.Score = cal.Confidence(h.Relevance)
		keys[i] = cal.rankKey(*h)
	}
	order := make([]int, len(found))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if c := cmp.Compare(keys[j], keys[i]); c != 0 {
			return c
		}
		if c := cmp.Compare(found[j].h.TitleCoverage, found[i].h.TitleCoverage); c != 0 {
			return c
		}
		return cmp.Compare(found[i].d, found[j].d)
	})
	sorted := make([]numbered, len(found))
	for i, o := range order {
		sorted[i] = found[o]
	}
	copy(found, sorted)
}

// embedQuery embeds the query (with EmbedQuery when the embedder tells
// queries from passages); nil means it has no words to embed (only
// punctuation, say), so vector search is skipped rather than fed a vector
// chromem would divide by zero.
func (ix *Index) embedQuery(ctx context.Context, q string) ([]float32, error) {
	embed := ix.emb.Embed
	if qe, ok := ix.emb.(QueryEmbedder); ok {
		embed = qe.EmbedQuery
	}
	vs, err := embed(ctx, []string{q})
	if err != nil {
		return nil, fmt.Errorf("embedding query: %w", err)
	}
	if len(vs) != 1 {
		return nil, fmt.Errorf("embedding query: got %d vectors: %w", len(vs), ErrBadVector)
	}
	zero, err := checkVector(vs[0], ix.emb.Dim())
	if err != nil {
		return nil, fmt.Errorf("embedding query: %w", err)
	}
	if zero {
		return nil, nil
	}
	return vs[0], nil
}

// embedQueries embeds several questions in one call, as embedQuery does
// one (with EmbedQuery when the embedder tells queries from passages); a
// question with no words gets nil.
func (ix *Index) embedQueries(ctx context.Context, qs []string) ([][]float32, error) {
	if len(qs) == 0 {
		return nil, nil
	}
	embed := ix.emb.Embed
	if qe, ok := ix.emb.(QueryEmbedder); ok {
		embed = qe.EmbedQuery
	}
	vs, err := embed(ctx, qs)
	if err != nil {
		return nil, fmt.Errorf("embedding questions: %w", err)
	}
	if len(vs) != len(qs) {
		return nil, fmt.Errorf("embedding questions: got %d vectors for %d: %w", len(vs), len(qs), ErrBadVector)
	}
	for i, v := range vs {
		zero, err := checkVector(v, ix.emb.Dim())
		if err != nil {
			return nil, fmt.Errorf("embedding questions: %w", err)
		}
		if zero {
			vs[i] = nil
		}
	}
	return vs, nil
}

// numbered is a hit and its passage's number, which breaks ties.
type numbered struct {
	h Hit
	d int32
}

// VectorMatch is one passage found by vector similarity alone: the part of
// a chromem result that search uses (the library's own type, whose slices
// alias the collection, stays in vectors.go).
type VectorMatch struct {
	// ID is the passage's Chunk.ID.
	ID string
	// Similarity is the cosine of the query and passage vectors.
	Similarity float32
}

// NearestVectors returns up to n passages whose vectors are nearest qv,
// best first, by the vector half of Search alone (see queryVectors): none
// of Search's lexical scoring, fusion or collapsing of duplicates. It is
// for benchmarks and diagnostics that separate the cost of the vector
// search from the rest of Search. qv must be a normalised vector from
// Embedder.
func (ix *Index) NearestVectors(ctx context.Context, qv []float32, n int) (out []VectorMatch, err error) {
	defer runtime.KeepAlive(ix)
	err = guard(func() error {
		res, err := ix.queryVectors(ctx, qv, n)
		if err != nil {
			return err
		}
		out = make([]VectorMatch, len(res))
		for i, r := range res {
			s, k := ix.locate(int(r.d))
			out[i] = VectorMatch{ID: s.key(s.pass[k].id), Similarity: r.sim}
		}
		return nil
	})
	return out, err
}

// collapse keeps, of each group of near-duplicates, only the best-ranked
// hit (hits arrive in rank order), and returns at most k hits.
func (ix *Index) collapse(hits []Hit, k int) []Hit {
	seen := make(map[string]bool, k)
	out := make([]Hit, 0, min(k, len(hits)))
	for _, h := range hits {
		key := ix.canonical(h.Chunk)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, h)
		if len(out) == k {
			break
		}
	}
	return out
}

// canonical follows DupOf links to the passage a group of near-duplicates
// shares: a hit, its DupOf target and other copies of that target all map
// to the same ID.
func (ix *Index) canonical(c corpus.Chunk) string {
	id := c.ID
	for range maxDupChain {
		if c.DupOf == "" || c.DupOf == id {
			return id
		}
		id = c.DupOf
		next, ok := ix.Chunk(id)
		if !ok {
			return id
		}
		c = next
	}
	return id
}

package retrieval

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/faqbot/faqbot/corpus"
)

// Fusion weights of Hit.Score. They sum to 1, so the score stays in [0, 1]
// and means the same thing for every question, which a fixed relevance floor
// needs. (Reciprocal rank fusion was rejected for that reason: it ranks
// well but says nothing about whether the best hit is any good.)
//
// Coverage leads because it is the signal that separates on-topic from
// off-topic questions: the built-in embedder gives a modest cosine to any
// texts that share character n-grams, and BM25 rewards a single common word,
// but a question whose rare words the passage lacks is not answered by it.
// The cosine carries paraphrase and spelling variants that stemming misses;
// BM25 breaks ties between covering passages by how much they dwell on the
// terms.
const (
	coverageWeight = 0.5
	vectorWeight   = 0.3
	lexicalWeight  = 0.2
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
// vectors and the best BM25 matches are pooled, each scored by
// coverageWeight·Coverage + vectorWeight·max(0, cosine) +
// lexicalWeight·Lexical, and near-duplicates collapsed so the same content
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

func (ix *Index) search(ctx context.Context, query string, k int, opt SearchOptions) ([]Hit, error) {
	nCand := max(k*candidatesPerHit, minCandidates)

	// The lexical half runs beside the vector query: chromem spends part
	// of a query feeding its workers from one goroutine, and BM25 fills
	// that idle time, so at 100k passages Search costs little more than
	// chromem's query alone. The scratch space belongs to the goroutine
	// until lexTop is received.
	s, _ := ix.scratch.Get().(*lexScores)
	if s == nil {
		s = &lexScores{}
	}
	lexDone := make(chan []int32, 1)
	var lexErr error
	go func() {
		var top []int32
		lexErr = guard(func() error {
			ix.lex.score(queryTerms(query), s)
			top = s.top(nCand)
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

	qv, err := ix.embedQuery(ctx, query)
	lexicalOnly := false
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("searching: %w", err)
		}
		// An embedder that is down or stalled must not take the answers
		// down with it: the lexical half still finds what shares words
		// with the question, and the hits say how they were found.
		qv, lexicalOnly = nil, true
	}

	cos := map[int32]float64{}
	if qv != nil {
		res, err := ix.queryVectors(ctx, qv, nCand)
		if err != nil {
			return nil, fmt.Errorf("searching: %w", err)
		}
		for _, r := range res {
			cos[r.d] = float64(r.sim)
		}
	}
	lexTop, received = <-lexDone, true
	if lexErr != nil {
		return nil, fmt.Errorf("searching: %w", lexErr)
	}

	// Passages found only by BM25 still need their cosine.
	for _, d := range lexTop {
		if _, ok := cos[d]; ok || qv == nil {
			continue
		}
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
	for d, c := range cos {
		h := Hit{
			Chunk:    ix.chunkAt(d),
			Vector:   c,
			Lexical:  s.lexical(d),
			Coverage: s.coverage(d),

			LexicalOnly: lexicalOnly,
		}
		h.TitleCoverage = s.titleCoverage(ix.titleTerms(d))
		h.Score = fuse(h)
		found = append(found, numbered{h, d})
	}
	// A passage found through a taught question competes with its own
	// hit; collapse keeps the better of the two.
	for _, f := range ix.aliasHits(opt.Aliases, s, qv, lexicalOnly) {
		f.h.Score = fuse(f.h)
		found = append(found, f)
	}
	slices.SortFunc(found, func(a, b numbered) int {
		if c := cmp.Compare(b.h.Score, a.h.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.d, b.d)
	})
	hits := make([]Hit, len(found))
	for i, f := range found {
		hits[i] = f.h
	}
	return ix.collapse(hits, k), nil
}

// titleWeight is the bonus for a passage whose title asks the question
// asked. An FAQ entry's title is the question it was written to answer,
// so it should beat a longer passage that merely mentions every word
// (the Go FAQ's "How big is an int?" entry against its section on numeric
// conversions). Off-topic questions share no title words, so the bonus does
// not move the relevance floor; the sum is capped at 1.
const titleBonus = 0.15

// fuse combines a hit's signals into its score in [0, 1].
func fuse(h Hit) float64 {
	return min(1, coverageWeight*clamp01(h.Coverage)+
		vectorWeight*clamp01(h.Vector)+
		lexicalWeight*clamp01(h.Lexical)+
		titleBonus*clamp01(h.TitleCoverage))
}

func clamp01(x float64) float64 { return min(max(x, 0), 1) }

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
			out[i] = VectorMatch{ID: s.str(s.pass[k].id), Similarity: r.sim}
		}
		return nil
	})
	return out, err
}

// collapse keeps, of each group of near-duplicates, only the best-scored
// hit (hits arrive sorted), and returns at most k hits.
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

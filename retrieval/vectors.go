package retrieval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/philippgille/chromem-go"
)

// The vector half of a query runs in two passes. The first scans every
// passage's quantised vector (int8, a quarter of the float32 bytes; see
// quantise) and keeps the best candidateFactor × n; the second hands those
// candidates' full vectors to a chromem-go collection, whose exact
// QueryEmbedding ranks them and gives the cosines that Search scores. An
// index of at most that many vectors goes to chromem whole, as before.
//
// Why not keep every vector in one chromem collection: chromem v0.7.0
// holds float32 vectors in a map of documents, so a collection of 150,000
// passages of 512 dimensions is 300 MB of heap that a cold `faqbot ask`
// must fill before its first query (a map insert and a norm check per
// vector) and that every query scans in full (80 ms here). Its persistence
// writes one gob file per document. The quantised scan reads 75 MB of
// mapped file in place in about a third of that time, and leaves the full
// vectors on disk but for the few dozen rows a query ranks exactly, so a
// cold start neither decodes nor copies them.
const (
	// candidateFactor: the first pass keeps this many candidates per
	// vector result asked for. Quantisation moves a cosine by about
	// 0.002, while the 20th and the 80th best of a query differ by far
	// more, so the exact top n is all but always among them (tested by
	// TestQuantisedCandidatesRecall).
	candidateFactor = 4
	// minCandidates0 is the fewest candidates of the first pass.
	minExactCandidates = 64
)

// vectorHit is a passage's number and its cosine with the query.
type vectorHit struct {
	d   int32
	sim float32
}

// queryVectors returns the n passages whose vectors are nearest qv, best
// first. This is the one place nResults is clamped to the collection's
// size: chromem treats a larger nResults as an error, not as "all of
// them"; the per-query collection never changes, so the count cannot move
// between the two calls.
func (ix *Index) queryVectors(ctx context.Context, qv []float32, n int) ([]vectorHit, error) {
	if n <= 0 || ix.stats.Vectors == 0 {
		return nil, nil
	}
	cands, err := ix.vectorCandidates(qv, max(candidateFactor*n, minExactCandidates))
	if err != nil {
		return nil, fmt.Errorf("querying vectors: %w", err)
	}
	rows := scatter{ix: ix} // cands are in passage order
	defer rows.done()
	db := chromem.NewDB()
	col, err := db.CreateCollection(collectionName, nil, EmbeddingFunc(ix.emb))
	if err != nil {
		return nil, fmt.Errorf("querying vectors: creating collection: %w", err)
	}
	for _, d := range cands {
		// A copy: the collection must not hold memory of a mapped file.
		v := make([]float32, ix.emb.Dim())
		rows.touch(d)
		copy(v, ix.vector(d))
		if err := col.AddDocument(ctx, chromem.Document{ID: strconv.Itoa(int(d)), Embedding: v}); err != nil {
			return nil, fmt.Errorf("querying vectors: %w", err)
		}
	}
	n = min(n, col.Count())
	if n <= 0 {
		return nil, nil
	}
	res, err := col.QueryEmbedding(ctx, qv, n, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("querying vectors: %w", err)
	}
	out := make([]vectorHit, 0, len(res))
	for _, r := range res {
		d, err := strconv.Atoi(r.ID)
		if err != nil {
			return nil, fmt.Errorf("querying vectors: result %q: %w", r.ID, err)
		}
		out = append(out, vectorHit{d: int32(d), sim: r.Similarity})
	}
	return out, nil
}

// collectionName is the chromem collection a query's candidates go to.
const collectionName = "passages"

// scanBlockSize is how many passages one worker of the first pass takes at a
// time: large enough that handing out blocks costs nothing, small enough
// that two workers share a shard evenly.
const scanBlockSize = 4096

// vectorCandidates returns up to limit passages with vectors, the best by
// their quantised dot product with qv (all of them when there are no more
// than limit), in passage order.
func (ix *Index) vectorCandidates(qv []float32, limit int) ([]int32, error) {
	if ix.stats.Vectors <= limit {
		out := make([]int32, 0, ix.stats.Vectors)
		for k, s := range ix.shards {
			for i, r := range s.vecRow {
				if r >= 0 {
					out = append(out, int32(ix.base[k]+i))
				}
			}
		}
		return out, nil
	}
	q := make([]int8, len(qv))
	quantise(qv, q)
	var blocks []scanBlock
	for k, s := range ix.shards {
		for lo := 0; lo < s.n(); lo += scanBlockSize {
			blocks = append(blocks, scanBlock{k, lo, min(lo+scanBlockSize, s.n())})
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(blocks))
	bests := make([]*topK, workers)
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			t := &topK{k: limit}
			bests[w] = t
			errs[w] = guard(func() error {
				ix.scanBlocks(q, blocks, &next, t)
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	all := &topK{k: limit}
	for _, t := range bests {
		for _, m := range t.items {
			all.offer(m.score, m.d)
		}
	}
	out := make([]int32, len(all.items))
	for i, m := range all.items {
		out[i] = m.d
	}
	slices.Sort(out)
	return out, nil
}

// scanBlock is one run of a shard's passages for the first pass.
type scanBlock struct{ shard, lo, hi int }

// scanBlocks takes blocks in turn (next counts them out among the
// workers) and offers their passages' quantised scores to t.
func (ix *Index) scanBlocks(q []int8, blocks []scanBlock, next *atomic.Int64, t *topK) {
	for {
		b := int(next.Add(1) - 1)
		if b >= len(blocks) {
			return
		}
		bl := blocks[b]
		s := ix.shards[bl.shard]
		base := ix.base[bl.shard]
		dim := s.dim
		for i := bl.lo; i < bl.hi; i++ {
			r := s.vecRow[i]
			if r < 0 {
				continue
			}
			score := float32(dotI8(q, s.i8[int(r)*dim:(int(r)+1)*dim])) * s.scale[r]
			t.offer(score, int32(base+i))
		}
	}
}

// topK keeps the k best scores offered, best first; ties go to the lower
// passage number. With k in the tens an insertion into a sorted slice is
// rarer and cheaper than a heap's bookkeeping.
type topK struct {
	k     int
	items []scored
}

type scored struct {
	score float32
	d     int32
}

func better(a, b scored) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.d, b.d)
}

func (t *topK) offer(score float32, d int32) {
	m := scored{score, d}
	if len(t.items) == t.k && better(m, t.items[t.k-1]) >= 0 {
		return
	}
	at, _ := slices.BinarySearchFunc(t.items, m, better)
	t.items = slices.Insert(t.items, at, m)
	if len(t.items) > t.k {
		t.items = t.items[:t.k]
	}
}

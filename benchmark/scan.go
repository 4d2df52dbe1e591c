package benchmark

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
)

// Flat holds vectors end to end in one []float32, the layout a scan over
// memory is fastest on. Its TopK is the floor that any exhaustive vector
// search of the same vectors can at best approach.
type Flat struct {
	dim  int
	data []float32
}

// NewFlat copies vecs (all of length dim) into one contiguous array.
func NewFlat(dim int, vecs [][]float32) *Flat {
	f := &Flat{dim: dim, data: make([]float32, 0, dim*len(vecs))}
	for _, v := range vecs {
		f.data = append(f.data, v[:dim]...)
	}
	return f
}

// Len is the number of vectors.
func (f *Flat) Len() int { return len(f.data) / max(f.dim, 1) }

// Bytes is the size of the vector data.
func (f *Flat) Bytes() int64 { return int64(4 * len(f.data)) }

// Match is one scan result: a vector's position and its dot product with
// the query.
type Match struct {
	Index int
	Score float32
}

// TopK returns the k vectors with the largest dot product with q, best
// first, scanning GOMAXPROCS slices of the array in parallel (as chromem
// does with its documents) and merging their bests.
func (f *Flat) TopK(q []float32, k int) []Match {
	n := f.Len()
	if k <= 0 || n == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	parts := make([][]Match, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = f.scan(q, lo, hi, k)
		}()
	}
	wg.Wait()
	var all []Match
	for _, p := range parts {
		all = append(all, p...)
	}
	sortMatches(all)
	return all[:min(k, len(all))]
}

// scan keeps the best k of vectors lo..hi in a small sorted slice: with k
// in the tens, an insertion is rarer and cheaper than a heap's bookkeeping.
func (f *Flat) scan(q []float32, lo, hi, k int) []Match {
	best := make([]Match, 0, k+1)
	d := f.dim
	for i := lo; i < hi; i++ {
		s := dot4(q, f.data[i*d:(i+1)*d])
		if len(best) == k && s <= best[k-1].Score {
			continue
		}
		at, _ := slices.BinarySearchFunc(best, s, func(m Match, s float32) int { return cmp.Compare(s, m.Score) })
		best = slices.Insert(best, at, Match{Index: i, Score: s})
		if len(best) > k {
			best = best[:k]
		}
	}
	return best
}

// dot4 is a dot product with four accumulators, so that the additions of
// consecutive elements do not wait on each other.
func dot4(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Index, b.Index)
	})
}

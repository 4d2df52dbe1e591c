package corpus

import "slices"

// Near-duplicate detection compares texts as sets of hashed features: the
// stemmed content words of a text (corpus.Terms) and its word pairs (two
// consecutive terms). Word pairs keep a little word order, so that two
// texts made of the same words but not the same sentences (two pages of
// one template, two reports drawn from one vocabulary) stay apart, while a
// copy, an abridged copy or a translation keeps most of them. Hashes are
// 32 bits: a collision merges two features of one comparison, which moves
// a similarity by a hair, and halves the memory of the sets.

// fnv64 hashes s with FNV-1a, which is stable across processes and
// machines: sketches are saved with the index and compared with those of
// later runs.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is the splitmix64 finaliser: it spreads every input bit over the
// output, so that the low and high halves of a hash are independent.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// textSets are the feature sets of one text, each sorted and unique.
type textSets struct {
	terms   []uint32 // hashed terms
	bigrams []uint32 // hashed pairs of consecutive terms
}

// analyser turns texts into textSets, memoising the terms of each word:
// stemming is most of the cost and a corpus repeats a few thousand words.
// It is not safe for concurrent use.
type analyser struct {
	words map[string][]uint32
	buf   []uint32
}

// maxMemoWords bounds the memo, as retrieval's analyser does.
const maxMemoWords = 200_000

func newAnalyser() *analyser { return &analyser{words: make(map[string][]uint32, 4096)} }

// termHashes appends the hashed terms of text, in order, to out: exactly
// corpus.Terms(text), hashed.
func (a *analyser) termHashes(text string, out []uint32) []uint32 {
	for _, w := range Words(text) {
		hs, ok := a.words[w]
		if !ok {
			if len(a.words) >= maxMemoWords {
				clear(a.words)
			}
			for _, t := range Terms(w) {
				hs = append(hs, uint32(fnv64(t)))
			}
			a.words[w] = hs
		}
		out = append(out, hs...)
	}
	return out
}

// sets analyses text.
func (a *analyser) sets(text string) textSets {
	a.buf = a.termHashes(text, a.buf[:0])
	var s textSets
	s.terms = make([]uint32, len(a.buf))
	copy(s.terms, a.buf)
	if len(a.buf) > 1 {
		s.bigrams = make([]uint32, 0, len(a.buf)-1)
		for i := 1; i < len(a.buf); i++ {
			s.bigrams = append(s.bigrams, pairHash(a.buf[i-1], a.buf[i]))
		}
	}
	s.terms = sortUnique(s.terms)
	s.bigrams = sortUnique(s.bigrams)
	return s
}

// termSet is the sorted, unique hashed terms of text.
func (a *analyser) termSet(text string) []uint32 {
	a.buf = a.termHashes(text, a.buf[:0])
	return sortUnique(slices.Clone(a.buf))
}

func pairHash(a, b uint32) uint32 {
	return uint32(mix64(uint64(a)<<32 | uint64(b)))
}

func sortUnique(s []uint32) []uint32 {
	slices.Sort(s)
	return slices.Compact(s)
}

// union merges sorted unique sets into one.
func union(sets ...[]uint32) []uint32 {
	n := 0
	for _, s := range sets {
		n += len(s)
	}
	out := make([]uint32, 0, n)
	for _, s := range sets {
		out = append(out, s...)
	}
	return sortUnique(out)
}

// intersect counts the elements two sorted sets share.
func intersect(a, b []uint32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// similarity compares two sets: Jaccard (shared over all) and containment
// (shared over the smaller set, which stays high when one text is an
// abridged copy of the other).
type similarity struct {
	Jaccard, Containment float64
}

// compare measures the similarity of two sorted sets.
func compare(a, b []uint32) similarity {
	if len(a) == 0 || len(b) == 0 {
		return similarity{}
	}
	o := float64(intersect(a, b))
	return similarity{
		Jaccard:     o / (float64(len(a)+len(b)) - o),
		Containment: o / float64(min(len(a), len(b))),
	}
}

// MinHash sketches. A sketch of k values estimates the Jaccard similarity
// of two sets by the share of equal values; locality-sensitive hashing
// (LSH) cuts it into bands of r values and hashes each band to a key, so
// that two sets of similarity J share at least one key with probability
// 1-(1-J^r)^b. Sets sharing a key are candidates, and only candidates are
// compared exactly: the cost grows with the number of similar pairs, not
// with the square of the corpus.
//
// A sketch is made by one-permutation hashing: each element's hash picks a
// bin and competes for its minimum, one hash per element rather than one
// per element and bin. Empty bins (a set smaller than k) borrow the value
// of a bin chosen by a hash of the bin number and the attempt ("optimal
// densification", Shrivastava 2017), which keeps the estimate unbiased
// and the same for the same set in every process.

// lshParams says how a sketch is cut into band keys.
type lshParams struct {
	rows, bands int
	seed        uint64 // tells the keys of one kind of sketch from another's
}

// sketchKeys returns the band keys of a set of hashed features, or nil for
// an empty set.
func (p lshParams) sketchKeys(set []uint32) []uint64 {
	if len(set) == 0 {
		return nil
	}
	k := p.rows * p.bands
	const empty = ^uint64(0)
	bins := make([]uint64, k)
	for i := range bins {
		bins[i] = empty
	}
	for _, x := range set {
		h := mix64(uint64(x) ^ p.seed)
		b := int((h >> 32) * uint64(k) >> 32)
		if v := h & 0xffffffff; v < bins[b] {
			bins[b] = v
		}
	}
	filled := make([]uint64, k)
	copy(filled, bins)
	for i := range bins {
		if bins[i] != empty {
			continue
		}
		for attempt := uint64(1); ; attempt++ {
			j := int((mix64(p.seed^uint64(i)<<20^attempt) >> 32) * uint64(k) >> 32)
			if bins[j] != empty {
				filled[i] = bins[j]
				break
			}
		}
	}
	// A key names its band too, so equal keys in two sketches mean the
	// same band agrees, and keys of all bands can share one table.
	keys := make([]uint64, p.bands)
	for b := range keys {
		h := mix64(p.seed*0x9e3779b97f4a7c15 ^ uint64(b))
		for _, v := range filled[b*p.rows : (b+1)*p.rows] {
			h = mix64(h ^ v)
		}
		keys[b] = h
	}
	return keys
}

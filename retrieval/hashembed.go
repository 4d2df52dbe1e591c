package retrieval

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"unicode/utf8"

	"github.com/faqbot/faqbot/corpus"
)

// DefaultHashDim is the vector length of the built-in embedder. 512 keeps a
// 100k-passage index near 200 MB and an exhaustive scan in tens of
// milliseconds, while hash collisions still add only about 1/sqrt(512) ≈ 0.04
// of noise to a cosine.
const DefaultHashDim = 512

// hashAlgo names the feature recipe below. Bump it whenever a feature, weight
// or the hash changes, so the manifest no longer matches and indexes built
// with the old recipe are rebuilt rather than compared against new queries.
const hashAlgo = "hash-v1"

// Feature weights of the built-in embedder. A stemmed word is the unit of
// meaning; a word pair adds a little word order ("security guarantees");
// character n-grams give partial credit to spellings the stemmer does not
// join (Zelensky/Zelenskyy, Blinken/Bellingen), but a word has about a dozen
// of them, so each is weighted low enough that together they stay below the
// word itself.
const (
	unigramWeight = 1.0
	bigramWeight  = 0.5
	ngramWeight   = 0.2
	minNgram      = 3
	maxNgram      = 5
)

// Feature namespaces keep a word, a word pair and an n-gram that happen to
// be the same string from landing on the same feature.
const (
	nsUnigram = 'u'
	nsBigram  = 'b'
	nsNgram   = 'c'
)

// HashEmbedder is the built-in offline Embedder: signed feature hashing of
// stemmed words, word pairs and character n-grams into a fixed-length,
// L2-normalised vector. It needs no model and no network, is deterministic
// across processes and machines, and is safe for concurrent use.
type HashEmbedder struct {
	dim int
	// pool keeps featurizers, and with them their word memos, between
	// calls: Build embeds in batches, and a memo rebuilt for every batch
	// would save little.
	pool sync.Pool
}

var _ Embedder = (*HashEmbedder)(nil)

// NewHashEmbedder returns a hash embedder of dim dimensions; dim <= 0 means
// DefaultHashDim.
func NewHashEmbedder(dim int) *HashEmbedder {
	if dim <= 0 {
		dim = DefaultHashDim
	}
	return &HashEmbedder{dim: dim}
}

// Name identifies the recipe and the dimension, e.g. "hash-v1-512".
func (e *HashEmbedder) Name() string { return fmt.Sprintf("%s-%d", hashAlgo, e.dim) }

// Dim is the vector length.
func (e *HashEmbedder) Dim() int { return e.dim }

// minParallel is the batch size below which Embed stays on one goroutine:
// a query or a handful of passages costs less than starting workers.
const minParallel = 16

// Embed returns one normalised vector per text. A text with no words gets
// the zero vector (it has no direction; callers must not divide by its
// norm). Work is spread over GOMAXPROCS goroutines.
func (e *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hash embedding: %w", err)
	}
	out := make([][]float32, len(texts))
	workers := runtime.GOMAXPROCS(0)
	if len(texts) < minParallel || workers < 2 {
		workers = 1
	}
	var (
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, _ := e.pool.Get().(*featurizer)
			if f == nil {
				f = newFeaturizer(e.dim)
			}
			defer e.pool.Put(f)
			for i := range next {
				out[i] = f.vector(texts[i])
			}
		}()
	}
	var err error
feed:
	for i := range texts {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("hash embedding: %w", err)
	}
	return out, nil
}

// featurizer holds one worker's scratch space; it is not shared.
type featurizer struct {
	dim   int
	an    *analyzer
	index map[uint64]int // feature hash -> position in feats
	feats []feature      // in first-seen order, so sums are reproducible to the bit
	terms []string
	buf   []byte
	acc   []float64
}

// feature is one hashed feature of a text: the weight of one occurrence
// and the number of occurrences.
type feature struct {
	hash   uint64
	weight float64
	n      int
}

func newFeaturizer(dim int) *featurizer {
	return &featurizer{
		dim:   dim,
		an:    newAnalyzer(),
		index: make(map[uint64]int, 1024),
		buf:   make([]byte, 0, 64),
		acc:   make([]float64, dim),
	}
}

// vector computes the embedding of one text.
func (f *featurizer) vector(text string) []float32 {
	clear(f.index)
	f.feats = f.feats[:0]
	clear(f.acc)
	f.terms = f.terms[:0]
	for _, w := range corpus.Words(text) {
		wi := f.an.word(w)
		if wi.terms == nil {
			// A stop word: its n-grams would give every English text the
			// same features and lift the cosine of unrelated texts.
			continue
		}
		f.terms = append(f.terms, wi.terms...)
		if !wi.done {
			wi.grams, wi.done = ngramHashes(w, f.buf), true
		}
		for _, h := range wi.grams {
			f.add(h, ngramWeight)
		}
	}
	for i, t := range f.terms {
		f.add(fnv1a(nsUnigram, t), unigramWeight)
		if i > 0 {
			f.buf = append(append(append(f.buf[:0], f.terms[i-1]...), ' '), t...)
			f.add(fnv1aBytes(nsBigram, f.buf), bigramWeight)
		}
	}
	for _, ft := range f.feats {
		// Sublinear tf: the tenth mention of a word says less than the first.
		w := ft.weight * (1 + math.Log(float64(ft.n)))
		m := mix64(ft.hash)
		// The top bit picks the sign, so colliding features cancel on
		// average instead of piling up.
		if m>>63 == 1 {
			w = -w
		}
		f.acc[m%uint64(f.dim)] += w
	}
	v := make([]float32, f.dim)
	var norm float64
	for _, x := range f.acc {
		norm += x * x
	}
	if norm == 0 {
		return v
	}
	inv := 1 / math.Sqrt(norm)
	for i, x := range f.acc {
		v[i] = float32(x * inv)
	}
	return v
}

func (f *featurizer) add(h uint64, weight float64) {
	if i, ok := f.index[h]; ok {
		f.feats[i].n++
		return
	}
	f.index[h] = len(f.feats)
	f.feats = append(f.feats, feature{hash: h, weight: weight, n: 1})
}

// ngramHashes hashes the character n-grams of one word with boundary
// markers, so "<ne" (a word start) differs from "ne" inside a word. buf is
// scratch space.
func ngramHashes(w string, buf []byte) []uint64 {
	rs := make([]rune, 0, len(w)+2)
	rs = append(rs, '<')
	rs = append(rs, []rune(w)...)
	rs = append(rs, '>')
	var out []uint64
	for n := minNgram; n <= maxNgram; n++ {
		for i := 0; i+n <= len(rs); i++ {
			buf = buf[:0]
			for _, r := range rs[i : i+n] {
				buf = utf8.AppendRune(buf, r)
			}
			out = append(out, fnv1aBytes(nsNgram, buf))
		}
	}
	return out
}

// FNV-1a (64-bit) is written out here rather than taken from hash/fnv to
// avoid an allocation per feature; a test checks it against hash/fnv. Its
// output is fixed by specification, unlike hash/maphash, whose seed changes
// with every process and would make stored vectors meaningless.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fnv1a hashes the namespace byte followed by s.
func fnv1a(ns byte, s string) uint64 {
	h := uint64(fnvOffset64)
	h ^= uint64(ns)
	h *= fnvPrime64
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// fnv1aBytes is fnv1a over a byte slice.
func fnv1aBytes(ns byte, b []byte) uint64 {
	h := uint64(fnvOffset64)
	h ^= uint64(ns)
	h *= fnvPrime64
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

// mix64 is MurmurHash3's 64-bit finaliser. FNV's low bits depend only on
// the low bits of its state, so the bucket (taken modulo a power of two) is
// computed from the mixed value, in which every bit depends on every other.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

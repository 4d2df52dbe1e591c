package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faqbot/faqbot/corpus"
)

// DefaultBatchSize is how many passages go to the embedder per call when
// BuildOptions.BatchSize is unset: large enough to amortise an API request,
// small enough that the progress callback moves and one failed request
// loses little work.
const DefaultBatchSize = 256

// BuildOptions tune Build.
type BuildOptions struct {
	// BatchSize is the number of passages per Embed call; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Progress, if set, is called after each batch with the number of
	// passages embedded so far and the number that need embedding (reused
	// vectors are not counted), starting with (0, total).
	Progress func(done, total int)
	// Reuse maps a Chunk.Hash to a vector made by the same embedder;
	// passages whose hash is present are not embedded again. See
	// Index.VectorsByHash.
	Reuse map[string][]float32
	// MinRelevance, when positive, overrides the calibrated relevance
	// threshold (Calibration.MinRelevance): the FAQBOT_MIN_RELEVANCE
	// setting. A loaded index takes it from Index.SetMinRelevance.
	MinRelevance float64
	// Expander, when set, widens every question searched with related
	// words of the corpus (synonyms, derived forms, other names of a
	// place), below the member's own words. The calibration is measured
	// with it, so that its off-topic questions are widened too and the
	// threshold accounts for what expansion adds. Update keeps the
	// index's own expander when this is nil; a loaded index takes it from
	// LoadOptions.
	Expander Expander
	// ReuseIndex, when set, is an index made by the same embedder whose
	// passages' vectors are reused by hash, looked up as needed rather
	// than copied out in advance (VectorsByHash of a large index is as
	// big as its vectors). Reuse is consulted first.
	ReuseIndex *Index

	// shardSize overrides shardTarget (tests cut small corpora into
	// several shards).
	shardSize int
}

// target is the shard size to cut at.
func (o BuildOptions) target() int {
	if o.shardSize > 0 {
		return o.shardSize
	}
	return shardTarget
}

// reuseVector returns the vector to reuse for a passage of hash h, from Reuse,
// else from ReuseIndex; none for a passage without a hash.
func (o BuildOptions) reuseVector(h string) ([]float32, bool) {
	if h == "" {
		return nil, false
	}
	if v, ok := o.Reuse[h]; ok {
		return v, true
	}
	if o.ReuseIndex != nil {
		return o.ReuseIndex.vectorByHash(h)
	}
	return nil, false
}

// Stats describes an index.
type Stats struct {
	// Passages is the number of passages.
	Passages int
	// Vectors is the number of passages with a vector; passages with no
	// words have none and are found by BM25 only.
	Vectors int
	// Terms is the number of distinct terms in the BM25 index.
	Terms int
	// Embedder and Dim identify the embedder the vectors came from.
	Embedder string
	Dim      int
	// Embedded and Reused count the passages whose vectors were computed
	// and those taken from BuildOptions.Reuse (both 0 after Load).
	Embedded, Reused int
	// Shards is the number of shards the passages are stored in.
	Shards int
	// TextBytes is the size of the passages' IDs, titles and text.
	TextBytes int64
	// Duration is how long Build or Load took.
	Duration time.Duration
}

// Index is a searchable set of passages: their vectors, searched through
// chromem-go, beside a BM25 index of their terms. It is immutable once
// built or loaded, so any number of goroutines may search it without
// locking, and a rebuild makes a new Index rather than changing this one.
//
// The passages live in shards (see shard.go) that may be mapped from the
// index folder; an Index keeps its shards' mappings alive, and methods
// that read them keep the Index alive until they return.
type Index struct {
	emb    Embedder
	shards []*shard
	base   []int // base[i] is the number of passages before shard i; base[len(shards)] the total
	lex    *bm25
	// dupOf holds Chunk.DupOf of the passages that have one, by passage
	// number. It lives beside the shards, not in them, so that a change
	// elsewhere in the corpus that makes a passage a copy does not
	// rewrite the passage's shard.
	dupOf map[int32]string
	stats Stats
	// calib is what calibration measured; minRelevance holds the bits
	// of the threshold override in force (0: none), which may be set
	// after the index is loaded (SetMinRelevance).
	calib Calibration
	// exp widens the questions searched and the calibration's probes;
	// nil: none.
	exp          Expander
	minRelevance atomic.Uint64

	// scratch holds *lexScores reused across searches: the per-passage
	// arrays are large, and sync.Pool is safe for concurrent use.
	scratch sync.Pool
	// titles caches each passage's analysed title, filled on first use:
	// analysing the titles of every hit on every search was a third of a
	// search's own time, and filling them all up front would slow loading.
	titles []atomic.Pointer[[]string]

	docsOnce sync.Once
	docs     map[string]docPlace

	// drift counts the passages updates changed since the calibration
	// was measured (see Update).
	drift int

	hashesOnce sync.Once
	hashes     map[string]int32 // passage number by Chunk.Hash, built on first use
}

// vectorByHash returns a copy of the vector of a passage with the given
// hash (the zero vector for one without words), if the index has one.
func (ix *Index) vectorByHash(h string) (v []float32, ok bool) {
	defer runtime.KeepAlive(ix)
	guard(func() error {
		ix.hashesOnce.Do(func() {
			ix.hashes = make(map[string]int32, ix.Len())
			for k, s := range ix.shards {
				for i := range s.pass {
					if h := s.key(s.pass[i].hash); h != "" {
						if _, dup := ix.hashes[h]; !dup {
							ix.hashes[h] = int32(ix.base[k] + i)
						}
					}
				}
			}
		})
		d, found := ix.hashes[h]
		if !found {
			return nil
		}
		v, ok = make([]float32, ix.emb.Dim()), true
		copy(v, ix.vector(d))
		return nil
	})
	return v, ok
}

// titleTerms returns corpus.Terms of passage d's title.
func (ix *Index) titleTerms(d int32) []string {
	if p := ix.titles[d].Load(); p != nil {
		return *p
	}
	s, i := ix.locate(int(d))
	title := s.titleOf(i)
	terms := append(corpus.Terms(title), compoundTerms(title)...)
	ix.titles[d].Store(&terms)
	runtime.KeepAlive(ix)
	return terms
}

// ErrDuplicateID reports two passages with the same Chunk.ID: passages are
// looked up by ID, and one of the two would never be found.
var ErrDuplicateID = errors.New("duplicate passage id")

// Build embeds the passages (Title + "\n" + Text) with emb, in batches,
// skipping those whose vectors opt.Reuse holds, and builds the index in
// memory: shards of the passages in the given order (passages of one
// document must come together), with their vectors and BM25 postings.
// Chunk.DupOf marks are kept. It fails if the embedder returns a vector of
// the wrong dimension or one that is not normalised.
func Build(ctx context.Context, chunks []corpus.Chunk, emb Embedder, opt BuildOptions) (*Index, error) {
	start := time.Now()
	seen := make(map[string]bool, len(chunks))
	for i, c := range chunks {
		if c.ID == "" {
			return nil, fmt.Errorf("building index: passage %d has no id", i)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("building index: %q: %w", c.ID, ErrDuplicateID)
		}
		seen[c.ID] = true
	}
	vecs, embedded, reused, err := embedPassages(ctx, chunks, emb, opt)
	if err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	var shards []*shard
	for _, r := range shardRanges(chunks, opt.target()) {
		s, err := buildShard(ctx, chunks[r[0]:r[1]], vecs[r[0]:r[1]], emb.Dim())
		if err != nil {
			return nil, fmt.Errorf("building index: %w", err)
		}
		shards = append(shards, s)
	}
	dupOf := map[int32]string{}
	for i, c := range chunks {
		if c.DupOf != "" {
			dupOf[int32(i)] = c.DupOf
		}
	}
	ix := newIndex(emb, shards, dupOf)
	ix.exp = opt.Expander
	if err := ix.measure(ctx, opt.MinRelevance); err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	ix.stats.Embedded, ix.stats.Reused = embedded, reused
	ix.stats.Duration = time.Since(start)
	return ix, nil
}

// measure calibrates the index (see calibrate) and sets the threshold
// override.
func (ix *Index) measure(ctx context.Context, minRelevance float64) error {
	var err error
	err = guard(func() error {
		ix.calib, err = ix.calibrate(ctx)
		return err
	})
	runtime.KeepAlive(ix)
	ix.SetMinRelevance(minRelevance)
	return err
}

// shardRanges cuts passages into runs of at least target passages, ending
// each at a change of document.
func shardRanges(chunks []corpus.Chunk, target int) [][2]int {
	var out [][2]int
	lo := 0
	for i := 1; i <= len(chunks); i++ {
		if i == len(chunks) || i-lo >= target && chunks[i].DocID != chunks[i-1].DocID {
			out = append(out, [2]int{lo, i})
			lo = i
		}
	}
	if len(out) == 0 {
		out = append(out, [2]int{0, 0})
	}
	return out
}

// buildShard makes a shard of passages and their vectors (nil for none).
func buildShard(ctx context.Context, chunks []corpus.Chunk, vecs [][]float32, dim int) (*shard, error) {
	return buildShardWith(ctx, chunks, vecs, nil, dim)
}

// buildShardWith is buildShard for passages some of whose term counts are
// known (known[i] non-nil: a passage kept from an older shard); only the
// others are analysed.
func buildShardWith(ctx context.Context, chunks []corpus.Chunk, vecs [][]float32, known [][]termCount, dim int) (*shard, error) {
	var todo []corpus.Chunk
	var at []int
	for i, c := range chunks {
		if i >= len(known) || known[i] == nil {
			todo = append(todo, c)
			at = append(at, i)
		}
	}
	counted, err := analysePassages(ctx, todo)
	if err != nil {
		return nil, err
	}
	per := make([][]termCount, len(chunks))
	copy(per, known)
	for j, i := range at {
		per[i] = counted[j]
	}
	b := newShardBuilder(dim, len(chunks))
	for i, c := range chunks {
		b.add(c, vecs[i])
	}
	return b.finish(per), nil
}

// analysePassages counts the terms of each passage (title terms weighted),
// in parallel: analysis is most of the cost of indexing.
func analysePassages(ctx context.Context, chunks []corpus.Chunk) ([][]termCount, error) {
	per := make([][]termCount, len(chunks))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(chunks)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			a := newAnalyzer()
			pos := map[string]int{}
			for i := w; i < len(chunks); i += workers {
				if i%256 == 0 && ctx.Err() != nil {
					return
				}
				clear(pos)
				var tcs []termCount // in first-occurrence order, for a reproducible layout
				for _, t := range passageTerms(a, chunks[i]) {
					if j, ok := pos[t]; ok {
						tcs[j].tf++
						continue
					}
					pos[t] = len(tcs)
					tcs = append(tcs, termCount{t, 1})
				}
				per[i] = tcs
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysing passages: %w", err)
	}
	return per, nil
}

// newIndex assembles an Index of shards and its stats.
func newIndex(emb Embedder, shards []*shard, dupOf map[int32]string) *Index {
	return newIndexTerms(emb, shards, dupOf, -1)
}

// newIndexTerms is newIndex with the number of distinct terms known (a
// manifest records it), or -1 to count them, which reads every term of
// every shard.
func newIndexTerms(emb Embedder, shards []*shard, dupOf map[int32]string, terms int) *Index {
	ix := &Index{emb: emb, shards: shards, base: make([]int, len(shards)+1), dupOf: dupOf}
	vectors := 0
	var text int64
	for i, s := range shards {
		ix.base[i+1] = ix.base[i] + s.n()
		vectors += len(s.scale)
		for _, p := range s.pass {
			text += int64(p.id.n) + int64(p.title.n) + int64(p.text.n)
		}
	}
	ix.lex = newBM25(shards, ix.base)
	ix.titles = make([]atomic.Pointer[[]string], ix.Len())
	ix.stats = Stats{
		Passages:  ix.Len(),
		Vectors:   vectors,
		Embedder:  emb.Name(),
		Dim:       emb.Dim(),
		Shards:    len(shards),
		TextBytes: text,
	}
	ix.stats.Terms = terms
	if terms < 0 {
		ix.stats.Terms = ix.lex.distinctTerms()
	}
	return ix
}

// locate returns the shard of passage d and d's number in it.
func (ix *Index) locate(d int) (*shard, int) {
	k := sort.Search(len(ix.shards), func(i int) bool { return ix.base[i+1] > d })
	return ix.shards[k], d - ix.base[k]
}

// passageText is what is embedded for a passage: the title (an FAQ
// question, usually) leads, as a reader would see it.
func passageText(c corpus.Chunk) string {
	if c.Title == "" {
		return c.Text
	}
	return c.Title + "\n" + c.Text
}

// embedPassages returns one vector per chunk (nil for a passage with no
// words), embedding only the texts not in opt.Reuse and each distinct hash
// once.
func embedPassages(ctx context.Context, chunks []corpus.Chunk, emb Embedder, opt BuildOptions) (vecs [][]float32, embedded, reused int, err error) {
	dim := emb.Dim()
	vecs = make([][]float32, len(chunks))
	var todo []int            // chunk indexes to embed
	first := map[string]int{} // hash -> chunk index that embeds it
	var copies [][2]int       // (chunk, chunk with the same hash in todo)
	for i, c := range chunks {
		if v, ok := opt.reuseVector(c.Hash); ok {
			zero, err := checkVector(v, dim)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("reused vector of %q: %w", c.ID, err)
			}
			if !zero {
				vecs[i] = v
			}
			reused++
			continue
		}
		if j, ok := first[c.Hash]; ok && c.Hash != "" {
			copies = append(copies, [2]int{i, j})
			continue
		}
		if c.Hash != "" {
			first[c.Hash] = i
		}
		todo = append(todo, i)
	}

	batch := opt.BatchSize
	if batch <= 0 {
		batch = DefaultBatchSize
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	progress(0, len(todo))
	texts := make([]string, 0, batch)
	for lo := 0; lo < len(todo); lo += batch {
		hi := min(lo+batch, len(todo))
		texts = texts[:0]
		for _, i := range todo[lo:hi] {
			texts = append(texts, passageText(chunks[i]))
		}
		out, err := emb.Embed(ctx, texts)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("embedding passages %d-%d: %w", lo, hi-1, err)
		}
		if len(out) != len(texts) {
			return nil, 0, 0, fmt.Errorf("embedding passages %d-%d: got %d vectors for %d texts: %w", lo, hi-1, len(out), len(texts), ErrBadVector)
		}
		for k, i := range todo[lo:hi] {
			zero, err := checkVector(out[k], dim)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("embedding %q: %w", chunks[i].ID, err)
			}
			if !zero {
				vecs[i] = out[k]
			}
		}
		progress(hi, len(todo))
	}
	for _, c := range copies {
		vecs[c[0]] = vecs[c[1]]
	}
	return vecs, len(todo), reused, nil
}

// Len is the number of passages.
func (ix *Index) Len() int { return ix.base[len(ix.shards)] }

// Chunks returns the passages in index order. They are copied out of the
// index on every call, which for a large index is tens of megabytes: use
// Chunk, or the documents' own records, where a few will do.
// A damaged index file (see fault.go) gives nil.
func (ix *Index) Chunks() []corpus.Chunk {
	out := make([]corpus.Chunk, 0, ix.Len())
	if err := guard(func() error {
		for k, s := range ix.shards {
			for i := range s.n() {
				out = append(out, ix.chunkAt(int32(ix.base[k]+i)))
			}
			s.releaseScattered()
		}
		return nil
	}); err != nil {
		return nil
	}
	return out
}

// chunkAt materialises passage d with its DupOf mark.
func (ix *Index) chunkAt(d int32) corpus.Chunk {
	s, i := ix.locate(int(d))
	c := s.chunk(i)
	c.DupOf = ix.dupOf[d]
	runtime.KeepAlive(ix)
	return c
}

// Chunk returns the passage with the given ID.
func (ix *Index) Chunk(id string) (c corpus.Chunk, ok bool) {
	guard(func() error {
		var d int32
		if d, ok = ix.find(id); ok {
			c = ix.chunkAt(d)
		}
		return nil
	})
	return c, ok
}

// find returns the number of the passage with the given ID.
func (ix *Index) find(id string) (int32, bool) {
	defer runtime.KeepAlive(ix)
	for k, s := range ix.shards {
		if i, ok := s.find(id); ok {
			return int32(ix.base[k] + i), true
		}
	}
	return 0, false
}

// Embedder is the embedder the index was built with; queries must be
// embedded with it.
func (ix *Index) Embedder() Embedder { return ix.emb }

// Stats describes the index.
func (ix *Index) Stats() Stats { return ix.stats }

// Calibration is what the index measured about its corpus and embedder
// when it was built, with the threshold override in force, if any.
func (ix *Index) Calibration() Calibration {
	c := ix.calib
	c.MinRelevance = math.Float64frombits(ix.minRelevance.Load())
	return c
}

// SetMinRelevance sets the relevance threshold in force, overriding the
// calibrated one (the FAQBOT_MIN_RELEVANCE setting); 0 restores the
// calibrated threshold. It is safe while the index is searched; searches
// already running may use either threshold.
func (ix *Index) SetMinRelevance(v float64) {
	ix.minRelevance.Store(math.Float64bits(max(v, 0)))
}

// VectorsByHash returns the stored vector of every passage by its
// Chunk.Hash, for BuildOptions.Reuse when rebuilding after a change. The
// vectors are copies.
func (ix *Index) VectorsByHash(ctx context.Context) (map[string][]float32, error) {
	defer runtime.KeepAlive(ix)
	out := make(map[string][]float32, ix.Len())
	err := guard(func() error {
		for _, s := range ix.shards {
			if err := s.vectorsByHash(ctx, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// vectorsByHash adds the shard's vectors to out by passage hash (the zero
// vector for a passage without words, so it is not embedded again).
func (s *shard) vectorsByHash(ctx context.Context, out map[string][]float32) error {
	for i := range s.pass {
		if i%1024 == 0 && ctx.Err() != nil {
			return fmt.Errorf("collecting vectors: %w", ctx.Err())
		}
		h := s.keyView(s.pass[i].hash)
		if len(h) == 0 {
			continue
		}
		if _, ok := out[string(h)]; ok {
			continue
		}
		v := make([]float32, s.dim)
		copy(v, s.vector(i))
		out[string(h)] = v
	}
	return nil
}

// vector returns passage d's stored vector (aliasing the index: do not
// keep it past the call), or nil if it has none.
func (ix *Index) vector(d int32) []float32 {
	s, i := ix.locate(int(d))
	return s.vector(i)
}

// docPlace is where a document's passages are: a shard and the
// document's record in it.
type docPlace struct{ shard, doc int }

// docIndex maps document IDs to their places, built on first use.
func (ix *Index) docIndex() map[string]docPlace {
	ix.docsOnce.Do(func() {
		ix.docs = map[string]docPlace{}
		for k, s := range ix.shards {
			for i, d := range s.docs {
				ix.docs[s.key(d.id)] = docPlace{k, i}
			}
		}
	})
	return ix.docs
}

// DocumentChunks returns the passages of document id, in order, with
// their DupOf marks.
// A damaged index file (see fault.go) gives false.
func (ix *Index) DocumentChunks(id string) (out []corpus.Chunk, ok bool) {
	defer runtime.KeepAlive(ix)
	err := guard(func() error {
		var p docPlace
		if p, ok = ix.docIndex()[id]; !ok {
			return nil
		}
		s := ix.shards[p.shard]
		d := s.docs[p.doc]
		out = make([]corpus.Chunk, 0, d.count)
		for i := d.first; i < d.first+d.count; i++ {
			out = append(out, ix.chunkAt(int32(ix.base[p.shard]+int(i))))
		}
		s.releaseScattered()
		return nil
	})
	return out, ok && err == nil
}

// releaseAll releases every shard's scattered pages (see
// shard.releaseScattered) and its table of terms, after work that read
// all of them: a query's terms touch every shard's postings and terms, not
// only the shards holding its hits, and calibration reads titles of every
// shard. Releasing only the hits' shards left 170 MB of the index resident
// at the end of a build at 120,000 passages, its peak.
func (ix *Index) releaseAll() {
	for _, s := range ix.shards {
		s.releaseScattered()
		if s.mapped {
			release(s.words)
		}
	}
}

// scatter releases the pages of passages read one by one across the
// index's shards — vectors, text — a shard at a time: touch(d) before
// reading passage d releases what was read from the previous shard when d
// is in another one, and done releases the last. A touch maps a whole
// large folio of the file (a megabyte or two), so a query reading the
// rows of a hundred candidates, or calibration's couple of hundred, would
// otherwise map a hundred megabytes or more at once (at 120,000 passages,
// 230 MB for one vector query: the peak of faqbot index). Reading in
// passage order releases least often.
type scatter struct {
	ix   *Index
	last *shard
}

// touch notes that passage d is about to be read.
func (r *scatter) touch(d int32) {
	s, _ := r.ix.locate(int(d))
	if r.last != nil && r.last != s {
		r.last.releaseScattered()
	}
	r.last = s
}

// done releases the pages read from the last shard touched.
func (r *scatter) done() {
	if r.last != nil {
		r.last.releaseScattered()
		r.last = nil
	}
}

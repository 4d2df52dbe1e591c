package retrieval

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/philippgille/chromem-go"

	"github.com/faqbot/faqbot/corpus"
)

// collectionName is the one chromem collection an index holds.
const collectionName = "passages"

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
}

// Stats describes an index.
type Stats struct {
	// Passages is the number of passages.
	Passages int
	// Vectors is the number of passages in the vector collection; passages
	// with no words have no vector and are found by BM25 only.
	Vectors int
	// Terms is the number of distinct terms in the BM25 index.
	Terms int
	// Embedder and Dim identify the embedder the vectors came from.
	Embedder string
	Dim      int
	// Embedded and Reused count the passages whose vectors were computed
	// and those taken from BuildOptions.Reuse (both 0 after Load).
	Embedded, Reused int
	// Duration is how long Build or Load took.
	Duration time.Duration
}

// Index is a searchable set of passages: a chromem-go collection of their
// vectors beside a BM25 index of their terms. It is immutable once built or
// loaded, so any number of goroutines may search it without locking, and a
// rebuild makes a new Index rather than changing this one.
type Index struct {
	emb    Embedder
	db     *chromem.DB
	col    *chromem.Collection
	chunks []corpus.Chunk
	byID   map[string]int32
	lex    *bm25
	stats  Stats

	// scratch holds *lexScores reused across searches: the per-passage
	// arrays are large, and sync.Pool is safe for concurrent use.
	scratch sync.Pool
	// titles caches each passage's analysed title, filled on first use:
	// analysing the titles of every hit on every search was a third of a
	// search's own time, and filling them all up front would slow loading.
	titles []atomic.Pointer[[]string]
}

// titleTerms returns corpus.Terms of passage d's title.
func (ix *Index) titleTerms(d int32) []string {
	if p := ix.titles[d].Load(); p != nil {
		return *p
	}
	terms := corpus.Terms(ix.chunks[d].Title)
	ix.titles[d].Store(&terms)
	return terms
}

// ErrDuplicateID reports two passages with the same Chunk.ID; the vector
// store is keyed by ID and would silently keep only one.
var ErrDuplicateID = errors.New("duplicate passage id")

// Build embeds the passages (Title + "\n" + Text) with emb, in batches,
// skipping those whose vectors opt.Reuse holds, stores the vectors in an
// in-memory chromem-go collection and builds the BM25 index. It fails if
// the embedder returns a vector of the wrong dimension or one that is not
// normalised.
func Build(ctx context.Context, chunks []corpus.Chunk, emb Embedder, opt BuildOptions) (*Index, error) {
	start := time.Now()
	byID := make(map[string]int32, len(chunks))
	for i, c := range chunks {
		if c.ID == "" {
			return nil, fmt.Errorf("building index: passage %d has no id", i)
		}
		if _, dup := byID[c.ID]; dup {
			return nil, fmt.Errorf("building index: %q: %w", c.ID, ErrDuplicateID)
		}
		byID[c.ID] = int32(i)
	}

	vecs, embedded, reused, err := embedPassages(ctx, chunks, emb, opt)
	if err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}

	db := chromem.NewDB()
	col, err := db.CreateCollection(collectionName, nil, EmbeddingFunc(emb))
	if err != nil {
		return nil, fmt.Errorf("building index: creating collection: %w", err)
	}
	var have []int // chunks with a vector; one with no words has no direction: BM25 only
	for i := range chunks {
		if vecs[i] != nil {
			have = append(have, i)
		}
	}
	// Content stays empty: the passages are kept (and saved) beside the
	// collection, so storing them twice would only double the memory.
	if err := addVectors(ctx, col, len(have), func(j int) chromem.Document {
		return chromem.Document{ID: chunks[have[j]].ID, Embedding: vecs[have[j]]}
	}); err != nil {
		return nil, fmt.Errorf("building index: adding vectors: %w", err)
	}

	lex, err := buildBM25(ctx, chunks)
	if err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	ix := newIndex(emb, db, col, chunks, byID, lex)
	ix.stats.Embedded, ix.stats.Reused = embedded, reused
	ix.stats.Duration = time.Since(start)
	return ix, nil
}

// newIndex assembles an Index and its stats.
func newIndex(emb Embedder, db *chromem.DB, col *chromem.Collection, chunks []corpus.Chunk, byID map[string]int32, lex *bm25) *Index {
	return &Index{
		emb:    emb,
		db:     db,
		col:    col,
		chunks: chunks,
		byID:   byID,
		lex:    lex,
		titles: make([]atomic.Pointer[[]string], len(chunks)),
		stats: Stats{
			Passages: len(chunks),
			Vectors:  col.Count(),
			Terms:    len(lex.terms),
			Embedder: emb.Name(),
			Dim:      emb.Dim(),
		},
	}
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
		if v, ok := opt.Reuse[c.Hash]; ok && c.Hash != "" {
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
func (ix *Index) Len() int { return len(ix.chunks) }

// Chunks returns the passages in index order. The slice is shared: do not
// modify it.
func (ix *Index) Chunks() []corpus.Chunk { return ix.chunks }

// Chunk returns the passage with the given ID.
func (ix *Index) Chunk(id string) (corpus.Chunk, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return corpus.Chunk{}, false
	}
	return ix.chunks[i], true
}

// Embedder is the embedder the index was built with; queries must be
// embedded with it.
func (ix *Index) Embedder() Embedder { return ix.emb }

// Stats describes the index.
func (ix *Index) Stats() Stats { return ix.stats }

// VectorsByHash returns the stored vector of every passage by its
// Chunk.Hash, for BuildOptions.Reuse when rebuilding after a change. The
// vectors are copies.
func (ix *Index) VectorsByHash(ctx context.Context) (map[string][]float32, error) {
	out := make(map[string][]float32, len(ix.chunks))
	for i, c := range ix.chunks {
		if c.Hash == "" {
			continue
		}
		if _, ok := out[c.Hash]; ok {
			continue
		}
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("collecting vectors: %w", ctx.Err())
		}
		v, ok := ix.vector(ctx, c.ID)
		if !ok {
			// No words: record the zero vector so it is not embedded again.
			v = make([]float32, ix.emb.Dim())
		}
		out[c.Hash] = v
	}
	return out, nil
}

// vector returns a copy of a passage's stored vector, or false if it has
// none.
func (ix *Index) vector(ctx context.Context, id string) ([]float32, bool) {
	doc, err := ix.col.GetByID(ctx, id)
	if err != nil {
		return nil, false
	}
	return doc.Embedding, true
}

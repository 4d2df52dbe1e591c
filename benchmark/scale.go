package benchmark

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// ScaleResult is what one corpus size and vector size cost.
type ScaleResult struct {
	// Passages is the corpus size; Dim the vector size; Embedder its name.
	Passages, Dim int
	Embedder      string
	// Hybrid is retrieval.Index.Search (k = SearchK); Chromem is
	// chromem-go's QueryEmbedding for the same number of candidates Search
	// asks it for; Floor is Flat.TopK over the same vectors. Each has one
	// sample per query and repetition.
	Hybrid, Chromem, Floor Summary
	// Build is the time retrieval.Build took (embedding, vectors, BM25);
	// BuildRate is passages per second.
	Build     time.Duration
	BuildRate float64
	// Save and Load are medians of retrieval.Save and retrieval.Load;
	// FileBytes is the size of the saved index folder.
	Save, Load time.Duration
	FileBytes  int64
	// RSS and Heap are the growth of resident memory and of the live heap
	// when a saved index is loaded (medians); RawBytes is the bytes of the
	// vectors (4 per value) plus the passages' titles and text.
	RSS, Heap int64
	RawBytes  int64
}

// SearchK is the k of the timed searches: answer.DefaultK.
const SearchK = 5

// chromemCandidates is what Search asks chromem for at SearchK: max(4k,
// 20) (retrieval's candidatesPerHit and minCandidates).
const chromemCandidates = 20

// embedderFor returns the built-in hash embedder at its own size and a
// RandomEmbedder otherwise.
func embedderFor(dim int) retrieval.Embedder {
	if dim == retrieval.DefaultHashDim {
		return retrieval.NewHashEmbedder(dim)
	}
	return NewRandomEmbedder(dim)
}

// measureScale builds, saves, loads and queries an index of chunks with
// vectors of dim values, in dir (which it empties when done).
func measureScale(ctx context.Context, lg *slog.Logger, chunks []corpus.Chunk, dim int, o Options, dir string) (ScaleResult, error) {
	emb := embedderFor(dim)
	res := ScaleResult{Passages: len(chunks), Dim: dim, Embedder: emb.Name()}
	for _, c := range chunks {
		res.RawBytes += int64(len(c.Title) + len(c.Text))
	}
	res.RawBytes += int64(len(chunks)) * int64(dim) * 4
	defer os.RemoveAll(dir)

	lg.Info("building", "passages", len(chunks), "dim", dim, "embedder", emb.Name())
	start := time.Now()
	built, err := retrieval.Build(ctx, chunks, emb, retrieval.BuildOptions{})
	if err != nil {
		return res, err
	}
	res.Build = time.Since(start)
	res.BuildRate = float64(len(chunks)) / res.Build.Seconds()

	var saves []time.Duration
	for range o.Reps {
		start := time.Now()
		if err := retrieval.Save(ctx, built, dir, retrieval.Manifest{}); err != nil {
			return res, err
		}
		saves = append(saves, time.Since(start))
	}
	res.Save = Median(saves)
	res.FileBytes = dirSize(dir)
	byHash, err := built.VectorsByHash(ctx)
	if err != nil {
		return res, err
	}
	vecs := make([][]float32, 0, len(chunks))
	for _, c := range chunks {
		vecs = append(vecs, byHash[c.Hash])
	}
	flat := NewFlat(dim, vecs)
	built, byHash, vecs = nil, nil, nil

	// The index that serves is the one loaded at start-up, so that is the
	// one measured and queried.
	var loads []time.Duration
	var rss, heap []int64
	var ix *retrieval.Index
	for range o.Reps {
		ix = nil
		before := ReadMem()
		start := time.Now()
		ix, _, err = retrieval.Load(ctx, dir, emb)
		if err != nil {
			return res, err
		}
		loads = append(loads, time.Since(start))
		after := ReadMem()
		rss = append(rss, after.RSS-before.RSS)
		heap = append(heap, after.Heap-before.Heap)
	}
	res.Load, res.RSS, res.Heap = Median(loads), Median(rss), Median(heap)

	lg.Info("querying", "passages", len(chunks), "dim", dim, "queries", o.Queries, "reps", o.Reps)
	qs := Queries(chunks, o.Queries, o.Seed)
	qvs, err := emb.Embed(ctx, qs)
	if err != nil {
		return res, err
	}
	var hybrid, chromem, floor []time.Duration
	runs := []func(i int) error{
		func(i int) error {
			start := time.Now()
			_, err := ix.Search(ctx, qs[i], SearchK)
			hybrid = append(hybrid, time.Since(start))
			return err
		},
		func(i int) error {
			start := time.Now()
			_, err := ix.NearestVectors(ctx, qvs[i], chromemCandidates)
			chromem = append(chromem, time.Since(start))
			return err
		},
		func(i int) error {
			start := time.Now()
			flat.TopK(qvs[i], chromemCandidates)
			floor = append(floor, time.Since(start))
			return nil
		},
	}
	// One untimed pass warms caches and the searcher's scratch space.
	for i := range qs {
		if _, err := ix.Search(ctx, qs[i], SearchK); err != nil {
			return res, fmt.Errorf("searching: %w", err)
		}
	}
	for r := range o.Reps {
		for i := range qs {
			// The three take turns going first, so that none always runs
			// on caches the one before it warmed.
			for j := range runs {
				if err := runs[(i+r+j)%len(runs)](i); err != nil {
					return res, fmt.Errorf("querying: %w", err)
				}
			}
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
	}
	res.Hybrid, res.Chromem, res.Floor = Summarize(hybrid), Summarize(chromem), Summarize(floor)
	runtime.KeepAlive(ix)
	return res, nil
}

// dirSize is the total size of the files in dir.
func dirSize(dir string) int64 {
	var n int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && !fi.IsDir() {
			n += fi.Size()
		}
	}
	return n
}

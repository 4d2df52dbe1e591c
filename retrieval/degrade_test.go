package retrieval

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// queryEmbedder is the built-in embedder that embeds queries through
// EmbedQuery, which can be made to fail as a stalled server would, and
// counts the queries it embedded.
type queryEmbedder struct {
	*HashEmbedder
	down    atomic.Bool
	queries atomic.Int64
}

var errStalled = errors.New("embeddings server stalled")

func (q *queryEmbedder) EmbedQuery(ctx context.Context, texts []string) ([][]float32, error) {
	q.queries.Add(int64(len(texts)))
	if q.down.Load() {
		return nil, errStalled
	}
	return q.Embed(ctx, texts)
}

func TestSearchDegradesToWords(t *testing.T) {
	emb := &queryEmbedder{HashEmbedder: NewHashEmbedder(DefaultHashDim)}
	ix, err := Build(t.Context(), diplomacy(), emb, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Calibration asks its questions as queries, as Search does.
	calibration := emb.queries.Load()
	if want := int64(probeCount(diplomacy())); calibration != want {
		t.Errorf("calibration embedded %d queries with EmbedQuery, want %d", calibration, want)
	}
	const q = "who delivered the written response in Moscow?"
	full, err := ix.Search(t.Context(), q, 3)
	if n := emb.queries.Load() - calibration; err != nil || len(full) == 0 || n != 1 {
		t.Fatalf("Search = %d hits, %v after %d query embeddings; want hits from one EmbedQuery", len(full), err, n)
	}
	for _, h := range full {
		if h.LexicalOnly {
			t.Errorf("hit %s marked lexical-only while the embedder works", h.Chunk.ID)
		}
	}

	emb.down.Store(true)
	hits, err := ix.Search(t.Context(), q, 3)
	if err != nil {
		t.Fatalf("Search with the embedder down: %v, want hits found by words", err)
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "blinken#1" {
		t.Fatalf("hits %v, want blinken#1 first", ids(hits))
	}
	for _, h := range hits {
		if !h.LexicalOnly || h.Vector != 0 {
			t.Errorf("hit %s: lexical-only %v, cosine %v; want marked, with no cosine", h.Chunk.ID, h.LexicalOnly, h.Vector)
		}
	}

	// A caller that gave up gets its own error, not a degraded answer.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ix.Search(ctx, q, 3); err == nil {
		t.Error("Search with a cancelled context and the embedder down succeeded, want an error")
	}
}

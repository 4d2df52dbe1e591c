package retrieval

import (
	"context"

	"github.com/faqbot/faqbot/corpus"
)

// Embedder turns texts into L2-normalised vectors of a fixed dimension.
// The built-in offline embedder and the OpenAI-compatible API embedder both
// satisfy it; Name and Dim go into the index manifest, so changing either
// forces a rebuild.
type Embedder interface {
	// Name identifies the embedder and its settings, e.g. "hash-v1-512" or
	// "openai:text-embedding-3-small".
	Name() string
	// Dim is the length of every vector Embed returns.
	Dim() int
	// Embed returns one normalised vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// QueryEmbedder is an Embedder that embeds search queries differently from
// passages: models such as nomic-embed-text and e5 were trained with one
// prefix before questions and another before passages. Search embeds its
// query with EmbedQuery when the index's embedder has it.
type QueryEmbedder interface {
	Embedder
	// EmbedQuery returns one normalised vector per query, in order.
	EmbedQuery(ctx context.Context, texts []string) ([][]float32, error)
}

// Hit is one retrieved passage with its scores.
type Hit struct {
	// Chunk is the passage.
	Chunk corpus.Chunk
	// Score is the hit's calibrated confidence: 0.5 exactly at the
	// relevance threshold of the index it came from (ConfidenceThreshold),
	// about 0 for a typical off-topic question and about 1 for a typical
	// answerable one. It means the same for every index and embedder, so
	// hits of several indexes can be compared and merged by it, and Decide
	// compares it with the thresholds. Search returns hits in rank order,
	// which weighs more signals than relevance does: Score need not fall
	// along it.
	Score float64
	// Relevance is the hit's fused relevance in its own index's units (see
	// Calibration), the value FAQBOT_MIN_RELEVANCE is compared with.
	Relevance float64
	// Vector is the cosine similarity of the query and passage vectors (0
	// when either has no vector).
	Vector float64
	// Lexical is the passage's BM25 score for the query as a share of the
	// largest score any passage could reach for that query (every query term
	// present, repeated without limit), in [0, 1). Unlike a share of the
	// query's best hit, it does not hand every query a perfect top score.
	Lexical float64
	// Coverage is the idf-weighted share of the query's terms that occur in
	// the passage, in [0, 1].
	Coverage float64
	// TitleCoverage is the same share for the passage's title alone.
	TitleCoverage float64
	// LexicalOnly is set when the query could not be embedded (the
	// embedder failed or timed out), so the hit was found and scored by
	// its words alone and Vector is 0. The search still answers; a front
	// end may say that it searched by words only.
	LexicalOnly bool
	// Taught is the taught question (SearchOptions.Aliases) through which
	// the passage was found and scored, or "" when it was found by its
	// own text.
	Taught string
}

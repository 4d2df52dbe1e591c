package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/faqbot/faqbot/retrieval"
)

// EmbedBatch is how many texts go in one embeddings request. OpenAI takes
// up to 2,048 inputs (300k tokens) per request; 128 passages of a few
// hundred tokens stay far below every server's limits while making an
// index of thousands of passages a few dozen requests, and a retried batch
// cheap.
const EmbedBatch = 128

// probeText is embedded once to learn a model's dimension when the
// configuration does not give it.
const probeText = "dimension probe"

// Embedder embeds texts with the embedding model of a Client. It satisfies
// retrieval.Embedder and is safe for concurrent use.
type Embedder struct {
	c     *Client
	model string
	dims  int // requested dimensions, or 0
	dim   int // the length of every vector
}

var _ retrieval.Embedder = (*Embedder)(nil)

// Embedder returns the embedder for the configured EmbedModel. Its
// dimension is Config.EmbedDimensions when set; otherwise one probe text
// is embedded to learn it, so a wrong model name or an unreachable server
// shows up here, at start-up, rather than in the middle of an index build.
func (c *Client) Embedder(ctx context.Context) (*Embedder, error) {
	if c.cfg.EmbedModel == "" {
		return nil, errors.New("creating the embedder: no embedding model configured")
	}
	e := &Embedder{c: c, model: c.cfg.EmbedModel, dims: c.cfg.EmbedDimensions, dim: c.cfg.EmbedDimensions}
	if e.dim == 0 {
		vs, err := e.embedBatch(ctx, []string{probeText})
		if err != nil {
			return nil, fmt.Errorf("probing the embedding model's dimension: %w", err)
		}
		e.dim = len(vs[0])
	}
	return e, nil
}

// Name identifies the model and its settings for the index manifest:
// "openai:<model>" or "openai:<model>:<dimensions>".
func (e *Embedder) Name() string {
	if e.dims > 0 {
		return "openai:" + e.model + ":" + strconv.Itoa(e.dims)
	}
	return "openai:" + e.model
}

// Dim is the length of every vector Embed returns.
func (e *Embedder) Dim() int { return e.dim }

// Embed returns one L2-normalised vector per text, in order, sending
// EmbedBatch texts per request. Empty texts get the zero vector without a
// request: servers reject empty input, and the zero vector is how the
// retrieval package marks "nothing to embed".
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var idx []int
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		vs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return fmt.Errorf("embedding %d texts: %w", len(batch), err)
		}
		for i, v := range vs {
			if len(v) != e.dim {
				return fmt.Errorf("embedding %d texts: %w", len(batch), &Error{Kind: ErrBadResponse,
					Message: fmt.Sprintf("got a vector of %d dimensions, want %d", len(v), e.dim)})
			}
			out[idx[i]] = v
		}
		idx, batch = idx[:0], batch[:0]
		return nil
	}
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			out[i] = make([]float32, e.dim)
			continue
		}
		idx = append(idx, i)
		batch = append(batch, t)
		if len(batch) == EmbedBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// embedBatch sends one request and returns its vectors normalised, in the
// order of texts.
func (e *Embedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	var res openai.EmbeddingResponse
	err := e.c.withRetries(ctx, "embed", func(ctx context.Context) (bool, error) {
		var err error
		res, err = e.c.api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
			Model:      openai.EmbeddingModel(e.model),
			Input:      texts,
			Dimensions: e.dims,
		})
		return false, err
	})
	if err != nil {
		return nil, err
	}
	if len(res.Data) != len(texts) {
		return nil, &Error{Kind: ErrBadResponse, Message: fmt.Sprintf("got %d vectors for %d texts", len(res.Data), len(texts))}
	}
	// The API gives each vector its input's index; do not trust the order.
	sort.Slice(res.Data, func(i, j int) bool { return res.Data[i].Index < res.Data[j].Index })
	out := make([][]float32, len(texts))
	for i, d := range res.Data {
		if d.Index != i {
			return nil, &Error{Kind: ErrBadResponse, Message: "vector indexes do not match the inputs"}
		}
		v, ok := normalise(d.Embedding)
		if !ok {
			return nil, &Error{Kind: ErrBadResponse, Message: "got an empty or non-finite vector"}
		}
		out[i] = v
	}
	return out, nil
}

// normalise scales v to length 1 in place. Most APIs already return unit
// vectors, but Ollama's models and others do not, and the index compares
// vectors with a plain dot product.
func normalise(v []float32) ([]float32, bool) {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	n := math.Sqrt(sq)
	if len(v) == 0 || n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, false
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
	return v, true
}

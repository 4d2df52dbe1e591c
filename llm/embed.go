package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/faqbot/faqbot/retrieval"
)

// EmbedBatch is how many texts go in one embeddings request. OpenAI takes
// up to 2,048 inputs (300k tokens) per request; 128 passages of a few
// hundred tokens stay far below every server's limits while making an
// index of thousands of passages a few dozen requests, and a retried batch
// cheap.
const EmbedBatch = 128

// probeText is embedded once to learn a model's dimension when neither
// the configuration nor an index manifest gives it.
const probeText = "dimension probe"

// DefaultEmbedTimeout bounds one embeddings request when
// Config.EmbedTimeout is zero. A warm server embeds a question in
// milliseconds and a batch of EmbedBatch passages in seconds, even on a
// CPU; a local server loading its model first takes longer, but not half a
// minute. Past it the server is taken to be stalled: an index build fails
// with an error saying so, and a question is searched by its words alone.
const DefaultEmbedTimeout = 30 * time.Second

// queryCooldown is how long, after embedding a question failed because the
// server was unreachable or stalled, later questions skip the embedder and
// are searched by their words at once. Without it a stalled server would
// cost every question (and every query of an LLM-mode question) the whole
// timeout; after it, the next question tries the server again.
const queryCooldown = 30 * time.Second

// Embedder embeds texts with the embedding model of a Client. It satisfies
// retrieval.Embedder (passages) and retrieval.QueryEmbedder (questions,
// which some models want prefixed differently), and is safe for
// concurrent use.
type Embedder struct {
	c           *Client
	model       string
	dims        int // requested dimensions, or 0
	dim         int // the length of every vector
	queryPrefix string
	docPrefix   string
	timeout     time.Duration

	now       func() time.Time // the clock of the cooldown; tests move it
	mu        sync.Mutex
	downUntil time.Time // questions skip the server until then
	downErr   error     // why
}

var (
	_ retrieval.Embedder      = (*Embedder)(nil)
	_ retrieval.QueryEmbedder = (*Embedder)(nil)
)

// Embedder returns the embedder for the configured EmbedModel. Its
// dimension is, in order: Config.EmbedDimensions; knownDim when positive
// (the dimension an index manifest recorded under this embedder's Name, so
// that starting needs no request and a question can still be answered from
// the lexical index while the server is down); otherwise it is learned by
// embedding one probe text, so a wrong model name or an unreachable server
// shows up here, at start-up, rather than in the middle of an index build.
func (c *Client) Embedder(ctx context.Context, knownDim int) (*Embedder, error) {
	e, err := c.newEmbedder()
	if err != nil {
		return nil, err
	}
	if e.dim == 0 && knownDim > 0 {
		e.dim = knownDim
	}
	if e.dim == 0 {
		vs, err := e.embedBatch(ctx, []string{e.docPrefix + probeText})
		if err != nil {
			return nil, fmt.Errorf("probing the embedding model's dimension: %w", err)
		}
		e.dim = len(vs[0])
	}
	return e, nil
}

// EmbedderName is the Name of the embedder Embedder returns, known without
// a request; "" when no embedding model is configured.
func (c *Client) EmbedderName() string {
	e, err := c.newEmbedder()
	if err != nil {
		return ""
	}
	return e.Name()
}

func (c *Client) newEmbedder() (*Embedder, error) {
	if c.cfg.EmbedModel == "" {
		return nil, errors.New("creating the embedder: no embedding model configured")
	}
	q, d := KnownPrefixes(c.cfg.EmbedModel)
	timeout := c.cfg.EmbedTimeout
	if timeout <= 0 {
		timeout = DefaultEmbedTimeout
	}
	return &Embedder{
		c: c, model: c.cfg.EmbedModel, dims: c.cfg.EmbedDimensions, dim: c.cfg.EmbedDimensions,
		queryPrefix: resolvePrefix(c.cfg.EmbedQueryPrefix, q),
		docPrefix:   resolvePrefix(c.cfg.EmbedDocumentPrefix, d),
		timeout:     timeout,
		now:         time.Now,
	}, nil
}

// Name identifies the model, its settings and its server for the index
// manifest, so that a change of any of them re-embeds the passages:
// "openai:<model>", then ":<dimensions>" when configured, "@<host/path>"
// of the base URL when it is not OpenAI's (never its credentials or
// query), and the prefixes when there are any. Vectors of one model name
// on two servers need not agree (another version, another quantisation).
func (e *Embedder) Name() string {
	n := "openai:" + e.model
	if e.dims > 0 {
		n += ":" + strconv.Itoa(e.dims)
	}
	if s := serverID(e.c.cfg.BaseURL); s != "" {
		n += "@" + s
	}
	if e.queryPrefix != "" || e.docPrefix != "" {
		n += fmt.Sprintf(" query=%q document=%q", e.queryPrefix, e.docPrefix)
	}
	return n
}

// serverID names the server of a base URL by host and path, lowercased
// host, without scheme, credentials, query or trailing slash: what tells
// two servers apart, and nothing that must not be written to disk. An
// unparsable URL is named by a hash. "" is OpenAI's default.
func serverID(baseURL string) string {
	baseURL = strings.TrimSpace(baseURL)
	if baseURL == "" {
		return ""
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		sum := sha256.Sum256([]byte(baseURL))
		return "url-" + hex.EncodeToString(sum[:6])
	}
	return strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
}

// Dim is the length of every vector Embed returns.
func (e *Embedder) Dim() int { return e.dim }

// Embed embeds passages: one L2-normalised vector per text, in order, each
// text behind the document prefix, EmbedBatch texts per request. Empty
// texts get the zero vector without a request: servers reject empty input,
// and the zero vector is how the retrieval package marks "nothing to
// embed".
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return e.embed(ctx, texts, e.docPrefix)
}

// EmbedQuery embeds questions as Embed embeds passages, behind the query
// prefix. After a failure because the server was unreachable or stalled,
// it fails at once for queryCooldown, so that questions go straight to the
// lexical index instead of each waiting for the timeout.
func (e *Embedder) EmbedQuery(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	until, why := e.downUntil, e.downErr
	e.mu.Unlock()
	if e.now().Before(until) {
		return nil, &Error{Kind: ErrUnavailable, Message: "not tried: the embeddings server failed moments ago", cause: why}
	}
	vs, err := e.embed(ctx, texts, e.queryPrefix)
	if err != nil && ctx.Err() == nil {
		e.c.lg.Warn("embedding a question failed; it is searched by its words alone", "model", e.model, "err", err)
		if errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnavailable) {
			e.mu.Lock()
			e.downUntil, e.downErr = e.now().Add(queryCooldown), err
			e.mu.Unlock()
		}
	}
	return vs, err
}

func (e *Embedder) embed(ctx context.Context, texts []string, prefix string) ([][]float32, error) {
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
		batch = append(batch, prefix+t)
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
		// Each attempt has its own deadline: a stalled server fails it
		// (and is not retried), however long the caller would wait.
		actx, cancel := context.WithTimeout(ctx, e.timeout)
		defer cancel()
		var err error
		res, err = e.c.api.CreateEmbeddings(actx, openai.EmbeddingRequestStrings{
			Model:      openai.EmbeddingModel(e.model),
			Input:      texts,
			Dimensions: e.dims,
		})
		if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return false, &Error{Kind: ErrTimeout, Message: fmt.Sprintf("the embeddings server sent no reply within %s", e.timeout), cause: err}
		}
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

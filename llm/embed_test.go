package llm

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/llm/llmtest"
)

func TestEmbedder(t *testing.T) {
	tests := []struct {
		name     string
		dims     int
		wantName string
		wantDim  int
		wantReqs int // requests for the probe and for Embed
	}{
		{"probed dimension", 0, "openai:nomic-embed-text@%s query=\"search_query: \" document=\"search_document: \"", 24, 1 + 2},
		{"configured dimensions", 16, "openai:nomic-embed-text:16@%s query=\"search_query: \" document=\"search_document: \"", 16, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Embeddings(24))
			tt.wantName = fmt.Sprintf(tt.wantName, strings.TrimPrefix(srv.URL(), "http://"))
			c, _ := newClient(t, srv, func(cfg *Config) { cfg.EmbedModel, cfg.EmbedDimensions = "nomic-embed-text", tt.dims })
			e, err := c.Embedder(t.Context(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if e.Name() != tt.wantName || e.Dim() != tt.wantDim {
				t.Errorf("Name, Dim = %q, %d; want %q, %d", e.Name(), e.Dim(), tt.wantName, tt.wantDim)
			}
			texts := make([]string, EmbedBatch+5)
			for i := range texts {
				texts[i] = fmt.Sprintf("passage %d", i)
			}
			texts[3] = "  " // empty: zero vector, not sent
			vs, err := e.Embed(t.Context(), texts)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != len(texts) {
				t.Fatalf("got %d vectors for %d texts", len(vs), len(texts))
			}
			for i, v := range vs {
				if len(v) != tt.wantDim {
					t.Fatalf("vector %d has %d dimensions, want %d", i, len(v), tt.wantDim)
				}
				if i == 3 {
					if norm(v) != 0 {
						t.Errorf("vector of an empty text has length %v, want 0", norm(v))
					}
					continue
				}
				if math.Abs(norm(v)-1) > 1e-5 {
					t.Errorf("vector %d has length %v, want 1", i, norm(v))
				}
				// In order, despite the server answering in reverse, and
				// of the text behind nomic-embed-text's passage prefix.
				want := llmtest.Vector("search_document: "+texts[i], tt.wantDim)
				if cos(v, want) < 0.9999 {
					t.Errorf("vector %d is not the one for %q", i, texts[i])
				}
			}
			reqs := srv.Requests()
			if len(reqs) != tt.wantReqs {
				t.Fatalf("server got %d requests, want %d", len(reqs), tt.wantReqs)
			}
			last := reqs[len(reqs)-1]
			if er := last.Embed(t); last.Path != "/v1/embeddings" || er.Model != "nomic-embed-text" || er.Dimensions != tt.dims || len(er.Input) != len(texts)-1-EmbedBatch {
				t.Errorf("last request %s model=%q dimensions=%d inputs=%d", last.Path, er.Model, er.Dimensions, len(er.Input))
			}
			if n := len(reqs[len(reqs)-2].Embed(t).Input); n != EmbedBatch {
				t.Errorf("first batch had %d inputs, want %d", n, EmbedBatch)
			}
		})
	}
}

func TestEmbedderErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply llmtest.Reply
		want  error
	}{
		{"model not pulled", llmtest.OllamaError(404, `model "nomic-embed-text" not found, try pulling it first`), ErrModelNotFound},
		{"bad key", llmtest.OpenAIError(401, "Incorrect API key provided: "+canary, "invalid_request_error", "invalid_api_key"), ErrAuth},
		{"down", llmtest.Status(503, "loading model"), ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, tt.reply)
			c, _ := newClient(t, srv, func(cfg *Config) { cfg.EmbedModel = "nomic-embed-text" })
			_, err := c.Embedder(t.Context(), 0)
			if !errors.Is(err, tt.want) {
				t.Errorf("Embedder error %v, want %v", err, tt.want)
			}
		})
	}
	// A server that ignores the dimensions parameter is caught.
	srv := llmtest.NewServer(t, llmtest.EmbeddingsOfSize(24))
	c, _ := newClient(t, srv, func(cfg *Config) { cfg.EmbedModel, cfg.EmbedDimensions = "m", 8 })
	e, err := c.Embedder(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(t.Context(), []string{"x"}); !errors.Is(err, ErrBadResponse) {
		t.Errorf("Embed error %v, want ErrBadResponse for vectors of the wrong size", err)
	}
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func cos(a, b []float32) float64 {
	var d float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
	}
	return d / norm(a) / norm(b)
}

func TestEmbedderName(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Config)
		wantName string
	}{
		{"OpenAI's server, no prefixes", func(c *Config) { c.BaseURL, c.EmbedModel = "", "text-embedding-3-small" }, "openai:text-embedding-3-small"},
		{"dimensions", func(c *Config) { c.BaseURL, c.EmbedModel, c.EmbedDimensions = "", "text-embedding-3-large", 256 }, "openai:text-embedding-3-large:256"},
		{"server by host and path, no credentials or query", func(c *Config) {
			c.BaseURL, c.EmbedModel = "https://bob:hunter2@Embed.Example.com:8443/v1/?key=secret", "text-embedding-3-small"
		}, "openai:text-embedding-3-small@embed.example.com:8443/v1"},
		{"another server, same model", func(c *Config) { c.BaseURL, c.EmbedModel = "http://10.0.0.2:11434/v1", "text-embedding-3-small" }, "openai:text-embedding-3-small@10.0.0.2:11434/v1"},
		{"known prefixes", func(c *Config) { c.BaseURL, c.EmbedModel = "http://localhost:11434/v1", "nomic-embed-text:latest" },
			`openai:nomic-embed-text:latest@localhost:11434/v1 query="search_query: " document="search_document: "`},
		{"prefixes turned off", func(c *Config) {
			c.BaseURL, c.EmbedModel, c.EmbedQueryPrefix, c.EmbedDocumentPrefix = "http://localhost:11434/v1", "nomic-embed-text", "none", "NONE"
		}, "openai:nomic-embed-text@localhost:11434/v1"},
		{"own prefixes", func(c *Config) { c.BaseURL, c.EmbedModel, c.EmbedQueryPrefix = "", "my-model", "Q: " }, `openai:my-model query="Q: " document=""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{APIKey: canary}
			tt.edit(&cfg)
			c := New(cfg)
			if got := c.EmbedderName(); got != tt.wantName {
				t.Errorf("EmbedderName() = %q, want %q", got, tt.wantName)
			}
			// The dimension recorded in a manifest spares the probe.
			e, err := c.Embedder(t.Context(), 8)
			if err != nil || e.Name() != tt.wantName || strings.Contains(e.Name(), "hunter2") || strings.Contains(e.Name(), "secret") {
				t.Errorf("Embedder() = %v, %v", e, err)
			}
		})
	}
}

func TestKnownPrefixes(t *testing.T) {
	tests := []struct{ model, query, document string }{
		{"nomic-embed-text", "search_query: ", "search_document: "},
		{"nomic-ai/nomic-embed-text-v1.5", "search_query: ", "search_document: "},
		{"intfloat/multilingual-e5-large", "query: ", "passage: "},
		{"e5-base-v2", "query: ", "passage: "},
		{"intfloat/e5-mistral-7b-instruct", "", ""},
		{"mxbai-embed-large:335m", bgeQueryInstruction, ""},
		{"BAAI/bge-small-en-v1.5", bgeQueryInstruction, ""},
		{"bge-m3", "", ""},
		{"text-embedding-3-small", "", ""},
		{"all-minilm", "", ""},
	}
	for _, tt := range tests {
		if q, d := KnownPrefixes(tt.model); q != tt.query || d != tt.document {
			t.Errorf("KnownPrefixes(%q) = %q, %q; want %q, %q", tt.model, q, d, tt.query, tt.document)
		}
	}
}

// Questions and passages are embedded behind their own prefixes.
func TestEmbedQueryAndDocumentPrefixes(t *testing.T) {
	tests := []struct {
		model, queryPrefix, docPrefix string
		wantQuery, wantDoc            string
	}{
		{"nomic-embed-text", "", "", "search_query: how much", "search_document: Fees"},
		{"e5-large-v2", "", "", "query: how much", "passage: Fees"},
		{"nomic-embed-text", "none", "none", "how much", "Fees"},
		{"my-model", "Instruct: find the FAQ entry\nQuery: ", "", "Instruct: find the FAQ entry\nQuery: how much", "Fees"},
	}
	for _, tt := range tests {
		t.Run(tt.model+" "+tt.queryPrefix, func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Embeddings(8))
			c, _ := newClient(t, srv, func(cfg *Config) {
				cfg.EmbedModel, cfg.EmbedDimensions, cfg.EmbedQueryPrefix, cfg.EmbedDocumentPrefix = tt.model, 8, tt.queryPrefix, tt.docPrefix
			})
			e, err := c.Embedder(t.Context(), 0)
			if err != nil {
				t.Fatal(err)
			}
			qv, err := e.EmbedQuery(t.Context(), []string{"how much"})
			if err != nil {
				t.Fatal(err)
			}
			dv, err := e.Embed(t.Context(), []string{"Fees"})
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2 (no probe: the dimension is configured)", len(reqs))
			}
			if got := reqs[0].Embed(t).Input; len(got) != 1 || got[0] != tt.wantQuery {
				t.Errorf("question sent as %q, want %q", got, tt.wantQuery)
			}
			if got := reqs[1].Embed(t).Input; len(got) != 1 || got[0] != tt.wantDoc {
				t.Errorf("passage sent as %q, want %q", got, tt.wantDoc)
			}
			if cos(qv[0], llmtest.Vector(tt.wantQuery, 8)) < 0.9999 || cos(dv[0], llmtest.Vector(tt.wantDoc, 8)) < 0.9999 {
				t.Errorf("vectors are not those of the prefixed texts")
			}
		})
	}
}

// A stalled server fails each request at the timeout, once: it is not
// retried. A question's embedding that failed so makes the next questions
// skip the server, without a request, until the cooldown has passed.
func TestEmbedTimeoutAndCooldown(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Hang())
	c, logs := newClient(t, srv, func(cfg *Config) {
		cfg.EmbedModel, cfg.EmbedDimensions, cfg.EmbedTimeout = "nomic-embed-text", 8, 50*time.Millisecond
	})
	e, err := c.Embedder(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// The test's own context has no deadline: only the timeout can end
	// these calls.
	if _, err := e.Embed(t.Context(), []string{"a passage"}); !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no reply within 50ms") {
		t.Fatalf("Embed error %v, want a timeout naming its length", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1: a timed-out request is not retried", n)
	}
	now := time.Now()
	e.now = func() time.Time { return now }
	if _, err := e.EmbedQuery(t.Context(), []string{"a question"}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("EmbedQuery error %v, want a timeout", err)
	}
	if _, err := e.EmbedQuery(t.Context(), []string{"another question"}); !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("EmbedQuery during the cooldown: error %v, want unavailable, caused by the timeout", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2: the question during the cooldown sends none", n)
	}
	now = now.Add(queryCooldown)
	if _, err := e.EmbedQuery(t.Context(), []string{"a later question"}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("EmbedQuery after the cooldown: error %v, want the server tried again", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	if !strings.Contains(logs.String(), "searched by its words alone") {
		t.Errorf("the failed question embedding was not logged")
	}
}

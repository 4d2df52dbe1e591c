package llm

import (
	"errors"
	"fmt"
	"math"
	"testing"

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
		{"probed dimension", 0, "openai:nomic-embed-text", 24, 1 + 2},
		{"configured dimensions", 16, "openai:nomic-embed-text:16", 16, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Embeddings(24))
			c, _ := newClient(t, srv, func(cfg *Config) { cfg.EmbedModel, cfg.EmbedDimensions = "nomic-embed-text", tt.dims })
			e, err := c.Embedder(t.Context())
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
				// In order, despite the server answering in reverse.
				want := llmtest.Vector(texts[i], tt.wantDim)
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
			_, err := c.Embedder(t.Context())
			if !errors.Is(err, tt.want) {
				t.Errorf("Embedder error %v, want %v", err, tt.want)
			}
		})
	}
	// A server that ignores the dimensions parameter is caught.
	srv := llmtest.NewServer(t, llmtest.EmbeddingsOfSize(24))
	c, _ := newClient(t, srv, func(cfg *Config) { cfg.EmbedModel, cfg.EmbedDimensions = "m", 8 })
	e, err := c.Embedder(t.Context())
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

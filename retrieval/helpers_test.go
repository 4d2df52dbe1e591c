package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

// chunk builds a passage with its hash, as the corpus package would.
func chunk(id, title, text string) corpus.Chunk {
	sum := sha256.Sum256([]byte(title + "\x00" + text))
	return corpus.Chunk{
		ID:    id,
		DocID: "doc-" + id,
		Title: title,
		Text:  text,
		Hash:  hex.EncodeToString(sum[:]),
	}
}

// diplomacy is a small hand-built corpus in the style of the default one:
// FAQ entries and article paragraphs about US-Russia-Ukraine diplomacy.
func diplomacy() []corpus.Chunk {
	cs := []corpus.Chunk{
		chunk("state#1", "What is the US Department of State's position on negotiations between Ukraine and Russia?",
			"The US Department of State advocates for direct negotiations and a comprehensive ceasefire between Ukraine and Russia. Secretary of State Marco Rubio emphasizes the importance of dialogue to resolve the ongoing conflict."),
		chunk("state#2", "How does the US Department of State support Ukraine militarily?",
			"The US Department of State has approved substantial military sales to Ukraine, including the Starlink system, Patriot missile systems, and ERAM missiles."),
		chunk("state#3", "What is the significance of US-Russia talks in Istanbul?",
			"The talks in Istanbul represent a pivotal opportunity to gauge Russia's seriousness about peace efforts and the potential for future negotiations."),
		chunk("state#4", "What are the implications of US aid suspensions to Ukraine?",
			"There have been instances of aid suspensions, driven by a strategic reassessment of engagement approaches, but they do not indicate a complete withdrawal of support."),
		chunk("blinken#1", "Blinken on the written response",
			"The United States has provided written responses to Russia regarding the Ukraine crisis. US Ambassador John Sullivan delivered the document to the Russian Foreign Ministry in Moscow."),
		chunk("blinken#2", "NATO open-door policy",
			"Blinken rejected Moscow's demand that NATO pledge never to admit Ukraine and reiterated support for the alliance's open-door policy."),
		chunk("blinken#3", "NATO written response",
			"Jens Stoltenberg said NATO sent a written response to Moscow's security requests in parallel with the United States, naming arms control and transparency as room for progress."),
		chunk("florida#1", "U.S. negotiators head to Russia",
			"Steve Witkoff and Jared Kushner will travel to Russia after a meeting with Ukrainian officials in Florida that lasted over four hours and focused on the future borders of Ukraine."),
		chunk("florida#2", "Donbas and territorial demands",
			"Vladimir Putin has expressed a strong desire to acquire the entire Donbas region in eastern Ukraine; a peace agreement may require Ukraine to cede some territory."),
		chunk("florida#3", "Security guarantees",
			"Marco Rubio underscored the necessity of providing security guarantees for Ukraine so that it never again faces another invasion."),
		chunk("florida#4", "The 28-point peace plan",
			"The Trump administration's initial 28-point peace plan was criticised as favourable to Russia; Rustem Umerov called the recent meeting productive and successful."),
	}
	// A near-duplicate of state#2 republished by another outlet.
	dup := chunk("mirror#2", "How does the US Department of State support Ukraine militarily?",
		"The US Department of State has approved substantial military sales to Ukraine, including the Starlink system, Patriot missile systems and ERAM missiles.")
	dup.DupOf = "state#2"
	return append(cs, dup)
}

// fakeEmbedder embeds a text by counting, per dimension, the words that
// map to it; words it does not know are ignored, so tests can give two
// texts the same vector without a shared word, or a shared word without a
// shared vector.
type fakeEmbedder struct {
	name  string
	dim   int
	words map[string]int
	calls atomic.Int64 // texts embedded
}

func (f *fakeEmbedder) Name() string { return f.name }
func (f *fakeEmbedder) Dim() int     { return f.dim }

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.calls.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, f.dim)
		var sq float64
		for _, w := range corpus.Words(t) {
			if d, ok := f.words[w]; ok {
				v[d]++
			}
		}
		for _, x := range v {
			sq += float64(x * x)
		}
		if sq > 0 {
			for j := range v {
				v[j] /= float32(math.Sqrt(sq))
			}
		}
		out[i] = v
	}
	return out, nil
}

// brokenEmbedder returns vectors that break the Embedder contract.
type brokenEmbedder struct {
	dim  int
	make func(dim int) []float32
}

func (b brokenEmbedder) Name() string { return "broken" }
func (b brokenEmbedder) Dim() int     { return b.dim }
func (b brokenEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range texts {
		out[i] = b.make(b.dim)
	}
	return out, nil
}

// testLogger logs through t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// mustBuild builds an index or fails the test.
func mustBuild(t testing.TB, chunks []corpus.Chunk, emb Embedder) *Index {
	t.Helper()
	ix, err := Build(context.Background(), chunks, emb, BuildOptions{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return ix
}

// ids lists the passage IDs of hits.
func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Chunk.ID
	}
	return out
}

// describe formats hits for failure messages.
func describe(hits []Hit) string {
	s := ""
	for _, h := range hits {
		s += fmt.Sprintf("\n  %-10s score=%.3f cos=%.3f lex=%.3f cov=%.3f", h.Chunk.ID, h.Score, h.Vector, h.Lexical, h.Coverage)
	}
	return s
}

// randomEmbedder gives each text a pseudo-random unit vector seeded by its
// FNV hash: vectors without the hash embedder's structure, like an API
// model's, for the vector search's tests.
type randomEmbedder struct{ dim int }

func (e randomEmbedder) Name() string { return fmt.Sprintf("random-%d", e.dim) }
func (e randomEmbedder) Dim() int     { return e.dim }

func (e randomEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		seed := fnv1a(0, t)
		v := make([]float32, e.dim)
		var sq float64
		for j := range v {
			seed = seed*6364136223846793005 + 1442695040888963407
			x := float64(int64(seed>>11))/float64(1<<52) - 1
			v[j] = float32(x)
			sq += x * x
		}
		n := float32(math.Sqrt(sq))
		for j := range v {
			v[j] /= n
		}
		out[i] = v
	}
	return out, nil
}

// titlesOf samples the calibration titles of chunks, as an index of them
// would.
func titlesOf(chunks []corpus.Chunk) []title {
	return sampleTitles(len(chunks), func(d int) (string, bool) { return chunks[d].Title, chunks[d].DupOf != "" })
}

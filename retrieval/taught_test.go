package retrieval

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// countingEmbedder is the built-in embedder, counting the texts embedded.
type countingEmbedder struct {
	*HashEmbedder
	texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	return c.HashEmbedder.Embed(ctx, texts)
}

// answers reports whether the relevance decision answers from hits (the
// one place this test file depends on how the decision is taken).
func answers(hits []Hit) bool { return Decide(hits).Verdict == Answer }

// TestAliasesAnswerTaughtQuestions: a question that shares no content word
// with the passage that answers it is refused; once a moderator taught it
// as a phrasing of that passage, it and a rewording of it are answered
// from the passage, found through the alias, while off-topic questions and
// the other passages are unaffected.
func TestAliasesAnswerTaughtQuestions(t *testing.T) {
	ctx := context.Background()
	emb := &countingEmbedder{HashEmbedder: NewHashEmbedder(256)}
	ix, err := Build(ctx, diplomacy(), emb, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	taught := []Alias{
		{ChunkID: "state#4", Text: "why did washington freeze the cash for kyiv"},
		{ChunkID: "gone#9", Text: "a passage the index no longer holds"},
	}
	before := emb.texts.Load()
	al, missing, err := ix.Aliases(ctx, taught, nil)
	if err != nil {
		t.Fatal(err)
	}
	if al.Len() != 1 || len(missing) != 1 || missing[0].ChunkID != "gone#9" {
		t.Fatalf("ready %d, missing %+v; want one ready and gone#9 missing", al.Len(), missing)
	}
	if n := emb.texts.Load() - before; n != 1 {
		t.Errorf("embedded %d texts for one alias, want 1", n)
	}

	tests := []struct {
		q       string
		plain   bool   // answered without the aliases
		taught  bool   // answered with them
		top     string // the top hit with them, when answered
		through bool   // found through the alias
	}{
		{q: "why did washington freeze the cash for kyiv", taught: true, top: "state#4", through: true},
		{q: "Why did Washington freeze cash for Kyiv?", taught: true, top: "state#4", through: true},
		// A question the passage's own words answer stays its own.
		{q: "who delivered the written response in Moscow", plain: true, taught: true, top: "blinken#1"},
		// Off topic: no alias makes it an answer. (A question sharing
		// one rare word with an alias scores as one sharing it with a
		// title would: the alias is the passage with another title.)
		{q: "what's the best pizza topping", plain: false, taught: false},
		{q: "how do I bake sourdough bread", plain: false, taught: false},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			plain, err := ix.Search(ctx, tt.q, 5)
			if err != nil {
				t.Fatal(err)
			}
			if got := answers(plain); got != tt.plain {
				t.Errorf("without aliases answered = %v, want %v (top %s %.3f)", got, tt.plain, plain[0].Chunk.ID, plain[0].Score)
			}
			hits, err := ix.SearchWith(ctx, tt.q, 5, SearchOptions{Aliases: al})
			if err != nil {
				t.Fatal(err)
			}
			if got := answers(hits); got != tt.taught {
				t.Fatalf("with aliases answered = %v, want %v (top %s %.3f via %q)", got, tt.taught, hits[0].Chunk.ID, hits[0].Score, hits[0].Taught)
			}
			if !tt.taught {
				return
			}
			if hits[0].Chunk.ID != tt.top || (hits[0].Taught != "") != tt.through {
				t.Errorf("top hit %s via %q, want %s (through the alias: %v)", hits[0].Chunk.ID, hits[0].Taught, tt.top, tt.through)
			}
			seen := map[string]bool{}
			for _, h := range hits {
				if seen[h.Chunk.ID] {
					t.Errorf("passage %s returned twice (its own hit and its alias's)", h.Chunk.ID)
				}
				seen[h.Chunk.ID] = true
			}
		})
	}

	t.Run("reuse embeds only what changed", func(t *testing.T) {
		before := emb.texts.Load()
		more := append(taught[:1:1], Alias{ChunkID: "florida#3", Text: "will kyiv be protected from another attack"})
		al2, _, err := ix.Aliases(ctx, more, al)
		if err != nil {
			t.Fatal(err)
		}
		if n := emb.texts.Load() - before; n != 1 || al2.Len() != 2 {
			t.Errorf("embedded %d texts for one new alias beside a reused one (ready %d)", n, al2.Len())
		}
	})

	t.Run("aliases of another index are ignored", func(t *testing.T) {
		other, err := Build(ctx, diplomacy(), emb, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		hits, err := other.SearchWith(ctx, taught[0].Text, 5, SearchOptions{Aliases: al})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.Taught != "" || strings.Contains(h.Chunk.ID, "gone") {
				t.Errorf("another index's aliases were used: %+v", h)
			}
		}
	})
}

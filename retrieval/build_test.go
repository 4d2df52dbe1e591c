package retrieval

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func TestBuildRejectsBadVectors(t *testing.T) {
	tests := []struct {
		name string
		make func(dim int) []float32
	}{
		{"wrong dim", func(dim int) []float32 { v := make([]float32, dim+1); v[0] = 1; return v }},
		{"not normalised", func(dim int) []float32 { v := make([]float32, dim); v[0] = 2; return v }},
		{"NaN", func(dim int) []float32 { v := make([]float32, dim); v[0] = float32(math.NaN()); return v }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(context.Background(), diplomacy(), brokenEmbedder{dim: 8, make: tt.make}, BuildOptions{})
			if !errors.Is(err, ErrBadVector) {
				t.Errorf("Build error = %v, want ErrBadVector", err)
			}
		})
	}
}

func TestBuildAcceptsNearlyNormalised(t *testing.T) {
	emb := brokenEmbedder{dim: 4, make: func(int) []float32 { return []float32{1.0004, 0, 0, 0} }}
	ix, err := Build(context.Background(), diplomacy(), emb, BuildOptions{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	vs, err := ix.VectorsByHash(context.Background())
	if err != nil {
		t.Fatalf("VectorsByHash: %v", err)
	}
	for _, v := range vs {
		if v[0] != 1 {
			t.Fatalf("stored vector %v, want it rescaled to unit length", v)
		}
	}
}

func TestBuildRejectsDuplicateIDs(t *testing.T) {
	cs := []corpus.Chunk{chunk("a", "", "one"), chunk("a", "", "two")}
	if _, err := Build(context.Background(), cs, NewHashEmbedder(16), BuildOptions{}); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("Build error = %v, want ErrDuplicateID", err)
	}
}

func TestBuildReuseAndProgress(t *testing.T) {
	ctx := context.Background()
	words := map[string]int{"ukraine": 0, "russia": 1, "talks": 2, "missiles": 3, "nato": 4, "peace": 5}
	first := &fakeEmbedder{name: "fake", dim: 6, words: words}
	cs := diplomacy()
	old := mustBuild(t, cs, first)
	// The mirror differs from its original by a comma, so every passage has
	// its own hash and is embedded; so are the calibration's questions.
	if got, want := first.calls.Load(), int64(len(cs)+probeCount(cs)); got != want {
		t.Fatalf("first build embedded %d texts, want %d", got, want)
	}

	reuse, err := old.VectorsByHash(ctx)
	if err != nil {
		t.Fatalf("VectorsByHash: %v", err)
	}
	changed := append([]corpus.Chunk(nil), cs...)
	changed[0] = chunk(cs[0].ID, cs[0].Title, cs[0].Text+" Updated.")
	changed = append(changed, chunk("new#1", "", "Peace talks resumed."), chunk("new#2", "", "Peace talks resumed."))

	second := &fakeEmbedder{name: "fake", dim: 6, words: words}
	var calls [][2]int
	ix, err := Build(ctx, changed, second, BuildOptions{
		BatchSize: 1,
		Reuse:     reuse,
		Progress:  func(done, total int) { calls = append(calls, [2]int{done, total}) },
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	// The changed passage and one of the two identical new ones.
	if got, want := second.calls.Load(), int64(2+probeCount(changed)); got != want {
		t.Errorf("rebuild embedded %d texts, want %d", got, want)
	}
	if st := ix.Stats(); st.Embedded != 2 || st.Reused != len(cs)-1 {
		t.Errorf("stats embedded=%d reused=%d, want 2 and %d", st.Embedded, st.Reused, len(cs)-1)
	}
	want := [][2]int{{0, 2}, {1, 2}, {2, 2}}
	if len(calls) != len(want) {
		t.Fatalf("progress calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("progress calls %v, want %v", calls, want)
		}
	}
	// The identical new passages share the one vector.
	vs, _ := ix.VectorsByHash(ctx)
	if len(vs) != len(changed)-1 {
		t.Errorf("VectorsByHash has %d hashes, want %d", len(vs), len(changed)-1)
	}
}

func TestBuildStats(t *testing.T) {
	cs := append(diplomacy(), chunk("empty", "", "…"))
	ix := mustBuild(t, cs, NewHashEmbedder(0))
	st := ix.Stats()
	if st.Passages != len(cs) || st.Vectors != len(cs)-1 || st.Embedder != "hash-v1-512" || st.Dim != 512 || st.Terms == 0 {
		t.Errorf("stats = %+v", st)
	}
	if ix.Len() != len(cs) || len(ix.Chunks()) != len(cs) || ix.Embedder().Name() != "hash-v1-512" {
		t.Errorf("accessors disagree with the input")
	}
	if c, ok := ix.Chunk("state#3"); !ok || c.ID != "state#3" {
		t.Errorf("Chunk(state#3) = %v, %v", c.ID, ok)
	}
}

// probeCount is the number of questions calibration embeds for chunks.
func probeCount(chunks []corpus.Chunk) int { return len(offTopic) + 2*len(titlesOf(chunks)) }

package retrieval

import (
	"context"
	"slices"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

// TestFusionSurfacesBothKinds checks that a passage found only by its
// vector and one found only by its words both make the results.
func TestFusionSurfacesBothKinds(t *testing.T) {
	// "feline" and "cat" share a dimension (synonyms to the fake model);
	// "xyzzy" is unknown to it, so only BM25 sees it.
	emb := &fakeEmbedder{name: "fake", dim: 4, words: map[string]int{
		"feline": 0, "cat": 0, "dog": 1, "plugh": 2, "bird": 3,
	}}
	cs := []corpus.Chunk{
		chunk("vector-only", "", "The cat sat on the mat."),
		chunk("lexical-only", "", "Xyzzy plugh."),
	}
	for i, w := range []string{"dog", "bird", "dog bird", "bird bird", "dog dog"} {
		cs = append(cs, chunk(string(rune('a'+i)), "", "A "+w+" was here."))
	}
	ix := mustBuild(t, cs, emb)
	hits, err := ix.Search(context.Background(), "feline xyzzy", 2)
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	got := ids(hits)
	slices.Sort(got)
	if want := []string{"lexical-only", "vector-only"}; !slices.Equal(got, want) {
		t.Fatalf("hits = %v, want %v%s", got, want, describe(hits))
	}
	for _, h := range hits {
		switch h.Chunk.ID {
		case "vector-only":
			if h.Vector < 0.99 || h.Lexical != 0 || h.Coverage != 0 {
				t.Errorf("vector-only hit signals wrong:%s", describe(hits))
			}
		case "lexical-only":
			if h.Vector != 0 || h.Lexical <= 0 || h.Coverage <= 0 {
				t.Errorf("lexical-only hit signals wrong:%s", describe(hits))
			}
		}
		if h.Score < 0 {
			t.Errorf("score %.3f inconsistent with its signals", h.Score)
		}
	}
}

func TestSearchDuplicatesCollapsed(t *testing.T) {
	ix := mustBuild(t, diplomacy(), NewHashEmbedder(0))
	hits, err := ix.Search(context.Background(), "Which missile systems did the State Department approve for Ukraine?", 5)
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	n := 0
	for _, h := range hits {
		if h.Chunk.ID == "state#2" || h.Chunk.ID == "mirror#2" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d copies of the missile passage, want 1:%s", n, describe(hits))
	}
	if len(hits) != 5 {
		t.Errorf("got %d hits, want 5 (collapsing must not shorten the list)", len(hits))
	}
}

func TestCanonical(t *testing.T) {
	dup := func(id, of string) corpus.Chunk { return corpus.Chunk{ID: id, DocID: id, Text: "words", DupOf: of} }
	cs := []corpus.Chunk{
		dup("a", ""), dup("b", "a"), dup("c", "b"), dup("x", "y"), dup("y", "x"), dup("s", "s"),
	}
	ix := mustBuild(t, cs, NewHashEmbedder(8))
	tests := []struct{ id, want string }{
		{"a", "a"}, {"b", "a"}, {"c", "a"}, {"s", "s"},
		{"x", "x"}, // a cycle ends after maxDupChain steps, at an even step: x
	}
	for _, tt := range tests {
		c, _ := ix.Chunk(tt.id)
		if got := ix.canonical(c); got != tt.want {
			t.Errorf("canonical(%s) = %s, want %s", tt.id, got, tt.want)
		}
	}
}

func TestSearchLimits(t *testing.T) {
	ix := mustBuild(t, diplomacy(), NewHashEmbedder(0))
	tests := []struct {
		name  string
		query string
		k     int
		want  int
	}{
		// More than there are passages: all distinct ones, no chromem error.
		{"k above count", "Ukraine Russia talks", 100, ix.Len() - 1},
		{"k of one", "Ukraine Russia talks", 1, 1},
		{"zero k", "Ukraine", 0, 0},
		{"blank query", "  \n\t", 5, 0},
		{"empty query", "", 5, 0},
		// No words to embed or match: no vector search, nothing matched.
		{"punctuation", "?!", 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := ix.Search(context.Background(), tt.query, tt.k)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if len(hits) != tt.want {
				t.Errorf("got %d hits, want %d", len(hits), tt.want)
			}
			if !slices.IsSortedFunc(hits, func(a, b Hit) int {
				switch {
				case a.Score > b.Score:
					return -1
				case a.Score < b.Score:
					return 1
				}
				return 0
			}) {
				t.Errorf("hits not sorted by score:%s", describe(hits))
			}
		})
	}
}

func TestSearchTinyCollection(t *testing.T) {
	// One passage; the candidate count (20) must be clamped for chromem.
	ix := mustBuild(t, []corpus.Chunk{chunk("only", "Talks", "Peace talks in Istanbul.")}, NewHashEmbedder(0))
	hits, err := ix.Search(context.Background(), "Istanbul", 10)
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if len(hits) != 1 {
		t.Errorf("got %d hits, want 1", len(hits))
	}
}

func TestSearchEmptyIndex(t *testing.T) {
	ix := mustBuild(t, nil, NewHashEmbedder(0))
	hits, err := ix.Search(context.Background(), "anything", 3)
	if err != nil || len(hits) != 0 {
		t.Errorf("Search on empty index = %v, %v; want no hits, no error", hits, err)
	}
}

// TestTitleBreaksTies: of two passages that hold every word of the
// question, the FAQ entry whose own question it is ranks first, ahead of a
// longer passage that merely uses the words.
func TestTitleBreaksTies(t *testing.T) {
	cs := []corpus.Chunk{
		chunk("conv", "Why does Go not provide implicit numeric conversions?",
			"The convenience of automatic conversion between numeric types in C is outweighed by the confusion it causes. "+
				"When is an expression unsigned? How big is the value? Does it overflow? Is the result portable, independent of the machine on which it executes? "+
				"A related detail is that, unlike in C, int and int64 are distinct types even if int is a 64-bit type, whatever the size of the machine word."),
		chunk("size", "What is the size of an int on a 64 bit machine?",
			"The sizes of int and uint are implementation-specific but the same as each other on a given platform."),
		chunk("other", "Why is there no goroutine ID?", "Goroutines do not have names; they are just anonymous workers."),
	}
	ix, err := Build(context.Background(), cs, NewHashEmbedder(0), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := ix.Search(context.Background(), "what size is an int on a 64-bit machine", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) < 2 || hits[0].Chunk.ID != "size" {
		t.Fatalf("top hit %v, want the entry titled with the question", hits)
	}
	if hits[0].Coverage != hits[1].Coverage {
		t.Fatalf("coverage %.2f and %.2f: the test needs two passages that hold every word", hits[0].Coverage, hits[1].Coverage)
	}
	if hits[0].TitleCoverage <= 0.5 {
		t.Errorf("TitleCoverage = %.2f, want > 0.5", hits[0].TitleCoverage)
	}
	for _, h := range hits {
		if h.Relevance > 1 || h.Relevance < 0 || h.Score < 0 {
			t.Errorf("relevance %.3f out of [0, 1] or confidence %.3f below 0", h.Relevance, h.Score)
		}
	}
}

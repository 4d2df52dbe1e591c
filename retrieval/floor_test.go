package retrieval

import (
	"context"
	"testing"
)

// TestFloorSeparatesOnAndOffTopic checks that, with the built-in embedder,
// questions about the corpus clear DefaultFloor and questions about
// something else do not, with a margin on both sides.
func TestFloorSeparatesOnAndOffTopic(t *testing.T) {
	ix := mustBuild(t, diplomacy(), NewHashEmbedder(0))
	const margin = 0.05
	tests := []struct {
		q       string
		onTopic bool
		want    string // expected top passage for on-topic questions
	}{
		{"What is the State Department's position on negotiations?", true, "state#1"},
		{"Which missiles did the US sell to Ukraine?", true, "state#2"},
		{"Did NATO answer Moscow's security demands?", true, "blinken#2"},
		{"Who travelled to Russia after the Florida meeting?", true, "florida#1"},
		{"What does Putin want in the Donbas?", true, "florida#2"},
		{"Can you tell me about security guarantees for Ukraine?", true, "florida#3"},
		{"What happened in Istanbul?", true, "state#3"},
		{"peace plan", true, "florida#4"},
		{"How do I bake sourdough bread?", false, ""},
		{"What is the capital of Australia?", false, ""},
		{"What is the best programming language?", false, ""},
		{"How do I reset my password?", false, ""},
		{"Who won the football world cup?", false, ""},
		{"What is the price of oil in Russia?", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			hits, err := ix.Search(context.Background(), tt.q, 3)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if len(hits) == 0 {
				t.Fatalf("Search returned no hits")
			}
			top := hits[0]
			if tt.onTopic {
				if top.Score < DefaultFloor+margin {
					t.Errorf("top score %.3f, want >= %.3f%s", top.Score, DefaultFloor+margin, describe(hits))
				}
				if top.Chunk.ID != tt.want {
					t.Errorf("top hit %s, want %s%s", top.Chunk.ID, tt.want, describe(hits))
				}
			} else if top.Score > DefaultFloor-margin {
				t.Errorf("top score %.3f, want <= %.3f%s", top.Score, DefaultFloor-margin, describe(hits))
			}
			if got := len(AboveFloor(hits, DefaultFloor)) > 0; got != tt.onTopic {
				t.Errorf("AboveFloor non-empty = %v, want %v", got, tt.onTopic)
			}
		})
	}
}

func TestAboveFloor(t *testing.T) {
	h := func(s float64) Hit { return Hit{Score: s} }
	tests := []struct {
		name  string
		hits  []Hit
		floor float64
		want  int
	}{
		{"none", nil, 0.3, 0},
		{"all above", []Hit{h(0.9), h(0.5)}, 0.3, 2},
		{"prefix", []Hit{h(0.9), h(0.31), h(0.2), h(0.1)}, 0.3, 2},
		{"equal clears", []Hit{h(0.3)}, 0.3, 1},
		{"top below", []Hit{h(0.29), h(0.1)}, 0.3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(AboveFloor(tt.hits, tt.floor)); got != tt.want {
				t.Errorf("len(AboveFloor) = %d, want %d", got, tt.want)
			}
		})
	}
}

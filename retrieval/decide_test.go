package retrieval

import (
	"cmp"
	"context"
	"slices"
	"testing"
)

func TestDecide(t *testing.T) {
	h := func(score float64) Hit { return Hit{Score: score} }
	tests := []struct {
		name     string
		hits     []Hit
		verdict  Verdict
		margin   float64
		wantHits int
	}{
		{"no hits", nil, Refuse, -0.5, 0},
		{"all off-topic", []Hit{h(0.2), h(0.1)}, Refuse, -0.3, 0},
		{"plausible", []Hit{h(0.4), h(0.3), h(0.1)}, Plausible, -0.1, 2},
		{"answer from the confident prefix", []Hit{h(0.9), h(0.5), h(0.45), h(0.3)}, Answer, 0.4, 2},
		{"exactly at the threshold answers", []Hit{h(0.5)}, Answer, 0, 1},
		{"exactly plausible", []Hit{h(0.25)}, Plausible, -0.25, 1},
		// Rank order need not be score order: the best score decides.
		{"best score not first", []Hit{h(0.4), h(0.7), h(0.2)}, Answer, 0.2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.hits)
			if d.Verdict != tt.verdict || !near(d.Margin, tt.margin) || len(d.Hits) != tt.wantHits {
				t.Errorf("Decide = %s margin %+.2f %d hits, want %s margin %+.2f %d hits",
					d.Verdict, d.Margin, len(d.Hits), tt.verdict, tt.margin, tt.wantHits)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestDecideOnMergedIndexes is the contract with a knowledge base of
// several indexes (a server's own and the operator's base corpus): hits of
// two indexes with different corpora and embedders, merged by Score, are
// decided as either index alone would decide its own.
func TestDecideOnMergedIndexes(t *testing.T) {
	ctx := context.Background()
	own := mustBuild(t, gameFAQ(), NewHashEmbedder(0))
	// The base corpus uses an embedder of another geometry altogether.
	baseEmb := &fakeEmbedder{name: "fake", dim: 6, words: map[string]int{
		"ukraine": 0, "russia": 1, "talks": 2, "missiles": 3, "nato": 4, "peace": 5,
	}}
	base := mustBuild(t, diplomacy(), baseEmb)
	merged := func(q string) []Hit {
		a, err := own.Search(ctx, q, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, err := base.Search(ctx, q, 3)
		if err != nil {
			t.Fatal(err)
		}
		all := append(a, b...)
		slices.SortStableFunc(all, func(x, y Hit) int { return cmp.Compare(y.Score, x.Score) })
		return all
	}
	tests := []struct {
		q       string
		wantTop string // the passage that answers, from either index; "" for neither
	}{
		{"is xray allowed or nah", "rules#1"},
		{"Which missiles did the US sell to Ukraine?", "state#2"},
		{"how do i get unbanned", "mod#1"},
		{"What does Putin want in the Donbas?", "florida#2"},
		{"what's the best pizza topping?", ""},
		{"who won the world cup in 2018", ""},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			hits := merged(tt.q)
			d := Decide(hits)
			if tt.wantTop == "" {
				if d.Verdict == Answer {
					t.Errorf("answered (margin %+.2f), want refused%s", d.Margin, describe(hits))
				}
				return
			}
			if d.Verdict != Answer || d.Hits[0].Chunk.ID != tt.wantTop {
				t.Errorf("verdict %s, top %v; want %s answered%s", d.Verdict, ids(hits), tt.wantTop, describe(hits))
			}
		})
	}
}

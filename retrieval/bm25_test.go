package retrieval

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func toyBM25(t *testing.T) (*bm25, []corpus.Chunk) {
	t.Helper()
	cs := []corpus.Chunk{
		chunk("a", "", "Russia and Ukraine held talks in Istanbul."),
		chunk("b", "", "Ukraine asked for security guarantees. Security guarantees are the key issue for Ukraine."),
		chunk("c", "", "Ukraine received missiles."),
		chunk("d", "Ceasefire", "Officials discussed the proposal at length, over many hours, with no result."),
		chunk("e", "", "A ceasefire was mentioned once in a long passage about many other things: borders, aid, sanctions, elections and trade."),
	}
	ix, err := buildBM25(context.Background(), cs)
	if err != nil {
		t.Fatalf("buildBM25: %v", err)
	}
	return ix, cs
}

func TestBM25Ranking(t *testing.T) {
	ix, cs := toyBM25(t)
	tests := []struct {
		query string
		want  []string // expected order of the top passages
	}{
		// Repetition of both terms beats a passage without them.
		{"security guarantees", []string{"b"}},
		// The rare term decides: "istanbul" is in one passage, "ukraine" in four.
		{"Ukraine Istanbul", []string{"a"}},
		// A title term counts twice, and d's title is the term itself.
		{"ceasefire", []string{"d", "e"}},
		{"sourdough", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var s lexScores
			ix.score(queryTerms(tt.query), &s)
			top := s.top(len(tt.want))
			got := make([]string, len(top))
			for i, d := range top {
				got[i] = cs[d].ID
			}
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("top = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBM25IDF(t *testing.T) {
	ix, _ := toyBM25(t)
	common, rare, absent := ix.idf(corpus.Stem("ukraine")), ix.idf(corpus.Stem("istanbul")), ix.idf("sourdough")
	if !(absent > rare && rare > common && common > 0) {
		t.Errorf("idf absent=%.3f rare=%.3f common=%.3f, want absent > rare > common > 0", absent, rare, common)
	}
}

func TestBM25Coverage(t *testing.T) {
	ix, _ := toyBM25(t)
	var s lexScores
	ix.score(queryTerms("Ukraine Istanbul sourdough"), &s)
	// Passage a has two of the three terms but not the heaviest (absent) one.
	got := s.coverage(0)
	w := func(t string) float64 { return max(ix.idf(t), minCoverageWeight) }
	idf := w("ukrain") + w("istanbul")
	want := idf / (idf + w("sourdough"))
	if diff := got - want; diff > 1e-9 || diff < -1e-9 {
		t.Errorf("coverage = %.4f, want %.4f", got, want)
	}
	if l := s.lexical(0); l <= 0 || l >= 1 {
		t.Errorf("lexical = %.4f, want in (0, 1)", l)
	}
	s.reset()
	for i := range s.bm25 {
		if s.bm25[i] != 0 || s.covered[i] != 0 {
			t.Fatalf("reset left passage %d nonzero", i)
		}
	}
}

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"Can you please tell me about the negotiations?", []string{"negoti"}},
		{"Ukraine, Ukraine and Ukraine's talks", []string{"ukrain", "talk"}},
		{"   ", nil},
	}
	for _, tt := range tests {
		if got := queryTerms(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("queryTerms(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestBM25FileRoundTrip(t *testing.T) {
	ix, cs := toyBM25(t)
	got, err := bm25FromFile(ix.file(), len(cs))
	if err != nil {
		t.Fatalf("bm25FromFile: %v", err)
	}
	if !reflect.DeepEqual(got, ix) {
		t.Errorf("index differs after a round trip through its saved form")
	}
	tests := []struct {
		name  string
		spoil func(f *bm25File)
	}{
		{"short offsets", func(f *bm25File) { f.Offsets = f.Offsets[1:] }},
		{"doc out of range", func(f *bm25File) { f.Docs[0] = int32(len(cs)) }},
		{"tf missing", func(f *bm25File) { f.TFs = f.TFs[1:] }},
		{"decreasing offsets", func(f *bm25File) { f.Offsets[1], f.Offsets[2] = f.Offsets[2], f.Offsets[1] }},
		{"wrong passage count", func(f *bm25File) { f.DocLen = f.DocLen[1:] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ix.file()
			f.Offsets = slices.Clone(f.Offsets)
			tt.spoil(&f)
			if _, err := bm25FromFile(f, len(cs)); err == nil {
				t.Errorf("bm25FromFile accepted a spoilt file")
			}
		})
	}
}

// TestBM25TopMatchesSort checks the bounded selection against a full sort.
func TestBM25TopMatchesSort(t *testing.T) {
	cs := synthCorpus(500)
	ix, err := buildBM25(context.Background(), cs)
	if err != nil {
		t.Fatalf("buildBM25: %v", err)
	}
	var s lexScores
	for _, q := range benchQueries(cs) {
		ix.score(queryTerms(q), &s)
		all := slices.Clone(s.touched)
		slices.SortFunc(all, func(a, b int32) int {
			if c := cmp.Compare(s.bm25[b], s.bm25[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		for _, n := range []int{1, 20, len(all) + 5} {
			if got, want := s.top(n), all[:min(n, len(all))]; !slices.Equal(got, want) {
				t.Errorf("%q: top(%d) = %v, want %v", q, n, got, want)
			}
		}
		s.reset()
	}
}

func TestBM25Variants(t *testing.T) {
	ix, err := buildBM25(context.Background(), []corpus.Chunk{
		chunk("a", "", "The ambassador responded to the ministry in person."),
		chunk("b", "", "Electoral processes abroad are not interfered with."),
		chunk("c", "", "The response was delivered in writing."),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query   string
		doc     int32
		wantMin float64 // coverage in (wantMin, 1)
	}{
		{"response", 0, 0}, // "respond" shares the stem prefix: partial credit
		{"elections", 1, 0},
	}
	for _, tt := range tests {
		var s lexScores
		ix.score(queryTerms(tt.query), &s)
		if c := s.coverage(tt.doc); c <= tt.wantMin || c >= 1 {
			t.Errorf("%q: coverage of passage %d = %.3f, want partial credit in (%.1f, 1)", tt.query, tt.doc, c, tt.wantMin)
		}
	}
	// The word itself beats its variant.
	var s lexScores
	ix.score(queryTerms("response"), &s)
	if s.coverage(2) <= s.coverage(0) || s.lexical(2) <= s.lexical(0) {
		t.Errorf("exact match (%.3f, %.3f) should beat the variant (%.3f, %.3f)", s.coverage(2), s.lexical(2), s.coverage(0), s.lexical(0))
	}
}

func TestBM25LightVerbs(t *testing.T) {
	ix, err := buildBM25(context.Background(), []corpus.Chunk{
		chunk("a", "", "Negotiators will travel to Russia after the talks."),
		chunk("b", "", "Russia talks: shall we go?"),
		chunk("c", "", "Russia talks continue."),
	})
	if err != nil {
		t.Fatal(err)
	}
	var s lexScores
	ix.score(queryTerms("who is going to russia after the talks"), &s)
	// "going" is in one passage only; without its light-verb discount it
	// would weigh as much as the rest of the question (coverage 0.58).
	if c := s.coverage(2); c < 0.75 {
		t.Errorf("coverage of the passage lacking only the light verb = %.3f, want >= 0.75", c)
	}
}

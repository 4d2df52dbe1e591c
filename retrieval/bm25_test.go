package retrieval

import (
	"bytes"
	"cmp"
	"context"
	"math"
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
			ix.score(analyzeQuery(tt.query, ix, nil), &s)
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
	ix.score(analyzeQuery("Ukraine Istanbul sourdough", ix, nil), &s)
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

// TestShardFileRoundTrip writes a shard and reads it back, and checks
// that damaged files are refused, never read out of range.
func TestShardFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := append(diplomacy(), chunk("empty", "", "…"))
	ix := mustBuild(t, cs, emb)
	if len(ix.shards) != 1 {
		t.Fatalf("%d shards, want 1", len(ix.shards))
	}
	var buf bytes.Buffer
	if _, err := writeShard(&buf, ix.shards[0]); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	got, err := decodeShard(data, true)
	if err != nil {
		t.Fatalf("decodeShard: %v", err)
	}
	want := *ix.shards[0]
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("shard differs after a round trip through its file")
	}
	back := newIndex(emb, []*shard{got}, ix.dupOf)
	back.calib = ix.calib
	for _, q := range []string{"security guarantees", "NATO open door"} {
		a, _ := ix.Search(ctx, q, 5)
		b, _ := back.Search(ctx, q, 5)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q: after a round trip%s\nbefore%s", q, describe(b), describe(a))
		}
	}

	// Every truncation is refused.
	for n := 0; n < len(data); n += max(1, len(data)/300) {
		if _, err := decodeShard(data[:n], false); err == nil {
			t.Fatalf("truncated to %d of %d bytes: accepted", n, len(data))
		}
	}
	// A flipped byte anywhere is refused by the checksums (the bulk ones
	// with verify), or, in the bulk without verify, read without a
	// crash; Search must not panic either way.
	for i := 0; i < len(data); i += max(1, len(data)/500) {
		bad := bytes.Clone(data)
		bad[i] ^= 0x5a
		if _, err := decodeShard(bad, true); err == nil {
			t.Errorf("byte %d flipped: accepted with verify", i)
		}
		if s, err := decodeShard(bad, false); err == nil {
			x := newIndex(emb, []*shard{s}, nil)
			x.Search(ctx, "security guarantees for Ukraine", 5)
			x.Chunks()
		}
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
		ix.score(analyzeQuery(q, ix, nil), &s)
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
		ix.score(analyzeQuery(tt.query, ix, nil), &s)
		if c := s.coverage(tt.doc); c <= tt.wantMin || c >= 1 {
			t.Errorf("%q: coverage of passage %d = %.3f, want partial credit in (%.1f, 1)", tt.query, tt.doc, c, tt.wantMin)
		}
	}
	// The word itself beats its variant.
	var s lexScores
	ix.score(analyzeQuery("response", ix, nil), &s)
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
	ix.score(analyzeQuery("who is going to russia after the talks", ix, nil), &s)
	// "going" is in one passage only; without its light-verb discount it
	// would weigh as much as the rest of the question (coverage 0.58).
	if c := s.coverage(2); c < 0.75 {
		t.Errorf("coverage of the passage lacking only the light verb = %.3f, want >= 0.75", c)
	}
}

// TestCoverageWeight checks which words of a question weigh less than
// their idf in Coverage: light verbs, numbers and quantities with a unit,
// which a member types about themselves ("i have 50gb free") more often
// than about what the FAQ says.
func TestCoverageWeight(t *testing.T) {
	lex, err := buildBM25(context.Background(), gameFAQ())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		word  string
		light bool
	}{
		{"memory", false},
		{"teleport", false}, // not in the corpus: weighs most
		{"going", true},
		{"48", true},
		{"50gb", true},
		{"3hrs", true},
		{"mp3", false}, // letters first: a name, not a quantity
	}
	for _, tt := range tests {
		q := analyzeQuery(tt.word, lex, nil)
		if len(q.slots) != 1 {
			t.Fatalf("%q: %d slots, want 1", tt.word, len(q.slots))
		}
		idf, _ := lex.slotWeight(q.slots[0])
		want := max(idf, minCoverageWeight)
		if tt.light {
			want *= lightVerbWeight
		}
		if got := lex.coverageWeight(q.slots[0]); math.Abs(got-want) > 1e-12 {
			t.Errorf("coverageWeight(%q) = %v, want %v (light %v)", tt.word, got, want, tt.light)
		}
	}
}

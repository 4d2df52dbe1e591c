package benchmark

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestCorpusDeterministic(t *testing.T) {
	a, b := Corpus(300, 7), Corpus(300, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two corpora of the same size and seed differ")
	}
	if reflect.DeepEqual(a, Corpus(300, 8)) {
		t.Errorf("corpora of different seeds are equal")
	}
	// A prefix of a larger corpus is the smaller corpus: sizes share
	// passages, so growth is the only thing that changes between them.
	if got := Corpus(100, 7); !reflect.DeepEqual(got, a[:100]) {
		t.Errorf("Corpus(100) is not the first 100 passages of Corpus(300)")
	}
	if !reflect.DeepEqual(Queries(a, 20, 7), Queries(b, 20, 7)) {
		t.Errorf("queries of the same corpus and seed differ")
	}
}

func TestCorpusShape(t *testing.T) {
	cs := Corpus(2000, 1)
	ids := map[string]bool{}
	var lens []float64
	for _, c := range cs {
		if ids[c.ID] {
			t.Fatalf("duplicate id %q", c.ID)
		}
		ids[c.ID] = true
		if c.Hash == "" || c.DocID == "" || !strings.HasSuffix(c.Title, "?") {
			t.Fatalf("incomplete passage %+v", c)
		}
		if l := len(c.Text); l < textMin || l > textMax+200 {
			t.Errorf("passage %s is %d characters, want %d-%d", c.ID, l, textMin, textMax)
		}
		lens = append(lens, float64(len(c.Text)))
	}
	if m := Median(lens); m < 550 || m > 850 {
		t.Errorf("median passage length %.0f, want about %d", m, textMedian)
	}
}

func TestRandomEmbedder(t *testing.T) {
	e := NewRandomEmbedder(1536)
	vs, err := e.Embed(context.Background(), []string{"a", "b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(vs[0], vs[2]) || reflect.DeepEqual(vs[0], vs[1]) {
		t.Errorf("same text must give the same vector, different texts different ones")
	}
	for i, v := range vs {
		var sq float64
		for _, x := range v {
			sq += float64(x) * float64(x)
		}
		if len(v) != 1536 || math.Abs(math.Sqrt(sq)-1) > 1e-6 {
			t.Errorf("vector %d has %d values and length %f, want 1536 and 1", i, len(v), math.Sqrt(sq))
		}
	}
	if e.Name() != "random-1536" || e.Dim() != 1536 {
		t.Errorf("got %s/%d", e.Name(), e.Dim())
	}
}

func TestFlatTopK(t *testing.T) {
	vs, _ := NewRandomEmbedder(64).Embed(context.Background(), strings.Fields(strings.Repeat("x ", 0)+"a b c d e f g h i j k l m n o p q r s t u v w x y z"))
	f := NewFlat(64, vs)
	q := vs[3]
	got := f.TopK(q, 5)
	// Brute force, one accumulator.
	var want []Match
	for i, v := range vs {
		var s float32
		for j := range v {
			s += q[j] * v[j]
		}
		want = append(want, Match{Index: i, Score: s})
	}
	sortMatches(want)
	if len(got) != 5 {
		t.Fatalf("got %d matches, want 5", len(got))
	}
	for i := range got {
		if got[i].Index != want[i].Index || math.Abs(float64(got[i].Score-want[i].Score)) > 1e-5 {
			t.Errorf("match %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[0].Index != 3 {
		t.Errorf("best match of a stored vector is %d, want itself (3)", got[0].Index)
	}
	if n := len(f.TopK(q, 100)); n != len(vs) {
		t.Errorf("k beyond the size gave %d matches, want %d", n, len(vs))
	}
}

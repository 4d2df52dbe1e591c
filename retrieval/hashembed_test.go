package retrieval

import (
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestHashEmbedderDeterministic(t *testing.T) {
	texts := []string{"Negotiations in Istanbul", "Ukraine's security guarantees", "", "Зеленський"}
	// Enough copies that Embed spreads them over several workers.
	var many []string
	for range 10 {
		many = append(many, texts...)
	}
	ctx := context.Background()
	a, err := NewHashEmbedder(64).Embed(ctx, many)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	for i, text := range many {
		b, err := NewHashEmbedder(64).Embed(ctx, []string{text})
		if err != nil {
			t.Fatalf("Embed: %v", err)
		}
		if !slices.Equal(a[i], b[0]) {
			t.Errorf("text %q: batch and single vectors differ", text)
		}
	}
	// Pinned values: a change here changes every stored index, so it must
	// come with a new hashAlgo.
	v, _ := NewHashEmbedder(8).Embed(ctx, []string{"peace talks"})
	want := []float32{0.7368421, -0.31578946, 0, -0.57894737, 0.10526316, 0, 0.10526316, 0}
	for i := range want {
		if math.Abs(float64(v[0][i]-want[i])) > 1e-6 {
			t.Fatalf("vector of %q = %v, want %v (changed the recipe? bump hashAlgo and the pin)", "peace talks", v[0], want)
		}
	}
}

func TestHashEmbedderNormalised(t *testing.T) {
	tests := []struct {
		name string
		text string
		zero bool
	}{
		{"word", "ceasefire", false},
		{"sentence", "The US Department of State advocates for direct negotiations.", false},
		{"stop words only", "what is the", true},
		{"empty", "", true},
		{"punctuation", "?!… —", true},
		{"long", strings.Repeat("Russia Ukraine talks ", 500), false},
	}
	e := NewHashEmbedder(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := e.Embed(context.Background(), []string{tt.text})
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			v := vs[0]
			if len(v) != DefaultHashDim {
				t.Fatalf("len = %d, want %d", len(v), DefaultHashDim)
			}
			var sq float64
			for _, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("vector has non-finite value %v", x)
				}
				sq += float64(x) * float64(x)
			}
			if tt.zero {
				if sq != 0 {
					t.Errorf("squared norm %v, want 0 for a text with no words", sq)
				}
				return
			}
			if math.Abs(sq-1) > 1e-5 {
				t.Errorf("squared norm %v, want 1", sq)
			}
		})
	}
}

func TestHashEmbedderSimilarity(t *testing.T) {
	e := NewHashEmbedder(0)
	tests := []struct {
		a, near, far string
	}{
		{"negotiations", "negotiate", "bread"},
		{"negotiations", "negotiate", "missile"},
		{"Zelenskyy", "Zelensky", "Putin"},
		{"security guarantees for Ukraine", "guarantee Ukraine's security", "sourdough bread recipe"},
	}
	for _, tt := range tests {
		t.Run(tt.a, func(t *testing.T) {
			vs, err := e.Embed(context.Background(), []string{tt.a, tt.near, tt.far})
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			near, far := dot(vs[0], vs[1]), dot(vs[0], vs[2])
			if near <= far+0.2 {
				t.Errorf("cos(%q, %q) = %.3f, cos(%q, %q) = %.3f; want the first clearly larger", tt.a, tt.near, near, tt.a, tt.far, far)
			}
		})
	}
}

func TestHashEmbedderName(t *testing.T) {
	tests := []struct {
		dim  int
		want string
	}{
		{0, "hash-v1-512"},
		{-3, "hash-v1-512"},
		{128, "hash-v1-128"},
	}
	for _, tt := range tests {
		e := NewHashEmbedder(tt.dim)
		if got := e.Name(); got != tt.want {
			t.Errorf("NewHashEmbedder(%d).Name() = %q, want %q", tt.dim, got, tt.want)
		}
	}
}

func TestHashEmbedderCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = "text"
	}
	if _, err := NewHashEmbedder(0).Embed(ctx, texts); err == nil {
		t.Errorf("Embed with a cancelled context: got nil error")
	}
}

func TestFNVMatchesStdlib(t *testing.T) {
	for _, s := range []string{"", "a", "negoti", "<ukr", "Зел"} {
		h := fnv.New64a()
		h.Write([]byte{nsUnigram})
		h.Write([]byte(s))
		if got, want := fnv1a(nsUnigram, s), h.Sum64(); got != want {
			t.Errorf("fnv1a(%q) = %x, want %x", s, got, want)
		}
		if got, want := fnv1aBytes(nsUnigram, []byte(s)), h.Sum64(); got != want {
			t.Errorf("fnv1aBytes(%q) = %x, want %x", s, got, want)
		}
	}
}

func TestEmbeddingFunc(t *testing.T) {
	e := NewHashEmbedder(32)
	ef := EmbeddingFunc(e)
	got, err := ef(context.Background(), "peace talks")
	if err != nil {
		t.Fatalf("EmbeddingFunc: %v", err)
	}
	want, _ := e.Embed(context.Background(), []string{"peace talks"})
	if !slices.Equal(got, want[0]) {
		t.Errorf("EmbeddingFunc vector differs from Embed")
	}
}

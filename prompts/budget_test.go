package prompts

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// words counts words: a deterministic Counter for budget tests.
type words struct{}

func (words) Count(s string) int { return len(strings.Fields(s)) }

func TestFit(t *testing.T) {
	src := func(title string, n int) Source {
		return Source{Title: title, Doc: "d", Text: strings.TrimSpace(strings.Repeat("w ", n))}
	}
	// A block's words: "[n]", the title, "(source:", "d)", then the text.
	tests := []struct {
		name     string
		in       []Source
		budget   int
		want     []int // ranks kept
		trimmed0 bool
	}{
		{"all fit", []Source{src("a", 6), src("b", 6)}, 20, []int{0, 1}, false},
		{"stop at budget", []Source{src("a", 6), src("b", 6), src("c", 6)}, 20, []int{0, 1}, false},
		{"skip a long one, keep a short one", []Source{src("a", 6), src("b", 50), src("c", 2)}, 20, []int{0, 2}, false},
		{"first alone over budget is trimmed", []Source{src("a", 100), src("b", 1)}, 30, []int{0}, true},
		{"none", nil, 10, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fit(tt.in, tt.budget, words{})
			var ranks []int
			total := 0
			for i, s := range got {
				ranks = append(ranks, s.Rank)
				total += words{}.Count(block(i+1, s))
			}
			if !equalInts(ranks, tt.want) {
				t.Fatalf("kept ranks %v, want %v", ranks, tt.want)
			}
			if total > tt.budget {
				t.Errorf("kept %d tokens, budget %d", total, tt.budget)
			}
			if tt.trimmed0 && !strings.HasSuffix(got[0].Text, "…") {
				t.Errorf("first source not trimmed: %q", got[0].Text)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTokenCounter(t *testing.T) {
	start := time.Now()
	c, err := DefaultCounter()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tokenizer ready in %v (shared: later calls are free)", time.Since(start))
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello world", 2},
		{"<|endoftext|>", 7}, // special tokens count as text, no panic
	}
	for _, tt := range tests {
		if got := c.Count(tt.in); got != tt.want {
			t.Errorf("Count(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	// Shared and safe for concurrent use (run with -race).
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c2, err := DefaultCounter()
			if err != nil {
				t.Error(err)
				return
			}
			if got := c2.Count("The standard fee is 80 euros."); got != c.Count("The standard fee is 80 euros.") {
				t.Errorf("concurrent count %d differs", got)
			}
		}()
	}
	wg.Wait()
}

func TestFitRealTokenizer(t *testing.T) {
	c, err := DefaultCounter()
	if err != nil {
		t.Fatal(err)
	}
	long := Source{Title: "Long", Doc: "l.txt", Text: strings.Repeat("The embassy processes visa applications in order of arrival. ", 200)}
	got := Fit([]Source{long}, 100, c)
	if n := c.Count(block(1, got[0])); n > 100 || n < 80 {
		t.Errorf("trimmed block has %d tokens, want close to and at most 100", n)
	}
}

// typicalSources are five FAQ-sized passages (about 60-90 words each).
func typicalSources() []Source {
	text := "The US Department of State advocates for direct negotiations and a comprehensive ceasefire between Ukraine and Russia. Secretary of State Marco Rubio emphasizes the importance of dialogue to resolve the ongoing conflict. The department supports initiatives for a peaceful resolution and encourages both nations to present concrete proposals for ending hostilities."
	var out []Source
	for i := range 5 {
		out = append(out, Source{Title: "What is the US Department of State's position on negotiations?", Doc: "00" + string(rune('0'+i)) + "_state.txt", Text: text})
	}
	return out
}

func TestTypicalPromptSize(t *testing.T) {
	c, err := DefaultCounter()
	if err != nil {
		t.Fatal(err)
	}
	s := Default()
	sys, _ := s.RenderSystem()
	user, err := s.RenderAnswer("What does the State Department say about negotiations?", Fit(typicalSources(), 1200, c))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("5 typical passages: system %d tokens, user message %d tokens", c.Count(sys), c.Count(user))
}

func BenchmarkRenderAndCount(b *testing.B) {
	c, err := DefaultCounter()
	if err != nil {
		b.Fatal(err)
	}
	s := Default()
	srcs := typicalSources()
	b.ReportAllocs()
	for b.Loop() {
		kept := Fit(srcs, 1200, c)
		user, err := s.RenderAnswer("What does the State Department say about negotiations?", kept)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.Count(user)
	}
}

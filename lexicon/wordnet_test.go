package lexicon

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func wordNet(t *testing.T) *Table {
	t.Helper()
	tab, err := WordNet()
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestWordNetTableIsWhole(t *testing.T) {
	tab := wordNet(t)
	if err := tab.validate(); err != nil {
		t.Fatal(err)
	}
	if n := tab.Len(); n < 100_000 {
		t.Errorf("%d words, want WordNet's 100,000 or more", n)
	}
	if !strings.Contains(tab.Notice(), "WordNet 3.0 Copyright 2006 by Princeton University") {
		t.Errorf("the table does not carry WordNet's notice: %q", tab.Notice())
	}
}

// Lookups in the embedded table: the relations issue 11 names.
func TestWordNetLookup(t *testing.T) {
	tab := wordNet(t)
	tests := []struct {
		from, to string
		rel      Relation
		minW     float64
	}{
		{"america", "united states", Synonym, 0.85},
		{"america", "us", Synonym, 0.9},
		{"reply", "response", Derivation, 0.35},
		{"respond", "response", Derivation, 0.2},
		{"deliver", "delivery", Derivation, 0.35},
		{"american", "america", Pertainym, 0.5},
		{"kyiv", "kiev", Spelling, 1},
		{"kyiv", "ukraine", Place, 0.5},
		{"kiev", "ukraine", Place, 0.5},
		{"moscow", "russia", Place, 0.5},
		{"kremlin", "russia", Place, 0.5},
		{"washington", "united states", Place, 0.3},
		{"meddle", "interfere", Broader, 0.3},
		{"ran", "run", Inflection, 1},
		{"children", "child", Inflection, 1},
	}
	for _, tt := range tests {
		t.Run(tt.from+"->"+tt.to, func(t *testing.T) {
			rs := tab.Lookup(tt.from)
			i := slices.IndexFunc(rs, func(r Related) bool { return r.Word == tt.to })
			if i < 0 {
				t.Fatalf("no link; %q has %v", tt.from, rs)
			}
			if r := rs[i]; r.Rel != tt.rel || r.Weight < tt.minW-0.002 {
				t.Errorf("got %s %.2f, want %s at least %.2f", r.Rel, r.Weight, tt.rel, tt.minW)
			}
		})
	}
	if got := tab.Lookup("no such word"); len(got) != 0 {
		t.Errorf("unknown word gave %v", got)
	}
}

// shippedVocab is the vocabulary of the shipped corpus.
func shippedVocab(t *testing.T) func(string) bool {
	t.Helper()
	var text strings.Builder
	fsys := corpus.Default()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		text.Write(b)
		text.WriteByte('\n')
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return vocab(text.String())
}

// The questions of issue 11 against the shipped corpus's vocabulary: each
// finds the words the corpus uses for what the member said.
func TestWordNetExpandsIssueQuestions(t *testing.T) {
	e := NewExpander(wordNet(t), corpus.Terms)
	in := shippedVocab(t)
	tests := []struct {
		question string
		want     []string // "term<-from"
	}{
		{"Why did America pause some of its aid to Kyiv?", []string{"unit+state<-america", "us<-america", "suspens<-pause", "kiev<-kyiv", "ukrain<-kyiv"}},
		{"Does the department meddle in other countries' elections?", []string{"interfer<-meddle", "elector<-elections"}},
		{"who handed the American written reply to the Russian Foreign Ministry?", []string{"respons<-reply", "us<-american", "russia<-russian"}},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			got := e.Expand(corpus.Words(tt.question), in)
			have := map[string]bool{}
			for _, x := range got {
				have[strings.Join(x.Terms, "+")+"<-"+x.From] = true
			}
			for _, w := range tt.want {
				if !have[w] {
					t.Errorf("missing %s; got %q", w, show(got))
				}
			}
		})
	}
}

func BenchmarkExpand(b *testing.B) {
	tab, err := WordNet()
	if err != nil {
		b.Fatal(err)
	}
	e := NewExpander(tab, corpus.Terms)
	words := corpus.Words("who handed the American written reply to the Russian Foreign Ministry?")
	all := func(string) bool { return true }
	for b.Loop() {
		e.Expand(words, all)
	}
}

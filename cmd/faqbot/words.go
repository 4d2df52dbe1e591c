package main

import (
	"fmt"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/lexicon"
	"github.com/faqbot/faqbot/retrieval"
)

// wordExpander adapts the lexicon's expander to the one retrieval calls:
// the same expansions, in retrieval's type.
type wordExpander struct{ e *lexicon.Expander }

var _ retrieval.Expander = wordExpander{}

func (w wordExpander) Name() string { return w.e.Name() }

func (w wordExpander) Expand(words []string, inCorpus func(string) bool) []retrieval.Expansion {
	xs := w.e.Expand(words, inCorpus)
	out := make([]retrieval.Expansion, len(xs))
	for i, x := range xs {
		out[i] = retrieval.Expansion{Terms: x.Terms, From: x.From, Weight: x.Weight}
	}
	return out
}

// newExpander returns the expander FAQBOT_SYNONYMS asks for: the built-in
// WordNet table over the corpus's own analyser, or nil.
func newExpander(on bool) (retrieval.Expander, error) {
	if !on {
		return nil, nil
	}
	t, err := lexicon.WordNet()
	if err != nil {
		return nil, fmt.Errorf("loading the word table: %w", err)
	}
	return wordExpander{lexicon.NewExpander(t, corpus.Terms)}, nil
}

package retrieval

import (
	"slices"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

// TestAnalyzerMatchesCorpusTerms guards the memo: word-at-a-time analysis
// must give exactly corpus.Terms, or passages and queries would disagree on
// what a term is.
func TestAnalyzerMatchesCorpusTerms(t *testing.T) {
	texts := []string{
		"",
		"What is the US Department of State's position on negotiations between Ukraine and Russia?",
		"Russia’s 28-point plan, the 2023 talks — and Zelenskyy's reply: \"no\".",
		"Зеленський і Путін; café naïve résumé; a I x 7 42",
		"don't won't can't isn't",
	}
	for _, c := range diplomacy() {
		texts = append(texts, c.Title, c.Text)
	}
	a := newAnalyzer()
	for _, text := range texts {
		for range 2 { // cold, then from the memo
			if got, want := a.terms(text, nil), corpus.Terms(text); !slices.Equal(got, want) {
				t.Errorf("terms(%q) = %v, want %v", text, got, want)
			}
		}
	}
}

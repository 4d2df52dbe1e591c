package answer_test

import (
	"strings"
	"testing"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/llm/llmtest"
	"github.com/faqbot/faqbot/retrieval"
)

// An answer quoted from a passage between the threshold and
// ConfidenceSure holds only part of the question: it is given, marked as
// the closest the FAQ comes. A confident one, a refusal and an LLM's answer
// (the model read the passages and decided) are not marked.
func TestTentativeAnswers(t *testing.T) {
	const q = "what does a visa cost?"
	withTop := func(score float64) *fakeSearcher {
		hs := sampleHits()
		hs[0].Score = score
		for i := 1; i < len(hs); i++ {
			hs[i].Score = min(hs[i].Score, score)
		}
		return &fakeSearcher{hits: hs}
	}
	tests := []struct {
		name          string
		search        *fakeSearcher
		llm           bool
		wantRefused   bool
		wantTentative bool
	}{
		{"confident", withTop(retrieval.ConfidenceSure + 0.05), false, false, false},
		{"at the mark", withTop(retrieval.ConfidenceSure), false, false, false},
		{"just above the threshold", withTop(retrieval.ConfidenceThreshold + 0.05), false, false, true},
		{"refused", withTop(retrieval.ConfidenceThreshold - 0.05), false, true, false},
		{"llm decides", withTop(retrieval.ConfidenceThreshold + 0.05), true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e *answer.Engine
			if tt.llm {
				e = newSetupWith(t, tt.search, answer.Options{}, sameQuestion(q), llmtest.Stream("The standard fee is 80 euros [1].")).engine
			} else {
				e = answer.New(tt.search, answer.Options{})
			}
			a, err := e.Answer(t.Context(), answer.Question{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if a.Refused != tt.wantRefused || a.Tentative != tt.wantTentative {
				t.Fatalf("refused %v tentative %v, want %v and %v (mode %s, confidence %.2f)", a.Refused, a.Tentative, tt.wantRefused, tt.wantTentative, a.Mode, a.Confidence)
			}
			if marked := strings.Contains(a.Note, "may not answer this exactly"); marked != tt.wantTentative {
				t.Errorf("note %q: says it may not answer = %v, want %v", a.Note, marked, tt.wantTentative)
			}
			if tt.wantTentative && (len(a.Citations) == 0 || !strings.Contains(a.Text, "80 euros")) {
				t.Errorf("a tentative answer is still an answer with its source: %q %+v", a.Text, a.Citations)
			}
			// A tentative answer offers the other close entries, never
			// one it cites; a confident one offers none.
			if got := len(a.Alternatives); (got > 0) != tt.wantTentative || got > answer.MaxAlternatives {
				t.Errorf("%d alternatives, want some (at most %d) only with a tentative answer", got, answer.MaxAlternatives)
			}
			for _, s := range a.Alternatives {
				for _, c := range a.Citations {
					if s.ChunkID == c.ChunkID || s.Source == c.Source {
						t.Errorf("alternative %+v is a cited source", s)
					}
				}
			}
		})
	}
}

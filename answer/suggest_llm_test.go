package answer_test

import (
	"testing"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/llm/llmtest"
	"github.com/faqbot/faqbot/retrieval"
)

// TestSuggestionsWhenTheModelRefuses: in LLM mode the model reads the
// plausibly relevant passages and may refuse; its refusal offers them as
// suggestions, and cites nothing. A question with nothing plausible is
// refused with nothing to offer.
func TestSuggestionsWhenTheModelRefuses(t *testing.T) {
	q := "can my dog come to the visa interview"
	near := []retrieval.Hit{
		hit("interview.txt", "What happens at the visa interview?", "Bring your passport and one photo.", 0.45),
		hit("kids.txt", "Travelling with children", "Children under six travel on a parent's visa.", 0.35),
		hit("other.txt", "Opening hours", "The office opens at nine.", 0.05),
	}
	// The first two are plausibly relevant (confidence 0.25 to 0.5), the
	// third is not.
	s := newSetupWith(t, &fakeSearcher{hits: near}, answer.Options{}, sameQuestion(q), llmtest.Stream("NOT_IN_FAQ"))
	a, _ := s.stream(t, answer.Question{Text: q})
	if !a.Refused || len(a.Citations) != 0 {
		t.Fatalf("answer %+v, want a refusal citing nothing", a)
	}
	if len(a.Suggestions) != 2 || a.Suggestions[0].Source != "interview.txt" || a.Suggestions[1].Source != "kids.txt" {
		t.Errorf("suggestions %+v, want the two passages the model read", a.Suggestions)
	}

	s = newSetupWith(t, &fakeSearcher{hits: near[2:]}, answer.Options{}, sameQuestion(q), llmtest.Stream("Made up [1]."))
	if a, _ := s.stream(t, answer.Question{Text: q}); !a.Refused || len(a.Suggestions) != 0 {
		t.Errorf("answer %+v, want a refusal with nothing to offer", a)
	}
}

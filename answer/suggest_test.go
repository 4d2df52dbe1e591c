package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/retrieval"
)

// suggestHits are what a search found for a question the FAQ does not
// answer: two passages near it (one entry split in two), one further and
// one off topic. Their confidences put the first four at the decision's
// "plausibly relevant" level (0.25 to 0.5), the last below it.
var suggestHits = []retrieval.Hit{
	hit("rules.md#1", "Are client modifications that reveal ores allowed?", "No. Cheat clients and x-ray packs are banned on sight.", 0.45),
	hit("rules.md#2", "Are client modifications that reveal ores allowed?", "Appeals go to the staff email.", 0.42),
	hit("events.md#0", "When are tournaments held?", "Every second Saturday at 18:00 UTC.", 0.38),
	hit("shop.md#3", "How do ranks work?", "Ranks are bought in the web store.", 0.34),
	hit("misc.md#0", "Credits", "Thanks to everyone who built spawn.", 0.1),
}

func TestSuggestionsOnRefusal(t *testing.T) {
	tests := []struct {
		name   string
		hits   []retrieval.Hit
		want   []string // suggested passages
		refuse bool
	}{
		{name: "near passages offered, one per entry, at most three", hits: suggestHits, refuse: true,
			want: []string{"rules.md#1", "events.md#0", "shop.md#3"}},
		{name: "nothing near: nothing offered", hits: suggestHits[4:], refuse: true},
		{name: "no hits at all", refuse: true},
		{name: "answered: nothing offered", hits: append([]retrieval.Hit{hit("faq.md#0", "How do I join?", "Connect to play.example.net.", 0.9)}, suggestHits...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(&fakeSearch{hits: tt.hits}, Options{})
			a, err := e.Answer(context.Background(), Question{Text: "is xray ok"})
			if err != nil {
				t.Fatal(err)
			}
			if a.Refused != tt.refuse {
				t.Fatalf("refused = %v, want %v", a.Refused, tt.refuse)
			}
			if a.Refused && (len(a.Citations) != 0 || a.Text != RefusalText) {
				t.Errorf("a refusal with suggestions cites %d sources and says %q: suggestions are no answer", len(a.Citations), a.Text)
			}
			var got []string
			for _, s := range a.Suggestions {
				got = append(got, s.ChunkID)
				if s.Passage == "" || s.Title == "" || s.Source == "" {
					t.Errorf("suggestion %+v lacks what a front end needs to answer it", s)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("suggestions %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFromSuggestion: a picked suggestion is answered from its passage,
// citing it, with the member's question kept.
func TestFromSuggestion(t *testing.T) {
	e := New(&fakeSearch{hits: suggestHits}, Options{})
	a, err := e.Answer(context.Background(), Question{Text: "is xray ok"})
	if err != nil || len(a.Suggestions) == 0 {
		t.Fatalf("no suggestions: %+v %v", a, err)
	}
	got := FromSuggestion(a.Question, a.Suggestions[0])
	if got.Refused || got.Question != "is xray ok" || len(got.Citations) != 1 || got.Citations[0].ChunkID != "rules.md#1" ||
		!strings.Contains(got.Text, "banned on sight") || !strings.Contains(got.Text, "[1]") {
		t.Errorf("FromSuggestion = %+v, want the passage's answer citing rules.md#1", got)
	}
}

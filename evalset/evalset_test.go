package evalset

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr []string
	}{
		{"ok", `{"question": "a?", "sources": ["x"], "facts": [["y", "z"]]}` + "\n\n# comment\n" + `{"question": "b?", "refuse": true}`, 2, nil},
		{"bad json", `{"question": "a?"`, 0, []string{"line 1"}},
		{"unknown field", `{"question": "a?", "source": ["x"]}`, 0, []string{"line 1", "source"}},
		{"no sources", `{"question": "a?"}`, 0, []string{"needs sources"}},
		{"two bad lines", "{}\n{\"question\": \" \"}", 0, []string{"line 1", "line 2"}},
		{"empty", "\n# nothing\n", 0, []string{"no questions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qs, err := Read(strings.NewReader(tt.in))
			if len(tt.wantErr) == 0 {
				if err != nil || len(qs) != tt.want {
					t.Fatalf("Read = %d questions, %v; want %d", len(qs), err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Read: no error, want %v", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// fixed answers from a table, as a stand-in engine.
type fixed map[string]answer.Answer

func (f fixed) Answer(_ context.Context, q answer.Question) (answer.Answer, error) {
	return f[q.Text], nil
}

type hits map[string][]retrieval.Hit

func (h hits) Search(_ context.Context, q string, k int) ([]retrieval.Hit, error) { return h[q], nil }

func TestRunScores(t *testing.T) {
	h := func(doc string, score float64) retrieval.Hit {
		return retrieval.Hit{Chunk: corpus.Chunk{DocID: doc}, Score: score}
	}
	qs := []Question{
		{Question: "q1", Sources: []string{"001"}, Facts: [][]string{{"Sullivan"}}},
		{Question: "q2", Sources: []string{"002"}, Facts: [][]string{{"four hours"}, {"Florida"}}},
		{Question: "q3", Refuse: true},
		{Question: "q4", Refuse: true},
		{Question: "q5", Sources: []string{"003"}, Facts: [][]string{{"Umerov"}}},
	}
	a := fixed{
		"q1": {Text: "John Sullivan delivered it [1]", Citations: []answer.Citation{{N: 1, Source: "001_x.txt"}}},
		"q2": {Text: "It lasted four hours [1]", Citations: []answer.Citation{{N: 1, Source: "004_y.txt"}}, Tentative: true,
			Alternatives: []answer.Suggestion{{Source: "002_z.txt", ChunkID: "002_z.txt#0"}}},
		"q3": {Refused: true, Suggestions: []answer.Suggestion{{Source: "000_a.txt"}}},
		"q4": {Text: "guess", Tentative: true},
		"q5": {Refused: true, Suggestions: []answer.Suggestion{{Source: "009_v.txt"}, {Source: "003_w.txt"}}},
	}
	s := hits{"q1": {h("001_x.txt", 0.8)}, "q2": {h("004_y.txt", 0.5), h("002_z.txt", 0.4)}, "q3": {h("000", 0.1)}, "q4": {h("000", 0.2)},
		"q5": {h("003_w.txt", 0.3)}}
	rep, err := Run(context.Background(), qs, a, s, 5)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"hit@k", rep.HitAtK, 1},
		{"MRR", rep.MRR, (1 + 0.5 + 1) / 3},
		{"cited", rep.CitedRight, 1.0 / 3},
		{"facts", rep.FactRecall, 1.0 / 3},
		{"answered", float64(rep.Answered), 2},
		{"facts in answered answers", rep.AnsweredFacts, 0.5},
		{"false refusals", rep.FalseRefusals, 1.0 / 3},
		{"answered from another document", rep.AnsweredElsewhere, 1.0 / 3},
		{"refusal", rep.RefusalAccuracy, 0.5},
		{"answerable refused", float64(rep.RefusedAnswerable), 1},
		{"right document suggested", float64(rep.RefusedRightSuggested), 1},
		{"unanswerable refused", float64(rep.RefusedUnanswerable), 1},
		{"unanswerable suggesting", float64(rep.RefusedUnanswerableSuggesting), 1},
		{"answerable min", rep.AnswerableScores.Min, 0.3},
		{"unanswerable max", rep.UnanswerableScores.Max, 0.2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if want := (TentativeCounts{Right: 0, RightOf: 1, Elsewhere: 1, ElsewhereOf: 1, OffTopic: 1, OffTopicOf: 1, ElsewhereOffersRight: 1}); rep.Tentative != want {
		t.Errorf("tentative answers %+v, want %+v", rep.Tentative, want)
	}
	if p := rep.Results[1].Problems(); len(p) != 2 {
		t.Errorf("q2 problems %q, want the uncited document and the missing fact", p)
	}
	// A refusal says where retrieval put the right document: here first,
	// so a lower threshold would have answered from it.
	if p := rep.Results[4].Problems(); len(p) != 1 || p[0] != "refused but is answerable (retrieval rank 1)" {
		t.Errorf("q5 problems %q, want the refusal with the right document's retrieval rank", p)
	}
	if rep.Results[0].OK() != true || rep.Results[3].OK() {
		t.Errorf("OK: q1 %v (want true), q4 %v (want false)", rep.Results[0].OK(), rep.Results[3].OK())
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 3}, {0.95, 5}, {1, 5}, {0.01, 1}} {
		if got := percentile(ds, tt.p); got != tt.want {
			t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing should be 0")
	}
}

func TestGroupBySharedWords(t *testing.T) {
	chunks := []corpus.Chunk{
		{DocID: "001_a.txt", Title: "The written response", Text: "US Ambassador John Sullivan delivered the response to the Russian Foreign Ministry."},
		{DocID: "001_a.txt", Title: "Other news", Text: "The ministry said the ambassador was received."},
		{DocID: "002_b.txt", Title: "Talks", Text: "The talks in Florida lasted four hours."},
		{DocID: "faq.html", Title: "Is X-ray allowed?", Text: "No: X-ray is cheating, a 7-day ban."},
		{DocID: "faq.html", Title: "Can I use minimaps?", Text: "Yes, without cave mapping; a ban otherwise."},
	}
	q := func(text string, src string, title string, facts ...string) Question {
		qq := Question{Question: text, Sources: []string{src}, Title: title}
		for _, f := range facts {
			qq.Facts = append(qq.Facts, []string{f})
		}
		return qq
	}
	rep := Report{K: 5, Results: []Result{
		// Shares "ambassador" and "russian" with the passage stating the
		// fact; the other passage of the document does not count.
		{Question: q("which ambassador handed the american reply to the russians?", "001", "", "Sullivan"), Rank: 1, CitedRight: true},
		// No passage states all the facts: every passage of the document
		// answers, and the question shares one word with the best.
		{Question: q("how long was the meeting in florida", "002", "", "four hours", "Miami"), Answer: answer.Answer{Refused: true}},
		// A titled question: only that entry answers ("ban" in the other
		// entry does not count for it).
		{Question: q("will i get banned for xray", "faq.html", "Is X-ray allowed?", "7-day ban"), Rank: 1, CitedRight: true, TopTitleRight: true},
		// Right document but the wrong entry: not answered right.
		{Question: q("is an ore finder ok", "faq.html", "Is X-ray allowed?", "cheating"), Rank: 1, CitedRight: true},
		{Question: Question{Question: "what is the capital of australia", Refuse: true}},
	}}
	rep.GroupBySharedWords(chunks)
	var got []int
	for _, r := range rep.Results {
		got = append(got, r.Shared)
	}
	// "russians" stems to "russian"; "banned" to "ban"; "xray" is not
	// "x-ray" (two words, "x" dropped, "ray").
	want := []int{2, 1, 1, 0, -1}
	if !slices.Equal(got, want) {
		t.Fatalf("shared words %v, want %v", got, want)
	}
	g := rep.FewShared
	if g.Questions != 3 || g.Answered != 1.0/3 || g.Refused != 1.0/3 || g.HitAtK != 2.0/3 {
		t.Errorf("group %+v, want 3 questions, 1/3 answered right, 1/3 refused, 2/3 retrieved", g)
	}
}

func TestCheckSources(t *testing.T) {
	docs := []string{"faq.md", "guides/install.md", "002_86b9.txt"}
	tests := []struct {
		name    string
		qs      []Question
		unknown []string
		orphans int
		answ    int
	}{
		{"all match", []Question{{Sources: []string{"faq"}}, {Sources: []string{"002"}}, {Refuse: true}}, nil, 0, 2},
		{"wrong corpus", []Question{{Sources: []string{"faq.html"}}, {Sources: []string{"go-faq"}}, {Sources: []string{"faq.html"}}}, []string{"faq.html", "go-faq"}, 3, 3},
		{"one misspelled of two", []Question{{Sources: []string{"faq.md", "gudes/"}}}, []string{"gudes/"}, 0, 1},
		{"refusals have no sources", []Question{{Refuse: true}}, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckSources(tt.qs, docs)
			if !slices.Equal(got.Unknown, tt.unknown) || got.Orphans != tt.orphans || got.Answerable != tt.answ {
				t.Errorf("got %+v, want unknown %q, %d orphans of %d answerable", got, tt.unknown, tt.orphans, tt.answ)
			}
		})
	}
}

package answer

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// fakeSearch returns fixed hits and records the queries it was given.
type fakeSearch struct {
	hits    []retrieval.Hit
	err     error
	queries []string
}

func (f *fakeSearch) Search(_ context.Context, q string, k int) ([]retrieval.Hit, error) {
	f.queries = append(f.queries, q)
	if len(f.hits) > k {
		return f.hits[:k], f.err
	}
	return f.hits, f.err
}

func hit(id, title, text string, score float64) retrieval.Hit {
	doc, n, _ := strings.Cut(id, "#")
	pos, _ := strconv.Atoi(n)
	return retrieval.Hit{Chunk: corpus.Chunk{ID: id, DocID: doc, DocTitle: "Doc " + doc, Title: title, Text: text, Pos: pos}, Score: score}
}

var testHits = []retrieval.Hit{
	hit("talks.txt#2", "Talks in Florida", "The talks took place in Florida. They lasted over four hours and were deemed productive by both sides. The weather was mild.", 0.9),
	hit("faq.txt#0", "Who led the Ukrainian delegation?", "Rustem Umerov led the Ukrainian delegation. He called the talks constructive.", 0.7),
	hit("other.txt#5", "Aid", "The aid package includes fuel trucks and radars.", 0.55),
}

var citeRE = regexp.MustCompile(`\[(\d+)\]`)

func TestExtractiveCitesOnlyRetrievedPassages(t *testing.T) {
	tests := []struct {
		question string
		wantText []string
		wantDoc  string
	}{
		{"How long did the Florida talks last?", []string{"four hours"}, "talks.txt"},
		{"Who headed the Ukrainian delegation?", []string{"Umerov"}, "faq.txt"},
		{"What is in the aid package?", []string{"fuel trucks"}, "other.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			e := New(&fakeSearch{hits: testHits}, Options{})
			a, err := e.Answer(context.Background(), Question{Text: tt.question})
			if err != nil {
				t.Fatalf("Answer: %v", err)
			}
			if a.Refused || a.Mode != ModeExtractive || !a.Grounded {
				t.Fatalf("got refused=%v mode=%s grounded=%v", a.Refused, a.Mode, a.Grounded)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(a.Text, w) {
					t.Errorf("answer %q lacks %q", a.Text, w)
				}
			}
			cited := map[int]bool{}
			for _, m := range citeRE.FindAllStringSubmatch(a.Text, -1) {
				n, _ := strconv.Atoi(m[1])
				cited[n] = true
			}
			if len(cited) != len(a.Citations) {
				t.Errorf("text cites %v but %d citations are listed", cited, len(a.Citations))
			}
			found := false
			for i, c := range a.Citations {
				if c.N != i+1 || !cited[c.N] {
					t.Errorf("citation %d has N=%d (cited: %v)", i, c.N, cited)
				}
				ok := false
				for _, h := range testHits {
					ok = ok || (h.Chunk.ID == c.ChunkID && strings.Contains(h.Chunk.Text, strings.TrimSuffix(c.Snippet, "…")))
				}
				if !ok {
					t.Errorf("citation %+v does not match a retrieved passage", c)
				}
				found = found || c.Source == tt.wantDoc
			}
			if !found {
				t.Errorf("%s not among the citations %+v", tt.wantDoc, a.Citations)
			}
		})
	}
}

// TestRefusesBelowThreshold checks that the engine answers only from hits
// the index's calibrated decision accepts: without an LLM to check them, a
// merely plausible passage is refused too.
func TestRefusesBelowThreshold(t *testing.T) {
	low := []retrieval.Hit{hit("a.txt#0", "A", "Something unrelated entirely.", 0.1)}
	plausible := []retrieval.Hit{hit("a.txt#0", "A", "Something unrelated entirely.", retrieval.ConfidencePlausible+0.1)}
	for _, hits := range [][]retrieval.Hit{nil, low, plausible} {
		e := New(&fakeSearch{hits: hits}, Options{})
		a, err := e.Answer(context.Background(), Question{Text: "What is the capital of Australia?"})
		if err != nil {
			t.Fatalf("Answer: %v", err)
		}
		if !a.Refused || len(a.Citations) != 0 || a.Text != RefusalText {
			t.Errorf("got %+v, want a refusal with no citations", a)
		}
		if len(hits) > 0 && a.Confidence != hits[0].Score {
			t.Errorf("Confidence = %v, want the top hit's %v", a.Confidence, hits[0].Score)
		}
	}
}

func TestEmptyQuestion(t *testing.T) {
	for _, q := range []string{"", "   ", "\u200b\u200f", "\x00\t"} {
		e := New(&fakeSearch{hits: testHits}, Options{})
		if _, err := e.Answer(context.Background(), Question{Text: q}); !errors.Is(err, ErrEmptyQuestion) {
			t.Errorf("Answer(%q) error = %v, want ErrEmptyQuestion", q, err)
		}
	}
}

func TestSearchErrorIsWrapped(t *testing.T) {
	boom := errors.New("boom")
	e := New(&fakeSearch{err: boom}, Options{})
	if _, err := e.Answer(context.Background(), Question{Text: "anything"}); !errors.Is(err, boom) {
		t.Errorf("error = %v, want it to wrap boom", err)
	}
}

func TestFollowUpWithoutLLMCombinesQuestions(t *testing.T) {
	fs := &fakeSearch{hits: testHits}
	e := New(fs, Options{})
	a, err := e.Answer(context.Background(), Question{
		Text:    "and who led Ukraine's side?",
		History: []Turn{{Question: "How long did the Florida talks last?", Answer: "Over four hours [1]"}},
	})
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	want := "How long did the Florida talks last? and who led Ukraine's side?"
	if fs.queries[0] != want || a.Query != want {
		t.Errorf("searched %q (Answer.Query %q), want %q", fs.queries[0], a.Query, want)
	}
}

func TestExtractiveLimits(t *testing.T) {
	long := strings.Repeat("The delegation met again to talk about talks and delegation matters at length. ", 40)
	e := New(&fakeSearch{hits: []retrieval.Hit{hit("x.txt#0", "X", long, 0.9)}}, Options{})
	a, err := e.Answer(context.Background(), Question{Text: "delegation talks"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Text) > maxAnswerChars {
		t.Errorf("answer is %d chars, want at most %d", len(a.Text), maxAnswerChars)
	}
	if n := strings.Count(a.Text, "[1]"); n != 1 || !strings.HasSuffix(a.Text, "length. [1]") {
		t.Errorf("answer should end with a whole sentence and its one marker: %q", a.Text)
	}
}

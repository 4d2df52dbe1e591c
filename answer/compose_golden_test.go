package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/internal/golden"
	"github.com/faqbot/faqbot/retrieval"
)

// chunkSearch returns fixed hits, best first, and looks passages up
// among all of a corpus's passages as an index does.
type chunkSearch struct {
	hits   []retrieval.Hit
	chunks map[string]corpus.Chunk
}

func (s chunkSearch) Search(_ context.Context, _ string, k int) ([]retrieval.Hit, error) {
	return s.hits[:min(k, len(s.hits))], nil
}

func (s chunkSearch) Passage(_ context.Context, id string) (corpus.Chunk, bool, error) {
	c, ok := s.chunks[id]
	return c, ok, nil
}

// plainSearch hides chunkSearch's Passage: a Searcher that cannot look
// passages up.
type plainSearch struct{ s chunkSearch }

func (p plainSearch) Search(ctx context.Context, q string, k int) ([]retrieval.Hit, error) {
	return p.s.Search(ctx, q, k)
}

// TestComposeGolden answers questions from passages the real splitter cut
// from the documents in testdata/compose/docs, with the hits fixed by
// testdata/compose/cases.json so that ranking does not move them, and
// compares the answers as a member reads them with
// testdata/compose/answers.golden: a lead-in that ends one passage with
// its code in the next, a sentence from the middle of a paragraph, an item
// from the middle of a list, a hit that opens with the end of a paragraph
// the passage before holds whole, and an FAQ entry's own answer.
func TestComposeGolden(t *testing.T) {
	ctx := context.Background()
	set, err := corpus.Build(ctx, os.DirFS("testdata/compose/docs"), nil, corpus.DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	chunks := map[string]corpus.Chunk{}
	for _, c := range set.Chunks {
		chunks[c.ID] = c
	}
	data, err := os.ReadFile("testdata/compose/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Question string   `json:"question"`
		Hits     []string `json:"hits"`
		NoLookup bool     `json:"no_lookup"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cases {
		s := chunkSearch{chunks: chunks}
		for i, id := range c.Hits {
			ch, ok := chunks[id]
			if !ok {
				t.Fatalf("cases.json: no passage %s; the documents were split into %v", id, set.Chunks)
			}
			s.hits = append(s.hits, retrieval.Hit{Chunk: ch, Score: retrieval.ConfidenceThreshold + 0.5 - 0.1*float64(i)})
		}
		var search Searcher = s
		how := "passages looked up"
		if c.NoLookup {
			search, how = plainSearch{s}, "no look-up"
		}
		a, err := New(search, Options{}).Answer(ctx, Question{Text: c.Question})
		if err != nil {
			t.Fatal(err)
		}
		checkComposed(t, c.Question, a, s.hits)
		fmt.Fprintf(&b, "## %s\nhits: %s (%s)\n\n%s\n\nSources:\n", c.Question, strings.Join(c.Hits, ", "), how, a.Text)
		for _, cit := range a.Citations {
			fmt.Fprintf(&b, "[%d] %s — %s\n", cit.N, cit.ChunkID, cit.Title)
			if own := chunks[cit.ChunkID].Text; cit.Passage != own {
				fmt.Fprintf(&b, "    shown passage reads on past %s:\n    %s\n", cit.ChunkID, strings.ReplaceAll(cit.Passage, "\n", "\n    "))
			}
		}
		b.WriteString("\n")
	}
	golden.Check(t, "compose/answers.golden", b.String())
}

// checkComposed checks what every extractive answer must be: within the
// length limit, with balanced code fences, not ending on a lead-in, each
// [n] a listed source, each source a hit, and every quoted line in the
// passage its source shows.
func checkComposed(t *testing.T, question string, a Answer, hits []retrieval.Hit) {
	t.Helper()
	if a.Refused {
		t.Errorf("%q: refused", question)
		return
	}
	if len(a.Text) > maxAnswerChars {
		t.Errorf("%q: %d characters, over %d", question, len(a.Text), maxAnswerChars)
	}
	if strings.Count(a.Text, "```")%2 != 0 {
		t.Errorf("%q: unbalanced code fences:\n%s", question, a.Text)
	}
	body := strings.TrimSpace(citeRE.ReplaceAllString(a.Text, ""))
	if strings.HasSuffix(body, ":") {
		t.Errorf("%q: ends on a lead-in:\n%s", question, a.Text)
	}
	for _, m := range citeRE.FindAllStringSubmatch(a.Text, -1) {
		var n int
		fmt.Sscan(m[1], &n)
		if n < 1 || n > len(a.Citations) {
			t.Errorf("%q: marker %s points at no source", question, m[0])
		}
	}
	ids := map[string]bool{}
	for _, h := range hits {
		ids[h.Chunk.ID] = true
	}
	shown := ""
	for _, c := range a.Citations {
		if !ids[c.ChunkID] {
			t.Errorf("%q: source %s is not a retrieved passage", question, c.ChunkID)
		}
		shown += c.Passage + "\n"
	}
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(citeRE.ReplaceAllString(line, ""), "- "))
		if line != "" && line != skipMark && !strings.Contains(shown, line) {
			t.Errorf("%q: quotes %q, which no source shows", question, line)
		}
	}
}

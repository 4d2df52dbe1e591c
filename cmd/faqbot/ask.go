package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/retrieval"
)

// askJSON is the `faqbot ask --json` contract: scripts rely on these field
// names, so add fields rather than rename them.
type askJSON struct {
	Question  string         `json:"question"`
	Answer    string         `json:"answer"`
	Refused   bool           `json:"refused"`
	Mode      answer.Mode    `json:"mode"`
	Citations []citationJSON `json:"citations"`
	Grounded  bool           `json:"grounded"`
	Note      string         `json:"note,omitempty"`
	// Tentative is true for an answer quoted from a passage that holds
	// only part of the question (see answer.Answer.Tentative).
	Tentative bool `json:"tentative"`
	// Queries are the searches made: the question as asked and, with an
	// LLM, the model's standalone question and keyword queries.
	Queries []string `json:"queries,omitempty"`
	// Suggestions are, with a refusal, the closest FAQ entries ("Did you
	// mean…?"), best first; empty when nothing is near or the question
	// was answered. They are not sources: a refusal cites nothing.
	Suggestions []suggestionJSON `json:"suggestions"`
	// Alternatives are, with a tentative answer, the other close entries
	// it offers besides its sources; empty otherwise.
	Alternatives []suggestionJSON `json:"alternatives"`
}

type suggestionJSON struct {
	Title  string `json:"title"`
	Source string `json:"source"`
	URL    string `json:"url,omitempty"`
}

type citationJSON struct {
	N       int     `json:"n"`
	Source  string  `json:"source"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
	URL     string  `json:"url,omitempty"`
}

func toJSON(a answer.Answer) askJSON {
	out := askJSON{Question: a.Question, Answer: a.Text, Refused: a.Refused, Mode: a.Mode,
		Citations: []citationJSON{}, Grounded: a.Grounded, Note: a.Note, Tentative: a.Tentative, Queries: a.Queries,
		Suggestions: offersJSON(a.Suggestions), Alternatives: offersJSON(a.Alternatives)}
	for _, c := range a.Citations {
		out.Citations = append(out.Citations, citationJSON{N: c.N, Source: c.Source, Title: c.Title,
			Snippet: c.Snippet, Score: round3(c.Score), URL: c.URL})
	}
	return out
}

// offersJSON are offered entries as `ask --json` lists them: [] rather
// than null when there are none.
func offersJSON(ss []answer.Suggestion) []suggestionJSON {
	out := make([]suggestionJSON, len(ss))
	for i, s := range ss {
		out[i] = suggestionJSON{Title: s.Label(), Source: s.Source, URL: s.URL}
	}
	return out
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

func runAsk(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("ask", "ask [--json] [--explain] [--corpus DIR] [--index DIR] [--min-relevance X] [-k N] QUESTION", e.stderr)
	var f indexFlags
	f.register(fs, true)
	asJSON := fs.Bool("json", false, "print exactly one JSON object on stdout")
	explain := fs.Bool("explain", false, "print the retrieved passages and their scores on stderr (for tuning)")
	pos, err := parseCommand(fs, args, "")
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	if question == "" {
		return usagef("ask needs a question, e.g. faqbot ask \"what did the US propose?\"")
	}
	cfg, lg, err := e.setup(&f, true)
	if err != nil {
		return err
	}
	st, err := openStack(ctx, e, cfg, lg, false)
	if err != nil {
		return err
	}
	var search answer.Searcher = st.lib
	engine := st.engine
	if taught, done := taughtSearcher(ctx, cfg, st, lg); taught != nil {
		defer done()
		search, engine = taught, answer.New(taught, st.answer)
	}
	if *explain {
		if err := explainHits(ctx, e.stderr, st, search, question, cfg.TopK); err != nil {
			return err
		}
	}
	var stream func(string)
	var shown string
	if !*asJSON && engine.Mode() == answer.ModeLLM {
		// The engine hands over the checked text so far, always a prefix of
		// the final text: print what is new.
		stream = func(text string) {
			if strings.HasPrefix(text, shown) {
				io.WriteString(e.stdout, text[len(shown):])
				shown = text
			}
		}
	}
	a, err := engine.Stream(ctx, answer.Question{Text: question}, stream)
	if errors.Is(err, answer.ErrEmptyQuestion) {
		return usagef("the question has no words in it")
	}
	if err != nil {
		return fmt.Errorf("answering: %w", err)
	}
	if *explain && len(a.Queries) > 1 {
		// With an LLM the answer drew on the model's queries too, which
		// the passages above (the question as asked) do not show.
		fmt.Fprintf(e.stderr, "searched %d queries, results fused: %q\n", len(a.Queries), a.Queries)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(toJSON(a))
	}
	writeAnswer(e.stdout, a, shown)
	return nil
}

// writeAnswer prints an answer for a person: the note, the text (or the
// part of it already streamed is not repeated), then the numbered sources.
func writeAnswer(w io.Writer, a answer.Answer, streamed string) {
	switch {
	case streamed != "" && strings.HasPrefix(a.Text, streamed):
		fmt.Fprintln(w, a.Text[len(streamed):])
	case streamed != "":
		// The final answer is not what was streamed (the model declined, or
		// failed mid-way and the answer fell back): show the final one whole.
		fmt.Fprint(w, "\n\n")
		fallthrough
	default:
		if a.Note != "" {
			fmt.Fprintf(w, "(%s)\n\n", a.Note)
		}
		fmt.Fprintln(w, a.Text)
	}
	if a.Mode == answer.ModeLLM && !a.Refused && !a.Grounded {
		fmt.Fprintln(w, "\n(Warning: this answer cites no source; treat it with care.)")
	}
	if len(a.Suggestions) > 0 {
		fmt.Fprintln(w, "\nDid you mean one of these? (the closest entries; none of them answers the question as asked)")
		writeOffers(w, a.Suggestions)
	}
	if len(a.Citations) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSources:")
	for _, c := range a.Citations {
		title := c.Title
		if c.DocTitle != "" && c.DocTitle != c.Title {
			title = c.Title + " — " + c.DocTitle
		}
		fmt.Fprintf(w, "  [%d] %s (%s)\n", c.N, title, c.Source)
		if c.URL != "" {
			fmt.Fprintf(w, "      %s\n", c.URL)
		}
		fmt.Fprintf(w, "      %s\n", c.Snippet)
	}
	if len(a.Alternatives) > 0 {
		fmt.Fprintln(w, "\nNot what you asked? Other close entries:")
		writeOffers(w, a.Alternatives)
	}
}

// writeOffers lists offered entries, one line each with their document,
// and their link.
func writeOffers(w io.Writer, ss []answer.Suggestion) {
	for _, s := range ss {
		fmt.Fprintf(w, "  - %s (%s)\n", s.Label(), s.Source)
		if s.URL != "" {
			fmt.Fprintf(w, "      %s\n", s.URL)
		}
	}
}

// explainHits shows what retrieval found for the question, how each hit
// scored, and the decision on them. The calibration is the base index's.
func explainHits(ctx context.Context, w io.Writer, st *stack, search answer.Searcher, question string, k int) error {
	hits, err := search.Search(ctx, question, k)
	if err != nil {
		return fmt.Errorf("searching: %w", err)
	}
	cal := st.lib.Index().Calibration()
	d := retrieval.Decide(hits)
	fmt.Fprintf(w, "retrieved %s; relevance threshold %.3f (%s); decision: %s, margin %+.3f\n",
		count(len(hits), "passage"), cal.Cut(), thresholdSource(cal), d.Verdict, d.Margin)
	// Coverage is a weighted share of these words: without them it
	// cannot be traced.
	terms, err := st.lib.Index().Analyze(question)
	if err != nil {
		return fmt.Errorf("analysing the question: %w", err)
	}
	fmt.Fprintln(w, "question words (share of coverage: what a passage without the word loses):")
	for _, t := range terms {
		note := ""
		if !t.InCorpus {
			note = ", not in the corpus"
		}
		fmt.Fprintf(w, "  %-14s %3.0f%%%s: %s\n", t.Word, 100*t.Share, note, strings.Join(t.Terms, " | "))
	}
	for i, h := range hits {
		mark := " "
		switch {
		case h.Score >= retrieval.ConfidenceThreshold:
			mark = "*"
		case h.Score >= retrieval.ConfidencePlausible:
			mark = "?"
		}
		via := ""
		if h.Taught != "" {
			via = fmt.Sprintf("  (through the taught phrasing %q)", answer.Snippet(h.Taught, 60))
		}
		fmt.Fprintf(w, "%s %d. confidence %.3f, relevance %.3f = max(coverage %.2f, cosine %.2f placed at %.2f); bm25 %.2f, title %.2f  %s  %q%s\n",
			mark, i+1, h.Score, h.Relevance, h.Coverage, h.Vector, cal.VectorEvidence(h), h.Lexical, h.TitleCoverage, h.Chunk.ID, answer.Snippet(h.Chunk.Title, 60), via)
	}
	// The marks would otherwise be left to guess.
	fmt.Fprintf(w, "(* relevant, confidence %.2f or more: answers are built from these; ? plausible, %.2f or more: an LLM may read them, an extractive answer does not quote them)\n",
		retrieval.ConfidenceThreshold, retrieval.ConfidencePlausible)
	return nil
}

// thresholdSource says where the threshold in force comes from.
func thresholdSource(c retrieval.Calibration) string {
	if c.MinRelevance > 0 {
		return fmt.Sprintf("set by FAQBOT_MIN_RELEVANCE; calibrated %.3f", c.Threshold)
	}
	return "calibrated"
}

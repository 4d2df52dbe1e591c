package answer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// ErrEmptyQuestion is returned for a question with no words in it.
var ErrEmptyQuestion = errors.New("the question is empty")

// DefaultK is how many passages are retrieved per question when Options.K
// is zero: enough for an answer to draw on two or three documents, few
// enough that an LLM prompt stays small.
const DefaultK = 5

// Options configure an Engine.
type Options struct {
	// K is how many passages to retrieve; DefaultK when zero.
	K int
	// Chat is the LLM; nil answers extractively.
	Chat ChatModel
	// LLM configures the LLM path; ignored when Chat is nil.
	LLM LLMOptions
	// Logger receives structured logs; slog.DiscardHandler when nil.
	Logger *slog.Logger
}

// Engine answers questions. It is safe for concurrent use: it holds no
// per-question state, and the Searcher it reads from (a *retrieval.Live in
// the bot) may be swapped underneath it.
type Engine struct {
	search Searcher
	opts   Options
	lg     *slog.Logger
}

// New returns an Engine that retrieves from s.
func New(s Searcher, opts Options) *Engine {
	if opts.K <= 0 {
		opts.K = DefaultK
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Engine{search: s, opts: opts, lg: lg}
}

// Mode reports how the engine answers when nothing fails.
func (e *Engine) Mode() Mode {
	if e.opts.Chat != nil {
		return ModeLLM
	}
	return ModeExtractive
}

// Answer answers q; see Stream.
func (e *Engine) Answer(ctx context.Context, q Question) (Answer, error) {
	return e.Stream(ctx, q, nil)
}

// Stream answers q. With an LLM, onPartial (when non-nil) is called with the
// answer text so far each time it grows, for front ends that show the
// answer as it is written; the returned Answer is final, its citations
// checked. Extractive answers are not streamed: onPartial is not called.
//
// With an LLM, the question is first turned into search queries (see
// queries.go), and the model reads the passages found whenever any is
// plausibly relevant, deciding itself whether they answer; without one,
// only relevant passages are answered from.
//
// A refusal is not an error: it is an Answer with Refused set, and with
// Suggestions when passages are near enough to offer. Errors are
// returned only for an empty question, a failed search, or a cancelled ctx.
func (e *Engine) Stream(ctx context.Context, q Question, onPartial func(text string)) (Answer, error) {
	q.Text = strings.TrimSpace(q.Text)
	if strings.TrimSpace(stripControl(q.Text)) == "" {
		return Answer{}, ErrEmptyQuestion
	}
	r, err := e.retrieve(ctx, q)
	if err != nil {
		return Answer{}, err
	}
	a, err := e.answer(ctx, q, r, onPartial)
	if err != nil {
		return Answer{}, err
	}
	if a.Refused {
		a.Suggestions = e.suggestions(r.hits)
	}
	a.Queries = r.plan.queries
	for _, h := range r.hits {
		a.Confidence = max(a.Confidence, h.Score)
	}
	if !a.Refused && a.Mode == ModeExtractive && a.Confidence < retrieval.ConfidenceSure {
		a.Tentative = true
		a.Note = joinNotes(a.Note, tentativeNote)
		a.Alternatives = e.alternatives(r.hits, a.Citations)
	}
	if r.lexicalOnly {
		a.Note = joinNotes(lexicalNote, a.Note)
	}
	return a, nil
}

// answer answers q from what retrieval found.
func (e *Engine) answer(ctx context.Context, q Question, r retrieved, onPartial func(string)) (Answer, error) {
	query := r.plan.standalone
	if e.opts.Chat == nil {
		best, hits := e.judge(r.hits, relevant)
		if best < relevant {
			return refusal(q.Text, query, ModeExtractive), nil
		}
		return extractive(q.Text, query, hits, e.lookup(ctx)), nil
	}
	best, shown := e.judge(r.hits, plausible)
	if best < plausible {
		return refusal(q.Text, query, ModeLLM), nil
	}
	a, err := e.answerLLM(ctx, q, r, shown, onPartial)
	if err == nil {
		return a, nil
	}
	if ctx.Err() != nil {
		return Answer{}, fmt.Errorf("answering with the LLM: %w", ctx.Err())
	}
	if best < relevant {
		// Only the model could have told whether these passages answer.
		e.lg.Warn("llm unavailable, and no passage is relevant enough to quote", "err", err)
		a = refusal(q.Text, query, ModeExtractive)
		a.Note, a.LLMFailed = unavailableNote(err, false), true
		return a, nil
	}
	e.lg.Warn("llm unavailable, answering extractively", "err", err)
	_, hits := e.judge(r.hits, relevant)
	a = extractive(q.Text, query, hits, e.lookup(ctx))
	a.Note, a.LLMFailed = unavailableNote(err, true), true
	return a, nil
}

// Passages looks passages up by ID. A Searcher that also satisfies it
// lets an extractive answer read on from a hit into the next passage of
// its section, or back into the one before: the splitter cuts a section
// into passages by length, so a lead-in can end one passage and its list
// or code open the next, and a hit can open with the end of a paragraph
// the passage before holds whole.
type Passages interface {
	// Passage returns the passage with the given ID; false when there is
	// none.
	Passage(ctx context.Context, id string) (corpus.Chunk, bool, error)
}

// lookup returns how an extractive answer looks up a passage next to
// its hit by ID, when the Searcher can; nil otherwise. A failed look-up
// costs the answer only its context.
func (e *Engine) lookup(ctx context.Context) func(id string) (corpus.Chunk, bool) {
	ps, ok := e.search.(Passages)
	if !ok {
		return nil
	}
	return func(id string) (corpus.Chunk, bool) {
		c, found, err := ps.Passage(ctx, id)
		if err != nil {
			e.lg.Debug("looking up a passage next to a hit", "passage", id, "err", err)
			return corpus.Chunk{}, false
		}
		return c, found
	}
}

// tentativeNote marks an answer quoted from a passage that holds only part
// of the question.
const tentativeNote = "The FAQ may not answer this exactly: this is the closest passage it has."

// lexicalNote tells the user that the search by meaning was unavailable.
const lexicalNote = "The search by meaning was unavailable (the embeddings server did not answer), so the FAQ was searched by words alone."

// joinNotes joins notes into one, skipping empty ones.
func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, " ")
}

// RefusalText is what the user reads when the corpus does not hold the
// answer.
const RefusalText = "I couldn't find that in the FAQ, so I won't guess. Try rephrasing the question, or ask a moderator to add it."

func refusal(question, query string, mode Mode) Answer {
	return Answer{Question: question, Query: query, Text: RefusalText, Refused: true, Mode: mode, Grounded: true}
}

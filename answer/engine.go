package answer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

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
	// Floor is the relevance floor: when no hit clears it the engine refuses.
	// retrieval.DefaultFloor when zero.
	Floor float64
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
	if opts.Floor == 0 {
		opts.Floor = retrieval.DefaultFloor
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
// A refusal is not an error: it is an Answer with Refused set. Errors are
// returned only for an empty question, a failed search, or a cancelled ctx.
func (e *Engine) Stream(ctx context.Context, q Question, onPartial func(text string)) (Answer, error) {
	q.Text = strings.TrimSpace(q.Text)
	if strings.TrimSpace(stripControl(q.Text)) == "" {
		return Answer{}, ErrEmptyQuestion
	}
	query, err := e.standalone(ctx, q)
	if err != nil {
		return Answer{}, err
	}
	hits, err := e.search.Search(ctx, query, e.opts.K)
	if err != nil {
		return Answer{}, fmt.Errorf("searching the index: %w", err)
	}
	hits = retrieval.AboveFloor(hits, e.opts.Floor)
	if len(hits) == 0 {
		return refusal(q.Text, query, e.Mode()), nil
	}
	if e.opts.Chat != nil {
		a, err := e.answerLLM(ctx, q, query, hits, onPartial)
		if err == nil {
			return a, nil
		}
		if ctx.Err() != nil {
			return Answer{}, fmt.Errorf("answering with the LLM: %w", ctx.Err())
		}
		e.lg.Warn("llm unavailable, answering extractively", "err", err)
		a = extractive(q.Text, query, hits)
		a.Note = unavailableNote(err)
		return a, nil
	}
	return extractive(q.Text, query, hits), nil
}

// standalone turns a follow-up into a question that can be searched on its
// own. Without an LLM it prefixes the previous question, which keeps the
// topic ("what about Russia?" after a question about the US) at the cost
// of some noise in the lexical match.
func (e *Engine) standalone(ctx context.Context, q Question) (string, error) {
	if len(q.History) == 0 {
		return q.Text, nil
	}
	if e.opts.Chat != nil {
		if s, err := e.rewrite(ctx, q); err == nil && s != "" {
			return s, nil
		} else if err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("rewriting the follow-up: %w", ctx.Err())
			}
			e.lg.Warn("rewriting follow-up failed, combining with the previous question", "err", err)
		}
	}
	prev := q.History[len(q.History)-1].Question
	return prev + " " + q.Text, nil
}

// RefusalText is what the user reads when the corpus does not hold the
// answer.
const RefusalText = "I couldn't find that in the FAQ, so I won't guess. Try rephrasing the question, or ask a moderator to add it."

func refusal(question, query string, mode Mode) Answer {
	return Answer{Question: question, Query: query, Text: RefusalText, Refused: true, Mode: mode, Grounded: true}
}

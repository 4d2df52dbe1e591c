package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/faqbot/faqbot/prompts"
	"github.com/faqbot/faqbot/retrieval"
)

// DefaultContextTokens is the source budget when LLMOptions.ContextTokens
// is zero: five FAQ-sized passages take about 450 tokens, so 1,200 leaves
// room for longer article passages while keeping the prompt cheap and fast
// on small local models.
const DefaultContextTokens = 1200

// LLMOptions configure the LLM path.
type LLMOptions struct {
	// Prompts are the prompt templates; nil means prompts.Default().
	Prompts *prompts.Set
	// ContextTokens is the token budget for the sources in a prompt; the
	// highest-ranked passages that fit are sent. DefaultContextTokens when
	// zero.
	ContextTokens int
	// Counter counts tokens for that budget; nil means the shared
	// prompts.DefaultCounter, loaded on the first LLM answer.
	Counter prompts.Counter
	// Timeout bounds each call to the model, retries included. When an
	// answer's passes, the engine answers extractively instead, with a
	// note. Zero leaves only the question's own deadline.
	Timeout time.Duration
	// RewriteTimeout bounds the call that turns a question into search
	// queries (never longer than Timeout); past it the question is
	// searched as asked. DefaultRewriteTimeout when zero.
	RewriteTimeout time.Duration
}

// answerLLM answers from hits with the chat model: it renders the prompt
// with the sources that fit the budget, streams the completion (passing
// onPartial the checked text so far), then checks the citations of the
// whole. Any error means the LLM could not answer; the caller falls back.
func (e *Engine) answerLLM(ctx context.Context, q Question, r retrieved, hits []retrieval.Hit, onPartial func(string)) (Answer, error) {
	query := r.plan.standalone
	o := e.opts.LLM
	set := o.Prompts
	if set == nil {
		set = prompts.Default()
	}
	budget := o.ContextTokens
	if budget <= 0 {
		budget = DefaultContextTokens
	}
	srcs := make([]prompts.Source, len(hits))
	for i, h := range hits {
		title := h.Chunk.Title
		if title == "" {
			title = h.Chunk.DocTitle
		}
		srcs[i] = prompts.Source{Title: title, Doc: h.Chunk.DocID, Text: h.Chunk.Text}
	}
	kept := prompts.Fit(srcs, budget, e.counter())
	system, err := set.RenderSystem()
	if err != nil {
		return Answer{}, err
	}
	ask := prompts.Ask{Question: q.Text, Language: r.plan.language}
	switch {
	case r.rewritten:
		ask.Standalone = r.plan.standalone
	case len(q.History) > 0:
		// Without the model's rewrite, the previous question carries the
		// topic the follow-up leaves out.
		ask.Standalone = query
	}
	user, err := set.RenderAsk(ask, kept)
	if err != nil {
		return Answer{}, err
	}
	e.lg.Debug("asking the llm", "sources", len(kept), "retrieved", len(hits))

	ctx, cancel := withTimeout(ctx, o.Timeout)
	defer cancel()
	var raw strings.Builder
	shown := ""
	var onDelta func(string)
	if onPartial != nil {
		onDelta = func(d string) {
			raw.WriteString(d)
			if p := partialText(withoutReasoning(raw.String()), len(kept)); len(p) > len(shown) {
				shown = p
				onPartial(p)
			}
		}
	}
	full, err := e.opts.Chat.Stream(ctx, []Message{
		{Role: RoleSystem, Content: system},
		{Role: RoleUser, Content: user},
	}, onDelta)
	if err != nil {
		return Answer{}, fmt.Errorf("streaming the answer: %w", err)
	}
	res := finalText(withoutReasoning(full), len(kept))
	if res.refused {
		return refusal(q.Text, query, ModeLLM), nil
	}
	if res.text == "" {
		return Answer{}, errEmptyAnswer
	}
	if !strings.HasPrefix(res.text, shown) {
		// Cannot happen while partialText keeps its promise; the final text
		// wins either way, but a front end may have shown something else.
		e.lg.Warn("streamed text is not a prefix of the final answer")
	}
	a := Answer{Question: q.Text, Query: query, Text: res.text, Mode: ModeLLM, Grounded: true}
	for i, p := range res.cited {
		h := hits[kept[p-1].Rank]
		a.Citations = append(a.Citations, citationFor(i+1, h, h.Chunk.Text))
	}
	if len(a.Citations) == 0 && makesClaims(a.Text) {
		a.Grounded = false
	}
	return a, nil
}

// withoutReasoning drops the <think>…</think> block that reasoning models
// served by Ollama or vLLM (DeepSeek-R1, Qwen3) put before their answer:
// it is the model's scratchpad, not an answer, and often cites nothing or
// quotes the rules. While the block is still open nothing is visible.
func withoutReasoning(s string) string {
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	if !strings.HasPrefix(t, "<think>") {
		return s
	}
	_, after, closed := strings.Cut(t, "</think>")
	if !closed {
		return ""
	}
	return strings.TrimLeftFunc(after, unicode.IsSpace)
}

// errEmptyAnswer is an answer with no text once its invalid citations are
// gone.
var errEmptyAnswer = errors.New("the LLM returned an empty answer")

// counter returns the token counter for the source budget. If the
// tokenizer cannot load (its data is compiled in, so this means a broken
// build), a byte-based estimate keeps answers coming.
func (e *Engine) counter() prompts.Counter {
	if e.opts.LLM.Counter != nil {
		return e.opts.LLM.Counter
	}
	c, err := prompts.DefaultCounter()
	if err != nil {
		e.lg.Error("token counter unavailable, estimating", "err", err)
		return prompts.ApproxCounter{}
	}
	return c
}

// unavailableNote tells the user, without detail that could leak
// configuration, why the LLM did not answer: the answer quotes the FAQ
// instead (quoted), or is a refusal because no passage was close enough to
// quote. The llm package's errors carry a Reason; anything else gets a
// general phrase.
func unavailableNote(err error, quoted bool) string {
	reason := "it could not answer"
	var r interface{ Reason() string }
	switch {
	case errors.As(err, &r):
		reason = r.Reason()
	case errors.Is(err, context.DeadlineExceeded):
		reason = "it took too long to answer"
	case errors.Is(err, errEmptyAnswer):
		reason = "it returned an empty answer"
	}
	if !quoted {
		return "The LLM could not answer (" + reason + "), and no FAQ passage was close enough to quote."
	}
	return "The LLM could not answer (" + reason + "), so this answer quotes the FAQ directly."
}

// withTimeout bounds ctx by d when d is positive.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

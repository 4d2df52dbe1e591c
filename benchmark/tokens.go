package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/llm"
	"github.com/faqbot/faqbot/llm/llmtest"
	"github.com/faqbot/faqbot/prompts"
	"github.com/faqbot/faqbot/retrieval"
)

// TokenResult is the size of the prompts sent to the LLM at the default
// settings.
type TokenResult struct {
	// Answers is the number of questions that reached the LLM (refusals
	// do not); Refused those that did not.
	Answers, Refused int
	// Mean and Max are prompt tokens per answer: every message's content
	// and role, counted with prompts' tokenizer (cl100k_base), plus
	// OpenAI's chat framing of 3 tokens per message and 3 to prime the
	// reply.
	Mean float64
	Max  int
	// QueryMean is the mean prompt tokens, per question that reached the
	// LLM, of the request that first turns it into search queries.
	QueryMean float64
	// ContextTokens is the default source budget the prompts were built
	// with, and K the default number of passages retrieved.
	ContextTokens, K int
}

// Chat framing, per OpenAI's cookbook for gpt-3.5/4-family models.
const (
	tokensPerMessage = 3
	tokensPerReply   = 3
)

// measureTokens answers each question with an LLM engine at the default
// settings against the fake server of llm/llmtest on loopback, and counts
// the tokens of the requests the server recorded.
func measureTokens(ctx context.Context, ix *retrieval.Index, questions []string) (TokenResult, error) {
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		return TokenResult{}, fmt.Errorf("loading default settings: %w", err)
	}
	var t serverTB
	defer t.cleanup()
	answerReply := llmtest.Stream("The sources answer this ", "[1].")
	srv := llmtest.NewServer(&t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		var cr llmtest.ChatRequest
		if json.Unmarshal(body, &cr) == nil && !cr.Stream && len(cr.Messages) == 1 {
			// The request for search queries: the question, as asked.
			msg := cr.Messages[0].Content
			if i := strings.LastIndex(msg, "<message>\n"); i >= 0 {
				msg = msg[i+len("<message>\n"):]
			}
			msg, _, _ = strings.Cut(msg, "\n</message>")
			llmtest.Queries(msg, "English")(w, r, body)
			return
		}
		answerReply(w, r, body)
	})
	lg := slog.New(slog.DiscardHandler)
	c := llm.New(llm.Config{BaseURL: srv.URL(), ChatModel: cfg.ChatModel, MaxTokens: cfg.MaxAnswerTokens,
		Temperature: cfg.Temperature, Logger: lg})
	e := answer.New(ix, answer.Options{K: cfg.TopK, Chat: c, Logger: lg,
		LLM: answer.LLMOptions{Prompts: prompts.Default(), ContextTokens: cfg.ContextTokens, Timeout: cfg.LLMTimeout}})
	counter, err := prompts.DefaultCounter()
	if err != nil {
		return TokenResult{}, err
	}
	res := TokenResult{ContextTokens: cfg.ContextTokens, K: cfg.TopK}
	total, queryTotal := 0, 0
	count := func(cr llmtest.ChatRequest) int {
		n := tokensPerReply
		for _, m := range cr.Messages {
			n += tokensPerMessage + counter.Count(m.Role) + counter.Count(m.Content)
		}
		return n
	}
	for _, q := range questions {
		before := len(srv.Requests())
		a, err := e.Answer(ctx, answer.Question{Text: q})
		if err != nil {
			return res, fmt.Errorf("answering %q: %w", q, err)
		}
		var crs []llmtest.ChatRequest
		for _, r := range srv.Requests()[before:] {
			var cr llmtest.ChatRequest
			if err := json.Unmarshal(r.Body, &cr); err != nil {
				return res, fmt.Errorf("decoding the recorded request: %w", err)
			}
			crs = append(crs, cr)
		}
		if a.Refused && len(crs) <= 1 {
			res.Refused++
			continue
		}
		if a.Mode != answer.ModeLLM || len(crs) != 2 || crs[0].Stream || !crs[1].Stream {
			return res, fmt.Errorf("answering %q: mode %s after %d requests, want one for search queries and one LLM answer (%s)", q, a.Mode, len(crs), a.Note)
		}
		queryTotal += count(crs[0])
		n := count(crs[1])
		res.Answers++
		total += n
		res.Max = max(res.Max, n)
	}
	if res.Answers > 0 {
		res.Mean = float64(total) / float64(res.Answers)
		res.QueryMean = float64(queryTotal) / float64(res.Answers)
	}
	return res, nil
}

// serverTB lets a command start llmtest's fake server, whose constructor
// takes a testing.TB for its cleanup: it records cleanups and runs them
// when the measurement ends. NewServer calls only Helper and Cleanup; any
// other method would reach the nil embedded TB and panic, which is the
// right failure for a fake misused outside a test.
type serverTB struct {
	testing.TB
	cleanups []func()
}

func (t *serverTB) Helper()          {}
func (t *serverTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *serverTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

package llm

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/faqbot/faqbot/answer"
)

// Config configures a Client.
type Config struct {
	// APIKey is sent as a bearer token; empty sends none (local servers).
	// It never appears in errors or logs.
	APIKey string
	// BaseURL is the API root, e.g. http://localhost:11434/v1 for Ollama;
	// empty means OpenAI's.
	BaseURL string
	// ChatModel names the chat model, e.g. gpt-4o-mini or llama3.2.
	ChatModel string
	// EmbedModel names the embedding model; empty when embeddings are not
	// used.
	EmbedModel string
	// EmbedDimensions asks the embedding model for vectors of this length
	// (OpenAI's dimensions parameter); 0 keeps the model's own.
	EmbedDimensions int
	// EmbedTimeout bounds each embeddings request; 0 means
	// DefaultEmbedTimeout. A request that times out is not retried.
	EmbedTimeout time.Duration
	// EmbedQueryPrefix and EmbedDocumentPrefix are put before every
	// question and every passage embedded. Empty means the model's known
	// prefixes (see KnownPrefixes); PrefixNone means none.
	EmbedQueryPrefix    string
	EmbedDocumentPrefix string
	// MaxTokens bounds the tokens of one answer; 0 leaves it to the
	// server. It is sent as max_tokens, or as max_completion_tokens to
	// reasoning models (o1, o3, o4, gpt-5, gpt-6), which reject max_tokens;
	// their budget is raised by the reasoning budget (see ReasoningTokens)
	// so that thinking cannot use up the answer's tokens.
	MaxTokens int
	// ReasoningEffort is sent as reasoning_effort (minimal, low, medium,
	// high, ...) to any model when set; empty sends nothing, leaving the
	// model's default.
	ReasoningEffort string
	// ReasoningTokens is the completion budget added to MaxTokens for a
	// reasoning model's thinking: for the o-series and gpt-5 always, for
	// other models when ReasoningEffort or ReasoningTokens is set (a model
	// served by Ollama or vLLM that thinks aloud). 0 means by effort (see
	// reasoningBudget).
	ReasoningTokens int
	// Temperature is the sampling temperature. go-openai omits a zero
	// value from the request, so 0 means "the server's default", not
	// greedy decoding; send 0.01 for nearly deterministic answers. It is
	// never sent to reasoning models, which accept only their default.
	Temperature float64
	// HTTPClient sends the requests; nil means a client without a timeout,
	// since every call's deadline comes from its context.
	HTTPClient *http.Client
	// MaxRetries is how many times a request that failed with 408, 429,
	// 5xx or a connection error is tried again: 0 means DefaultMaxRetries,
	// a negative value none.
	MaxRetries int
	// Backoff is the wait before the first retry, doubling with each
	// retry (with jitter); 0 means DefaultBackoff. Tests set it short.
	Backoff time.Duration
	// MaxRetryWait is the longest wait between attempts; a server whose
	// Retry-After asks for more is not retried. 0 means
	// DefaultMaxRetryWait.
	MaxRetryWait time.Duration
	// Logger receives retries and truncated answers; nil discards.
	Logger *slog.Logger
}

// Client is a chat model and embedding source on an OpenAI-compatible
// server. It is safe for concurrent use.
type Client struct {
	api *openai.Client
	cfg Config
	lg  *slog.Logger
	// noSchema is set once the server rejected response_format
	// json_schema, so that Complete stops sending it.
	noSchema atomic.Bool
}

// New returns a Client for cfg. It sends nothing until it is used.
func New(cfg Config) *Client {
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = DefaultMaxRetryWait
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	oc.HTTPClient = hintDoer{c: hc}
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg, lg: lg}
}

var _ answer.ChatModel = (*Client)(nil)

// Stream sends messages to the chat model and calls onDelta (when non-nil)
// with each piece of the answer as it arrives; it returns the whole answer.
// Failures before the first piece are retried (see Config.MaxRetries); a
// failure after it is returned, since the caller has shown the text. An
// empty answer is an ErrBadResponse. Errors are *Error values (or the
// ctx's error when ctx was cancelled).
func (c *Client) Stream(ctx context.Context, messages []answer.Message, onDelta func(delta string)) (string, error) {
	req := c.chatRequest(messages, c.cfg.MaxTokens, c.cfg.ReasoningEffort)
	req.Stream = true
	var text strings.Builder
	err := c.withRetries(ctx, "chat", func(ctx context.Context) (bool, error) {
		text.Reset()
		stream, err := c.api.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return false, err
		}
		defer stream.Close()
		var finish openai.FinishReason
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return text.Len() > 0, err
			}
			for _, ch := range resp.Choices {
				if ch.Index != 0 {
					continue
				}
				if d := ch.Delta.Content; d != "" {
					text.WriteString(d)
					if onDelta != nil {
						onDelta(d)
					}
				}
				if ch.FinishReason != "" {
					finish = ch.FinishReason
				}
			}
		}
		if text.Len() == 0 {
			return false, &Error{Kind: ErrBadResponse, Message: "the model returned an empty answer (finish reason " + string(finish) + ")"}
		}
		if finish == openai.FinishReasonLength {
			c.lg.Warn("llm answer cut at the token limit", "model", c.cfg.ChatModel, "max_tokens", c.cfg.MaxTokens)
		}
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return text.String(), nil
}

// chatRequest converts messages to go-openai's request for the configured
// model, with a budget of answerTokens for the reply (0: the server's
// default) and the given reasoning effort ("" sends none).
func (c *Client) chatRequest(messages []answer.Message, answerTokens int, effort string) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: c.cfg.ChatModel, ReasoningEffort: effort}
	for _, m := range messages {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content})
	}
	budget := answerTokens
	if budget > 0 && c.thinks(effort) {
		budget += c.reasoningBudget(effort)
	}
	if isReasoningModel(c.cfg.ChatModel) {
		req.MaxCompletionTokens = budget
	} else {
		// max_tokens is deprecated by OpenAI but it is what Ollama, vLLM,
		// llama.cpp and LM Studio read; max_completion_tokens is only for
		// the reasoning models above.
		//lint:ignore SA1019 deliberate: the field other OpenAI-compatible servers understand
		req.MaxTokens = budget
		req.Temperature = float32(c.cfg.Temperature)
	}
	return req
}

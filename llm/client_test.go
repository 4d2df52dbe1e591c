package llm

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/llm/llmtest"
)

// canary is the API key in every test: it must never appear in an error
// or a log line.
const canary = "sk-canary-7f3a9c1e5b"

// logBuffer collects log output for inspection and echoes it to t.Log.
type logBuffer struct {
	t  testing.TB
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimSpace(string(p)))
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newClient returns a client of srv with short retry waits, and its log.
func newClient(t *testing.T, srv *llmtest.Server, edit func(*Config)) (*Client, *logBuffer) {
	t.Helper()
	logs := &logBuffer{t: t}
	cfg := Config{
		APIKey:    canary,
		BaseURL:   srv.URL(),
		ChatModel: "gpt-4o-mini",
		MaxTokens: 400,
		Backoff:   time.Millisecond,
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	return New(cfg), logs
}

var msgs = []answer.Message{
	{Role: answer.RoleSystem, Content: "rules"},
	{Role: answer.RoleUser, Content: "[1] Visas (source: visas.txt)\nTen days.\n\nHow long?"},
}

func TestStreamRequestAndDeltas(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Stream("Visas take ", "ten days", " [1]."))
	c, _ := newClient(t, srv, func(cfg *Config) { cfg.Temperature = 0.2 })
	var deltas []string
	got, err := c.Stream(t.Context(), msgs, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatal(err)
	}
	if want := "Visas take ten days [1]."; got != want || strings.Join(deltas, "") != want {
		t.Errorf("Stream = %q with deltas %q, want %q", got, deltas, want)
	}
	if len(deltas) != 3 {
		t.Errorf("got %d deltas, want 3 (one per chunk)", len(deltas))
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v1/chat/completions" {
		t.Errorf("request %s %s, want POST /v1/chat/completions", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+canary {
		t.Errorf("Authorization = %q, want the bearer key", got)
	}
	cr := r.Chat(t)
	if cr.Model != "gpt-4o-mini" || !cr.Stream || cr.MaxTokens != 400 || cr.MaxCompletionTokens != 0 {
		t.Errorf("request model=%q stream=%v max_tokens=%d max_completion_tokens=%d, want gpt-4o-mini true 400 0",
			cr.Model, cr.Stream, cr.MaxTokens, cr.MaxCompletionTokens)
	}
	if cr.Temperature == nil || *cr.Temperature < 0.19 || *cr.Temperature > 0.21 {
		t.Errorf("temperature = %v, want 0.2", cr.Temperature)
	}
	if len(cr.Messages) != 2 || cr.Messages[0] != (llmtest.ChatMessage{Role: "system", Content: "rules"}) ||
		cr.Messages[1].Role != "user" || cr.Messages[1].Content != msgs[1].Content {
		t.Errorf("messages = %+v, want the system and user messages as given", cr.Messages)
	}
}

func TestRequestParameters(t *testing.T) {
	tests := []struct {
		name                  string
		model                 string
		temperature           float64
		effort                string
		reasoningTokens       int
		wantMax, wantMaxCompl int
		wantTemperature       bool
		wantEffort            string
	}{
		{"chat model", "gpt-4o-mini", 0.1, "", 0, 400, 0, true, ""},
		{"zero temperature", "llama3.2", 0, "", 0, 400, 0, false, ""}, // 0 is omitted: the server's default applies
		// Reasoning models: max_completion_tokens with room for thinking
		// on top of the answer's 400 tokens, and no temperature.
		{"o-series default effort", "o3-mini", 0.1, "", 0, 0, 400 + mediumReasoningTokens, false, ""},
		{"gpt-5 low effort", "gpt-5-nano", 0.7, "low", 0, 0, 400 + lowReasoningTokens, false, "low"},
		{"provider prefix high effort", "openai/o4-mini", 0.7, "high", 0, 0, 400 + highReasoningTokens, false, "high"},
		{"explicit reasoning budget", "gpt-5-mini", 0, "minimal", 600, 0, 1000, false, "minimal"},
		// Another model that thinks: reasoning_effort sent as configured,
		// max_tokens raised so that the <think> block cannot eat the answer.
		{"local thinking model", "qwen3:8b", 0.1, "medium", 0, 400 + mediumReasoningTokens, 0, true, "medium"},
		{"local thinking model, budget only", "deepseek-r1", 0.1, "", 2000, 2400, 0, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Stream("ok"))
			c, _ := newClient(t, srv, func(cfg *Config) {
				cfg.ChatModel, cfg.Temperature, cfg.ReasoningEffort, cfg.ReasoningTokens = tt.model, tt.temperature, tt.effort, tt.reasoningTokens
			})
			if _, err := c.Stream(t.Context(), msgs, nil); err != nil {
				t.Fatal(err)
			}
			cr := srv.Requests()[0].Chat(t)
			if cr.Model != tt.model || cr.MaxTokens != tt.wantMax || cr.MaxCompletionTokens != tt.wantMaxCompl ||
				(cr.Temperature != nil) != tt.wantTemperature || cr.ReasoningEffort != tt.wantEffort {
				t.Errorf("model=%q max_tokens=%d max_completion_tokens=%d temperature=%v reasoning_effort=%q; want %d %d sent=%v %q",
					cr.Model, cr.MaxTokens, cr.MaxCompletionTokens, cr.Temperature, cr.ReasoningEffort, tt.wantMax, tt.wantMaxCompl, tt.wantTemperature, tt.wantEffort)
			}
		})
	}
}

// Complete sends one unstreamed request with the JSON schema, a budget of
// its own (plus thinking room for a reasoning model, at low effort unless
// configured) and returns the reply.
func TestComplete(t *testing.T) {
	schema := []byte(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false}`)
	tests := []struct {
		model, effort         string
		wantMax, wantMaxCompl int
		wantEffort            string
	}{
		{"gpt-4o-mini", "", 300, 0, ""},
		{"gpt-5-mini", "", 0, 300 + lowReasoningTokens, "low"},
		{"o3", "high", 0, 300 + highReasoningTokens, "high"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			srv := llmtest.NewServer(t, llmtest.Completion(`{"q": "visa fee"}`))
			c, _ := newClient(t, srv, func(cfg *Config) { cfg.ChatModel, cfg.ReasoningEffort = tt.model, tt.effort })
			got, err := c.Complete(t.Context(), msgs, answer.CompleteOptions{MaxTokens: 300, Schema: schema, SchemaName: "queries"})
			if err != nil || got != `{"q": "visa fee"}` {
				t.Fatalf("Complete = %q, %v", got, err)
			}
			cr := srv.Requests()[0].Chat(t)
			rf := cr.ResponseFormat
			if cr.Stream || cr.MaxTokens != tt.wantMax || cr.MaxCompletionTokens != tt.wantMaxCompl || cr.ReasoningEffort != tt.wantEffort ||
				rf == nil || rf.Type != "json_schema" || rf.JSONSchema == nil || rf.JSONSchema.Name != "queries" || !rf.JSONSchema.Strict ||
				string(rf.JSONSchema.Schema) != string(schema) {
				t.Errorf("request stream=%v max_tokens=%d max_completion_tokens=%d effort=%q response_format=%+v", cr.Stream, cr.MaxTokens, cr.MaxCompletionTokens, cr.ReasoningEffort, rf)
			}
		})
	}
}

func TestStreamFailures(t *testing.T) {
	ok := llmtest.Stream("Ten days [1].")
	tests := []struct {
		name     string
		replies  []llmtest.Reply
		wantErr  error // nil: success
		wantReqs int
		wantText string // deltas delivered
	}{
		{"429 with Retry-After then success", []llmtest.Reply{llmtest.RateLimited("0"), ok}, nil, 2, "Ten days [1]."},
		{"500, 503 then success", []llmtest.Reply{llmtest.Status(500, "boom"), llmtest.Status(503, "busy"), ok}, nil, 3, "Ten days [1]."},
		{"proxy 502 page then success", []llmtest.Reply{llmtest.Text(502, "<html>Bad Gateway</html>"), ok}, nil, 2, "Ten days [1]."},
		{"dropped connection then success", []llmtest.Reply{llmtest.Drop(), ok}, nil, 2, "Ten days [1]."},
		{"500 every time", []llmtest.Reply{llmtest.Status(500, "boom")}, ErrUnavailable, 1 + DefaultMaxRetries, ""},
		{"401 bad key", []llmtest.Reply{llmtest.OpenAIError(401, "Incorrect API key provided: "+canary+".", "invalid_request_error", "invalid_api_key")}, ErrAuth, 1, ""},
		{"403", []llmtest.Reply{llmtest.OllamaError(403, "forbidden for key "+canary)}, ErrAuth, 1, ""},
		{"ollama model not found", []llmtest.Reply{llmtest.OllamaError(404, "model 'llama9' not found, try pulling it first")}, ErrModelNotFound, 1, ""},
		{"openai model not found", []llmtest.Reply{llmtest.OpenAIError(404, "The model `gpt-9` does not exist", "invalid_request_error", "model_not_found")}, ErrModelNotFound, 1, ""},
		{"wrong base path", []llmtest.Reply{llmtest.Text(404, "404 page not found")}, ErrUnavailable, 1, ""},
		{"context too long", []llmtest.Reply{llmtest.OpenAIError(400, "This model's maximum context length is 8192 tokens.", "invalid_request_error", "context_length_exceeded")}, ErrContextTooLong, 1, ""},
		{"ollama bad request", []llmtest.Reply{llmtest.OllamaError(400, "invalid option")}, ErrBadRequest, 1, ""},
		{"quota spent", []llmtest.Reply{llmtest.OpenAIError(429, "You exceeded your current quota", "insufficient_quota", "insufficient_quota")}, ErrRateLimited, 1, ""},
		{"Retry-After too long", []llmtest.Reply{llmtest.RateLimited("120"), ok}, ErrRateLimited, 1, ""},
		{"malformed first event", []llmtest.Reply{llmtest.StreamEvents(`{"choices": [`)}, ErrBadResponse, 1, ""},
		{"malformed after text", []llmtest.Reply{llmtest.Malformed(), ok}, ErrBadResponse, 1, "Visas "},
		{"stream ignored, plain JSON", []llmtest.Reply{llmtest.JSON(200, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Ten days."},"finish_reason":"stop"}]}`)}, ErrBadResponse, 1, ""},
		{"empty completion", []llmtest.Reply{llmtest.Stream()}, ErrBadResponse, 1, ""},
		{"error event in stream", []llmtest.Reply{llmtest.StreamEvents(`{"error": {"message": "server overloaded", "type": "server_error"}}`)}, ErrUnavailable, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, tt.replies...)
			c, logs := newClient(t, srv, nil)
			var delivered strings.Builder
			got, err := c.Stream(t.Context(), msgs, func(d string) { delivered.WriteString(d) })
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Stream error %v, want success", err)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Stream error %v, want %v", err, tt.wantErr)
				}
				var le *Error
				if !errors.As(err, &le) || le.Reason() == "" {
					t.Errorf("error %T has no Reason", err)
				}
				if got != "" {
					t.Errorf("Stream text %q with an error, want empty", got)
				}
			}
			if n := len(srv.Requests()); n != tt.wantReqs {
				t.Errorf("server got %d requests, want %d", n, tt.wantReqs)
			}
			if delivered.String() != tt.wantText {
				t.Errorf("deltas %q, want %q", delivered.String(), tt.wantText)
			}
			if err != nil && strings.Contains(err.Error(), canary) {
				t.Errorf("error text contains the API key: %v", err)
			}
			if strings.Contains(logs.String(), canary) {
				t.Errorf("log contains the API key:\n%s", logs.String())
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	const wait = 40 * time.Millisecond
	srv := llmtest.NewServer(t,
		llmtest.WithHeader("Retry-After-Ms", "40", llmtest.Status(429, "slow down")),
		llmtest.Stream("ok"))
	c, _ := newClient(t, srv, nil)
	if _, err := c.Stream(t.Context(), msgs, nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if gap := reqs[1].Time.Sub(reqs[0].Time); gap < wait {
		t.Errorf("retried after %v, want at least the %v the server asked for", gap, wait)
	}
}

func TestDeadline(t *testing.T) {
	tests := []struct {
		name      string
		reply     llmtest.Reply
		wantDelta bool
	}{
		{"server never answers", llmtest.Hang(), false},
		{"endless stream", llmtest.Endless("and again ", time.Millisecond), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, tt.reply)
			c, _ := newClient(t, srv, nil)
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			var n int
			_, err := c.Stream(ctx, msgs, func(string) { n++ })
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Stream error %v, want ErrTimeout and context.DeadlineExceeded", err)
			}
			if (n > 0) != tt.wantDelta {
				t.Errorf("got %d deltas, want some: %v", n, tt.wantDelta)
			}
		})
	}
}

func TestServerDown(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.Close()
	c, _ := newClient(t, srv, nil)
	_, err := c.Stream(t.Context(), msgs, nil)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Stream error %v, want ErrUnavailable", err)
	}
}

func TestCancelled(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.Hang())
	c, _ := newClient(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-srv.Got; cancel() }()
	_, err := c.Stream(ctx, msgs, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Stream error %v, want context.Canceled", err)
	}
}

func TestConcurrentStreams(t *testing.T) {
	srv := llmtest.NewServer(t, llmtest.RateLimited("0"), llmtest.Stream("a", "b"))
	c, _ := newClient(t, srv, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := c.Stream(t.Context(), msgs, nil); err != nil || got != "ab" {
				t.Errorf("Stream = %q, %v; want ab", got, err)
			}
		}()
	}
	wg.Wait()
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(10 * time.Second).Format(http.TimeFormat)}, 10 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0, true},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		got, ok := parseRetryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	c := New(Config{Backoff: 100 * time.Millisecond})
	for n, want := range []time.Duration{100, 200, 400} {
		want *= time.Millisecond
		for range 20 {
			if d := c.backoff(n); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
	if d := c.backoff(30); d > maxBackoff {
		t.Errorf("backoff(30) = %v, want at most %v", d, maxBackoff)
	}
}

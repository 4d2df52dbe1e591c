// Package llmtest is a fake OpenAI-compatible server for tests: it records
// every request and answers with scripted replies (streamed completions,
// error bodies in OpenAI's and Ollama's shapes, rate limits, malformed or
// endless streams, embeddings), so that tests drive the real go-openai
// client end to end without a network.
package llmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Request is one request the server received.
type Request struct {
	// Method and Path are the request's, e.g. POST /v1/chat/completions.
	Method, Path string
	// Header is the request's header.
	Header http.Header
	// Body is the raw request body.
	Body []byte
	// Time is when the request arrived.
	Time time.Time
}

// ChatRequest is the part of a chat completion request tests check.
type ChatRequest struct {
	Model               string        `json:"model"`
	Messages            []ChatMessage `json:"messages"`
	Stream              bool          `json:"stream"`
	MaxTokens           int           `json:"max_tokens"`
	MaxCompletionTokens int           `json:"max_completion_tokens"`
	Temperature         *float64      `json:"temperature"`
	ReasoningEffort     string        `json:"reasoning_effort"`
	ResponseFormat      *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

// ChatMessage is one message of a ChatRequest.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// EmbedRequest is an embeddings request.
type EmbedRequest struct {
	Model      string   `json:"model"`
	Input      []string `json:"input"`
	Dimensions int      `json:"dimensions"`
}

// Chat decodes the body as a chat completion request.
func (r Request) Chat(t testing.TB) ChatRequest {
	t.Helper()
	var c ChatRequest
	if err := json.Unmarshal(r.Body, &c); err != nil {
		t.Fatalf("decoding chat request %s: %v", r.Body, err)
	}
	return c
}

// Embed decodes the body as an embeddings request.
func (r Request) Embed(t testing.TB) EmbedRequest {
	t.Helper()
	var e EmbedRequest
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("decoding embeddings request %s: %v", r.Body, err)
	}
	return e
}

// Reply answers one request.
type Reply func(w http.ResponseWriter, r *http.Request, body []byte)

// Server is a fake OpenAI-compatible API. Replies are used in order, one
// per request; the last one answers every request after it.
type Server struct {
	srv *httptest.Server
	// Got receives every request as it arrives (buffered), for tests that
	// wait for one.
	Got chan Request

	mu       sync.Mutex
	replies  []Reply
	requests []Request
}

// NewServer starts a server that answers with replies and stops it when
// the test ends.
func NewServer(t testing.TB, replies ...Reply) *Server {
	t.Helper()
	s := &Server{replies: replies, Got: make(chan Request, 1000)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API's base URL, ending in /v1 as OPENAI_BASE_URL would.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server, so that requests fail to connect.
func (s *Server) Close() { s.srv.Close() }

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Time: time.Now()}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, req)
	var reply Reply
	switch {
	case len(s.replies) == 0:
		reply = Status(http.StatusNotImplemented, "no reply scripted")
	case n < len(s.replies):
		reply = s.replies[n]
	default:
		reply = s.replies[len(s.replies)-1]
	}
	s.mu.Unlock()
	s.Got <- req
	reply(w, r, body)
}

// Stream answers a chat request with an SSE stream: one chunk per piece,
// then a chunk with finish_reason "stop" and data: [DONE]. A request that
// does not ask for a stream gets the pieces joined in one completion.
func Stream(pieces ...string) Reply {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		var req struct {
			Stream bool `json:"stream"`
		}
		if json.Unmarshal(body, &req) == nil && !req.Stream {
			writeJSON(w, http.StatusOK, completion(strings.Join(pieces, "")))
			return
		}
		sse(w)
		for _, p := range pieces {
			writeEvent(w, chunk(p, ""))
		}
		writeEvent(w, chunk("", "stop"))
		writeEvent(w, "[DONE]")
	}
}

// Completion answers a chat request with content, whole or streamed as
// the request asks.
func Completion(content string) Reply { return Stream(content) }

// Queries answers the request for a question's search queries with the
// JSON the rewrite prompt asks for.
func Queries(question, language string, queries ...string) Reply {
	if queries == nil {
		queries = []string{}
	}
	b, _ := json.Marshal(map[string]any{"question": question, "queries": queries, "language": language})
	return Completion(string(b))
}

// Routes answers each request path (e.g. "/v1/embeddings") with its own
// replies, in order, the last repeating, so that a test can script chat
// and embeddings on one server whatever order they interleave in. A path
// with no replies gets 404.
func Routes(routes map[string][]Reply) Reply {
	var mu sync.Mutex
	n := map[string]int{}
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		mu.Lock()
		replies := routes[r.URL.Path]
		i := min(n[r.URL.Path], len(replies)-1)
		n[r.URL.Path]++
		mu.Unlock()
		if len(replies) == 0 {
			OpenAIError(http.StatusNotFound, "no route for "+r.URL.Path, "invalid_request_error", "")(w, r, body)
			return
		}
		replies[i](w, r, body)
	}
}

// StreamEvents answers with raw SSE data payloads, each written as
// "data: <payload>" and flushed, without adding [DONE].
func StreamEvents(payloads ...string) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		sse(w)
		for _, p := range payloads {
			writeEvent(w, p)
		}
	}
}

// Chunk is the JSON of one streamed completion chunk, for StreamEvents.
func Chunk(content string) string { return chunk(content, "") }

// Malformed starts a stream whose second event is not JSON.
func Malformed() Reply {
	return StreamEvents(chunk("Visas ", ""), `{"choices": [{"delta": {"content": "take`)
}

// Endless streams the same piece until the client goes away, one piece
// every tick, like a model stuck in a loop.
func Endless(piece string, tick time.Duration) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		sse(w)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			writeEvent(w, chunk(piece, ""))
			select {
			case <-r.Context().Done():
				return
			case <-t.C:
			}
		}
	}
}

// Hang never answers: it waits until the client gives up.
func Hang() Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) { <-r.Context().Done() }
}

// Status answers with status and an OpenAI-shaped error body.
func Status(status int, message string) Reply {
	return OpenAIError(status, message, "server_error", "")
}

// OpenAIError answers with status and {"error": {"message", "type", "code"}}.
func OpenAIError(status int, message, typ, code string) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		e := map[string]any{"message": message, "type": typ, "code": nil}
		if code != "" {
			e["code"] = code
		}
		writeJSON(w, status, map[string]any{"error": e})
	}
}

// OllamaError answers with status and Ollama's {"error": "message"}.
func OllamaError(status int, message string) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, status, map[string]any{"error": message})
	}
}

// JSON answers with status and body as application/json, e.g. a
// non-streamed completion from a server that ignores "stream": true.
func JSON(status int, body string) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// Text answers with status and a plain-text body, like a proxy's error page.
func Text(status int, body string) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// RateLimited answers 429 with the given Retry-After header (seconds or
// an HTTP date) and OpenAI's rate-limit body.
func RateLimited(retryAfter string) Reply {
	return WithHeader("Retry-After", retryAfter, OpenAIError(http.StatusTooManyRequests, "Rate limit reached for requests", "requests", "rate_limit_exceeded"))
}

// WithHeader sets a response header before next replies.
func WithHeader(key, value string, next Reply) Reply {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set(key, value)
		next(w, r, body)
	}
}

// Drop closes the connection without a response.
func Drop() Reply {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("llmtest: response writer cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

// Embeddings answers an embeddings request with one vector of dim values
// per input, derived from the input's text and deliberately not
// normalised, in reverse order of index (the API does not promise order).
func Embeddings(dim int) Reply { return embeddings(dim, true) }

// EmbeddingsOfSize is Embeddings for a model that ignores the dimensions
// parameter: its vectors always have dim values.
func EmbeddingsOfSize(dim int) Reply { return embeddings(dim, false) }

func embeddings(dim int, honourDimensions bool) Reply {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		var req EmbedRequest
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad json"}})
			return
		}
		n := dim
		if honourDimensions && req.Dimensions > 0 {
			n = req.Dimensions
		}
		data := make([]map[string]any, len(req.Input))
		for i, text := range req.Input {
			data[len(req.Input)-1-i] = map[string]any{"object": "embedding", "index": i, "embedding": Vector(text, n)}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "model": req.Model, "data": data})
	}
}

// EmbeddingsFunc answers an embeddings request with embed(text) for each
// input, in order of index: a test's own model, e.g. one whose vectors put
// synonyms together.
func EmbeddingsFunc(embed func(text string) []float32) Reply {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		var req EmbedRequest
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "bad json"}})
			return
		}
		data := make([]map[string]any, len(req.Input))
		for i, text := range req.Input {
			data[i] = map[string]any{"object": "embedding", "index": i, "embedding": embed(text)}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "model": req.Model, "data": data})
	}
}

// Vector is the unnormalised vector Embeddings returns for text.
func Vector(text string, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d:%s", i, text)
		v[i] = float32(h.Sum32()%1000)/100 + 0.5
	}
	return v
}

func sse(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
}

func writeEvent(w http.ResponseWriter, payload string) {
	fmt.Fprintf(w, "data: %s\n\n", payload)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func chunk(content, finish string) string {
	choice := map[string]any{"index": 0, "delta": map[string]any{"content": content}, "finish_reason": nil}
	if finish != "" {
		choice["finish_reason"] = finish
		choice["delta"] = map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test", "choices": []any{choice}})
	return string(b)
}

// completion is the body of an unstreamed chat completion.
func completion(content string) map[string]any {
	return map[string]any{"id": "chatcmpl-test", "object": "chat.completion", "model": "test",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Pieces splits text into pieces of at most n bytes (on rune boundaries),
// to stream an answer in realistic small deltas.
func Pieces(text string, n int) []string {
	var out []string
	for len(text) > 0 {
		cut := min(n, len(text))
		for cut < len(text) && !utf8.RuneStart(text[cut]) {
			cut++
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return out
}

package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Kinds of failure, matched with errors.Is. Their texts are written for the
// person reading the bot's note, and never include server text.
var (
	// ErrAuth: the server rejected the API key (401, 403).
	ErrAuth = errors.New("the LLM server rejected the API key")
	// ErrModelNotFound: the configured model does not exist on the server.
	ErrModelNotFound = errors.New("the LLM model was not found on the server")
	// ErrContextTooLong: the prompt exceeds the model's context window.
	ErrContextTooLong = errors.New("the question and its sources were too long for the LLM model")
	// ErrRateLimited: the server kept answering 429 (or the quota is spent).
	ErrRateLimited = errors.New("the LLM server is rate limiting requests")
	// ErrTimeout: the deadline passed before the answer was complete.
	ErrTimeout = errors.New("the LLM took too long to answer")
	// ErrUnavailable: the server could not be reached or failed (5xx).
	ErrUnavailable = errors.New("the LLM server is unavailable")
	// ErrBadResponse: the server's reply could not be read (a malformed
	// stream, an empty completion, vectors of the wrong size).
	ErrBadResponse = errors.New("the LLM server sent a reply that could not be read")
	// ErrBadRequest: the server (or go-openai, before sending) rejected the
	// request for another reason, e.g. a parameter the model does not take.
	ErrBadRequest = errors.New("the LLM server rejected the request")
)

// maxMessageChars bounds the server text kept in an Error: enough to tell
// "model 'x' not found" from "context length exceeded", not a whole HTML
// error page.
const maxMessageChars = 300

// Error is a classified failure of a request to the server. Its message
// holds the kind, the HTTP status and the server's own message with the
// API key removed; errors.Is matches the kind (ErrAuth, ...) and the
// underlying cause (context.DeadlineExceeded, ...).
type Error struct {
	// Kind is one of the Err* sentinels above.
	Kind error
	// Status is the HTTP status, or 0 when there was no response.
	Status int
	// Message is the server's message (or the cause's), API key removed.
	Message string

	retry bool  // whether another attempt may succeed
	cause error // what go-openai or net/http returned
}

// Error reads "<kind> (status N): <server message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so that errors.Is matches both.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.cause}
}

// Reason says in a few words, for the user, why the LLM could not answer.
// It is the kind's text: no server text, so no key, ever.
func (e *Error) Reason() string { return e.Kind.Error() }

// classify turns an error from go-openai or net/http into an *Error. key is
// removed from every text kept. A cancelled ctx is returned as it is: the
// caller gave up, nothing failed.
func classify(err error, key string) error {
	if err == nil {
		return nil
	}
	var le *Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	e := &Error{cause: sanitizeCause(err, key)}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Message = ErrTimeout, ""
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		e.Status = apiErr.HTTPStatusCode
		e.Message = apiErr.Message
		e.Kind, e.retry = byStatus(e.Status, apiErr.Message, fmt.Sprint(apiErr.Code), apiErr.Type)
	case errors.As(err, &reqErr):
		e.Status = reqErr.HTTPStatusCode
		e.Message = bodyMessage(reqErr.Body)
		if e.Status == 0 {
			e.Kind, e.retry = ErrUnavailable, true
			break
		}
		e.Kind, e.retry = byStatus(e.Status, e.Message, "", "")
	case errors.As(err, &apiErr):
		// An error event inside a stream: no status, only a message.
		e.Message = apiErr.Message
		e.Kind, _ = byStatus(0, apiErr.Message, fmt.Sprint(apiErr.Code), apiErr.Type)
	case isBadResponse(err):
		e.Kind, e.Message = ErrBadResponse, err.Error()
	case isClientSide(err):
		e.Kind, e.Message = ErrBadRequest, err.Error()
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			e.Kind, e.retry = ErrTimeout, true
		} else {
			// Refused or reset connections, DNS failures, a body cut short:
			// the server is down or restarting, and may be back in a moment.
			e.Kind, e.retry = ErrUnavailable, true
		}
		e.Message = err.Error()
	}
	e.Message = shortenMessage(redact(e.Message, key))
	if e.Kind == ErrUnavailable && e.Status == http.StatusNotFound {
		e.Message += " (check the base URL: it usually ends in /v1)"
	}
	return e
}

// byStatus classifies an HTTP failure by status and, where one status
// covers several causes, by the server's words. Only 408, 429 (with quota
// left) and 5xx are worth another attempt: other 4xx fail the same way
// every time.
func byStatus(status int, msg, code, typ string) (kind error, retry bool) {
	text := strings.ToLower(msg + " " + code + " " + typ)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		strings.Contains(text, "invalid_api_key") || strings.Contains(text, "incorrect api key"):
		return ErrAuth, false
	case status == http.StatusTooManyRequests:
		// OpenAI answers 429 both for "slow down" and for "no credit left".
		return ErrRateLimited, !strings.Contains(text, "insufficient_quota")
	case mentionsContextLength(text) || status == http.StatusRequestEntityTooLarge:
		return ErrContextTooLong, false
	case mentionsMissingModel(text):
		return ErrModelNotFound, false
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ErrTimeout, true
	case status >= 500 || status == 0:
		return ErrUnavailable, status >= 500
	case status == http.StatusNotFound:
		// A 404 that names no model is a wrong path: OPENAI_BASE_URL
		// without /v1, typically.
		return ErrUnavailable, false
	default:
		return ErrBadRequest, false
	}
}

func mentionsContextLength(text string) bool {
	for _, s := range []string{"context_length_exceeded", "context length", "context window", "maximum context", "too many tokens", "prompt is too long", "input is too long", "exceeds the context"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

func mentionsMissingModel(text string) bool {
	if strings.Contains(text, "model_not_found") {
		return true
	}
	return strings.Contains(text, "model") &&
		(strings.Contains(text, "not found") || strings.Contains(text, "does not exist") || strings.Contains(text, "no such model"))
}

// bodyMessage extracts the message of an error body that go-openai could
// not decode: Ollama's {"error": "text"}, {"message": "text"}, or plain text.
func bodyMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		if json.Unmarshal(v.Error, &s) == nil && s != "" {
			return s
		}
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(v.Error, &obj) == nil && obj.Message != "" {
			return obj.Message
		}
		if v.Message != "" {
			return v.Message
		}
		if v.Detail != "" {
			return v.Detail
		}
	}
	return strings.TrimSpace(string(body))
}

// isBadResponse reports a reply that arrived but could not be read.
func isBadResponse(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) ||
		errors.Is(err, openai.ErrTooManyEmptyStreamMessages)
}

// isClientSide reports go-openai's own validation errors, returned before
// any request is sent.
func isClientSide(err error) bool {
	for _, target := range []error{
		openai.ErrChatCompletionInvalidModel,
		openai.ErrReasoningModelMaxTokensDeprecated,
		openai.ErrReasoningModelLimitationsOther,
		openai.ErrReasoningModelLimitationsLogprobs,
		openai.ErrReasoningSamplingUnsupported,
		openai.ErrReasoningEffortUnsupported,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// retryable reports whether err (from classify) may go away on its own.
func retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.retry
}

// redact removes the API key from s. Servers echo keys back in "incorrect
// API key" messages, and a proxy may echo the whole request.
func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

func shortenMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxMessageChars {
		return string(r[:maxMessageChars]) + "…"
	}
	return s
}

// sanitizeCause returns err with the key removed from the server text that
// go-openai keeps in it, so that even code that prints the wrapped cause
// cannot print the key.
func sanitizeCause(err error, key string) error {
	if key == "" {
		return err
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		c := *reqErr
		c.Body = []byte(redact(string(reqErr.Body), key))
		c.Err = sanitizeCause(reqErr.Err, key)
		return &c
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		c := *apiErr
		c.Message = redact(apiErr.Message, key)
		return &c
	}
	if err != nil && strings.Contains(err.Error(), key) {
		return errors.New(redact(err.Error(), key))
	}
	return err
}

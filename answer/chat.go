package answer

import "context"

// Role is the author of a chat message.
type Role string

// Chat roles, as OpenAI-compatible servers name them.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one message sent to a chat model.
type Message struct {
	Role    Role
	Content string
}

// ChatModel is the one thing the answer package needs from an LLM: a
// streamed chat completion. The llm package's OpenAI-compatible client
// satisfies it; tests use a fake server behind that same client.
type ChatModel interface {
	// Stream sends messages and calls onDelta (when non-nil) with each piece
	// of text as it arrives. It returns the whole completion.
	Stream(ctx context.Context, messages []Message, onDelta func(delta string)) (string, error)
}

// Completer is a chat model that can also answer one request whole, with
// options: a tight token budget, and a reply in a JSON schema (structured
// output). The engine uses it to turn a question into search queries; a
// ChatModel without it is asked through Stream, and its reply parsed as
// leniently.
type Completer interface {
	Complete(ctx context.Context, messages []Message, opts CompleteOptions) (string, error)
}

// CompleteOptions adjust one Complete call.
type CompleteOptions struct {
	// MaxTokens bounds the reply (a reasoning model gets its thinking
	// budget on top); 0 means the model's usual answer budget.
	MaxTokens int
	// Schema, when set, is a JSON Schema the reply must follow (OpenAI's
	// response_format json_schema, which Ollama, vLLM and llama.cpp's
	// server also accept). A server that rejects it is asked without.
	Schema []byte
	// SchemaName names the schema for the server.
	SchemaName string
}

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

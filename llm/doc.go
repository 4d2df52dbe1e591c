// Package llm talks to any OpenAI-compatible server (OpenAI, Ollama, vLLM,
// llama.cpp server, LM Studio) through github.com/sashabaranov/go-openai:
// streamed chat completions for answers and batched embeddings for the
// index. It adds what go-openai leaves out: retries with backoff for rate
// limits and server errors (honouring Retry-After), errors classified into
// kinds a caller can branch on, and the guarantee that the API key never
// appears in an error or a log line.
//
// go-openai types stay inside this package: callers see answer.Message,
// plain strings and float32 vectors.
package llm

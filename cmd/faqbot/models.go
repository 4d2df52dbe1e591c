package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/llm"
	"github.com/faqbot/faqbot/prompts"
	"github.com/faqbot/faqbot/retrieval"
)

// models are the embedder and, when an LLM is configured, the chat model
// with its options. With no key and no base URL nothing here touches the
// network.
type models struct {
	emb  retrieval.Embedder
	chat answer.ChatModel // nil: extractive answers
	llm  answer.LLMOptions
}

// newModels makes the embedder and the chat model. indexDir is where the
// index is saved: when its manifest names the configured API embedder, the
// dimension recorded there spares a start-up request, so a question can be
// answered (from the lexical index, with a note) while the embeddings
// server is down.
func newModels(ctx context.Context, cfg config.Config, indexDir string, lg *slog.Logger) (models, error) {
	dim := retrieval.DefaultHashDim
	if cfg.EmbedModel == "" && cfg.EmbedDimensions > 0 {
		dim = cfg.EmbedDimensions
	}
	m := models{emb: retrieval.NewHashEmbedder(dim)}
	embedURL, embedKey, embedServer := cfg.EmbedServer()
	if cfg.EmbedModel != "" && !embedServer {
		return models{}, fmt.Errorf("FAQBOT_EMBED_MODEL is set but no server is: set FAQBOT_EMBED_BASE_URL, OPENAI_BASE_URL or OPENAI_API_KEY")
	}
	if cfg.EmbedModel != "" {
		ec := llm.New(llm.Config{
			APIKey: embedKey, BaseURL: embedURL,
			EmbedModel: cfg.EmbedModel, EmbedDimensions: cfg.EmbedDimensions, EmbedTimeout: cfg.EmbedTimeout,
			EmbedQueryPrefix: cfg.EmbedQueryPrefix, EmbedDocumentPrefix: cfg.EmbedDocumentPrefix, Logger: lg,
		})
		known := 0
		if man, err := retrieval.ReadManifest(indexDir); err == nil && man.Embedder == ec.EmbedderName() {
			known = man.Dim
		}
		emb, err := ec.Embedder(ctx, known)
		if err != nil {
			return models{}, fmt.Errorf("starting the embedding model %s: %w", cfg.EmbedModel, err)
		}
		m.emb = emb
	}
	if !cfg.LLMEnabled() {
		return m, nil
	}
	c := llm.New(llm.Config{
		APIKey: cfg.OpenAIKey, BaseURL: cfg.OpenAIBaseURL, ChatModel: cfg.ChatModel,
		MaxTokens: cfg.MaxAnswerTokens, Temperature: cfg.Temperature,
		ReasoningEffort: cfg.ReasoningEffort, ReasoningTokens: cfg.ReasoningTokens, Logger: lg,
	})
	set, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return models{}, fmt.Errorf("loading prompts: %w", err)
	}
	m.chat = c
	m.llm = answer.LLMOptions{Prompts: set, ContextTokens: cfg.ContextTokens, Timeout: cfg.LLMTimeout, RewriteTimeout: cfg.RewriteTimeout}
	return m, nil
}

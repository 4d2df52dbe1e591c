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

func newModels(ctx context.Context, cfg config.Config, lg *slog.Logger) (models, error) {
	dim := retrieval.DefaultHashDim
	if cfg.EmbedModel == "" && cfg.EmbedDimensions > 0 {
		dim = cfg.EmbedDimensions
	}
	m := models{emb: retrieval.NewHashEmbedder(dim)}
	if cfg.EmbedModel != "" && !cfg.LLMEnabled() {
		return models{}, fmt.Errorf("FAQBOT_EMBED_MODEL is set but neither OPENAI_BASE_URL nor OPENAI_API_KEY is: the embedding model needs a server")
	}
	if !cfg.LLMEnabled() {
		return m, nil
	}
	c := llm.New(llm.Config{
		APIKey: cfg.OpenAIKey, BaseURL: cfg.OpenAIBaseURL, ChatModel: cfg.ChatModel,
		EmbedModel: cfg.EmbedModel, EmbedDimensions: cfg.EmbedDimensions,
		MaxTokens: cfg.MaxAnswerTokens, Temperature: cfg.Temperature, Logger: lg,
	})
	set, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return models{}, fmt.Errorf("loading prompts: %w", err)
	}
	m.chat = c
	m.llm = answer.LLMOptions{Prompts: set, ContextTokens: cfg.ContextTokens, Timeout: cfg.LLMTimeout}
	if cfg.EmbedModel != "" {
		emb, err := c.Embedder(ctx)
		if err != nil {
			return models{}, fmt.Errorf("starting the embedding model %s: %w", cfg.EmbedModel, err)
		}
		m.emb = emb
	}
	return m, nil
}

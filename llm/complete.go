package llm

import (
	"context"
	"encoding/json"
	"errors"

	openai "github.com/sashabaranov/go-openai"

	"github.com/faqbot/faqbot/answer"
)

var _ answer.Completer = (*Client)(nil)

// Complete sends messages and returns the whole reply, unstreamed: for
// short structured replies such as a question's search queries. With
// opts.Schema the reply is asked for in that JSON Schema (response_format
// json_schema, strict). A server that rejects the parameter (400) is asked
// again without it, and not asked with it again: the prompt asks for the
// same JSON in words. Retries and errors are as for Stream.
//
// A reasoning model is asked for ReasoningEffort when configured, else
// for low effort: a short structured reply needs little thought and has a
// tight deadline.
func (c *Client) Complete(ctx context.Context, messages []answer.Message, opts answer.CompleteOptions) (string, error) {
	tokens := opts.MaxTokens
	if tokens <= 0 {
		tokens = c.cfg.MaxTokens
	}
	effort := c.cfg.ReasoningEffort
	if effort == "" && isReasoningModel(c.cfg.ChatModel) {
		effort = rewriteEffort
	}
	req := c.chatRequest(messages, tokens, effort)
	if len(opts.Schema) > 0 && !c.noSchema.Load() {
		name := opts.SchemaName
		if name == "" {
			name = "reply"
		}
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: json.RawMessage(opts.Schema), Strict: true},
		}
	}
	text, err := c.complete(ctx, req)
	if err != nil && req.ResponseFormat != nil && errors.Is(err, ErrBadRequest) {
		req.ResponseFormat = nil
		if text, err = c.complete(ctx, req); err == nil {
			c.noSchema.Store(true)
			c.lg.Info("the llm server rejects response_format json_schema; asking for JSON in words only", "model", c.cfg.ChatModel)
		}
	}
	return text, err
}

// complete sends one unstreamed request, with retries.
func (c *Client) complete(ctx context.Context, req openai.ChatCompletionRequest) (string, error) {
	var text string
	err := c.withRetries(ctx, "complete", func(ctx context.Context) (bool, error) {
		resp, err := c.api.CreateChatCompletion(ctx, req)
		if err != nil {
			return false, err
		}
		for _, ch := range resp.Choices {
			if ch.Index == 0 {
				text = ch.Message.Content
				if text == "" {
					return false, &Error{Kind: ErrBadResponse, Message: "the model returned an empty reply (finish reason " + string(ch.FinishReason) + ")"}
				}
				return false, nil
			}
		}
		return false, &Error{Kind: ErrBadResponse, Message: "the reply holds no choice"}
	})
	return text, err
}

package llm

import "strings"

// Reasoning budgets by effort: the completion tokens a reasoning model may
// spend thinking before it writes the answer, on top of the answer's own
// budget. Reasoning tokens count against max_completion_tokens, so a
// budget sized for the answer alone (400 tokens) is spent on thinking and
// the reply comes back empty. A FAQ answer from five passages takes a few
// hundred reasoning tokens at low effort and a few thousand at high;
// these leave room for that and bound a model that would think on. Only
// tokens used are billed, so a generous bound costs nothing by itself.
const (
	minimalReasoningTokens = 1024
	lowReasoningTokens     = 4096
	mediumReasoningTokens  = 8192 // also the models' default effort
	highReasoningTokens    = 16384
	maxReasoningTokens     = 32768
)

// rewriteEffort is the effort asked of a reasoning model for a question's
// search queries when none is configured: writing five short queries needs
// little thought, and the rewrite has a tight deadline. Every reasoning
// family accepts "low" (gpt-5's "minimal" is refused by the o-series).
const rewriteEffort = "low"

// thinks reports whether a request at this effort should get a reasoning
// budget: always for the families OpenAI names reasoning models, and for
// any other model when the operator configured reasoning (a model on
// Ollama or vLLM that thinks aloud in its reply).
func (c *Client) thinks(effort string) bool {
	return isReasoningModel(c.cfg.ChatModel) || effort != "" || c.cfg.ReasoningTokens > 0
}

// reasoningBudget is the thinking budget for a request at effort:
// Config.ReasoningTokens when set, else by effort.
func (c *Client) reasoningBudget(effort string) int {
	if c.cfg.ReasoningTokens > 0 {
		return c.cfg.ReasoningTokens
	}
	switch strings.ToLower(effort) {
	case "none":
		return 0
	case "minimal":
		return minimalReasoningTokens
	case "low":
		return lowReasoningTokens
	case "high":
		return highReasoningTokens
	case "xhigh", "max":
		return maxReasoningTokens
	default:
		return mediumReasoningTokens
	}
}

// isReasoningModel reports the model families go-openai validates as
// reasoning models: they take max_completion_tokens instead of max_tokens
// and no temperature. A "provider/" prefix (OpenRouter style) is ignored
// for the check; go-openai itself does not look past it.
func isReasoningModel(model string) bool {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

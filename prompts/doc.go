// Package prompts holds the text the LLM reads: a system prompt with the
// answering rules, the user message that carries the numbered sources and
// the question, and the instruction that turns a follow-up into a
// standalone question. The templates are embedded text/template files that
// an operator can replace from a folder (FAQBOT_PROMPTS_DIR); rendering
// neutralises text in the sources and the question that could pose as a
// source block or as the end of the data.
//
// The package also fits sources into a token budget, counting tokens with
// the cl100k_base tokenizer loaded from data compiled into the binary.
package prompts

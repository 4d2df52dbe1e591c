package llm

import (
	"strings"
)

// PrefixNone, as Config.EmbedQueryPrefix or Config.EmbedDocumentPrefix,
// turns off the model's known prefix.
const PrefixNone = "none"

// bgeQueryInstruction is what BAAI's bge English models and mixedbread's
// mxbai-embed-large put before a search query; their passages take none.
const bgeQueryInstruction = "Represent this sentence for searching relevant passages: "

// knownPrefixes are the query and document prefixes of embedding models
// trained with them. Such a model embeds a bare question and a bare
// passage as if both were passages, which costs it much of its accuracy on
// retrieval; the model cards say so. The first entry whose test matches
// the model's base name (see baseModel) wins.
var knownPrefixes = []struct {
	match           func(base string) bool
	query, document string
}{
	// nomic-embed-text v1, v1.5 and v2: "search_query: "/"search_document: ".
	{func(b string) bool { return strings.HasPrefix(b, "nomic-embed-text") }, "search_query: ", "search_document: "},
	// intfloat's e5 family (e5-base-v2, multilingual-e5-large, ...), but
	// not e5-mistral, which takes an instruction instead.
	{func(b string) bool {
		return (strings.HasPrefix(b, "e5-") || strings.Contains(b, "-e5-")) && !strings.Contains(b, "mistral") && !strings.Contains(b, "instruct")
	}, "query: ", "passage: "},
	{func(b string) bool { return strings.HasPrefix(b, "mxbai-embed-large") }, bgeQueryInstruction, ""},
	{func(b string) bool {
		for _, p := range []string{"bge-small", "bge-base", "bge-large"} {
			if strings.HasPrefix(b, p) && !strings.Contains(b, "-zh") {
				return true
			}
		}
		return false
	}, bgeQueryInstruction, ""},
}

// KnownPrefixes returns the query and document prefixes that model (an
// embedding model name as a server knows it: "nomic-embed-text",
// "nomic-embed-text:latest", "intfloat/multilingual-e5-large") was
// trained with, or two empty strings.
func KnownPrefixes(model string) (query, document string) {
	b := baseModel(model)
	for _, k := range knownPrefixes {
		if k.match(b) {
			return k.query, k.document
		}
	}
	return "", ""
}

// baseModel lowercases a model name and drops an organisation or provider
// ("intfloat/", "nomic-ai/") and an Ollama tag (":latest", ":v1.5").
func baseModel(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	if i := strings.IndexByte(m, ':'); i >= 0 {
		m = m[:i]
	}
	return m
}

// resolvePrefix turns a configured prefix into the one sent: "" means the
// model's known one, PrefixNone none.
func resolvePrefix(configured, known string) string {
	switch {
	case strings.EqualFold(strings.TrimSpace(configured), PrefixNone):
		return ""
	case configured == "":
		return known
	default:
		return configured
	}
}

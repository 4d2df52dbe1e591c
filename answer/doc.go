// Package answer orchestrates one question: it retrieves passages, decides
// whether the corpus holds the answer, then answers either extractively
// (the best sentences of the top passages, each with its citation) or with
// an LLM grounded in a prompt of numbered sources, and finally checks that
// every citation shown refers to a passage that was really retrieved.
package answer

package answer

import (
	"github.com/faqbot/faqbot/retrieval"
)

// relevance says how well a passage matches the question: the one decision
// the engine takes from retrieval before it answers.
type relevance int

const (
	// offTopic: nothing worth showing anyone.
	offTopic relevance = iota
	// plausible: it may answer the question; worth an LLM's reading (the
	// model decides and may refuse), not good enough to quote as it is.
	plausible
	// relevant: good enough to answer from directly.
	relevant
)

// rate is the relevance of one hit: its calibrated confidence against the
// fixed points every index maps its own measured threshold to, so that the
// same levels hold for hits of any index and embedder, and for hits fused
// from several queries.
func (e *Engine) rate(h retrieval.Hit) relevance {
	switch {
	case h.Score >= retrieval.ConfidenceThreshold:
		return relevant
	case h.Score >= retrieval.ConfidencePlausible:
		return plausible
	default:
		return offTopic
	}
}

// judge returns the relevance of the best hit and the hits at that level
// or above it, in their order: retrieval's rank order, which weighs more
// than relevance, so the extractive answer leads with the best-ranked of
// the passages relevant enough to answer from.
func (e *Engine) judge(hits []retrieval.Hit, at relevance) (best relevance, kept []retrieval.Hit) {
	for _, h := range hits {
		r := e.rate(h)
		best = max(best, r)
		if r >= at {
			kept = append(kept, h)
		}
	}
	return best, kept
}

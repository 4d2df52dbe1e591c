package answer

import (
	"cmp"
	"slices"

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

// plausibleShare places the "plausibly relevant" level below the floor:
// a passage scoring at least this share of the floor is shown to the LLM.
// On the hand-built corpus of retrieval's floor test, questions sharing
// only a common word with the corpus score about 0.15 (0.6 of the 0.25
// floor) and questions about something else under 0.05, so the model reads
// the first kind (and refuses what they do not answer) and never the
// second.
const plausibleShare = 0.6

// rate is the relevance of one hit.
func (e *Engine) rate(h retrieval.Hit) relevance {
	switch {
	case retrieval.Relevant(h, e.opts.Floor):
		return relevant
	case h.Score >= e.opts.Floor*plausibleShare:
		return plausible
	default:
		return offTopic
	}
}

// judge returns the relevance of the best hit and the hits at that level
// or above it, in their order.
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

// byScore returns hits sorted by score, best first (fused hits are in rank
// order, which need not be score order), for the extractive answerer,
// which leads with the best-scored passage.
func byScore(hits []retrieval.Hit) []retrieval.Hit {
	out := slices.Clone(hits)
	slices.SortStableFunc(out, func(a, b retrieval.Hit) int { return cmp.Compare(b.Score, a.Score) })
	return out
}

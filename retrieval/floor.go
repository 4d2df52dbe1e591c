package retrieval

// DefaultFloor is the Hit.Score below which a hit is not good enough to
// answer from. On the hand-built test corpus (floor_test.go), with the
// built-in embedder, a question whose content words all occur in one
// passage scores 0.7 or more, one with a content word the corpus lacks
// ("Which missiles did the US sell?", where passages say "sales") still
// about 0.35, a question that shares only a common word with the corpus
// ("the price of oil in Russia") about 0.15, and one about something else
// entirely under 0.05. The floor sits in the gap between the last two
// groups, nearer the off-topic side so a clumsily worded on-topic question
// is not refused. To be retuned on a real question set.
const DefaultFloor = 0.25

// Relevant reports whether a hit clears the relevance floor.
func Relevant(h Hit, floor float64) bool { return h.Score >= floor }

// AboveFloor returns the leading hits that clear the floor (hits are sorted
// by score, so that is a prefix); an empty result means the question should
// be declined rather than answered from weak sources.
func AboveFloor(hits []Hit, floor float64) []Hit {
	for i, h := range hits {
		if !Relevant(h, floor) {
			return hits[:i]
		}
	}
	return hits
}

package retrieval

// The fixed points of Hit.Score, the calibrated confidence. Every index
// maps its own measured threshold to ConfidenceThreshold, so one decision
// holds for hits from any index, corpus and embedder, alone or merged.
const (
	// ConfidenceThreshold is the confidence at which a question is
	// answered from a hit.
	ConfidenceThreshold = 0.5
	// ConfidencePlausible is the confidence at which a hit is plausibly
	// relevant though not enough to answer from on its own: halfway
	// between a typical off-topic question and the threshold. An LLM may
	// be shown such passages and decide itself whether they answer.
	ConfidencePlausible = 0.25
	// ConfidenceSure is the confidence from which an answer quoted from
	// the FAQ is given without reservation: halfway between the threshold
	// and a typical answerable question, as ConfidencePlausible is halfway
	// below it. Between the threshold and here the best passage holds
	// only part of the question, and a quoted answer is marked as the
	// closest the FAQ comes (answer.Answer.Tentative).
	ConfidenceSure = 0.75
)

// Verdict is what to do with a question.
type Verdict int

// The verdicts, from worst to best.
const (
	// Refuse: nothing retrieved is relevant; say the FAQ does not cover it.
	Refuse Verdict = iota
	// Plausible: something may be relevant, too weakly to answer from
	// without a reader (an LLM) checking that it does.
	Plausible
	// Answer: the best hits answer the question.
	Answer
)

func (v Verdict) String() string {
	switch v {
	case Answer:
		return "answer"
	case Plausible:
		return "plausible"
	default:
		return "refuse"
	}
}

// Decision is the verdict on a list of hits.
type Decision struct {
	Verdict Verdict
	// Top is the best confidence among the hits (0 with no hits).
	Top float64
	// Margin is Top - ConfidenceThreshold: how far the question is from
	// the other verdict of answering, positive when it is answered.
	Margin float64
	// Hits are the hits to answer from, in the list's order: those at or
	// above ConfidenceThreshold for Answer, those at or above
	// ConfidencePlausible for Plausible, none for Refuse.
	Hits []Hit
}

// Decide decides on a list of hits: from one index, in Search's rank order,
// or merged from several indexes or several searches (each index's Score
// is calibrated to the same fixed points, so the best confidence in a
// merged list is decided the same way whatever index it came from). The
// verdict rests on the best confidence in the list; the list's order is
// kept in Decision.Hits.
func Decide(hits []Hit) Decision {
	d := Decision{Verdict: Refuse}
	for i, h := range hits {
		if i == 0 || h.Score > d.Top {
			d.Top = h.Score
		}
	}
	d.Margin = d.Top - ConfidenceThreshold
	switch {
	case len(hits) > 0 && d.Top >= ConfidenceThreshold:
		d.Verdict, d.Hits = Answer, atLeast(hits, ConfidenceThreshold)
	case len(hits) > 0 && d.Top >= ConfidencePlausible:
		d.Verdict, d.Hits = Plausible, atLeast(hits, ConfidencePlausible)
	}
	return d
}

// atLeast is the hits scored at least min, in order.
func atLeast(hits []Hit, min float64) []Hit {
	var out []Hit
	for _, h := range hits {
		if h.Score >= min {
			out = append(out, h)
		}
	}
	return out
}

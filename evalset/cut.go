package evalset

import (
	"math"
	"slices"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/retrieval"
)

// Cut is a relevance threshold and how a question set's questions fare
// under it.
type Cut struct {
	// Relevance is the threshold, in the units FAQBOT_MIN_RELEVANCE and
	// --min-relevance take.
	Relevance float64
	// OffTopicRefused and AnswerableRefused are the shares of the set's
	// unanswerable and answerable questions refused at the threshold.
	OffTopicRefused, AnswerableRefused float64
}

// minCutQuestions is the fewest questions of each kind BestCut needs: with
// fewer, the best threshold is whatever separates a handful of questions
// and says nothing about the next ones.
const minCutQuestions = 5

// BestCut is the relevance threshold that would have decided this set best,
// and the decisions it would have given, next to those of c's threshold.
// It is measured on the set itself (in-sample), so it is the most this
// set's decisions can gain from moving the threshold, not a promise for
// other questions; it tells an operator whether a misplaced threshold or
// the evidence itself is what fails, and where to start with
// FAQBOT_MIN_RELEVANCE for a community's own set.
//
// Best is the highest balanced accuracy (the mean of off-topic refused and
// answerable answered), which weighs both mistakes alike whatever the
// set's mix; of equally good thresholds, the one nearest c's is kept. The
// decision compared is the offline one, a passage's relevance against the
// threshold: ok is false for a set answered by an LLM (the model takes the
// decision) or with fewer than five questions of either kind.
func (r Report) BestCut(c retrieval.Calibration) (best, now Cut, ok bool) {
	var ans, off []float64
	for _, q := range r.Results {
		if q.Answer.Mode == answer.ModeLLM {
			return Cut{}, Cut{}, false
		}
		rel := math.Inf(-1) // below anything a threshold is set to
		if conf := q.Answer.Confidence; conf > 0 {
			rel = c.Relevance(conf)
		}
		if q.Question.Refuse {
			off = append(off, rel)
		} else {
			ans = append(ans, rel)
		}
	}
	if len(ans) < minCutQuestions || len(off) < minCutQuestions {
		return Cut{}, Cut{}, false
	}
	at := func(t float64) Cut {
		return Cut{Relevance: t, OffTopicRefused: below(off, t), AnswerableRefused: below(ans, t)}
	}
	score := func(x Cut) float64 { return x.OffTopicRefused + 1 - x.AnswerableRefused }
	now = at(c.Cut())
	best = now
	// Decisions change only between two questions' relevances: try the
	// midpoint of each neighbouring pair, which a threshold printed to
	// three decimals still falls between, and just past either end.
	var xs []float64
	for _, x := range slices.Concat(ans, off) {
		if !math.IsInf(x, -1) {
			xs = append(xs, x)
		}
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	if len(xs) == 0 {
		return best, now, true
	}
	cands := []float64{xs[len(xs)-1] + cutStep}
	if lo := xs[0] - cutStep; lo > 0 {
		cands = append(cands, lo) // a threshold must be positive to be set
	}
	for i := 1; i < len(xs); i++ {
		cands = append(cands, (xs[i-1]+xs[i])/2)
	}
	for _, t := range cands {
		x := at(t)
		d := score(x) - score(best)
		if d > 1e-9 || (d > -1e-9 && math.Abs(t-now.Relevance) < math.Abs(best.Relevance-now.Relevance)) {
			best = x
		}
	}
	return best, now, true
}

// cutStep is how far past the highest or lowest relevance a threshold
// that refuses or answers every question is put: a step the three
// decimals it is printed with still show.
const cutStep = 0.001

// below is the share of xs under t: the questions refused at threshold t.
func below(xs []float64, t float64) float64 {
	n := 0
	for _, x := range xs {
		if x < t {
			n++
		}
	}
	return float64(n) / float64(len(xs))
}

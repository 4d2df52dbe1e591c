package retrieval

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"

	"github.com/kljensen/snowball/english"

	"github.com/faqbot/faqbot/corpus"
)

// How well a passage answers a question is measured by two kinds of
// evidence whose scales depend on the corpus and the embedder: the share of
// the question's words the passage holds (Coverage), and the cosine of
// their vectors, which one embedder puts at 0.1 for unrelated texts and
// another at 0.7. Neither scale can be fixed in advance, so each index
// measures them when it is built: it asks itself questions it cannot
// answer (a built-in set of off-topic questions, in several languages) and
// questions it can (its own passage titles, reworded), and places each
// signal, and then the threshold between the two groups, from what it
// sees. The result is stored in the manifest and reused until the corpus
// or the embedder changes.

// calibrationVersion names the probes, the relevance formula and the
// threshold rule. Bump it when any of them changes: a saved index
// calibrated the old way is then rebuilt (its vectors reused).
const calibrationVersion = 3

// vectorOffQuantile places VectorOff near the top of the off-topic group,
// leaving out the few questions that share a subject with the corpus (a
// weather question beside a sailing club's rules for storms): a cosine
// counts as evidence only where off-topic questions rarely reach.
const vectorOffQuantile = 0.95

// maxAnswerableProbes bounds the titles sampled: with the off-topic set,
// calibration stays at about a hundred vector scans and two hundred word
// searches on any corpus.
const maxAnswerableProbes = 100

// probeCandidates is how many candidates each ranking gives a calibration
// probe: only the top hit's relevance is used.
const probeCandidates = 10

// Calibration is what an index measured about its corpus and embedder:
// where the signals of typical off-topic and typical answerable questions
// lie, and the relevance threshold between them.
type Calibration struct {
	// Version is calibrationVersion when measured.
	Version int `json:"version"`
	// VectorOff is the cosine that all but a few off-topic questions stay
	// below with their nearest passage: the top of the embedder's
	// background. VectorOn is the cosine of a passage title, asked as a
	// question, with its own passage (the median over the sampled titles):
	// as close as a question gets. Vector evidence is the
	// cosine's place between the two. When they are too close, the
	// embedder's cosine does not tell the corpus's own questions from
	// off-topic ones and only lexical evidence counts.
	VectorOff float64 `json:"vector_off"`
	VectorOn  float64 `json:"vector_on"`
	// OffTopic summarises the top relevance of the off-topic questions,
	// Answerable that of the reworded titles (half of a title's words and
	// one of the member's own).
	OffTopic   ScoreGroup `json:"off_topic"`
	Answerable ScoreGroup `json:"answerable"`
	// Threshold is the relevance at which the index answers: measured
	// between the two groups.
	Threshold float64 `json:"threshold"`
	// Expander names the expander the questions were widened with
	// (Expander.Name), "" for none.
	Expander string `json:"expander,omitempty"`
	// MinRelevance, when positive, replaces Threshold: a setting
	// (FAQBOT_MIN_RELEVANCE), not a measurement, so it is not saved.
	MinRelevance float64 `json:"-"`
}

// ScoreGroup summarises the top relevance of a group of questions.
type ScoreGroup struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	P10    float64 `json:"p10"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"`
}

// String is a one-line summary for people, e.g. "n=107 median 0.05 p90 0.21
// max 0.40".
func (g ScoreGroup) String() string {
	return fmt.Sprintf("n=%d  min %.2f  p10 %.2f  median %.2f  p90 %.2f  max %.2f", g.N, g.Min, g.P10, g.Median, g.P90, g.Max)
}

// Cut is the relevance threshold in force: MinRelevance when set,
// otherwise the measured Threshold.
func (c Calibration) Cut() float64 {
	if c.MinRelevance > 0 {
		return c.MinRelevance
	}
	return c.Threshold
}

// MinVectorSpread is the least distance between VectorOff and VectorOn for
// the cosine to count as evidence: closer than that, the embedder puts
// answerable and off-topic questions at the same distance from the corpus.
const MinVectorSpread = 0.02

// VectorEvidence is the hit's cosine placed between the embedder's
// off-topic background (0) and the closeness of a title to its own passage
// (1), capped to [0, 1]: a cosine beyond a title's own is no more
// relevant, and in a small corpus, where calibration has few titles to go
// by, an uncapped cosine would outweigh every word. It is 0 for an
// embedder whose cosine does not tell the corpus's questions from
// off-topic ones.
func (c Calibration) VectorEvidence(h Hit) float64 {
	if c.VectorOn-c.VectorOff < MinVectorSpread {
		return 0
	}
	return min(1, max(0, (h.Vector-c.VectorOff)/(c.VectorOn-c.VectorOff)))
}

// relevance is what the decision to answer is taken on: the stronger of a
// hit's lexical evidence (Coverage: the weighted share of the question's
// words the passage holds) and its vector evidence. Both are 0 for a
// passage that has nothing to do with the question and 1 for one that
// holds it as its own title does, whatever the corpus and the embedder.
// Taking the stronger rather than a weighted sum needs no weights: a
// passage that holds the question's words is relevant whatever the
// embedder says, and a paraphrase an embedder recognises is relevant
// though it shares no word.
func (c Calibration) relevance(h Hit) float64 {
	return max(h.Coverage, c.VectorEvidence(h))
}

// rankKey orders the hits of one question: the mean of coverage, vector
// evidence and the BM25 share (Hit.Lexical), all on 0-1 scales that hold
// for any corpus and embedder. Where relevance asks whether anything
// answers, ranking asks which passage answers best, and there BM25's
// weighing of repeated terms and passage length and the cosine's
// closeness break the many near-ties of coverage: among passages that hold
// the same words, the one about them comes first.
func (c Calibration) rankKey(h Hit) float64 {
	return (h.Coverage + c.VectorEvidence(h) + min(1, h.Lexical)) / 3
}

// Confidence maps a relevance to the calibrated confidence that Hit.Score
// carries: 0 at the off-topic group's median, ConfidenceThreshold (0.5) at
// the threshold in force, 1 at the answerable group's median, linear in
// between and beyond (never below 0). Above the threshold the scale is
// never steeper than below it, so that an answerable group close to the
// threshold does not blow small differences up. Every index's own threshold maps to
// the same point, which is what makes hits of several indexes comparable.
func (c Calibration) Confidence(r float64) float64 {
	cut := c.Cut()
	lo, hi := c.OffTopic.Median, c.Answerable.Median
	below := max(cut-lo, 1e-3)
	above := max(hi-cut, below)
	if r >= cut {
		return ConfidenceThreshold + (1-ConfidenceThreshold)*(r-cut)/above
	}
	return max(0, ConfidenceThreshold*(1-(cut-r)/below))
}

// Relevance is the inverse of Confidence: the relevance at which a hit
// gets confidence conf (for conf above 0).
func (c Calibration) Relevance(conf float64) float64 {
	cut := c.Cut()
	lo, hi := c.OffTopic.Median, c.Answerable.Median
	below := max(cut-lo, 1e-3)
	above := max(hi-cut, below)
	if conf >= ConfidenceThreshold {
		return cut + (conf-ConfidenceThreshold)/(1-ConfidenceThreshold)*above
	}
	return cut - (1-conf/ConfidenceThreshold)*below
}

// calibrate measures the index's calibration. It asks the built-in
// off-topic questions as they are (how near an unrelated question comes,
// by cosine) and as this community would ask them (carrying one of the
// corpus's words), and a sample of the passages' titles reworded, and it
// compares the titles as they are with their own passages; it places the
// signals and the threshold from the answers. The questions are embedded
// in one call.
func (ix *Index) calibrate(ctx context.Context) (Calibration, error) {
	titles := sampleTitles(ix.Len(), func(d int) (string, bool) {
		sh, i := ix.locate(d)
		return sh.titleOf(i), ix.dupOf[int32(d)] != ""
	})
	// The sampled titles were read from every shard; each search below
	// releases what it reads (see scatter), and so do the vectors read
	// here. What is left mapped at the end is released once, here, for
	// every caller (Build, DirBuilder, Load, Update).
	ix.releaseAll()
	defer ix.releaseAll()
	rows := scatter{ix: ix}
	n, m := len(offTopic), len(titles)
	// Questions are embedded in one call: the plain off-topic ones, the
	// reworded titles and the titles. The off-topic questions in the
	// corpus's words are judged by their words alone (see measure) and
	// need no vector.
	texts := slices.Clone(offTopic)
	for _, t := range titles {
		texts = append(texts, reword(t.text, t.h, ix.lex))
	}
	for _, t := range titles {
		texts = append(texts, t.text)
	}
	qs := make([]query, len(texts))
	embed := make([]string, len(texts))
	for i, t := range texts {
		qs[i] = analyzeQuery(t, ix.lex, ix.exp)
		embed[i] = qs[i].embed
	}
	vecs, err := ix.embedQueries(ctx, embed)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibrating: %w", err)
	}
	// The plain off-topic questions need only their nearest vector.
	offCos := make([]float64, n)
	for i, qv := range vecs[:n] {
		if qv == nil {
			continue
		}
		res, err := ix.queryVectors(ctx, qv, 1)
		if err != nil {
			return Calibration{}, fmt.Errorf("calibrating: %w", err)
		}
		if len(res) > 0 {
			offCos[i] = float64(res[0].sim)
		}
	}
	// search returns a probe's candidates and their passage numbers.
	search := func(q query, qv []float32) ([]Hit, []int32, error) {
		found, err := ix.candidates(ctx, q, probeCandidates, nil, func() ([]float32, error) { return qv, nil })
		if err != nil {
			return nil, nil, fmt.Errorf("calibrating: %w", err)
		}
		hs := make([]Hit, len(found))
		ds := make([]int32, len(found))
		for k, f := range found {
			hs[k], ds[k] = f.h, f.d
		}
		return hs, ds, nil
	}
	var off, reworded [][]Hit
	for _, text := range offTopicProbes(titles) {
		hs, _, err := search(analyzeQuery(text, ix.lex, ix.exp), nil)
		if err != nil {
			return Calibration{}, err
		}
		off = append(off, hs)
	}
	// A reworded title is searched by its words; its cosine is taken with
	// the passages its words found and with its own passage, which is
	// where it is nearest, rather than by scanning every vector.
	for j, t := range titles {
		hs, ds, err := search(qs[n+j], nil)
		if err != nil {
			return Calibration{}, err
		}
		if qv := vecs[n+j]; qv != nil {
			for k, d := range ds {
				rows.touch(d)
				if v := ix.vector(d); v != nil {
					hs[k].Vector = dot(qv, v)
				}
			}
			rows.touch(int32(t.chunk))
			if v := ix.vector(int32(t.chunk)); v != nil {
				hs = append(hs, Hit{Vector: dot(qv, v)})
			}
		}
		reworded = append(reworded, hs)
	}
	// A title needs no search: its closeness to its own passage is what
	// is measured.
	var own []float64
	for j, t := range titles {
		qv := vecs[n+m+j]
		rows.touch(int32(t.chunk))
		if pv := ix.vector(int32(t.chunk)); pv != nil && qv != nil {
			own = append(own, dot(qv, pv))
		}
	}
	c := measure(offCos, off, reworded, own)
	c.Expander = expanderName(ix.exp)
	return c, nil
}

// measure places the signals and the threshold: the cosines of the plain
// off-topic questions with their nearest passages, the candidates of the
// same questions in the corpus's words (in the same order) and of the
// reworded titles, and the cosines of titles with their own passages.
func measure(offCos []float64, off, reworded [][]Hit, own []float64) Calibration {
	best := func(groups [][]Hit, f func(Hit) float64) []float64 {
		out := make([]float64, len(groups))
		for i, hs := range groups {
			for j, h := range hs {
				if x := f(h); j == 0 || x > out[i] {
					out[i] = x
				}
			}
		}
		return out
	}
	c := Calibration{
		Version:   calibrationVersion,
		VectorOff: quantile(offCos, vectorOffQuantile),
		VectorOn:  quantile(own, 0.5),
	}
	// An off-topic question's relevance: its words as the community would
	// put them, its meaning as it is. The word it borrows from the corpus
	// is what a member's off-topic question shares with the FAQ; to an
	// embedding model it also pulls the question towards that word's
	// passages, which a member's question, about something else, is not.
	offTop := best(off, func(h Hit) float64 { return h.Coverage })
	for i := range offTop {
		if i < len(offCos) {
			offTop[i] = max(offTop[i], c.VectorEvidence(Hit{Vector: offCos[i]}))
		}
	}
	c.OffTopic = summarise(offTop)
	c.Answerable = summarise(best(reworded, c.relevance))
	c.Threshold = threshold(offTop, c.Answerable)
	return c
}

// offTopicQuantile is the share of the built-in off-topic questions the
// threshold refuses: all but the five or so that happen to share a
// subject with the corpus (a cooking question in a cooking club's FAQ, a
// weather question beside a rowing club's rule for storms: an embedding
// model rightly puts those near). Members' off-topic questions are nearer
// the corpus than these (they are about the same community), so the
// threshold sits at the top of the group rather than in the gap between
// the groups.
const offTopicQuantile = 0.95

// minThresholdShare bounds the threshold below, as a share of the
// answerable group's median: in a small corpus no off-topic question may
// share a word with it, and a threshold of 0 would answer anything.
const minThresholdShare = 0.25

// threshold places the cut above all but the top few of the off-topic
// questions, and never below minThresholdShare of a typical answerable
// one.
func threshold(offTop []float64, on ScoreGroup) float64 {
	return max(quantile(offTop, offTopicQuantile), minThresholdShare*on.Median)
}

// offTopicProbes are the built-in off-topic questions as a member of this
// community would ask them: each carries one content word of a sampled
// title ("who won the 2022 world cup? discord"). Members' off-topic
// questions are about their community's world, not about pizza: they
// share a word or two with the FAQ and ask about something it does not
// cover, and the threshold must refuse those. (Their cosines are not the
// embedder's background: the shared word pulls them near its passages,
// as it should; the plain questions give the background.) A corpus with
// no titles gets the questions as they are.
func offTopicProbes(titles []title) []string {
	out := slices.Clone(offTopic)
	if len(titles) == 0 {
		return out
	}
	for i := range out {
		t := titles[i%len(titles)]
		words := contentWords(t.text)
		out[i] += " " + words[int(t.h>>8)%len(words)]
	}
	return out
}

// title is a passage title to calibrate with: its text, its hash and the
// first passage it heads.
type title struct {
	text  string
	h     uint64
	chunk int
}

// sampleTitles picks the distinct passage titles (FAQ questions, section
// headings, document titles) with content words, a deterministic sample
// of at most maxAnswerableProbes; at gives passage d's title and whether
// it is a near-duplicate (whose title is its original's).
func sampleTitles(n int, at func(d int) (title string, dup bool)) []title {
	seen := map[string]bool{}
	var ts []title
	for i := range n {
		t, dup := at(i)
		t = strings.TrimSpace(t)
		if t == "" || seen[t] || dup {
			continue
		}
		seen[t] = true
		if len(contentWords(t)) > 0 {
			ts = append(ts, title{t, hash64(t), i})
		}
	}
	slices.SortFunc(ts, func(a, b title) int {
		if a.h != b.h {
			if a.h < b.h {
				return -1
			}
			return 1
		}
		return strings.Compare(a.text, b.text)
	})
	if len(ts) > maxAnswerableProbes {
		ts = ts[:maxAnswerableProbes]
	}
	return ts
}

// reword keeps half (rounded up) of a title's content words, starting at
// a place the hash picks, and adds a noise word the corpus does not use.
func reword(title string, h uint64, v vocab) string {
	words := contentWords(title)
	keep := (len(words) + 1) / 2
	start := int(h % uint64(len(words)))
	out := make([]string, 0, keep+1)
	for i := range keep {
		out = append(out, words[(start+i)%len(words)])
	}
	for i := range noiseWords {
		w := noiseWords[(int(h>>16)+i)%len(noiseWords)]
		if t := corpus.Terms(w); len(t) == 1 && !v.has(t[0]) {
			out = append(out, w)
			break
		}
	}
	return strings.Join(out, " ")
}

// noiseWords stand for the words of a member's own that the FAQ does not
// use: concrete nouns of no particular subject.
var noiseWords = []string{
	"banana", "violin", "glacier", "pelican", "umbrella", "volcano", "sandwich", "trumpet",
	"cactus", "lobster", "meadow", "saddle", "walrus", "lantern", "pebble", "tulip",
}

// contentWords are a text's words without stop words.
func contentWords(s string) []string {
	var out []string
	for _, w := range corpus.Words(s) {
		if !english.IsStopWord(w) && len(corpus.Terms(w)) > 0 {
			out = append(out, w)
		}
	}
	return out
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// summarise describes a group of scores.
func summarise(xs []float64) ScoreGroup {
	if len(xs) == 0 {
		return ScoreGroup{}
	}
	g := ScoreGroup{N: len(xs)}
	s := slices.Clone(xs)
	slices.Sort(s)
	g.Min, g.Max = s[0], s[len(s)-1]
	g.P10, g.Median, g.P90 = quantile(s, 0.1), quantile(s, 0.5), quantile(s, 0.9)
	for _, x := range s {
		g.Mean += x
	}
	g.Mean /= float64(len(s))
	for _, x := range s {
		g.SD += (x - g.Mean) * (x - g.Mean)
	}
	g.SD = math.Sqrt(g.SD / float64(len(s)))
	return g
}

// quantile is the p-quantile of xs by linear interpolation (xs need not be
// sorted); 0 for none.
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := p * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

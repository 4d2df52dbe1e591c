package retrieval

import (
	"bytes"
	"context"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/faqbot/faqbot/corpus"
)

// BM25 parameters: the values of Robertson and Zaragoza's "Probabilistic
// Relevance Framework" that most engines (Lucene, Elasticsearch) ship. k1
// saturates repeated terms quickly, which suits short passages; b = 0.75
// discounts long passages for their length without ignoring it.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// titleWeight counts each title term this many times. A passage's title is
// usually an FAQ question, the best short statement of what it answers.
const titleWeight = 2

// posting is one passage that contains a term.
type posting struct {
	doc int32   // passage index
	tf  float32 // weighted occurrences (title terms count titleWeight times)
}

// bm25 is an inverted index over the passages of an index's shards: each
// shard holds the posting lists of its own passages, and a query term's
// statistics are summed over the shards. It is immutable once built.
type bm25 struct {
	shards []*shard
	base   []int     // passage number of each shard's first passage
	docLen []float32 // weighted term count of each passage, all shards
	avgLen float64
}

// newBM25 makes the index of shards whose first passages are numbered
// base.
func newBM25(shards []*shard, base []int) *bm25 {
	ix := &bm25{shards: shards, base: base, docLen: make([]float32, 0, base[len(shards)])}
	var total float64
	for _, s := range shards {
		ix.docLen = append(ix.docLen, s.docLen...)
		total += s.totalLen
	}
	ix.avgLen = 1 // an index of empty passages: any value avoids 0/0
	if n := len(ix.docLen); n > 0 && total > 0 {
		ix.avgLen = total / float64(n)
	}
	return ix
}

// buildBM25 builds the BM25 index of passages alone, without vectors, in
// shards as Build cuts them.
func buildBM25(ctx context.Context, chunks []corpus.Chunk) (*bm25, error) {
	var shards []*shard
	base := []int{0}
	for _, r := range shardRanges(chunks, shardTarget) {
		s, err := buildShard(ctx, chunks[r[0]:r[1]], make([][]float32, r[1]-r[0]), 1)
		if err != nil {
			return nil, err
		}
		shards = append(shards, s)
		base = append(base, base[len(base)-1]+s.n())
	}
	return newBM25(shards, base), nil
}

// Stems that share a long prefix are usually forms of one word that the
// Snowball stemmer leaves apart ("respons"/"respond", "elect"/"elector").
// A query term also matches such variants, for variantCredit of its weight:
// enough to lift an on-topic question past the relevance threshold, less than
// the word itself, since some prefixes join unrelated words.
const (
	variantPrefix = 5
	variantCredit = 0.6
)

// minCoverageWeight is the least weight a query term has in Coverage: the
// idf of a term found in half the passages. Without it, in a small corpus
// on one topic the topic's own words ("Russia" in every passage) weigh
// nothing and one rare, incidental word of the question ("going") decides
// the coverage alone.
var minCoverageWeight = math.Log(2)

// variantsOf returns the corpus terms other than t that share its prefix.
// Each shard's terms are sorted, so they are a range of it.
func (ix *bm25) variantsOf(t string) []string {
	if len(t) < variantPrefix {
		return nil
	}
	var out []string
	for _, s := range ix.shards {
		s.termsWithPrefix(t[:variantPrefix], func(v string) {
			if v != t && !slices.Contains(out, v) {
				out = append(out, v)
			}
		})
	}
	slices.Sort(out)
	return out
}

// postings returns the passages that contain term, by passage number, in
// passage order. With one shard it is the shard's own list; with several
// they are gathered into a new one.
func (ix *bm25) postings(term string) []posting {
	var out []posting
	for k, s := range ix.shards {
		i, ok := s.termIndex(term)
		if !ok {
			continue
		}
		ps := s.postingsOf(i)
		if len(ix.shards) == 1 {
			return ps
		}
		base := int32(ix.base[k])
		for _, p := range ps {
			out = append(out, posting{doc: base + p.doc, tf: p.tf})
		}
	}
	return out
}

// df is the number of passages that contain term.
func (ix *bm25) df(term string) int {
	n := 0
	for _, s := range ix.shards {
		if i, ok := s.termIndex(term); ok {
			n += int(s.off[i+1] - s.off[i])
		}
	}
	return n
}

// distinctTerms counts the distinct terms of all shards, merging their
// sorted term tables through a heap of the shards' next terms.
func (ix *bm25) distinctTerms() int {
	if len(ix.shards) == 1 {
		return len(ix.shards[0].terms)
	}
	type head struct {
		s   *shard
		pos int
	}
	word := func(h head) []byte { return h.s.wordView(h.s.terms[h.pos]) }
	var hs []head
	for _, s := range ix.shards {
		if len(s.terms) > 0 {
			hs = append(hs, head{s, 0})
		}
	}
	less := func(i, j int) bool { return bytes.Compare(word(hs[i]), word(hs[j])) < 0 }
	down := func(i int) {
		for {
			l, r, m := 2*i+1, 2*i+2, i
			if l < len(hs) && less(l, m) {
				m = l
			}
			if r < len(hs) && less(r, m) {
				m = r
			}
			if m == i {
				return
			}
			hs[i], hs[m] = hs[m], hs[i]
			i = m
		}
	}
	for i := len(hs)/2 - 1; i >= 0; i-- {
		down(i)
	}
	n := 0
	var last []byte
	for len(hs) > 0 {
		w := word(hs[0])
		if n == 0 || !bytes.Equal(w, last) {
			n++
			last = w
		}
		if hs[0].pos+1 < len(hs[0].s.terms) {
			hs[0].pos++
		} else {
			hs[0] = hs[len(hs)-1]
			hs = hs[:len(hs)-1]
		}
		down(0)
	}
	return n
}

// passageTerms lists the analysed terms of a passage, title terms repeated
// titleWeight times. Joined forms of hyphenated words ("xray" of "X-ray")
// count as terms too.
func passageTerms(a *analyzer, c corpus.Chunk) []string {
	title := append(a.terms(c.Title, nil), compoundTerms(c.Title)...)
	out := make([]string, 0, len(title)*titleWeight+len(c.Text)/6)
	for range titleWeight {
		out = append(out, title...)
	}
	out = a.terms(c.Text, out)
	return append(out, compoundTerms(c.Text)...)
}

// termCount is one distinct term of a passage and its weighted count.
type termCount struct {
	term string
	tf   float32
}

// idf is the BM25 inverse document frequency, in the "+1" form that stays
// positive for terms in more than half the passages. A term in no passage
// gets the largest value, ln(2N+2): a query word the corpus never uses is
// strong evidence that the question is about something else.
func (ix *bm25) idf(term string) float64 {
	n := float64(len(ix.docLen))
	df := float64(ix.df(term))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// has reports whether a passage contains term.
func (ix *bm25) has(term string) bool {
	for _, s := range ix.shards {
		if _, ok := s.termIndex(term); ok {
			return true
		}
	}
	return false
}

// near calls yield with every term that starts with the rune first and
// whose length is within d of n runes, until it returns false. Each
// shard's terms are sorted, so those starting with first are a range of
// it; a term in several shards is given once.
func (ix *bm25) near(first rune, n, d int, yield func(term string, runes []rune) bool) {
	prefix := []byte(string(first))
	var seen map[string]bool
	if len(ix.shards) > 1 {
		seen = map[string]bool{}
	}
	for _, s := range ix.shards {
		i, _ := s.termIndex(string(prefix))
		for ; i < len(s.terms); i++ {
			b := s.wordView(s.terms[i])
			if !bytes.HasPrefix(b, prefix) {
				break
			}
			if l := utf8.RuneCount(b); l < n-d || l > n+d {
				continue
			}
			t := string(b)
			if seen != nil {
				if seen[t] {
					continue
				}
				seen[t] = true
			}
			if !yield(t, []rune(t)) {
				return
			}
		}
	}
}

// lexScores accumulates, for one query, the BM25 score and the weighted
// coverage of every passage that contains a query term.
type lexScores struct {
	bm25    []float64 // by passage
	covered []float64 // by passage: sum of the weights of the slots it covers
	touched []int32   // passages with a nonzero entry
	idfSum  float64   // sum of the weights of all slots
	maxBM25 float64   // the largest BM25 score a passage could reach
	slots   []scoredSlot
	// stamp marks the passages a slot has already credited (stamp[d] ==
	// gen), so that a slot counts once per passage, by its best
	// alternative, without clearing an array per slot.
	stamp []uint32
	gen   uint32
}

// scoredSlot is a query slot with its weight in coverage.
type scoredSlot struct {
	slot
	weight float64
}

// slotWeight is the idf of the slot's first alternative the corpus uses
// (of its rarest term), or of the word as typed when the corpus uses none:
// a word the corpus never uses is strong evidence that the question is
// about something else.
func (ix *bm25) slotWeight(s slot) (idf float64, rep alt) {
	rep = s.alts[0]
	for _, a := range s.alts {
		if ix.hasAll(a.terms) {
			rep = a
			break
		}
	}
	for _, t := range rep.terms {
		idf = max(idf, ix.idf(t))
	}
	return idf, rep
}

// coverageWeight is a slot's weight in Coverage: its slotWeight, at least
// minCoverageWeight, scaled down for a light verb or a bare number.
func (ix *bm25) coverageWeight(sl slot) float64 {
	idf, rep := ix.slotWeight(sl)
	cw := max(idf, minCoverageWeight)
	if len(rep.terms) == 1 && (lightVerb(rep.terms[0]) || isDigits(rep.terms[0])) {
		cw *= lightVerbWeight
	} else if _, _, ok := splitNumber(sl.word); ok {
		// A quantity with its unit ("50gb", "3hrs") is the member's
		// own as much as a bare number is.
		cw *= lightVerbWeight
	}
	return cw
}

func (ix *bm25) hasAll(terms []string) bool {
	for _, t := range terms {
		if !ix.has(t) {
			return false
		}
	}
	return true
}

// score runs the query's slots over the posting lists.
func (ix *bm25) score(q query, s *lexScores) {
	n := len(ix.docLen)
	if cap(s.bm25) < n {
		s.bm25 = make([]float64, n)
		s.covered = make([]float64, n)
		s.stamp = make([]uint32, n)
		s.gen = 0
	}
	s.bm25 = s.bm25[:n]
	s.covered = s.covered[:n]
	s.stamp = s.stamp[:n]
	s.touched = s.touched[:0]
	s.idfSum, s.maxBM25 = 0, 0
	s.slots = s.slots[:0]
	for _, sl := range q.slots {
		cw := ix.coverageWeight(sl)
		s.slots = append(s.slots, scoredSlot{slot: sl, weight: cw})
		s.idfSum += cw
		// The saturation factor tf(k1+1)/(tf+K) approaches k1+1 as tf grows.
		s.maxBM25 += cw * (bm25K1 + 1)

		s.gen++
		if s.gen == 0 { // wrapped: old stamps could collide
			clear(s.stamp)
			s.gen = 1
		}
		for _, a := range sl.alts {
			ix.scoreAlt(s, a.terms, a.credit, cw)
		}
		// Stem variants of single-word alternatives count for
		// variantCredit, in passages no alternative reached.
		for _, a := range sl.alts {
			if len(a.terms) != 1 {
				continue
			}
			for _, v := range ix.variantsOf(a.terms[0]) {
				vcw := min(cw, max(ix.idf(v), minCoverageWeight))
				ix.scoreAlt(s, []string{v}, a.credit*variantCredit, vcw)
			}
		}
	}
}

// scoreAlt credits every passage that holds all of terms and that the
// current slot has not credited yet: credit·weight of coverage, and
// credit times the terms' BM25 contributions, each term weighted by the
// smaller of its idf and the slot's weight (a light verb stays light).
func (ix *bm25) scoreAlt(s *lexScores, terms []string, credit, weight float64) {
	if len(terms) == 0 {
		return
	}
	// Each term's idf and the other terms' postings are looked up once, not
	// once per passage of the first term's list: both are summed over every
	// shard, and per passage they made a phrase (an expansion such as
	// "sign up") cost the product of its terms' list lengths: minutes of
	// calibration at 100,000 passages.
	idfs := make([]float64, len(terms))
	for i, t := range terms {
		idfs[i] = min(ix.idf(t), weight)
	}
	rest := make([][]posting, len(terms))
	for i := 1; i < len(terms); i++ {
		if rest[i] = ix.postings(terms[i]); len(rest[i]) == 0 {
			return // no passage holds them all
		}
	}
	first := ix.postings(terms[0])
	for _, p := range first {
		if p.doc < 0 || int(p.doc) >= len(s.bm25) {
			continue // a damaged posting (see shardfile.go)
		}
		if s.stamp[p.doc] == s.gen {
			continue
		}
		var sum float64
		ok := true
		for i := range terms {
			tp := p
			if i > 0 {
				ps := rest[i]
				j, found := slices.BinarySearchFunc(ps, p.doc, func(e posting, d int32) int { return int(e.doc - d) })
				if !found {
					ok = false
					break
				}
				tp = ps[j]
			}
			sum += ix.bm25Term(tp, idfs[i])
		}
		if !ok {
			continue
		}
		s.stamp[p.doc] = s.gen
		if s.covered[p.doc] == 0 && s.bm25[p.doc] == 0 {
			s.touched = append(s.touched, p.doc)
		}
		s.bm25[p.doc] += credit * sum
		s.covered[p.doc] += credit * weight
	}
}

// bm25Term is one term's BM25 contribution to a passage.
func (ix *bm25) bm25Term(p posting, idf float64) float64 {
	tf := float64(p.tf)
	norm := bm25K1 * (1 - bm25B + bm25B*float64(ix.docLen[p.doc])/ix.avgLen)
	return idf * tf * (bm25K1 + 1) / (tf + norm)
}

// reset zeroes the entries score set, so the scratch space can be reused
// without clearing whole arrays.
func (s *lexScores) reset() {
	for _, d := range s.touched {
		s.bm25[d] = 0
		s.covered[d] = 0
	}
	s.touched = s.touched[:0]
}

// top returns up to n passages with the highest BM25 scores, best first;
// ties go to the earlier passage so results are deterministic. A common
// query term touches most passages, so rather than sorting them all it
// keeps the best n seen so far (n is small) in order.
func (s *lexScores) top(n int) []int32 {
	if n <= 0 {
		return nil
	}
	better := func(a, b int32) bool {
		if s.bm25[a] != s.bm25[b] {
			return s.bm25[a] > s.bm25[b]
		}
		return a < b
	}
	out := make([]int32, 0, n+1)
	for _, d := range s.touched {
		if len(out) == n && !better(d, out[n-1]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, d, func(e, d int32) int {
			if better(e, d) {
				return -1
			}
			return 1
		})
		out = slices.Insert(out, i, d)
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
}

// lexical is passage d's BM25 score as a share of the best score any
// passage could reach for this query. Dividing by the query's own best hit
// would give every query a perfect top hit, useless for deciding relevance.
func (s *lexScores) lexical(d int32) float64 {
	if s.maxBM25 == 0 {
		return 0
	}
	return s.bm25[d] / s.maxBM25
}

// coverage is the idf-weighted share of the query's terms present in
// passage d.
func (s *lexScores) coverage(d int32) float64 {
	if s.idfSum == 0 {
		return 0
	}
	return s.covered[d] / s.idfSum
}

// titleCoverage is the weighted share of the query's slots found in a
// passage title (by an alternative, or a stem variant of one for
// variantCredit of its credit).
func (s *lexScores) titleCoverage(title []string) float64 {
	if s.idfSum == 0 || len(title) == 0 {
		return 0
	}
	var got float64
	for _, sl := range s.slots {
		best := 0.0
		for _, a := range sl.alts {
			if a.credit <= best {
				break
			}
			if containsAll(title, a.terms) {
				best = a.credit
				break
			}
			if len(a.terms) == 1 {
				t := a.terms[0]
				for _, tt := range title {
					if len(t) >= variantPrefix && len(tt) >= variantPrefix && t[:variantPrefix] == tt[:variantPrefix] {
						best = max(best, a.credit*variantCredit)
					}
				}
			}
		}
		got += best * sl.weight
	}
	return got / s.idfSum
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// fillerTerm reports whether a stemmed term is a conversational filler of
// questions ("can you tell me", "please explain"). Such words are not stop
// words to the stemmer, but a corpus rarely uses them, so their high idf
// would halve the coverage of a perfectly on-topic question.
func fillerTerm(t string) bool {
	switch t {
	case "tell", "explain", "pleas", "know", "describ", "happen", "thank", "hi", "hello", "hey", "anyon", "someon", "wonder", "curious", "question",
		"nah", "yeah", "yep", "lol", "ok", "okay", "guy", "bro", "pls", "plz", "thx", "ty", "btw", "tbh", "idk", "hmm", "ah", "oh", "um",
		// Hedges and quantities that frame a question whatever its topic
		// ("how many", "is it even possible", "like 300", "n stuff").
		"mani", "much", "like", "just", "realli", "actual", "pretti", "sure", "stuff", "thing", "someth", "anyth",
		"everyth", "everyon", "somebodi", "anybodi", "ever", "also", "even", "still", "lot", "bit", "kinda", "sorta",
		"exact", "basic", "probabl", "mayb", "perhap", "alreadi", "possibl", "anyway":
		return true
	}
	return false
}

// lightVerbWeight scales the weight of light verbs and bare numbers in a
// query. A number a member types is more often their own (their age,
// their ping) than the one the answer gives, so it is weak evidence either
// way. "Who is
// going to Russia?" is about Russia and a trip, not about going: such verbs
// appear in every kind of question, but a corpus that rarely uses them
// would give them the highest idf of the question and let them pick the
// passage.
const lightVerbWeight = 0.3

// lightVerb reports whether a stemmed query term is a light verb.
func lightVerb(t string) bool {
	switch t {
	case "go", "goe", "gone", "went", "get", "got", "make", "made", "take", "took", "come", "came", "give", "gave",
		"want", "need", "say", "said", "put", "let", "keep", "seem", "look", "mean", "think", "thought", "find", "found",
		"way", "use", "work", "tri", "allow", "abl":
		return true
	}
	return false
}

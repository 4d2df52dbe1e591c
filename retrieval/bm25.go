package retrieval

import (
	"bytes"
	"context"
	"math"
	"slices"

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
// enough to lift an on-topic question past the relevance floor, less than
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
// sorted term tables.
func (ix *bm25) distinctTerms() int {
	if len(ix.shards) == 1 {
		return len(ix.shards[0].terms)
	}
	pos := make([]int, len(ix.shards))
	n := 0
	var last []byte
	first := true
	for {
		best := -1
		var bv []byte
		for k, s := range ix.shards {
			if pos[k] < len(s.terms) {
				v := s.view(s.terms[pos[k]])
				if best < 0 || bytes.Compare(v, bv) < 0 {
					best, bv = k, v
				}
			}
		}
		if best < 0 {
			return n
		}
		if first || !bytes.Equal(bv, last) {
			n++
			last, first = bv, false
		}
		pos[best]++
	}
}

// passageTerms lists the analysed terms of a passage, title terms repeated
// titleWeight times.
func passageTerms(a *analyzer, c corpus.Chunk) []string {
	title := a.terms(c.Title, nil)
	out := make([]string, 0, len(title)*titleWeight+len(c.Text)/6)
	for range titleWeight {
		out = append(out, title...)
	}
	return a.terms(c.Text, out)
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

// lexScores accumulates, for one query, the BM25 score and the idf mass of
// the matched query terms of every passage that contains a query term.
type lexScores struct {
	bm25    []float64          // by passage
	covered []float64          // by passage: sum of idf of the query terms present
	touched []int32            // passages with a nonzero entry
	idfSum  float64            // sum of idf over all query terms
	maxBM25 float64            // the largest BM25 score a passage could reach
	weights map[string]float64 // query term -> its weight in coverage
}

// score runs the query terms (already unique) over the posting lists.
func (ix *bm25) score(terms []string, s *lexScores) {
	n := len(ix.docLen)
	if cap(s.bm25) < n {
		s.bm25 = make([]float64, n)
		s.covered = make([]float64, n)
	}
	s.bm25 = s.bm25[:n]
	s.covered = s.covered[:n]
	s.touched = s.touched[:0]
	s.idfSum, s.maxBM25 = 0, 0
	if s.weights == nil {
		s.weights = make(map[string]float64, len(terms))
	}
	clear(s.weights)
	for _, t := range terms {
		idf := ix.idf(t)
		cw := max(idf, minCoverageWeight)
		if lightVerb(t) {
			idf, cw = idf*lightVerbWeight, cw*lightVerbWeight
		}
		s.weights[t] = cw
		s.idfSum += cw
		// The saturation factor tf(k1+1)/(tf+K) approaches k1+1 as tf grows.
		s.maxBM25 += idf * (bm25K1 + 1)
		exact := ix.postings(t)
		for _, p := range exact {
			ix.add(s, p, idf, cw)
		}
		// Variants count once per passage, and not where the word itself
		// is: exact postings are sorted by passage, so a binary search
		// tells.
		var seen map[int32]bool
		for _, v := range ix.variantsOf(t) {
			vidf := ix.idf(v)
			for _, p := range ix.postings(v) {
				if _, found := slices.BinarySearchFunc(exact, p.doc, func(e posting, d int32) int { return int(e.doc - d) }); found || seen[p.doc] {
					continue
				}
				if seen == nil {
					seen = make(map[int32]bool)
				}
				seen[p.doc] = true
				ix.add(s, p, variantCredit*vidf, variantCredit*min(cw, max(vidf, minCoverageWeight)))
			}
		}
	}
}

// add scores one posting: its BM25 contribution with weight idf, and
// covered for the coverage of the query term it stands for.
func (ix *bm25) add(s *lexScores, p posting, idf, covered float64) {
	if p.doc < 0 || int(p.doc) >= len(s.bm25) {
		return // a damaged posting (see shardfile.go)
	}
	if s.covered[p.doc] == 0 && s.bm25[p.doc] == 0 {
		s.touched = append(s.touched, p.doc)
	}
	tf := float64(p.tf)
	norm := bm25K1 * (1 - bm25B + bm25B*float64(ix.docLen[p.doc])/ix.avgLen)
	s.bm25[p.doc] += idf * tf * (bm25K1 + 1) / (tf + norm)
	s.covered[p.doc] += covered
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
// would give every query a perfect top hit, useless for a relevance floor.
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

// titleCoverage is the weighted share of the query's terms found in a
// passage title (exactly, or as a stem variant for variantCredit).
func (s *lexScores) titleCoverage(title []string) float64 {
	if s.idfSum == 0 || len(title) == 0 {
		return 0
	}
	var got float64
	for t, w := range s.weights {
		best := 0.0
		for _, tt := range title {
			switch {
			case tt == t:
				best = 1
			case len(t) >= variantPrefix && len(tt) >= variantPrefix && t[:variantPrefix] == tt[:variantPrefix]:
				best = max(best, variantCredit)
			}
		}
		got += best * w
	}
	return got / s.idfSum
}

// queryTerms analyses a question into unique terms, dropping the
// conversational words a question carries whatever its topic.
func queryTerms(q string) []string {
	var out []string
	for _, t := range corpus.Terms(q) {
		if fillerTerm(t) || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// fillerTerm reports whether a stemmed term is a conversational filler of
// questions ("can you tell me", "please explain"). Such words are not stop
// words to the stemmer, but a corpus rarely uses them, so their high idf
// would halve the coverage of a perfectly on-topic question.
func fillerTerm(t string) bool {
	switch t {
	case "tell", "explain", "pleas", "know", "describ", "happen", "thank", "hi", "hello", "hey", "anyon", "someon", "wonder", "curious", "question":
		return true
	}
	return false
}

// lightVerbWeight scales the weight of light verbs in a query. "Who is
// going to Russia?" is about Russia and a trip, not about going: such verbs
// appear in every kind of question, but a corpus that rarely uses them
// would give them the highest idf of the question and let them pick the
// passage.
const lightVerbWeight = 0.3

// lightVerb reports whether a stemmed query term is a light verb.
func lightVerb(t string) bool {
	switch t {
	case "go", "goe", "gone", "went", "get", "got", "make", "made", "take", "took", "come", "came", "give", "gave",
		"want", "need", "say", "said", "put", "let", "keep", "seem", "look", "mean", "think", "thought", "find", "found":
		return true
	}
	return false
}

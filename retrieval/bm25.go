package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

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

// bm25 is an inverted index over the passages. It is immutable once built.
// The posting lists sit end to end in one slice (one allocation, and a
// layout that saves and loads as a few flat arrays).
type bm25 struct {
	terms  map[string]int32 // term -> its number
	off    []int32          // postings of term i are post[off[i]:off[i+1]]
	post   []posting        // by term, then in passage order
	docLen []float32        // weighted term count of each passage
	avgLen float64

	// variants maps a stem prefix to the terms that share it; built on
	// first use (see variantsOf).
	variantsOnce sync.Once
	variants     map[string][]string
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
func (ix *bm25) variantsOf(t string) []string {
	if len(t) < variantPrefix {
		return nil
	}
	ix.variantsOnce.Do(func() {
		ix.variants = make(map[string][]string)
		for term := range ix.terms {
			if len(term) >= variantPrefix {
				p := term[:variantPrefix]
				ix.variants[p] = append(ix.variants[p], term)
			}
		}
	})
	var out []string
	for _, v := range ix.variants[t[:variantPrefix]] {
		if v != t {
			out = append(out, v)
		}
	}
	return out
}

// postings returns the passages that contain term.
func (ix *bm25) postings(term string) []posting {
	i, ok := ix.terms[term]
	if !ok {
		return nil
	}
	return ix.post[ix.off[i]:ix.off[i+1]]
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

// buildBM25 analyses every passage (in parallel: analysis is the cost)
// and builds the posting lists.
func buildBM25(ctx context.Context, chunks []corpus.Chunk) (*bm25, error) {
	per := make([][]termCount, len(chunks))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := newAnalyzer()
			pos := map[string]int{}
			for i := w; i < len(chunks); i += workers {
				if i%256 == 0 && ctx.Err() != nil {
					return
				}
				clear(pos)
				var tcs []termCount // in first-occurrence order, for a reproducible layout
				for _, t := range passageTerms(a, chunks[i]) {
					if j, ok := pos[t]; ok {
						tcs[j].tf++
						continue
					}
					pos[t] = len(tcs)
					tcs = append(tcs, termCount{t, 1})
				}
				per[i] = tcs
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("building bm25 index: %w", err)
	}

	ix := &bm25{terms: make(map[string]int32), docLen: make([]float32, len(chunks))}
	var df []int32
	for i, tcs := range per {
		for _, tc := range tcs {
			id, ok := ix.terms[tc.term]
			if !ok {
				id = int32(len(df))
				ix.terms[tc.term] = id
				df = append(df, 0)
			}
			df[id]++
			ix.docLen[i] += tc.tf
		}
	}
	ix.off = make([]int32, len(df)+1)
	for i, n := range df {
		ix.off[i+1] = ix.off[i] + n
	}
	ix.post = make([]posting, ix.off[len(df)])
	fill := slices.Clone(ix.off[:len(df)])
	for i, tcs := range per {
		for _, tc := range tcs {
			id := ix.terms[tc.term]
			ix.post[fill[id]] = posting{doc: int32(i), tf: tc.tf}
			fill[id]++
		}
	}
	ix.setAvgLen()
	return ix, nil
}

// setAvgLen computes the mean passage length from docLen.
func (ix *bm25) setAvgLen() {
	var total float64
	for _, n := range ix.docLen {
		total += float64(n)
	}
	ix.avgLen = 1 // an index of empty passages: any value avoids 0/0
	if len(ix.docLen) > 0 && total > 0 {
		ix.avgLen = total / float64(len(ix.docLen))
	}
}

// bm25File is the saved form of a bm25 index: flat arrays, which gob
// encodes and decodes in bulk.
type bm25File struct {
	Terms   []string // by term number
	Offsets []int32
	Docs    []int32
	TFs     []float32
	DocLen  []float32
}

// file returns the saved form of ix.
func (ix *bm25) file() bm25File {
	f := bm25File{
		Terms:   make([]string, len(ix.terms)),
		Offsets: ix.off,
		Docs:    make([]int32, len(ix.post)),
		TFs:     make([]float32, len(ix.post)),
		DocLen:  ix.docLen,
	}
	for t, i := range ix.terms {
		f.Terms[i] = t
	}
	for i, p := range ix.post {
		f.Docs[i], f.TFs[i] = p.doc, p.tf
	}
	return f
}

// bm25FromFile rebuilds an index of n passages from its saved form,
// checking that the arrays fit together.
func bm25FromFile(f bm25File, n int) (*bm25, error) {
	nt := len(f.Terms)
	if len(f.Offsets) != nt+1 || f.Offsets[0] != 0 || len(f.Docs) != len(f.TFs) ||
		int(f.Offsets[nt]) != len(f.Docs) || len(f.DocLen) != n {
		return nil, errors.New("bm25 arrays do not fit together")
	}
	ix := &bm25{
		terms:  make(map[string]int32, nt),
		off:    f.Offsets,
		post:   make([]posting, len(f.Docs)),
		docLen: f.DocLen,
	}
	for i, t := range f.Terms {
		if f.Offsets[i+1] < f.Offsets[i] {
			return nil, errors.New("bm25 offsets decrease")
		}
		ix.terms[t] = int32(i)
	}
	for i, d := range f.Docs {
		if d < 0 || int(d) >= n {
			return nil, fmt.Errorf("bm25 posting names passage %d of %d", d, n)
		}
		ix.post[i] = posting{doc: d, tf: f.TFs[i]}
	}
	ix.setAvgLen()
	return ix, nil
}

// idf is the BM25 inverse document frequency, in the "+1" form that stays
// positive for terms in more than half the passages. A term in no passage
// gets the largest value, ln(2N+2): a query word the corpus never uses is
// strong evidence that the question is about something else.
func (ix *bm25) idf(term string) float64 {
	n := float64(len(ix.docLen))
	df := float64(len(ix.postings(term)))
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

package corpus

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// termSets maps texts to sets of stemmed terms (corpus.Terms) as sorted
// integer ids, and counts in how many sets each term occurs.
type termSets struct {
	ids  map[string]int32
	df   []int32
	sets [][]int32
}

// add appends the term set of text and returns its index.
func (ts *termSets) add(text string) int {
	if ts.ids == nil {
		ts.ids = map[string]int32{}
	}
	var set []int32
	for _, t := range Terms(text) {
		id, ok := ts.ids[t]
		if !ok {
			id = int32(len(ts.df))
			ts.ids[t] = id
			ts.df = append(ts.df, 0)
		}
		set = append(set, id)
	}
	slices.Sort(set)
	set = slices.Compact(set)
	for _, id := range set {
		ts.df[id]++
	}
	ts.sets = append(ts.sets, set)
	return len(ts.sets) - 1
}

// addSet appends a set of known term ids (sorted, unique) and returns its
// index.
func (ts *termSets) addSet(set []int32) int {
	for _, id := range set {
		ts.df[id]++
	}
	ts.sets = append(ts.sets, set)
	return len(ts.sets) - 1
}

// overlap counts the terms two sorted sets share.
func overlap(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// similarity compares two term sets: Jaccard (shared terms over all terms)
// and containment (shared terms over the smaller set, which stays high when
// one text is an abridged copy of the other).
type similarity struct {
	Jaccard, Containment float64
}

// compare measures the similarity of two sorted term sets.
func compare(a, b []int32) similarity {
	if len(a) == 0 || len(b) == 0 {
		return similarity{}
	}
	o := float64(overlap(a, b))
	return similarity{
		Jaccard:     o / float64(len(a)+len(b)-int(o)),
		Containment: o / float64(min(len(a), len(b))),
	}
}

// candidatePairs finds the pairs of sets that may share at least
// minContain of the smaller set, without comparing every pair. It uses
// prefix filtering: order each set's terms from rarest to commonest; if
// the smaller set S shares o terms with another, then S's first |S|-o+k
// terms include at least k shared ones. So each set probes an inverted
// index with only that prefix of rare terms, whose posting lists are
// short, and a pair is a candidate only when k probes hit it; k grows with
// the set so that big documents sharing a few rare words by chance are not
// compared. Terms in more than maxPosting sets are not probed: they are too
// common to matter and would make the search quadratic. It calls fn(i, j)
// once per candidate pair, i < j.
//
// maxProbe, when positive, bounds the prefix for big sets (whole
// documents, whose exact prefix runs to hundreds of terms): only the
// maxProbe rarest terms are probed, and a candidate must hit half as many
// of them as minContain would share. That is no longer a guarantee, but the
// rarest words of a text (names, numbers, odd words) are the ones a copy or
// a translation keeps, and two unrelated documents do not share dozens of
// them.
func (ts *termSets) candidatePairs(minContain float64, minTerms, maxPosting, maxProbe int, fn func(i, j int)) {
	postings := make([][]int32, len(ts.df))
	for i, set := range ts.sets {
		if len(set) < minTerms {
			continue
		}
		for _, t := range set {
			postings[t] = append(postings[t], int32(i))
		}
	}
	hits := make([]int32, len(ts.sets))
	var touched []int32
	var prefix []int32
	for i, set := range ts.sets {
		if len(set) < minTerms {
			continue
		}
		prefix = append(prefix[:0], set...)
		slices.SortFunc(prefix, func(a, b int32) int {
			if da, db := ts.df[a], ts.df[b]; da != db {
				return int(da - db)
			}
			return int(a - b)
		})
		need := int(math.Ceil(minContain * float64(len(set))))
		k := max(1, need/prefixHitShare)
		probe := min(len(set), len(set)-need+k)
		if maxProbe > 0 && probe > maxProbe {
			probe = maxProbe
			k = max(1, int(float64(maxProbe)*minContain/2))
		}
		for _, t := range prefix[:probe] {
			if len(postings[t]) > maxPosting {
				continue
			}
			for _, j := range postings[t] {
				if hits[j] == 0 {
					touched = append(touched, j)
				}
				hits[j]++
			}
		}
		for _, j := range touched {
			n := hits[j]
			hits[j] = 0
			if int(j) == i || int(n) < k {
				continue
			}
			// The guarantee covers the smaller set's prefix; report
			// each pair once, from that side.
			other := len(ts.sets[j])
			if len(set) < other || len(set) == other && i < int(j) {
				fn(min(i, int(j)), max(i, int(j)))
			}
		}
		touched = touched[:0]
	}
}

// DocPair is a pair of documents that nearly duplicate each other: the
// same story scraped twice, or two translations of it.
type DocPair struct {
	// A is the canonical document (the lower ID), B its near-copy.
	A, B string
	// Similarity is the Jaccard similarity of their stemmed term sets.
	Similarity float64
	// Containment is the share of the smaller document's terms found in
	// the other.
	Containment float64
	// Passages counts B's passages marked as duplicates of A's.
	Passages int
}

// DuplicateReport is what FindDuplicates found.
type DuplicateReport struct {
	// Documents lists near-duplicate document pairs, ordered by A then B.
	Documents []DocPair
	// Passages counts the passages marked as near-duplicates (DupOf set).
	Passages int
}

// String renders the report for people: one line per document pair and a
// total of duplicate passages.
func (r DuplicateReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d near-duplicate document pair(s), %d duplicate passage(s)\n", len(r.Documents), r.Passages)
	for _, p := range r.Documents {
		fmt.Fprintf(&b, "  %s ~ %s: similarity %.2f, containment %.2f, %d passage(s)\n",
			p.A, p.B, p.Similarity, p.Containment, p.Passages)
	}
	return b.String()
}

// Near-duplicate thresholds, measured on the shipped corpus (see
// TestDuplicateSimilarities, which logs the matrices). Files 001 and 003
// are two machine translations of one CNN story; 000, 002 and 004 are other
// stories on the same topic, the hardest kind of non-pair.
const (
	// Documents: the translation pair scores Jaccard 0.37 and containment
	// 0.80; the other pairs at most 0.16 and 0.28. Both bars sit between,
	// and both must be met, so that neither a short document nor shared
	// topic vocabulary alone makes a pair.
	docJaccard     = 0.25
	docContainment = 0.60
	// Passages, in any two documents: aligned passages of the translation
	// pair score up to Jaccard 0.58 / containment 0.78, passages of
	// different stories at most 0.13 / 0.33, and adjacent passages of one
	// document (which share the overlap) up to 0.40 / 0.62. Adjacent
	// passages are never compared; the bars stay above all of these so
	// that only close copies are marked corpus-wide.
	passageJaccard     = 0.45
	passageContainment = 0.65
	// Passages of two near-duplicate documents: the copy is known, so a
	// looser bar catches reworded passages whose boundaries differ
	// (measured 0.31-0.36 Jaccard, 0.49-0.54 containment) while staying
	// above the passages of different stories.
	pairPassageJaccard     = 0.28
	pairPassageContainment = 0.45
	// minDupTerms: a passage or document with fewer distinct terms is
	// never marked; "Yes." is contained in everything.
	minDupTerms = 10
	// maxPosting: terms in more than this many texts are not probed for
	// candidates (see candidatePairs), which bounds the search at this
	// many steps per probe. Below this many passages the passage search is
	// exact; measured on 147k generated passages it takes 5 s with 1,000
	// and 5.6 s with 7,000, finding 82% as many candidates.
	maxPosting = 1000
	// maxDocProbe bounds how many of a document's rarest terms are probed.
	maxDocProbe = 100
	// prefixHitShare: a candidate must hit one probe per this many terms
	// it needs to share (see candidatePairs).
	prefixHitShare = 8
)

// FindDuplicates finds near-duplicate documents and passages. It sets
// Chunk.DupOf, on the given slice, for each passage that nearly duplicates
// an earlier one (in document ID order, then position), to the ID of the
// first copy; and it reports the near-duplicate document pairs. Similarity
// is measured on stemmed term sets (corpus.Terms), which survives
// rewording: synonyms aside, two translations of a story share most of
// their names and content words. Candidates come from an inverted index on
// rare terms, so the cost grows with the number of similar pairs, not with
// the square of the corpus.
func FindDuplicates(docs []Document, chunks []Chunk) DuplicateReport {
	for i := range chunks {
		chunks[i].DupOf = ""
	}
	order := make([]int, len(chunks))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ca, cb := chunks[order[a]], chunks[order[b]]
		return ca.DocID < cb.DocID || ca.DocID == cb.DocID && ca.Pos < cb.Pos
	})
	var ps termSets
	for _, k := range order {
		ps.add(chunks[k].Text)
	}
	// best[j] is the best earlier match of passage j (in order), or -1.
	best := make([]int, len(order))
	bestSim := make([]float64, len(order))
	for j := range best {
		best[j] = -1
	}
	consider := func(i, j int, jac float64) {
		ci, cj := chunks[order[i]], chunks[order[j]]
		if ci.DocID == cj.DocID && cj.Pos-ci.Pos == 1 {
			return // adjacent passages share their overlap by design
		}
		if jac > bestSim[j] || jac == bestSim[j] && best[j] > i {
			best[j], bestSim[j] = i, jac
		}
	}
	ps.candidatePairs(passageContainment, minDupTerms, maxPosting, 0, func(i, j int) {
		s := compare(ps.sets[i], ps.sets[j])
		if s.Jaccard >= passageJaccard && s.Containment >= passageContainment {
			consider(i, j, s.Jaccard)
		}
	})

	pairs := duplicateDocs(docs, chunks, order, &ps)
	// Inside a near-duplicate document pair, compare every passage of the
	// copy with every passage of the original, with the looser bar.
	span := map[string][2]int{}
	for k, c := range order {
		id := chunks[c].DocID
		s, ok := span[id]
		if !ok {
			s[0] = k
		}
		s[1] = k + 1
		span[id] = s
	}
	for _, p := range pairs {
		a, b := span[p.A], span[p.B]
		for j := b[0]; j < b[1]; j++ {
			for i := a[0]; i < a[1]; i++ {
				if len(ps.sets[i]) < minDupTerms || len(ps.sets[j]) < minDupTerms {
					continue
				}
				s := compare(ps.sets[i], ps.sets[j])
				if s.Jaccard >= pairPassageJaccard && s.Containment >= pairPassageContainment {
					consider(i, j, s.Jaccard)
				}
			}
		}
	}

	var r DuplicateReport
	root := make([]int, len(order))
	for j := range order {
		root[j] = j
		if i := best[j]; i >= 0 {
			root[j] = root[i]
			chunks[order[j]].DupOf = chunks[order[root[j]]].ID
			r.Passages++
		}
	}
	docOf := func(k int) string { return chunks[order[k]].DocID }
	for n := range pairs {
		for j := span[pairs[n].B][0]; j < span[pairs[n].B][1]; j++ {
			if best[j] >= 0 && docOf(best[j]) == pairs[n].A {
				pairs[n].Passages++
			}
		}
	}
	r.Documents = pairs
	return r
}

// duplicateDocs finds near-duplicate document pairs, A < B by ID. A
// document's term set is its title's terms and the union of its passages'
// (ps holds the passages in order), so the text is analysed only once.
func duplicateDocs(docs []Document, chunks []Chunk, order []int, ps *termSets) []DocPair {
	titles := map[string]string{}
	for _, d := range docs {
		titles[d.ID] = d.Title
	}
	ds := termSets{df: make([]int32, len(ps.df))}
	var names []string
	for k := 0; k < len(order); {
		id := chunks[order[k]].DocID
		var set []int32
		for _, t := range Terms(titles[id]) {
			if n, ok := ps.ids[t]; ok {
				set = append(set, n)
			}
		}
		for ; k < len(order) && chunks[order[k]].DocID == id; k++ {
			set = append(set, ps.sets[k]...)
		}
		slices.Sort(set)
		ds.addSet(slices.Compact(set))
		names = append(names, id)
	}
	var out []DocPair
	ds.candidatePairs(docContainment, minDupTerms, maxPosting, maxDocProbe, func(i, j int) {
		s := compare(ds.sets[i], ds.sets[j])
		if s.Jaccard >= docJaccard && s.Containment >= docContainment {
			out = append(out, DocPair{A: names[i], B: names[j], Similarity: s.Jaccard, Containment: s.Containment})
		}
	})
	sort.Slice(out, func(a, b int) bool {
		return out[a].A < out[b].A || out[a].A == out[b].A && out[a].B < out[b].B
	})
	return out
}

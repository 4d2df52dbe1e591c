package corpus

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// DocPair is a pair of documents that nearly duplicate each other: the
// same page scraped twice, an abridged or lightly edited copy, or two
// translations of one story.
type DocPair struct {
	// A is the canonical document (the lower ID), B its near-copy.
	A, B string
	// Similarity is the Jaccard similarity of their stemmed term sets.
	Similarity float64
	// Containment is the share of the smaller document's terms found in
	// the other.
	Containment float64
	// WordPairs is the share of the smaller document's word pairs (two
	// consecutive terms) found in the other: near 1 for a copy, lower for
	// a rewording or a translation.
	WordPairs float64
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
		fmt.Fprintf(&b, "  %s ~ %s: similarity %.2f, containment %.2f, word pairs %.2f, %d passage(s)\n",
			p.A, p.B, p.Similarity, p.Containment, p.WordPairs, p.Passages)
	}
	return b.String()
}

// What counts as a near-duplicate. Measured on the shipped corpus (files
// 001 and 003 are two machine translations of one CNN story; 000, 002 and
// 004 are other stories on the same topic, the hardest kind of non-pair)
// and on the 4,612 tldr pages of ../shared/eval-corpora, where hundreds of
// short pages share one template and differ in the command they describe
// (sha1sum and sha256sum, kubectl cordon and uncordon): those share a
// template, not a text, and must not be paired. TestDuplicateSimilarities
// logs the shipped corpus's figures.
const (
	// A copy: most of the smaller document's word pairs occur in the
	// other. Copies and abridged copies score 0.8-1.0 (one word in ten
	// changed: 0.8), tldr pages of one template describing different
	// commands 0.4-0.8, and 0.8-0.9 where the pages are one text with
	// the command's name swapped; short texts must also have the same
	// title (sameTitle), which the swapped ones do not.
	copyWordPairs = 0.8
	// minCopyWordPairs: a text with fewer word pairs is too short for its
	// overlap to mean anything ("Display help: foo --help").
	minCopyWordPairs = 20
	// longWordPairs: a text with at least this many word pairs is long
	// enough for a shared template to be a small part of it; shorter
	// texts are paired only under the same title.
	longWordPairs = 100
	// A rewording or translation keeps the words but not the phrasing:
	// the translation pair shares 82% of the smaller one's terms (Jaccard
	// 0.38) and 47% of its word pairs; the other shipped stories at most
	// 28% (Jaccard 0.16) and 3%. Only long documents are judged this way:
	// in a page of fewer than longWordPairs a shared template alone
	// reaches these figures.
	rewordTermContain    = 0.6
	rewordTermJaccard    = 0.25
	rewordWordPairsShare = 0.3
	// Passages anywhere in the corpus: marked when they are copies, most
	// word pairs shared both ways (a repeated paragraph, boilerplate, the
	// same FAQ entry on two pages).
	passageCopyJaccard = 0.7
	// Passages of two near-duplicate documents: the copy is known, so a
	// looser bar on terms catches reworded passages whose boundaries
	// differ (the translation pair's aligned passages: Jaccard 0.31-0.58,
	// containment 0.49-0.78; passages of different stories at most 0.13
	// and 0.33).
	pairPassageJaccard     = 0.28
	pairPassageContainment = 0.45
	// minDupTerms: a passage with fewer distinct terms is never marked;
	// "Yes." is contained in everything.
	minDupTerms = 10
)

// sameTitle reports whether two titles' term sets are equal or one holds
// the other ("npm" and "npm install"); a text without title terms is
// compatible with any. Short texts must pass it to be paired: in a page
// of a few dozen words a shared template is most of the text, and the
// tldr pages for dot and sfdp, or for cargo login and cargo logout, are
// one text with the command's name swapped, different pages under
// different titles. A longer text that much alike is a copy whatever its
// title ("Doc 1" holding the text of "Doc 0").
func sameTitle(a, b []uint32) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return intersect(a, b) == len(a)
}

// similarTitles reports whether two titles share most of their terms, as a
// translation's or a rewording's title does with the original's
// ("Bellingen announced..." and "Blingen announced..."). Texts that only
// share their wording's words (two compilers' pages listing the same
// flags) are reworded copies only if their titles say so too.
func similarTitles(a, b []uint32) bool {
	return len(a) > 0 && len(b) > 0 && 2*intersect(a, b) > min(len(a), len(b))
}

// docAnalysis is what the rules need of a document.
type docAnalysis struct {
	id       string
	title    []uint32 // title terms
	sets     textSets // union of its passages'
	passages []passageAnalysis
}

// passageAnalysis is what the rules need of a passage.
type passageAnalysis struct {
	id    string
	pos   int
	title []uint32
	sets  textSets
}

// analyse reads a document's title and passages.
func (a *analyser) analyse(d DocText) *docAnalysis {
	da := &docAnalysis{id: d.ID, title: a.termSet(d.Title)}
	terms := make([][]uint32, 0, len(d.Chunks))
	bigrams := make([][]uint32, 0, len(d.Chunks))
	for _, c := range d.Chunks {
		pa := passageAnalysis{id: c.ID, pos: c.Pos, title: a.termSet(c.Title), sets: a.sets(c.Text)}
		da.passages = append(da.passages, pa)
		terms = append(terms, pa.sets.terms)
		bigrams = append(bigrams, pa.sets.bigrams)
	}
	da.sets = textSets{terms: union(terms...), bigrams: union(bigrams...)}
	return da
}

// docsMatch applies the document rules; it returns the pair (A, B not yet
// ordered) and whether it is one.
func docsMatch(x, y *docAnalysis) (DocPair, bool) {
	small := min(len(x.sets.bigrams), len(y.sets.bigrams))
	if small < minCopyWordPairs || small < longWordPairs && !sameTitle(x.title, y.title) {
		return DocPair{}, false
	}
	wp := float64(intersect(x.sets.bigrams, y.sets.bigrams)) / float64(small)
	ts := compare(x.sets.terms, y.sets.terms)
	isCopy := wp >= copyWordPairs
	reworded := small >= longWordPairs && similarTitles(x.title, y.title) && ts.Containment >= rewordTermContain &&
		ts.Jaccard >= rewordTermJaccard && wp >= rewordWordPairsShare
	if !isCopy && !reworded {
		return DocPair{}, false
	}
	a, b := x.id, y.id
	if b < a {
		a, b = b, a
	}
	return DocPair{A: a, B: b, Similarity: ts.Jaccard, Containment: ts.Containment, WordPairs: wp}, true
}

// passagesCopy applies the corpus-wide passage rule and returns the
// passages' word-pair Jaccard similarity.
func passagesCopy(x, y *passageAnalysis) (float64, bool) {
	if len(x.sets.terms) < minDupTerms || len(y.sets.terms) < minDupTerms {
		return 0, false
	}
	if min(len(x.sets.bigrams), len(y.sets.bigrams)) < longWordPairs && !sameTitle(x.title, y.title) {
		return 0, false
	}
	s := compare(x.sets.bigrams, y.sets.bigrams)
	if s.Jaccard < passageCopyJaccard {
		return 0, false
	}
	return s.Jaccard, true
}

// passagesAligned applies the looser rule for passages of two
// near-duplicate documents and returns their term Jaccard similarity.
func passagesAligned(x, y *passageAnalysis) (float64, bool) {
	if len(x.sets.terms) < minDupTerms || len(y.sets.terms) < minDupTerms {
		return 0, false
	}
	s := compare(x.sets.terms, y.sets.terms)
	if s.Jaccard < pairPassageJaccard || s.Containment < pairPassageContainment {
		return 0, false
	}
	return s.Jaccard, true
}

// FindDuplicates finds near-duplicate documents and passages. It sets
// Chunk.DupOf, on the given slice, for each passage that nearly duplicates
// an earlier one (in document ID order, then position), to the ID of the
// first copy; and it reports the near-duplicate document pairs. See
// Duplicates for how, and for keeping the result up to date as documents
// change.
func FindDuplicates(docs []Document, chunks []Chunk) DuplicateReport {
	d, _ := NewDuplicates(context.Background(), docs, chunks)
	d.Mark(chunks)
	return d.Report()
}

// NewDuplicates examines a whole corpus: the documents and their passages
// (in any order). It fails only when ctx is done.
func NewDuplicates(ctx context.Context, docs []Document, chunks []Chunk) (*Duplicates, error) {
	titles := make(map[string]string, len(docs))
	for _, doc := range docs {
		titles[doc.ID] = doc.Title
	}
	byDoc := map[string][]Chunk{}
	var ids []string
	for _, c := range chunks {
		if _, ok := byDoc[c.DocID]; !ok {
			ids = append(ids, c.DocID)
		}
		byDoc[c.DocID] = append(byDoc[c.DocID], c)
	}
	sort.Strings(ids)
	changes := make([]DocChange, len(ids))
	for i, id := range ids {
		changes[i] = DocChange{New: &DocText{ID: id, Title: titles[id], Chunks: byDoc[id]}}
	}
	d := &Duplicates{}
	if err := d.Update(ctx, changes, nil); err != nil {
		return nil, err
	}
	return d, nil
}

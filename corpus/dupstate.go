package corpus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// LSH settings. Documents: 80 bands of 3 values find a pair whose rare
// terms have Jaccard similarity 0.3 with probability 0.89 and 0.4 with
// 0.99 (the shipped translation pair: 0.38 on all terms), while two
// documents that share a few rare words by chance (0.02) collide with
// probability 0.0006. Passages: 10 bands of 4 values find copies (word
// pairs Jaccard 0.7) with probability 0.94 and rarely bother with pairs
// below 0.3 (0.08).
var (
	docLSH     = lshParams{rows: 3, bands: 80, seed: 0x646f632d6c7368}
	passageLSH = lshParams{rows: 4, bands: 10, seed: 0x7061732d6c7368}
)

// rareCap is the most documents a term may occur in to count as rare in a
// corpus of n documents. Documents are sketched by their rare terms only:
// the words of a common vocabulary or template would make every pair of
// documents look alike to the sketch (as they did to the old all-pairs
// comparison). A corpus of up to a thousand documents keeps terms found in
// up to 20 of them, a larger one terms in up to 2% of them.
func rareCap(n int) int32 { return int32(max(20, n/50)) }

// maxBucket bounds how many sketches sharing one key are paired: a
// boilerplate paragraph repeated on a thousand pages would otherwise make
// half a million candidate pairs. Each copy is still paired with the
// first maxBucket others, which is all DupOf needs (they share a
// canonical copy).
const maxBucket = 64

// DocText is a document as near-duplicate detection reads it: its title
// and its passages.
type DocText struct {
	ID, Title string
	Chunks    []Chunk
}

// DocChange is one document added, changed or removed. New is nil for a
// removed document; Old, the document as it was, is nil for an added one.
type DocChange struct {
	Old, New *DocText
}

// Duplicates is the near-duplicate state of a corpus: a sketch of every
// document and passage and the verified pairs, kept (MarshalBinary)
// between runs so that a change re-examines only the documents that
// changed. Its zero value is an empty corpus. It is not safe for
// concurrent use.
//
// Candidates come from MinHash sketches cut into LSH bands (see
// lshParams): documents are sketched by their rare terms, passages by
// their word pairs. Each candidate is then verified on its full feature
// sets by the rules of dedupe.go, so a sketch only decides what is
// compared, never what is reported.
//
// Sketches of documents depend on which terms are rare, that is on the
// corpus; those of unchanged documents are not redone when it changes, so
// after many changes a borderline pair may be found that a full rebuild
// would miss, or the reverse. Rebuilding the index from nothing resets
// them.
type Duplicates struct {
	docs     []dupDoc     // by ID
	passages []dupPassage // by document ID, then position
	df       map[uint32]int32
	pairs    []DocPair
	links    []dupLink
	report   DuplicateReport
	dupOf    map[string]string
}

// dupDoc is one document's sketch.
type dupDoc struct {
	id   string
	keys []uint64 // nil: no rare terms
}

// dupPassage is one passage's sketch.
type dupPassage struct {
	id, doc string
	pos     int
	keys    []uint64 // nil: too short to be marked
}

// dupLink is a verified pair of passages and how similar they are.
type dupLink struct {
	a, b string
	sim  float64
}

// ErrDupState reports a Duplicates that cannot be updated: a change names
// a document it does not know, or it was decoded from bad data.
var ErrDupState = errors.New("near-duplicate state inconsistent")

// Update applies changes: documents removed (their old text is needed to
// forget their terms), added or changed. Added and changed documents are
// sketched and compared with every document; lookup returns the current
// text of an unchanged document (nil only when changes add every
// document). The marks and the report are then recomputed from the
// verified pairs, as if the corpus had been examined whole.
func (d *Duplicates) Update(ctx context.Context, changes []DocChange, lookup func(docID string) (DocText, bool)) error {
	texts := map[string]*DocText{}
	var ids []string
	for _, ch := range changes {
		if ch.New != nil {
			texts[ch.New.ID] = ch.New
			ids = append(ids, ch.New.ID)
		}
	}
	newText := func(id string) (DocText, bool) {
		t, ok := texts[id]
		if !ok {
			return DocText{}, false
		}
		return *t, true
	}
	return d.apply(ctx, changes, ids, newText, lookup)
}

// AddAll examines a whole corpus into an empty state: the documents ids,
// whose text comes from text (called from several goroutines, and again
// for the candidates to verify), so that only sketches of the corpus are
// held in memory, never all of its text at once.
func (d *Duplicates) AddAll(ctx context.Context, ids []string, text func(docID string) (DocText, bool)) error {
	if len(d.docs) != 0 {
		return fmt.Errorf("examining a corpus: the state is not empty: %w", ErrDupState)
	}
	return d.apply(ctx, nil, ids, text, nil)
}

// apply is Update with the new documents given by ID, their texts read
// through newText when needed.
func (d *Duplicates) apply(ctx context.Context, changes []DocChange, newIDs []string, newText, lookup func(docID string) (DocText, bool)) error {
	if d.df == nil {
		d.df = map[uint32]int32{}
	}
	a := newAnalyser()
	gone := map[string]bool{}
	known := make(map[string]bool, len(d.docs))
	for _, doc := range d.docs {
		known[doc.id] = true
	}
	for _, ch := range changes {
		if ch.Old == nil {
			if ch.New != nil && known[ch.New.ID] {
				return fmt.Errorf("updating near-duplicates: %s changed but its old text is missing: %w", ch.New.ID, ErrDupState)
			}
			continue
		}
		if !known[ch.Old.ID] {
			return fmt.Errorf("updating near-duplicates: %s is not known: %w", ch.Old.ID, ErrDupState)
		}
		gone[ch.Old.ID] = true
		for _, t := range a.analyse(*ch.Old).sets.terms {
			if d.df[t]--; d.df[t] <= 0 {
				delete(d.df, t)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("updating near-duplicates: %w", err)
	}

	// Forget what the old versions were part of.
	d.docs = slices.DeleteFunc(d.docs, func(x dupDoc) bool { return gone[x.id] })
	d.passages = slices.DeleteFunc(d.passages, func(x dupPassage) bool { return gone[x.doc] })
	d.pairs = slices.DeleteFunc(d.pairs, func(p DocPair) bool { return gone[p.A] || gone[p.B] })
	docOf := map[string]string{}
	for _, p := range d.passages {
		docOf[p.id] = p.doc
	}
	d.links = slices.DeleteFunc(d.links, func(l dupLink) bool { return docOf[l.a] == "" || docOf[l.b] == "" })

	// Analyse and sketch the new versions.
	fresh, err := sketchAll(ctx, newIDs, newText)
	if err != nil {
		return fmt.Errorf("updating near-duplicates: %w", err)
	}
	isNew := make(map[string]bool, len(newIDs))
	for _, id := range newIDs {
		isNew[id] = true
	}
	for _, f := range fresh {
		for _, t := range f.terms {
			d.df[t]++
		}
	}
	slices.SortFunc(fresh, func(x, y *sketched) int { return cmp.Compare(x.id, y.id) })
	limit := rareCap(len(d.docs) + len(fresh))
	firstFresh := len(d.docs)
	var rare []uint32
	for _, f := range fresh {
		rare = rare[:0]
		for _, t := range f.terms {
			if d.df[t] <= limit {
				rare = append(rare, t)
			}
		}
		d.docs = append(d.docs, dupDoc{id: f.id, keys: docLSH.sketchKeys(rare)})
		d.passages = append(d.passages, f.passages...)
		f.terms = nil
	}
	fresh = nil
	// Candidates are verified on their full feature sets, analysed again
	// when needed: keeping every document's sets until the end would hold
	// several times the corpus's text in memory. A few hundred analyses
	// are kept, which covers the documents of a family of copies.
	cache := map[string]*docAnalysis{}
	get := func(id string) (*docAnalysis, error) {
		if da, ok := cache[id]; ok {
			return da, nil
		}
		var t DocText
		ok := false
		if isNew[id] {
			if t, ok = newText(id); !ok {
				return nil, fmt.Errorf("no text for %s: %w", id, ErrDupState)
			}
		} else if lookup == nil {
			return nil, fmt.Errorf("no text for %s: %w", id, ErrDupState)
		} else if t, ok = lookup(id); !ok {
			return nil, fmt.Errorf("no text for %s: %w", id, ErrDupState)
		}
		if len(cache) >= maxCachedAnalyses {
			clear(cache)
		}
		da := a.analyse(t)
		cache[id] = da
		return da, nil
	}

	// Documents: every new sketch against all sketches.
	keysOf := func(i int) []uint64 { return d.docs[i].keys }
	for _, c := range candidates(len(d.docs), firstFresh, keysOf) {
		x, err := get(d.docs[c[0]].id)
		if err != nil {
			return fmt.Errorf("updating near-duplicates: %w", err)
		}
		y, err := get(d.docs[c[1]].id)
		if err != nil {
			return fmt.Errorf("updating near-duplicates: %w", err)
		}
		if p, ok := docsMatch(x, y); ok {
			d.pairs = append(d.pairs, p)
			pa, pb := x, y
			if pa.id != p.A {
				pa, pb = y, x
			}
			d.links = append(d.links, alignPassages(pa, pb)...)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("updating near-duplicates: %w", err)
		}
	}

	// Passages: every new sketch against all sketches.
	firstFreshPassage := len(d.passages)
	for _, da := range fresh {
		firstFreshPassage -= len(da.passages)
	}
	pkeys := func(i int) []uint64 { return d.passages[i].keys }
	for _, c := range candidates(len(d.passages), firstFreshPassage, pkeys) {
		pi, pj := d.passages[c[0]], d.passages[c[1]]
		if pi.doc == pj.doc && (pi.pos-pj.pos == 1 || pj.pos-pi.pos == 1) {
			continue // adjacent passages share their overlap by design
		}
		x, err := passageOf(get, pi)
		if err != nil {
			return fmt.Errorf("updating near-duplicates: %w", err)
		}
		y, err := passageOf(get, pj)
		if err != nil {
			return fmt.Errorf("updating near-duplicates: %w", err)
		}
		if sim, ok := passagesCopy(x, y); ok {
			d.links = append(d.links, dupLink{a: pi.id, b: pj.id, sim: sim})
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("updating near-duplicates: %w", err)
	}
	d.settle()
	return nil
}

// sketched is what the first pass over a new document keeps: its terms
// (for the counts of rare terms, then its own sketch) and its passages'
// sketches.
type sketched struct {
	id       string
	terms    []uint32
	passages []dupPassage
}

// maxCachedAnalyses bounds the analyses Update keeps for verifying
// candidates.
const maxCachedAnalyses = 512

// sketchAll analyses documents on GOMAXPROCS goroutines (tokenising and
// stemming is most of the cost of examining a whole corpus) and keeps
// only what sketching needs.
func sketchAll(ctx context.Context, ids []string, text func(string) (DocText, bool)) ([]*sketched, error) {
	out := make([]*sketched, len(ids))
	missing := make([]bool, len(ids))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(ids)/8))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			a := newAnalyser()
			for i := w; i < len(ids); i += workers {
				if i%64 == 0 && ctx.Err() != nil {
					return
				}
				t, ok := text(ids[i])
				if !ok {
					missing[i] = true
					continue
				}
				da := a.analyse(t)
				sk := &sketched{id: da.id, terms: da.sets.terms}
				for _, p := range da.passages {
					dp := dupPassage{id: p.id, doc: da.id, pos: p.pos}
					if len(p.sets.terms) >= minDupTerms {
						dp.keys = passageLSH.sketchKeys(p.sets.bigrams)
					}
					sk.passages = append(sk.passages, dp)
				}
				out[i] = sk
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, m := range missing {
		if m {
			return nil, fmt.Errorf("no text for %s: %w", ids[i], ErrDupState)
		}
	}
	return out, nil
}

// passageOf finds a passage's analysis in its document's.
func passageOf(get func(string) (*docAnalysis, error), p dupPassage) (*passageAnalysis, error) {
	da, err := get(p.doc)
	if err != nil {
		return nil, err
	}
	for i := range da.passages {
		if da.passages[i].id == p.id {
			return &da.passages[i], nil
		}
	}
	return nil, fmt.Errorf("%s has no passage %s: %w", p.doc, p.id, ErrDupState)
}

// alignPassages compares every passage of b with every passage of a, two
// documents known to be near-duplicates, with the looser passage rule.
func alignPassages(a, b *docAnalysis) []dupLink {
	var out []dupLink
	for j := range b.passages {
		for i := range a.passages {
			if sim, ok := passagesAligned(&a.passages[i], &b.passages[j]); ok {
				out = append(out, dupLink{a: a.passages[i].id, b: b.passages[j].id, sim: sim})
			}
		}
	}
	return out
}

// candidates returns the pairs (i, j), i < j, of the n sketches that share
// a band key, where j >= first (only sketches from first on are new). Each
// pair is listed once, in order.
func candidates(n, first int, keys func(int) []uint64) [][2]int {
	// A table of the new sketches' keys; every sketch (old and new) is
	// then looked up in it.
	table := map[uint64][]int32{}
	for j := first; j < n; j++ {
		for _, k := range keys(j) {
			if b := table[k]; len(b) < maxBucket {
				table[k] = append(b, int32(j))
			}
		}
	}
	seen := map[[2]int]bool{}
	var out [][2]int
	for i := range n {
		for _, k := range keys(i) {
			for _, j := range table[k] {
				a, b := i, int(j)
				if a == b || (a >= first && a > b) {
					// A pair of two new sketches is found from both
					// sides; keep it once.
					continue
				}
				p := [2]int{min(a, b), max(a, b)}
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y [2]int) int {
		if c := cmp.Compare(x[0], y[0]); c != 0 {
			return c
		}
		return cmp.Compare(x[1], y[1])
	})
	return out
}

// settle puts the sketches back in corpus order and recomputes the marks
// and the report from the verified pairs, exactly as for a whole corpus:
// each passage's best match among earlier passages (in document ID order,
// then position) and the first copy of that chain.
func (d *Duplicates) settle() {
	slices.SortFunc(d.docs, func(x, y dupDoc) int { return cmp.Compare(x.id, y.id) })
	slices.SortStableFunc(d.passages, func(x, y dupPassage) int {
		if c := cmp.Compare(x.doc, y.doc); c != 0 {
			return c
		}
		return cmp.Compare(x.pos, y.pos)
	})
	sort.Slice(d.pairs, func(i, j int) bool {
		return d.pairs[i].A < d.pairs[j].A || d.pairs[i].A == d.pairs[j].A && d.pairs[i].B < d.pairs[j].B
	})
	d.pairs = slices.CompactFunc(d.pairs, func(x, y DocPair) bool { return x.A == y.A && x.B == y.B })
	slices.SortFunc(d.links, func(x, y dupLink) int {
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		return cmp.Compare(x.b, y.b)
	})

	at := make(map[string]int, len(d.passages))
	for i, p := range d.passages {
		at[p.id] = i
	}
	best := make([]int, len(d.passages))
	bestSim := make([]float64, len(d.passages))
	for i := range best {
		best[i] = -1
	}
	for _, l := range d.links {
		i, ok1 := at[l.a]
		j, ok2 := at[l.b]
		if !ok1 || !ok2 || i == j {
			continue
		}
		if i > j {
			i, j = j, i
		}
		if l.sim > bestSim[j] || l.sim == bestSim[j] && best[j] > i {
			best[j], bestSim[j] = i, l.sim
		}
	}
	d.dupOf = map[string]string{}
	root := make([]int, len(d.passages))
	var r DuplicateReport
	for j := range d.passages {
		root[j] = j
		if i := best[j]; i >= 0 {
			root[j] = root[i]
			d.dupOf[d.passages[j].id] = d.passages[root[j]].id
			r.Passages++
		}
	}
	for n := range d.pairs {
		d.pairs[n].Passages = 0
	}
	pairAt := map[[2]string]int{}
	for n, p := range d.pairs {
		pairAt[[2]string{p.A, p.B}] = n
	}
	for j, p := range d.passages {
		if i := best[j]; i >= 0 {
			if n, ok := pairAt[[2]string{d.passages[i].doc, p.doc}]; ok {
				d.pairs[n].Passages++
			}
		}
	}
	r.Documents = slices.Clone(d.pairs)
	d.report = r
}

// Mark sets Chunk.DupOf on chunks from the current state: the ID of the
// canonical copy, or "".
func (d *Duplicates) Mark(chunks []Chunk) {
	for i := range chunks {
		chunks[i].DupOf = d.dupOf[chunks[i].ID]
	}
}

// DupOf returns the canonical copy of a passage, or "".
func (d *Duplicates) DupOf(passageID string) string { return d.dupOf[passageID] }

// Report is what the state holds: document pairs and the number of marked
// passages.
func (d *Duplicates) Report() DuplicateReport { return d.report }

// DocIDs lists the documents the state knows, sorted.
func (d *Duplicates) DocIDs() []string {
	out := make([]string, len(d.docs))
	for i, x := range d.docs {
		out[i] = x.id
	}
	return out
}

// Marks returns every passage's canonical copy, by passage ID, for the
// passages that have one.
func (d *Duplicates) Marks() map[string]string { return maps.Clone(d.dupOf) }

// Clone returns a copy that Update can change without changing d.
func (d *Duplicates) Clone() *Duplicates {
	c := *d
	c.docs = slices.Clone(d.docs)
	c.passages = slices.Clone(d.passages)
	c.df = maps.Clone(d.df)
	c.pairs = slices.Clone(d.pairs)
	c.links = slices.Clone(d.links)
	c.dupOf = maps.Clone(d.dupOf)
	c.report.Documents = slices.Clone(d.report.Documents)
	return &c
}

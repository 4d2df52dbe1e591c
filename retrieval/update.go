package retrieval

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/faqbot/faqbot/corpus"
)

// Update returns a new index: ix with the passages of the documents in
// docs replaced by the given ones (a document absent from ix is added, one
// with no passages removed) and the DupOf marks of all passages set from
// dupOf (passage ID to canonical ID; nil keeps the marks of unchanged
// passages and takes the new passages' Chunk.DupOf). Only the shards holding those
// documents are rebuilt — their passages analysed again for BM25, the
// vectors of their unchanged passages copied, new passages embedded unless
// opt.Reuse or the document's old passages hold a vector for their hash;
// the other shards are shared with ix, and Save keeps their files. A new
// document goes into the shard whose documents' IDs surround its own, so
// an index built in document ID order stays in that order. Stats report
// the passages embedded and reused among the new ones. ix is not changed.
func (ix *Index) Update(ctx context.Context, docs map[string][]corpus.Chunk, dupOf map[string]string, opt BuildOptions) (out *Index, err error) {
	defer runtime.KeepAlive(ix)
	err = guard(func() error {
		out, err = ix.update(ctx, docs, dupOf, opt)
		return err
	})
	return out, err
}

func (ix *Index) update(ctx context.Context, docs map[string][]corpus.Chunk, dupOf map[string]string, opt BuildOptions) (*Index, error) {
	start := time.Now()

	// Where each document is, and where a new one goes.
	where := map[string]int{}
	for k, s := range ix.shards {
		for _, d := range s.docs {
			if id := s.key(d.id); hasKey(docs, id) {
				where[id] = k
			}
		}
	}
	ids := make([]string, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	touched := map[int]bool{}
	for _, id := range ids {
		if k, ok := where[id]; ok {
			touched[k] = true
			continue
		}
		if len(docs[id]) == 0 {
			continue // removing a document that is not there
		}
		k := ix.shardFor(id)
		where[id] = k
		touched[k] = true
	}

	// Vectors the new passages may reuse: the caller's, then those of the
	// changed documents' old passages (a paragraph moved or kept).
	reuse := map[string][]float32{}
	for k := range touched {
		s := ix.shards[k]
		for i := range s.pass {
			if hasKey(docs, string(s.keyView(s.docs[s.pass[i].doc].id))) {
				h := string(s.keyView(s.pass[i].hash))
				if h == "" {
					continue
				}
				v := make([]float32, s.dim)
				copy(v, s.vector(i))
				reuse[h] = v
			}
		}
	}
	for h, v := range opt.Reuse {
		reuse[h] = v
	}
	var fresh []corpus.Chunk
	for _, id := range ids {
		fresh = append(fresh, docs[id]...)
	}
	eopt := opt
	eopt.Reuse = reuse
	vecs, embedded, reused, err := embedPassages(ctx, fresh, ix.emb, eopt)
	if err != nil {
		return nil, fmt.Errorf("updating index: %w", err)
	}
	freshVec := map[string][]float32{}
	for i, c := range fresh {
		freshVec[c.ID] = vecs[i]
	}

	var shards []*shard
	for k, s := range ix.shards {
		if !touched[k] {
			shards = append(shards, s)
			continue
		}
		chunks, vecs, known := s.rewrite(docs, where, k, freshVec)
		// A shard grown past twice the target is cut anew.
		ranges := [][2]int{{0, len(chunks)}}
		if len(chunks) > 2*opt.target() {
			ranges = shardRanges(chunks, opt.target())
		}
		for _, r := range ranges {
			if r[0] == r[1] {
				continue
			}
			ns, err := buildShardWith(ctx, chunks[r[0]:r[1]], vecs[r[0]:r[1]], known[r[0]:r[1]], ix.emb.Dim())
			if err != nil {
				return nil, fmt.Errorf("updating index: %w", err)
			}
			shards = append(shards, ns)
		}
	}
	if len(shards) == 0 {
		// An index of no passages still has a shard, as Build makes.
		ns, err := buildShard(ctx, nil, nil, ix.emb.Dim())
		if err != nil {
			return nil, fmt.Errorf("updating index: %w", err)
		}
		shards = append(shards, ns)
	}
	if dupOf == nil {
		dupOf = ix.marksByID()
		for _, c := range fresh {
			dupOf[c.ID] = c.DupOf
		}
	}
	// With no shard rebuilt (only the near-duplicate marks changed, as
	// after a folder build) the terms are ix's: counting them again
	// merges every term of every shard.
	terms := -1
	if len(touched) == 0 {
		terms = ix.stats.Terms
	}
	out := newIndexTerms(ix.emb, shards, nil, terms)
	out.exp = opt.Expander
	if out.exp == nil {
		out.exp = ix.exp
	}
	out.dupOf = map[int32]string{}
	for id, of := range dupOf {
		if of == "" {
			continue
		}
		if d, ok := out.find(id); ok {
			out.dupOf[d] = of
		}
	}
	// The corpus changed: so may what its questions score. Calibrating
	// asks the index a couple of hundred questions (seconds at 100,000
	// passages), while a change of a few documents cannot move what a
	// sample of a hundred titles measures: the old calibration stands
	// until the passages changed since it was measured reach
	// recalibrateShare of the index.
	minRel := opt.MinRelevance
	if minRel <= 0 {
		minRel = ix.Calibration().MinRelevance
	}
	// Near-duplicate marks count too: calibration leaves marked passages'
	// titles out, and a corpus read from scratch is indexed first and
	// marked afterwards (see library's buildFromScratch), which must not
	// leave it with a calibration that a reload of the same index would
	// measure otherwise.
	changed := ix.drift + changedBy(ix, docs) + remarked(ix, out)
	if ix.calib.Version == calibrationVersion && ix.calib.Expander == expanderName(out.exp) &&
		float64(changed) < recalibrateShare*float64(max(out.Len(), 1)) {
		out.calib, out.drift = ix.calib, changed
		out.SetMinRelevance(minRel)
	} else if err := out.measure(ctx, minRel); err != nil {
		return nil, fmt.Errorf("updating index: %w", err)
	}
	out.stats.Embedded, out.stats.Reused = embedded, reused
	out.stats.Duration = time.Since(start)
	return out, nil
}

// recalibrateShare is the share of an index's passages that may change
// before an update measures its calibration again.
const recalibrateShare = 0.05

// changedBy counts the passages an update removes and adds.
func changedBy(ix *Index, docs map[string][]corpus.Chunk) int {
	n := 0
	for id, cs := range docs {
		n += len(cs)
		if p, ok := ix.docIndex()[id]; ok {
			n += int(ix.shards[p.shard].docs[p.doc].count)
		}
	}
	return n
}

// remarked counts the passages of out whose near-duplicate mark differs
// from the one the same passage has in ix, and the passages marked in ix
// that out no longer marks or holds. Passages are matched by ID, each
// index's marks read once: finding every marked passage of one index in
// the other would search every shard of it once for each.
func remarked(ix, out *Index) int {
	was, now := ix.marksByID(), out.marksByID()
	n := 0
	for id, of := range now {
		if was[id] != of {
			n++
		}
	}
	for id := range was {
		if now[id] == "" {
			n++
		}
	}
	return n
}

// marksByID returns the index's near-duplicate marks keyed by passage ID.
func (ix *Index) marksByID() map[string]string {
	m := make(map[string]string, len(ix.dupOf))
	for d, of := range ix.dupOf {
		s, i := ix.locate(int(d))
		m[s.key(s.pass[i].id)] = of
	}
	return m
}

func hasKey(m map[string][]corpus.Chunk, k string) bool {
	_, ok := m[k]
	return ok
}

// shardFor returns the shard a new document goes into: the last one whose
// first document's ID is not after its own.
func (ix *Index) shardFor(id string) int {
	k := 0
	for i, s := range ix.shards {
		if len(s.docs) > 0 && bytes.Compare(s.keyView(s.docs[0].id), []byte(id)) <= 0 {
			k = i
		}
	}
	return k
}

// rewrite lists the passages shard k holds after the change, with their
// vectors and, for passages kept, their BM25 term counts (read back from
// the shard's postings rather than analysed again): its unchanged
// documents' as they are, the changed documents' new passages in their
// place, and new documents inserted where their IDs sort among the others.
func (s *shard) rewrite(docs map[string][]corpus.Chunk, where map[string]int, k int, fresh map[string][]float32) ([]corpus.Chunk, [][]float32, [][]termCount) {
	counts := s.termCounts()
	type entry struct {
		id     string
		chunks []corpus.Chunk
		vecs   [][]float32
		known  [][]termCount
	}
	var list []entry
	placed := map[string]bool{}
	for _, d := range s.docs {
		id := s.key(d.id)
		placed[id] = true
		if cs, ok := docs[id]; ok {
			e := entry{id: id, chunks: cs, known: make([][]termCount, len(cs))}
			for _, c := range cs {
				e.vecs = append(e.vecs, fresh[c.ID])
			}
			list = append(list, e)
			continue
		}
		e := entry{id: id}
		for i := d.first; i < d.first+d.count; i++ {
			e.chunks = append(e.chunks, s.chunk(int(i)))
			var v []float32
			if sv := s.vector(int(i)); sv != nil {
				v = append([]float32(nil), sv...)
			}
			e.vecs = append(e.vecs, v)
			e.known = append(e.known, counts[i])
		}
		list = append(list, e)
	}
	var added []entry
	for id, cs := range docs {
		if where[id] != k || placed[id] || len(cs) == 0 {
			continue
		}
		e := entry{id: id, chunks: cs, known: make([][]termCount, len(cs))}
		for _, c := range cs {
			e.vecs = append(e.vecs, fresh[c.ID])
		}
		added = append(added, e)
	}
	sort.Slice(added, func(i, j int) bool { return added[i].id < added[j].id })
	for _, e := range added {
		at := sort.Search(len(list), func(i int) bool { return list[i].id > e.id })
		list = append(list[:at], append([]entry{e}, list[at:]...)...)
	}
	var chunks []corpus.Chunk
	var vecs [][]float32
	var known [][]termCount
	for _, e := range list {
		chunks = append(chunks, e.chunks...)
		vecs = append(vecs, e.vecs...)
		known = append(known, e.known...)
	}
	return chunks, vecs, known
}

// termCounts reads each passage's BM25 term counts back from the shard's
// postings. A passage whose counts come out empty (no terms) is given an
// empty, non-nil list, so it is not analysed again.
func (s *shard) termCounts() [][]termCount {
	out := make([][]termCount, s.n())
	for t := range s.terms {
		term := string(s.wordView(s.terms[t]))
		for _, p := range s.postingsOf(t) {
			if p.doc >= 0 && int(p.doc) < len(out) {
				out[p.doc] = append(out[p.doc], termCount{term, p.tf})
			}
		}
	}
	for i := range out {
		if out[i] == nil {
			out[i] = []termCount{}
		}
	}
	return out
}

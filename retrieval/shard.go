package retrieval

import (
	"bytes"
	"math"
	"slices"
	"strings"

	"github.com/faqbot/faqbot/corpus"
)

// An index is a sequence of shards: runs of whole documents of a few
// thousand passages each (see shardTarget), in corpus order. A shard holds
// everything about its passages in flat arrays of fixed-size records — the
// passages and their documents, their vectors (full and quantised), their
// BM25 postings — so that it is written as one file and opened by mapping
// that file, with no decoding: a cold start costs the same for ten
// thousand passages as for a hundred thousand. A change to one document
// rewrites the one shard that holds it; the others are shared, on disk and
// in memory, between the old index and the new.

// shardTarget is the number of passages a shard is cut at (at the next
// document boundary): a one-document change rewrites about this many
// passages' worth of file (about 8 MB with 512-dimension vectors), and an
// index of 150,000 passages has about 40 shards to open.
const shardTarget = 4096

// strRef is a string in a shard's string blob.
type strRef struct{ off, n uint32 }

// docRec is one document: its ID and title, and its passages
// [first, first+count).
type docRec struct {
	id, title    strRef
	first, count uint32
}

// passRec is one passage; DocTitle comes from its document.
type passRec struct {
	id, title, text, url, hash strRef
	doc, pos                   uint32
}

// noVector marks a passage without a vector (no words to embed).
const noVector = -1

// shard is one run of documents. Its slices point into a mapped file, or
// into memory for a shard built and not yet saved.
type shard struct {
	dim int
	// Strings are in three blobs, so that a lookup touches a small, dense
	// part of a mapped file: strs holds what passages show (titles, text,
	// links), keys the passage and document IDs and the passages' hashes,
	// words the BM25 terms. A binary search over terms spread through the text would
	// fault in a page of text at every step.
	strs  []byte
	keys  []byte
	words []byte
	docs  []docRec
	pass  []passRec
	// idOrder lists the passages sorted by ID, for lookups by ID.
	idOrder []uint32
	// vecRow is each passage's row in f32, i8 and scale, or noVector.
	vecRow []int32
	f32    []float32 // rows of dim values, as the embedder returned them
	i8     []int8    // the same rows quantised, for the first pass of a query
	scale  []float32 // per row: value = i8 * scale
	// BM25: terms sorted, term i's postings are post[off[i]:off[i+1]].
	terms    []strRef
	off      []uint32
	post     []posting
	docLen   []float32
	totalLen float64

	// file is the shard's file in the index folder ("" until saved) and
	// rec its record; unmap releases the mapping (nil in memory).
	file  string
	dir   string // the absolute index folder the file is in
	rec   FileRecord
	unmap func() error
	// mapped is set for a shard read from a mapped file: only then may
	// its pages be released (release zeroes memory that is not a file's).
	mapped bool
}

// releaseScattered drops the process's mappings of the shard's randomly
// read parts — full vectors, passage text, postings — after a query read
// some of them (see release). The quantised vectors, read whole by every
// query, and the small tables stay.
func (s *shard) releaseScattered() {
	if !s.mapped {
		return
	}
	release(asBytes(s.f32))
	release(s.strs)
	release(s.keys)
	release(asBytes(s.post))
}

// in returns r's bytes in blob b without copying, for comparisons only
// (nil when r does not fit).
func in(b []byte, r strRef) []byte {
	if uint64(r.off)+uint64(r.n) > uint64(len(b)) {
		return nil
	}
	return b[r.off : r.off+r.n]
}

// str copies a string out of the content blob. The copy keeps a Chunk
// valid after the mapping it came from is gone.
func (s *shard) str(r strRef) string { return string(in(s.strs, r)) }

// view returns a content string's bytes without copying.
func (s *shard) view(r strRef) []byte { return in(s.strs, r) }

// key copies an ID out of the keys blob; keyView returns it in place.
func (s *shard) key(r strRef) string     { return string(in(s.keys, r)) }
func (s *shard) keyView(r strRef) []byte { return in(s.keys, r) }

// wordView returns a term in place.
func (s *shard) wordView(r strRef) []byte { return in(s.words, r) }

// n is the number of passages.
func (s *shard) n() int { return len(s.pass) }

// chunk materialises passage i.
func (s *shard) chunk(i int) corpus.Chunk {
	p := &s.pass[i]
	c := corpus.Chunk{
		ID:    s.key(p.id),
		Title: s.str(p.title),
		Text:  s.str(p.text),
		URL:   s.str(p.url),
		Hash:  s.key(p.hash),
		Pos:   int(p.pos),
	}
	if int(p.doc) < len(s.docs) {
		d := &s.docs[p.doc]
		c.DocID, c.DocTitle = s.key(d.id), s.str(d.title)
	}
	return c
}

// title returns passage i's title without copying it out of the shard
// for good (the caller analyses and drops it).
func (s *shard) titleOf(i int) string { return string(s.view(s.pass[i].title)) }

// find returns the passage with the given ID.
func (s *shard) find(id string) (int, bool) {
	k, ok := slices.BinarySearchFunc(s.idOrder, id, func(p uint32, id string) int {
		if int(p) >= len(s.pass) {
			return -1
		}
		return bytes.Compare(s.keyView(s.pass[p].id), []byte(id))
	})
	if !ok {
		return 0, false
	}
	return int(s.idOrder[k]), true
}

// vector returns passage i's full vector, or nil. The slice aliases the
// shard: copy it before it outlives the index.
func (s *shard) vector(i int) []float32 {
	r := s.vecRow[i]
	if r < 0 {
		return nil
	}
	return s.f32[int(r)*s.dim : (int(r)+1)*s.dim : (int(r)+1)*s.dim]
}

// termIndex finds a term in the sorted term table.
func (s *shard) termIndex(t string) (int, bool) {
	return slices.BinarySearchFunc(s.terms, t, func(r strRef, t string) int {
		return bytes.Compare(s.wordView(r), []byte(t))
	})
}

// postingsOf returns the postings of term i (local passage numbers).
func (s *shard) postingsOf(i int) []posting {
	lo, hi := s.off[i], s.off[i+1]
	if lo > hi || int(hi) > len(s.post) {
		return nil
	}
	return s.post[lo:hi]
}

// termsWithPrefix calls fn with every term that starts with prefix.
func (s *shard) termsWithPrefix(prefix string, fn func(term string)) {
	i, _ := s.termIndex(prefix)
	for ; i < len(s.terms); i++ {
		b := s.wordView(s.terms[i])
		if !bytes.HasPrefix(b, []byte(prefix)) {
			return
		}
		fn(string(b))
	}
}

// quantise returns v as int8 values and the scale that maps them back:
// symmetric, per vector, so a unit vector's largest component uses the
// whole range. Over 512 dimensions the dot product of two quantised unit
// vectors is within about 0.002 of the true cosine, far closer than the
// candidates a query keeps for the exact pass are apart.
func quantise(v []float32, out []int8) float32 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		clear(out)
		return 0
	}
	scale := m / 127
	for i, x := range v {
		out[i] = int8(math.Round(float64(x / scale)))
	}
	return scale
}

// dotI8 is the dot product of two int8 vectors of the same length, with
// four accumulators so that consecutive products do not wait on each
// other.
func dotI8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}

// blob collects strings, each once.
type blob struct {
	buf   bytes.Buffer
	index map[string]strRef // interned strings (document titles repeat)
}

// intern adds a string to the blob once.
func (b *blob) intern(str string) strRef {
	if str == "" {
		return strRef{}
	}
	if b.index == nil {
		b.index = map[string]strRef{}
	}
	if r, ok := b.index[str]; ok {
		return r
	}
	r := strRef{off: uint32(b.buf.Len()), n: uint32(len(str))}
	b.buf.WriteString(str)
	if len(str) < 256 {
		b.index[str] = r
	}
	return r
}

// shardBuilder collects passages into a shard held in memory.
type shardBuilder struct {
	dim               int
	strs, keys, words blob
	s                 *shard
}

func newShardBuilder(dim, passages int) *shardBuilder {
	return &shardBuilder{dim: dim, s: &shard{
		dim:    dim,
		pass:   make([]passRec, 0, passages),
		vecRow: make([]int32, 0, passages),
	}}
}

// add appends a passage and its vector (nil for none). Passages of one
// document must come together.
func (b *shardBuilder) add(c corpus.Chunk, vec []float32) {
	s := b.s
	if len(s.docs) == 0 || string(in(b.keys.buf.Bytes(), s.docs[len(s.docs)-1].id)) != c.DocID {
		s.docs = append(s.docs, docRec{id: b.keys.intern(c.DocID), title: b.strs.intern(c.DocTitle), first: uint32(len(s.pass))})
	}
	d := &s.docs[len(s.docs)-1]
	d.count++
	s.pass = append(s.pass, passRec{
		id: b.keys.intern(c.ID), title: b.strs.intern(c.Title), text: b.strs.intern(c.Text), url: b.strs.intern(c.URL),
		hash: b.keys.intern(c.Hash), doc: uint32(len(s.docs) - 1), pos: uint32(c.Pos),
	})
	if vec == nil {
		s.vecRow = append(s.vecRow, noVector)
		return
	}
	row := len(s.scale)
	s.vecRow = append(s.vecRow, int32(row))
	s.f32 = append(s.f32, vec...)
	s.i8 = append(s.i8, make([]int8, b.dim)...)
	s.scale = append(s.scale, quantise(vec, s.i8[row*b.dim:]))
}

// finish completes the shard with its BM25 postings (per passage term
// counts, in passage order) and its ID order.
func (b *shardBuilder) finish(per [][]termCount) *shard {
	s := b.s
	// Terms go into the blob too, then are sorted by their text.
	ids := map[string]int32{}
	var terms []string
	var df []uint32
	s.docLen = make([]float32, len(s.pass))
	for i, tcs := range per {
		for _, tc := range tcs {
			id, ok := ids[tc.term]
			if !ok {
				id = int32(len(terms))
				ids[tc.term] = id
				terms = append(terms, tc.term)
				df = append(df, 0)
			}
			df[id]++
			s.docLen[i] += tc.tf
			s.totalLen += float64(tc.tf)
		}
	}
	order := make([]int32, len(terms))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(terms[x], terms[y]) })
	rank := make([]int32, len(terms))
	s.terms = make([]strRef, len(terms))
	s.off = make([]uint32, len(terms)+1)
	for r, id := range order {
		rank[id] = int32(r)
		s.terms[r] = b.words.intern(terms[id])
		s.off[r+1] = s.off[r] + df[id]
	}
	s.post = make([]posting, s.off[len(terms)])
	fill := slices.Clone(s.off[:len(terms)])
	for i, tcs := range per {
		for _, tc := range tcs {
			r := rank[ids[tc.term]]
			s.post[fill[r]] = posting{doc: int32(i), tf: tc.tf}
			fill[r]++
		}
	}
	s.strs = bytes.Clone(b.strs.buf.Bytes())
	s.keys = bytes.Clone(b.keys.buf.Bytes())
	s.words = bytes.Clone(b.words.buf.Bytes())
	s.idOrder = make([]uint32, len(s.pass))
	for i := range s.idOrder {
		s.idOrder[i] = uint32(i)
	}
	slices.SortFunc(s.idOrder, func(x, y uint32) int {
		return bytes.Compare(s.keyView(s.pass[x].id), s.keyView(s.pass[y].id))
	})
	return s
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[int32]V) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

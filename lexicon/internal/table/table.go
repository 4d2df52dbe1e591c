// Package table is the file format of the lexicon's word table: written
// once by the generator, read in place by the lexicon at run time.
//
// The table is a list of words (lowercase; a multi-word name has its words
// separated by single spaces), sorted bytewise, each with its links to
// other words of the table. Every array has a fixed width so that a reader
// can binary-search the embedded bytes directly: opening a table costs a
// header check, not a parse, which matters for a cold `faqbot ask`.
//
// Layout (integers little-endian):
//
//	magic       8 bytes, "FAQLEX\x00\x02"
//	sum         8 bytes: the first 8 bytes of the SHA-256 of everything after it
//	nWords      uint32
//	nLinks      uint32
//	strLen      uint32
//	noticeLen   uint32
//	notice      noticeLen bytes: the licence notice of the data the table came from
//	wordOff     (nWords+1) × uint32: word i is str[wordOff[i]:wordOff[i+1]]
//	linkOff     (nWords+1) × uint32: word i's links are links[linkOff[i]:linkOff[i+1]]
//	str         strLen bytes
//	links       nLinks × uint32: target word (bits 0-19), relation (bits 20-23), weight (bits 24-31)
package table

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
)

// magic starts every table; its last byte is the format version.
const magic = "FAQLEX\x00\x02"

// maxWords is the most words a table can hold: a link stores its target
// in 20 bits.
const maxWords = 1 << 20

// Relation says how a link's target relates to its source word.
type Relation uint8

// The relations a table records. The values are stored in tables: add new
// ones at the end and never renumber.
const (
	// Synonym: the two words share a sense (a WordNet synset).
	Synonym Relation = iota + 1
	// Derivation: a derivationally related form (reply/response, deliver/delivery).
	Derivation
	// Pertainym: an adjective and the noun it pertains to (American/America).
	Pertainym
	// Inflection: an irregular inflected form and its base form (ran/run).
	Inflection
	// Place: names of the same place or body used for one another (a
	// capital and its country, the Kremlin and Russia).
	Place
	// Broader: a more general word for the same action (meddle/interfere).
	Broader
	// Spelling: another spelling or current name of the same thing (Kyiv/Kiev).
	Spelling
)

// lastRelation is the largest valid Relation.
const lastRelation = Spelling

// String names the relation.
func (r Relation) String() string {
	switch r {
	case Synonym:
		return "synonym"
	case Derivation:
		return "derivation"
	case Pertainym:
		return "pertainym"
	case Inflection:
		return "inflection"
	case Place:
		return "place"
	case Broader:
		return "broader"
	case Spelling:
		return "spelling"
	}
	return fmt.Sprintf("relation(%d)", uint8(r))
}

// Link is one related word.
type Link struct {
	// To is the related word.
	To string
	// Rel is how it relates.
	Rel Relation
	// Weight, in (0, 1], is how likely the source word means the same as
	// To, summed over the source word's senses by how common each is.
	Weight float64
}

// Entry is a word and its links.
type Entry struct {
	Word  string
	Links []Link
}

// Quantize maps a weight in (0, 1] to the byte stored for it; 0 never
// results, so a stored link always carries some weight.
func Quantize(w float64) uint8 {
	return uint8(min(255, max(1, math.Round(w*255))))
}

// Dequantize is the weight a stored byte stands for.
func Dequantize(b uint8) float64 { return float64(b) / 255 }

// Write encodes the entries as a table. Link targets missing from the
// entries are added as words without links. Words must be non-empty and
// free of newlines.
func Write(w io.Writer, notice string, entries []Entry) error {
	links := map[string][]Link{}
	for _, e := range entries {
		if err := checkWord(e.Word); err != nil {
			return err
		}
		links[e.Word] = append(links[e.Word], e.Links...)
		for _, l := range e.Links {
			if err := checkWord(l.To); err != nil {
				return err
			}
			if l.Rel < Synonym || l.Rel > lastRelation {
				return fmt.Errorf("link %q -> %q: unknown relation %d", e.Word, l.To, l.Rel)
			}
			if !(l.Weight > 0 && l.Weight <= 1) {
				return fmt.Errorf("link %q -> %q: weight %v outside (0, 1]", e.Word, l.To, l.Weight)
			}
			if _, ok := links[l.To]; !ok {
				links[l.To] = nil
			}
		}
	}
	if len(links) > maxWords {
		return fmt.Errorf("writing table: %d words, at most %d fit", len(links), maxWords)
	}
	words := make([]string, 0, len(links))
	for w := range links {
		words = append(words, w)
	}
	sort.Strings(words)
	id := make(map[string]uint32, len(words))
	for i, w := range words {
		id[w] = uint32(i)
	}

	var str bytes.Buffer
	wordOff := make([]uint32, 0, len(words)+1)
	linkOff := make([]uint32, 0, len(words)+1)
	var packed []uint32
	for _, w := range words {
		wordOff = append(wordOff, uint32(str.Len()))
		linkOff = append(linkOff, uint32(len(packed)))
		str.WriteString(w)
		ls := slices.Clone(links[w])
		// Strongest first, then by word, so a table's bytes depend only
		// on its content.
		slices.SortFunc(ls, func(a, b Link) int {
			if a.Weight != b.Weight {
				if a.Weight > b.Weight {
					return -1
				}
				return 1
			}
			return strings.Compare(a.To, b.To)
		})
		for _, l := range ls {
			packed = append(packed, id[l.To]|uint32(l.Rel)<<20|uint32(Quantize(l.Weight))<<24)
		}
	}
	wordOff = append(wordOff, uint32(str.Len()))
	linkOff = append(linkOff, uint32(len(packed)))

	var buf bytes.Buffer
	for _, n := range []uint32{uint32(len(words)), uint32(len(packed)), uint32(str.Len()), uint32(len(notice))} {
		buf.Write(binary.LittleEndian.AppendUint32(nil, n))
	}
	buf.WriteString(notice)
	for _, arr := range [][]uint32{wordOff, linkOff} {
		for _, v := range arr {
			buf.Write(binary.LittleEndian.AppendUint32(nil, v))
		}
	}
	buf.Write(str.Bytes())
	for _, v := range packed {
		buf.Write(binary.LittleEndian.AppendUint32(nil, v))
	}
	sum := sha256.Sum256(buf.Bytes())
	out := append([]byte(magic), sum[:8]...)
	if _, err := w.Write(append(out, buf.Bytes()...)); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

func checkWord(w string) error {
	if w == "" || strings.ContainsAny(w, "\n\x00") {
		return fmt.Errorf("bad word %q in table", w)
	}
	return nil
}

// Table is an opened table. It reads the bytes it was opened on in place
// and never changes them, so it is safe for concurrent use.
type Table struct {
	sum     string
	notice  string
	n       int
	wordOff []byte
	linkOff []byte
	str     []byte
	links   []byte
}

// ErrFormat is returned for bytes that are not a table this package can read.
var ErrFormat = errors.New("not a lexicon table")

// Open checks a table's header and that its arrays fit the data, without
// reading them: opening the embedded table costs nothing, and lookups check
// every offset they follow, so damaged bytes give missing words, never a
// panic. Validate reads everything. The data is used in place and must not
// change while the Table is in use.
func Open(data []byte) (*Table, error) {
	if len(data) < len(magic)+8+16 || string(data[:len(magic)]) != magic {
		return nil, ErrFormat
	}
	sum := hex.EncodeToString(data[len(magic) : len(magic)+8])
	p := data[len(magic)+8:]
	nWords := uint64(binary.LittleEndian.Uint32(p))
	nLinks := uint64(binary.LittleEndian.Uint32(p[4:]))
	strLen := uint64(binary.LittleEndian.Uint32(p[8:]))
	noticeLen := uint64(binary.LittleEndian.Uint32(p[12:]))
	p = p[16:]
	need := noticeLen + 2*4*(nWords+1) + strLen + 4*nLinks
	if uint64(len(p)) != need || nWords > maxWords {
		return nil, fmt.Errorf("%w: sizes do not match the header", ErrFormat)
	}
	t := &Table{n: int(nWords), sum: sum}
	t.notice, p = string(p[:noticeLen]), p[noticeLen:]
	t.wordOff, p = p[:4*(nWords+1)], p[4*(nWords+1):]
	t.linkOff, p = p[:4*(nWords+1)], p[4*(nWords+1):]
	t.str, t.links = p[:strLen], p[strLen:]
	return t, nil
}

// Validate reads the whole table and reports the first inconsistency:
// offsets out of order or range, links to no word or of no known relation,
// words out of order.
func (t *Table) Validate() error {
	if t.off(t.wordOff, t.n) != len(t.str) || t.off(t.linkOff, t.n) != len(t.links)/4 {
		return fmt.Errorf("%w: offsets do not match the header", ErrFormat)
	}
	for i := range t.n {
		if t.off(t.wordOff, i) > t.off(t.wordOff, i+1) || t.off(t.linkOff, i) > t.off(t.linkOff, i+1) {
			return fmt.Errorf("%w: offsets decrease at word %d", ErrFormat, i)
		}
		if i > 0 {
			a, _ := t.word(i - 1)
			b, _ := t.word(i)
			if string(a) >= string(b) {
				return fmt.Errorf("%w: words %d and %d out of order", ErrFormat, i-1, i)
			}
		}
	}
	for i := 0; i < len(t.links); i += 4 {
		if _, ok := t.link(binary.LittleEndian.Uint32(t.links[i:])); !ok {
			return fmt.Errorf("%w: link %d is out of range", ErrFormat, i/4)
		}
	}
	return nil
}

// off reads entry i of an offset array.
func (t *Table) off(arr []byte, i int) int { return int(binary.LittleEndian.Uint32(arr[4*i:])) }

// link decodes a stored link; false for one that names no word or relation.
func (t *Table) link(v uint32) (Link, bool) {
	to, rel, w := int(v&(maxWords-1)), Relation(v>>20&0xf), uint8(v>>24)
	if to >= t.n || rel < Synonym || rel > lastRelation || w == 0 {
		return Link{}, false
	}
	word, ok := t.word(to)
	if !ok {
		return Link{}, false
	}
	return Link{To: string(word), Rel: rel, Weight: Dequantize(w)}, true
}

// Sum identifies the table's content: 16 hex digits of its SHA-256,
// computed when it was written.
func (t *Table) Sum() string { return t.sum }

// Notice is the licence notice stored with the table.
func (t *Table) Notice() string { return t.notice }

// Len is the number of words in the table.
func (t *Table) Len() int { return t.n }

// word returns word i's bytes; false when its offsets are out of range.
func (t *Table) word(i int) ([]byte, bool) {
	lo, hi := t.off(t.wordOff, i), t.off(t.wordOff, i+1)
	if lo > hi || hi > len(t.str) {
		return nil, false
	}
	return t.str[lo:hi], true
}

// find returns the index of word w.
func (t *Table) find(w string) (int, bool) {
	i := sort.Search(t.n, func(i int) bool {
		b, _ := t.word(i)
		return string(b) >= w
	})
	if i == t.n {
		return 0, false
	}
	b, _ := t.word(i)
	return i, string(b) == w
}

// Has reports whether w is in the table.
func (t *Table) Has(w string) bool {
	_, ok := t.find(w)
	return ok
}

// Lookup returns the links of word w, strongest first, and whether w is in
// the table at all.
func (t *Table) Lookup(w string) ([]Link, bool) {
	i, ok := t.find(w)
	if !ok {
		return nil, false
	}
	lo, hi := t.off(t.linkOff, i), t.off(t.linkOff, i+1)
	if lo > hi || 4*hi > len(t.links) {
		return nil, true
	}
	out := make([]Link, 0, hi-lo)
	for j := lo; j < hi; j++ {
		if l, ok := t.link(binary.LittleEndian.Uint32(t.links[4*j:])); ok {
			out = append(out, l)
		}
	}
	return out, true
}

// Entries decodes the whole table, words in order: for tests and
// diagnostics.
func (t *Table) Entries() []Entry {
	out := make([]Entry, 0, t.n)
	for i := range t.n {
		b, _ := t.word(i)
		w := string(b)
		ls, _ := t.Lookup(w)
		out = append(out, Entry{Word: w, Links: ls})
	}
	return out
}

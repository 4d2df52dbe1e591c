package corpus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// dupMagic starts an encoded Duplicates; the last byte is the layout
// version.
var dupMagic = [8]byte{'f', 'a', 'q', 'd', 'u', 'p', 0, 1}

// MarshalBinary encodes the state for saving beside the index: sketches,
// rare-term counts and verified pairs (marks and the report are derived
// from those on decoding).
func (d *Duplicates) MarshalBinary() ([]byte, error) {
	var b []byte
	b = append(b, dupMagic[:]...)
	docAt := make(map[string]int, len(d.docs))
	b = binary.AppendUvarint(b, uint64(len(d.docs)))
	for i, x := range d.docs {
		docAt[x.id] = i
		b = appendString(b, x.id)
		b = appendKeys(b, x.keys)
	}
	passAt := make(map[string]int, len(d.passages))
	b = binary.AppendUvarint(b, uint64(len(d.passages)))
	for i, p := range d.passages {
		passAt[p.id] = i
		di, ok := docAt[p.doc]
		if !ok {
			return nil, fmt.Errorf("encoding near-duplicates: passage %s of unknown document %s: %w", p.id, p.doc, ErrDupState)
		}
		b = appendString(b, p.id)
		b = binary.AppendUvarint(b, uint64(di))
		b = binary.AppendUvarint(b, uint64(p.pos))
		b = appendKeys(b, p.keys)
	}
	b = binary.AppendUvarint(b, uint64(len(d.df)))
	for t, n := range d.df {
		b = binary.LittleEndian.AppendUint32(b, t)
		b = binary.AppendUvarint(b, uint64(n))
	}
	b = binary.AppendUvarint(b, uint64(len(d.pairs)))
	for _, p := range d.pairs {
		ai, ok1 := docAt[p.A]
		bi, ok2 := docAt[p.B]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("encoding near-duplicates: pair %s ~ %s: %w", p.A, p.B, ErrDupState)
		}
		b = binary.AppendUvarint(b, uint64(ai))
		b = binary.AppendUvarint(b, uint64(bi))
		for _, f := range []float64{p.Similarity, p.Containment, p.WordPairs} {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(d.links)))
	for _, l := range d.links {
		ai, ok1 := passAt[l.a]
		bi, ok2 := passAt[l.b]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("encoding near-duplicates: link %s ~ %s: %w", l.a, l.b, ErrDupState)
		}
		b = binary.AppendUvarint(b, uint64(ai))
		b = binary.AppendUvarint(b, uint64(bi))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(l.sim)))
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendKeys(b []byte, keys []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	return b
}

// errDupData reports bytes that are not an encoded Duplicates.
var errDupData = errors.New("malformed near-duplicate data")

// dupReader decodes, remembering the first error; every read after it
// returns zero values, so decoding code checks once at the end of a
// section.
type dupReader struct {
	b   []byte
	err error
}

func (r *dupReader) fail() {
	if r.err == nil {
		r.err = errDupData
	}
	r.b = nil
}

func (r *dupReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length whose items take at least per bytes each, so that
// bad data cannot make the decoder allocate more than the data could
// hold.
func (r *dupReader) count(per int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/per) {
		r.fail()
		return 0
	}
	return int(n)
}

// index reads an index below n.
func (r *dupReader) index(n int) int {
	v := r.uvarint()
	if v >= uint64(n) {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *dupReader) bytes(n int) []byte {
	if n > len(r.b) {
		r.fail()
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *dupReader) string() string { return string(r.bytes(r.count(1))) }

func (r *dupReader) uint32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *dupReader) float() float64 { return float64(math.Float32frombits(r.uint32())) }

func (r *dupReader) keys() []uint64 {
	n := r.count(8)
	if n == 0 {
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		if b := r.bytes(8); b != nil {
			out[i] = binary.LittleEndian.Uint64(b)
		}
	}
	return out
}

// UnmarshalBinary decodes what MarshalBinary encoded, replacing d. Bad
// data gives an error wrapping ErrDupState, never a panic.
func (d *Duplicates) UnmarshalBinary(data []byte) error {
	fail := func() error { return fmt.Errorf("decoding near-duplicates: %w: %w", ErrDupState, errDupData) }
	if len(data) < len(dupMagic) || [8]byte(data[:8]) != dupMagic {
		return fail()
	}
	r := &dupReader{b: data[8:]}
	var nd Duplicates
	nd.docs = make([]dupDoc, r.count(2))
	for i := range nd.docs {
		nd.docs[i] = dupDoc{id: r.string(), keys: r.keys()}
	}
	nd.passages = make([]dupPassage, r.count(4))
	for i := range nd.passages {
		id := r.string()
		di := r.index(len(nd.docs))
		pos := int(r.uvarint())
		nd.passages[i] = dupPassage{id: id, doc: nd.docs[di].id, pos: pos, keys: r.keys()}
		if r.err != nil {
			return fail()
		}
	}
	nt := r.count(5)
	nd.df = make(map[uint32]int32, nt)
	for range nt {
		t := r.uint32()
		nd.df[t] = int32(min(r.uvarint(), math.MaxInt32))
	}
	nd.pairs = make([]DocPair, r.count(14))
	for i := range nd.pairs {
		a, b := r.index(len(nd.docs)), r.index(len(nd.docs))
		if r.err != nil {
			return fail()
		}
		nd.pairs[i] = DocPair{A: nd.docs[a].id, B: nd.docs[b].id, Similarity: r.float(), Containment: r.float(), WordPairs: r.float()}
	}
	nd.links = make([]dupLink, r.count(6))
	for i := range nd.links {
		a, b := r.index(len(nd.passages)), r.index(len(nd.passages))
		if r.err != nil {
			return fail()
		}
		nd.links[i] = dupLink{a: nd.passages[a].id, b: nd.passages[b].id, sim: r.float()}
	}
	if r.err != nil || len(r.b) != 0 {
		return fail()
	}
	nd.settle()
	*d = nd
	return nil
}

package retrieval

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"unsafe"
)

// A shard file (FormatVersion 4) is a header and fourteen sections, each
// starting on an 8-byte boundary, all little-endian:
//
//	magic    [8]byte "faqshrd\x04"
//	counts   [8]uint64: dim, documents, passages, vectors, terms, postings,
//	         total BM25 length (float64 bits), CRC-32C of the header
//	         (computed with this field zero)
//	sections [14]{offset, length uint64; crc32c, zero uint32}
//
// then the sections in the order of the section constants below, each a
// flat array of the record types of shard.go. A record type's layout is
// its Go layout on a little-endian machine (they hold only 32-bit fields),
// so a mapped file is read in place; a big-endian machine decodes a copy.
//
// Opening a shard checks the header, every section's bounds and size and
// the checksums of the small tables (documents, passages, terms' places,
// offsets: a few megabytes for 150,000 passages), and the values in them
// that index other sections. The bulk — strings, vectors, postings — is
// checked when the shard is written and by LoadVerified, not on every
// start, which would read it all; a posting is range-checked where it is
// used, so damaged bulk gives wrong text or scores, never a crash.
var shardMagic = [8]byte{'f', 'a', 'q', 's', 'h', 'r', 'd', 4}

const (
	secStrs = iota
	secKeys
	secWords
	secDocs
	secPass
	secIDOrder
	secVecRow
	secF32
	secI8
	secScale
	secTerms
	secOff
	secPost
	secDocLen
	numSections
)

// bulkSection reports whether a section's checksum is left to Verify.
func bulkSection(i int) bool {
	switch i {
	case secStrs, secKeys, secWords, secF32, secI8, secPost:
		return true
	}
	return false
}

const shardHeaderSize = 8 + 8*8 + numSections*24

// littleEndian is whether records can be read in place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// asBytes views a slice of fixed-size records as bytes (little-endian
// machines only).
func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// fromBytes views bytes as n records: in place on a little-endian machine
// (b must be aligned for T), decoded into a copy otherwise.
func fromBytes[T any](b []byte, n int) []T {
	if n == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]T, n)
	binary.Read(bytes.NewReader(b), binary.LittleEndian, out)
	return out
}

// writeSection writes a slice of records in little-endian order.
func writeSection[T any](w io.Writer, s []T) error {
	if littleEndian {
		_, err := w.Write(asBytes(s))
		return err
	}
	return binary.Write(w, binary.LittleEndian, s)
}

// sizeOf is the encoded size of one record.
func sizeOf[T any]() int {
	var z T
	return int(unsafe.Sizeof(z))
}

// writeShard writes s as a shard file. It returns the CRC-32C of the
// whole file (for the manifest) and its size.
func writeShard(w io.Writer, s *shard) (int64, error) {
	type sec struct {
		n    int
		fill func(io.Writer) error
	}
	secs := [numSections]sec{
		secStrs:    {len(s.strs), func(w io.Writer) error { _, err := w.Write(s.strs); return err }},
		secKeys:    {len(s.keys), func(w io.Writer) error { _, err := w.Write(s.keys); return err }},
		secWords:   {len(s.words), func(w io.Writer) error { _, err := w.Write(s.words); return err }},
		secDocs:    {len(s.docs) * sizeOf[docRec](), func(w io.Writer) error { return writeSection(w, s.docs) }},
		secPass:    {len(s.pass) * sizeOf[passRec](), func(w io.Writer) error { return writeSection(w, s.pass) }},
		secIDOrder: {len(s.idOrder) * 4, func(w io.Writer) error { return writeSection(w, s.idOrder) }},
		secVecRow:  {len(s.vecRow) * 4, func(w io.Writer) error { return writeSection(w, s.vecRow) }},
		secF32:     {len(s.f32) * 4, func(w io.Writer) error { return writeSection(w, s.f32) }},
		secI8:      {len(s.i8), func(w io.Writer) error { return writeSection(w, s.i8) }},
		secScale:   {len(s.scale) * 4, func(w io.Writer) error { return writeSection(w, s.scale) }},
		secTerms:   {len(s.terms) * sizeOf[strRef](), func(w io.Writer) error { return writeSection(w, s.terms) }},
		secOff:     {len(s.off) * 4, func(w io.Writer) error { return writeSection(w, s.off) }},
		secPost:    {len(s.post) * sizeOf[posting](), func(w io.Writer) error { return writeSection(w, s.post) }},
		secDocLen:  {len(s.docLen) * 4, func(w io.Writer) error { return writeSection(w, s.docLen) }},
	}
	// Section checksums are computed first (they go in the header), by
	// writing each section to a CRC.
	hdr := make([]byte, 0, shardHeaderSize)
	hdr = append(hdr, shardMagic[:]...)
	for _, v := range []uint64{uint64(s.dim), uint64(len(s.docs)), uint64(len(s.pass)), uint64(len(s.scale)),
		uint64(len(s.terms)), uint64(len(s.post)), math.Float64bits(s.totalLen), 0} {
		hdr = binary.LittleEndian.AppendUint64(hdr, v)
	}
	off := uint64(align8(shardHeaderSize))
	for _, sc := range secs {
		crc := crc32.New(crcTable)
		if err := sc.fill(crc); err != nil {
			return 0, err
		}
		hdr = binary.LittleEndian.AppendUint64(hdr, off)
		hdr = binary.LittleEndian.AppendUint64(hdr, uint64(sc.n))
		hdr = binary.LittleEndian.AppendUint32(hdr, crc.Sum32())
		hdr = binary.LittleEndian.AppendUint32(hdr, 0)
		off += uint64(align8(sc.n))
	}
	binary.LittleEndian.PutUint64(hdr[8+7*8:], uint64(crc32.Checksum(hdr, crcTable)))
	var pad [8]byte
	written := int64(0)
	put := func(b []byte) error {
		n, err := w.Write(b)
		written += int64(n)
		return err
	}
	if err := put(hdr); err != nil {
		return 0, err
	}
	if err := put(pad[:align8(len(hdr))-len(hdr)]); err != nil {
		return 0, err
	}
	for _, sc := range secs {
		cw := &countWriter{w: w}
		if err := sc.fill(cw); err != nil {
			return 0, err
		}
		written += cw.n
		if err := put(pad[:align8(sc.n)-sc.n]); err != nil {
			return 0, err
		}
	}
	return written, nil
}

func align8(n int) int { return (n + 7) &^ 7 }

// errShardFormat reports a shard file that does not fit its own layout.
var errShardFormat = errors.New("malformed shard file")

// openShard maps a shard file and checks it (see the layout comment);
// verify also checks the bulk sections' checksums.
func openShard(path string, rec FileRecord, verify bool) (*shard, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() != rec.Size {
		return nil, fmt.Errorf("%s is %d bytes, want %d: %w", rec.Name, fi.Size(), rec.Size, ErrCorrupt)
	}
	data, unmap, err := mapFile(f, fi.Size())
	if err != nil {
		return nil, err
	}
	s, err := decodeShard(data, verify)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w: %w", rec.Name, ErrCorrupt, err)
	}
	s.file, s.rec, s.unmap = rec.Name, rec, unmap
	s.mapped = littleEndian // a big-endian machine decoded copies
	return s, nil
}

// decodeShard reads a shard out of data, in place where it can.
func decodeShard(data []byte, verify bool) (*shard, error) {
	if len(data) < shardHeaderSize || [8]byte(data[:8]) != shardMagic {
		return nil, fmt.Errorf("bad header: %w", errShardFormat)
	}
	h := data[8:]
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(h[8*i:]) }
	hdr := bytes.Clone(data[:shardHeaderSize])
	binary.LittleEndian.PutUint64(hdr[8+7*8:], 0)
	if uint64(crc32.Checksum(hdr, crcTable)) != u(7) {
		return nil, fmt.Errorf("header checksum: %w", errShardFormat)
	}
	dim, nDocs, nPass, nVec, nTerms, nPost := u(0), u(1), u(2), u(3), u(4), u(5)
	const big = 1 << 40
	if dim == 0 || dim > 1<<16 || nDocs > big || nPass > big || nVec > nPass || nTerms > big || nPost > big {
		return nil, fmt.Errorf("bad counts: %w", errShardFormat)
	}
	want := [numSections]uint64{
		secDocs: nDocs * uint64(sizeOf[docRec]()), secPass: nPass * uint64(sizeOf[passRec]()),
		secIDOrder: nPass * 4, secVecRow: nPass * 4, secF32: nVec * dim * 4, secI8: nVec * dim,
		secScale: nVec * 4, secTerms: nTerms * uint64(sizeOf[strRef]()), secOff: (nTerms + 1) * 4,
		secPost: nPost * uint64(sizeOf[posting]()), secDocLen: nPass * 4,
	}
	var secs [numSections][]byte
	for i := range numSections {
		e := h[64+24*i:]
		off, n := binary.LittleEndian.Uint64(e), binary.LittleEndian.Uint64(e[8:])
		crc := binary.LittleEndian.Uint32(e[16:])
		blob := i == secStrs || i == secKeys || i == secWords
		if binary.LittleEndian.Uint32(e[20:]) != 0 || off%8 != 0 || off > uint64(len(data)) || n > uint64(len(data))-off || !blob && n != want[i] {
			return nil, fmt.Errorf("section %d out of bounds: %w", i, errShardFormat)
		}
		secs[i] = data[off : off+n]
		if (verify || !bulkSection(i)) && crc32.Checksum(secs[i], crcTable) != crc {
			return nil, fmt.Errorf("section %d checksum: %w", i, errShardFormat)
		}
	}
	s := &shard{
		dim:      int(dim),
		strs:     secs[secStrs],
		keys:     secs[secKeys],
		words:    secs[secWords],
		docs:     fromBytes[docRec](secs[secDocs], int(nDocs)),
		pass:     fromBytes[passRec](secs[secPass], int(nPass)),
		idOrder:  fromBytes[uint32](secs[secIDOrder], int(nPass)),
		vecRow:   fromBytes[int32](secs[secVecRow], int(nPass)),
		f32:      fromBytes[float32](secs[secF32], int(nVec*dim)),
		i8:       fromBytes[int8](secs[secI8], int(nVec*dim)),
		scale:    fromBytes[float32](secs[secScale], int(nVec)),
		terms:    fromBytes[strRef](secs[secTerms], int(nTerms)),
		off:      fromBytes[uint32](secs[secOff], int(nTerms+1)),
		post:     fromBytes[posting](secs[secPost], int(nPost)),
		docLen:   fromBytes[float32](secs[secDocLen], int(nPass)),
		totalLen: math.Float64frombits(u(6)),
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// check validates the values of the small tables that index other
// sections, so that nothing read through them can go out of range.
func (s *shard) check() error {
	fits := func(b []byte) func(strRef) bool {
		return func(r strRef) bool { return uint64(r.off)+uint64(r.n) <= uint64(len(b)) }
	}
	in, key, word := fits(s.strs), fits(s.keys), fits(s.words)
	for _, d := range s.docs {
		if !key(d.id) || !in(d.title) || uint64(d.first)+uint64(d.count) > uint64(len(s.pass)) {
			return fmt.Errorf("document record out of range: %w", errShardFormat)
		}
	}
	for _, p := range s.pass {
		if !key(p.id) || !in(p.title) || !in(p.text) || !in(p.url) || !key(p.hash) || int(p.doc) >= len(s.docs) {
			return fmt.Errorf("passage record out of range: %w", errShardFormat)
		}
	}
	seen := make([]bool, len(s.pass))
	for _, i := range s.idOrder {
		if int(i) >= len(s.pass) || seen[i] {
			return fmt.Errorf("passage order out of range: %w", errShardFormat)
		}
		seen[i] = true
	}
	for _, r := range s.vecRow {
		if r != noVector && (r < 0 || int(r) >= len(s.scale)) {
			return fmt.Errorf("vector row out of range: %w", errShardFormat)
		}
	}
	for _, t := range s.terms {
		if !word(t) {
			return fmt.Errorf("term out of range: %w", errShardFormat)
		}
	}
	if s.off[0] != 0 || int(s.off[len(s.off)-1]) != len(s.post) {
		return fmt.Errorf("postings offsets out of range: %w", errShardFormat)
	}
	for i := 1; i < len(s.off); i++ {
		if s.off[i] < s.off[i-1] {
			return fmt.Errorf("postings offsets decrease: %w", errShardFormat)
		}
	}
	return nil
}

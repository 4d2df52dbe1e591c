package retrieval

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/philippgille/chromem-go"
)

// The vectors file (FormatVersion 2) is flat little-endian binary:
//
//	magic  [8]byte  "faqvec\x00\x02"
//	dim    uint32
//	count  uint32
//	index  [count]uint32         passage index of each vector, increasing
//	values [count*dim]float32
//
// It replaces chromem-go's own gob export (format 1), whose decoding of a
// map of documents with one varint per float took ~80% of loading a
// 100k-passage index (1.3 s of 1.8 s on 2 cores). Raw floats read into one
// contiguous array at memory speed, and that array backs the vectors handed
// to the collection, which also saves an allocation per vector.
var vecMagic = [8]byte{'f', 'a', 'q', 'v', 'e', 'c', 0, 2}

// vecBlock is how many float32 values are encoded or decoded per buffer:
// 256 KiB at a time keeps the buffer in cache and off the heap profile.
const vecBlock = 64 << 10

// writeVectors writes the vectors of ix in the vectors file layout. They
// are read back from the collection, which is what queries use (chromem
// may have renormalised a vector on the way in).
func writeVectors(ctx context.Context, w io.Writer, ix *Index) error {
	dim := ix.emb.Dim()
	var idx []uint32
	var vecs [][]float32
	for i, c := range ix.chunks {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if v, ok := ix.vector(ctx, c.ID); ok {
			if len(v) != dim {
				return fmt.Errorf("vector of %q has %d dimensions, want %d", c.ID, len(v), dim)
			}
			idx = append(idx, uint32(i))
			vecs = append(vecs, v)
		}
	}
	hdr := make([]byte, 0, 16+4*len(idx))
	hdr = append(hdr, vecMagic[:]...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(dim))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(idx)))
	for _, i := range idx {
		hdr = binary.LittleEndian.AppendUint32(hdr, i)
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 4*vecBlock)
	for _, v := range vecs {
		for _, x := range v {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		}
		if len(buf) >= 4*vecBlock-4*dim {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// flatVectors is a decoded vectors file: vector j belongs to passage
// index[j] and is values[j*dim:(j+1)*dim].
type flatVectors struct {
	dim    int
	index  []uint32
	values []float32
}

// errVecFormat reports a vectors file that does not fit its own layout.
var errVecFormat = errors.New("malformed vectors file")

// readVectors decodes a vectors file of vectors of dim values for n
// passages.
func readVectors(r io.Reader, dim, n int) (flatVectors, error) {
	var hdr [16]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return flatVectors{}, fmt.Errorf("reading header: %w", err)
	}
	if [8]byte(hdr[:8]) != vecMagic {
		return flatVectors{}, fmt.Errorf("bad magic: %w", errVecFormat)
	}
	gotDim := int(binary.LittleEndian.Uint32(hdr[8:]))
	count := int(binary.LittleEndian.Uint32(hdr[12:]))
	if gotDim != dim || count > n {
		return flatVectors{}, fmt.Errorf("%d vectors of %d dimensions for %d passages of %d: %w", count, gotDim, n, dim, errVecFormat)
	}
	fv := flatVectors{dim: dim, index: make([]uint32, count), values: make([]float32, count*dim)}
	if err := binary.Read(r, binary.LittleEndian, fv.index); err != nil {
		return flatVectors{}, fmt.Errorf("reading vector indexes: %w", err)
	}
	for j, i := range fv.index {
		if int(i) >= n || (j > 0 && i <= fv.index[j-1]) {
			return flatVectors{}, fmt.Errorf("vector %d names passage %d: %w", j, i, errVecFormat)
		}
	}
	buf := make([]byte, 4*vecBlock)
	for lo := 0; lo < len(fv.values); lo += vecBlock {
		hi := min(lo+vecBlock, len(fv.values))
		b := buf[:4*(hi-lo)]
		if _, err := io.ReadFull(r, b); err != nil {
			return flatVectors{}, fmt.Errorf("reading vectors: %w", err)
		}
		for k := range fv.values[lo:hi] {
			fv.values[lo+k] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
		}
	}
	return fv, nil
}

// vector returns vector j, capped so that an append can never spill into
// its neighbour.
func (fv flatVectors) vector(j int) []float32 {
	return fv.values[j*fv.dim : (j+1)*fv.dim : (j+1)*fv.dim]
}

// addVectors adds documents with the given IDs and vectors (no content) to
// col from GOMAXPROCS goroutines. chromem's own AddDocuments starts a
// goroutine per document, which at 100k passages cost more than the adds
// themselves; AddDocument takes the collection's lock only for the map
// insert, so a few workers share it well.
func addVectors(ctx context.Context, col *chromem.Collection, n int, doc func(j int) chromem.Document) error {
	workers := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, k := w, 0; j < n; j, k = j+workers, k+1 {
				if k%1024 == 0 && ctx.Err() != nil {
					once.Do(func() { first = ctx.Err() })
					return
				}
				d := doc(j)
				if err := col.AddDocument(ctx, d); err != nil {
					once.Do(func() { first = fmt.Errorf("adding %q: %w", d.ID, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

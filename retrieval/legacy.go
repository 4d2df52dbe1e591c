package retrieval

import (
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/philippgille/chromem-go"

	"github.com/faqbot/faqbot/corpus"
)

// Indexes of formats 1 and 2 kept every passage in one gob file and the
// vectors in a second file: chromem-go's gob export (format 1) or flat
// float32 (format 2). They are no longer searched; Open reads their
// vectors, by passage hash, so that rebuilding in the current format
// embeds nothing again (an API embedder's vectors cost money).
const (
	legacyFormat1 = 1
	legacyFormat2 = 2
)

// legacyManifest is the part of a format 1 or 2 manifest that names the
// data files.
type legacyManifest struct {
	Format   int        `json:"format"`
	Embedder string     `json:"embedder"`
	Dim      int        `json:"dim"`
	Analyzer string     `json:"analyzer"`
	Passages int        `json:"passages"`
	Vectors  FileRecord `json:"vectors"`
	Chunks   FileRecord `json:"chunks"`
}

// legacyChunks is the part of a format 1 or 2 passages file that is read:
// gob ignores the fields (the BM25 arrays) it does not name.
type legacyChunks struct {
	Chunks []corpus.Chunk
}

// legacyVecMagic starts a format 2 vectors file:
//
//	magic  [8]byte  "faqvec\x00\x02"
//	dim    uint32
//	count  uint32
//	index  [count]uint32         passage index of each vector, increasing
//	values [count*dim]float32
var legacyVecMagic = [8]byte{'f', 'a', 'q', 'v', 'e', 'c', 0, 2}

// legacyVectors returns the vectors of the format 1 or 2 index in dir by
// passage hash, when it was made with emb and its analyser.
func legacyVectors(ctx context.Context, dir string, emb Embedder) (map[string][]float32, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var m legacyManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if m.Format != legacyFormat1 && m.Format != legacyFormat2 {
		return nil, fmt.Errorf("format %d: %w", m.Format, ErrIncompatible)
	}
	if m.Embedder != emb.Name() || m.Dim != emb.Dim() || m.Analyzer != analyzerFingerprint() {
		return nil, fmt.Errorf("made with %s: %w", m.Embedder, ErrIncompatible)
	}
	var cf legacyChunks
	if err := readChecked(dir, m.Chunks, func(r io.Reader) error { return gob.NewDecoder(r).Decode(&cf) }); err != nil {
		return nil, err
	}
	byID := make(map[string]string, len(cf.Chunks))
	for _, c := range cf.Chunks {
		byID[c.ID] = c.Hash
	}
	out := make(map[string][]float32, len(cf.Chunks))
	// A passage the old index has no vector for had no words: record
	// the zero vector, so that it is not embedded again either.
	noWords := func() {
		for _, c := range cf.Chunks {
			if _, ok := out[c.Hash]; !ok && c.Hash != "" {
				out[c.Hash] = make([]float32, m.Dim)
			}
		}
	}
	if m.Format == legacyFormat2 {
		err = readChecked(dir, m.Vectors, func(r io.Reader) error {
			return readLegacyVectors(r, m.Dim, cf.Chunks, out)
		})
		noWords()
		return out, err
	}
	// Format 1: the checksum is verified on a first pass (the file then
	// sits in the page cache) because chromem decodes from a path.
	if err := readChecked(dir, m.Vectors, func(r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	}); err != nil {
		return nil, err
	}
	db := chromem.NewDB()
	if err := db.ImportFromFile(filepath.Join(dir, m.Vectors.Name), "", "passages"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	// Imported collections have no embedding function, and querying one
	// then panics: re-acquire it with ours (only GetByID is used).
	col := db.GetCollection("passages", EmbeddingFunc(emb))
	if col == nil {
		return nil, fmt.Errorf("no passages collection: %w", ErrCorrupt)
	}
	for id, h := range byID {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if doc, err := col.GetByID(ctx, id); err == nil && h != "" {
			out[h] = doc.Embedding
		}
	}
	noWords()
	return out, nil
}

// errLegacyVectors reports a format 2 vectors file that does not fit its
// layout.
var errLegacyVectors = errors.New("malformed vectors file")

// readLegacyVectors decodes a format 2 vectors file into out by the hash
// of the passage each vector belongs to.
func readLegacyVectors(r io.Reader, dim int, chunks []corpus.Chunk, out map[string][]float32) error {
	var hdr [16]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return fmt.Errorf("reading header: %w", err)
	}
	if [8]byte(hdr[:8]) != legacyVecMagic {
		return fmt.Errorf("bad magic: %w", errLegacyVectors)
	}
	gotDim := int(binary.LittleEndian.Uint32(hdr[8:]))
	count := int(binary.LittleEndian.Uint32(hdr[12:]))
	if gotDim != dim || count > len(chunks) {
		return fmt.Errorf("%d vectors of %d dimensions for %d passages of %d: %w", count, gotDim, len(chunks), dim, errLegacyVectors)
	}
	index := make([]uint32, count)
	if err := binary.Read(r, binary.LittleEndian, index); err != nil {
		return fmt.Errorf("reading vector indexes: %w", err)
	}
	buf := make([]byte, 4*dim)
	for j, i := range index {
		if int(i) >= len(chunks) || (j > 0 && i <= index[j-1]) {
			return fmt.Errorf("vector %d names passage %d: %w", j, i, errLegacyVectors)
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("reading vectors: %w", err)
		}
		v := make([]float32, dim)
		for k := range v {
			v[k] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*k:]))
		}
		if h := chunks[i].Hash; h != "" {
			out[h] = v
		}
	}
	return nil
}

// ReusableVectors returns the vectors of the index saved in dir by passage
// hash, whatever its format, when they were made with emb and the current
// analyser: what a rebuild that cannot use the saved index as it is (the
// passages were cut differently, say) can still take from it.
func ReusableVectors(ctx context.Context, dir string, emb Embedder) (map[string][]float32, error) {
	ix, m, err := Load(ctx, dir, emb)
	if errors.Is(err, ErrIncompatible) && (m.Format == legacyFormat1 || m.Format == legacyFormat2) {
		return legacyVectors(ctx, dir, emb)
	}
	if err != nil {
		return nil, err
	}
	return ix.VectorsByHash(ctx)
}

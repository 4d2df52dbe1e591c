package retrieval

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/philippgille/chromem-go"

	"github.com/faqbot/faqbot/corpus"
)

// FormatVersion is the layout of a saved index folder. Bump it when the
// files or their encoding change; an index of another version is rebuilt.
// Version 2 stores the vectors as flat binary (see vecfile.go) instead of
// chromem-go's gob export; Load still reads version 1, so that Open can
// reuse its vectors (an API embedder's cost money) when it rebuilds.
const FormatVersion = 2

// legacyFormat is the last layout Load still reads: vectors in chromem's
// gob export.
const legacyFormat = 1

// File names inside an index folder. The data files carry a per-save stamp
// and the manifest names the ones it belongs to, so writing the manifest
// last (by rename) switches from one complete set to the next in a single
// step: a crash at any point leaves the old set or the new one, never a mix.
const (
	manifestFile  = "manifest.json"
	vectorsPrefix = "vectors-"
	chunksPrefix  = "chunks-"
	tmpPrefix     = ".tmp-"
)

// The vectors file is not compressed: gzip shrinks float32 vectors by
// barely a tenth but makes loading several times slower, and load time is
// what a restart waits for.

// Sentinel errors of Load, for callers that branch on why an index could
// not be used.
var (
	// ErrCorrupt reports a saved index whose files are missing, truncated
	// or do not match their manifest.
	ErrCorrupt = errors.New("index corrupt")
	// ErrIncompatible reports a saved index of another format version or
	// made with another embedder.
	ErrIncompatible = errors.New("index incompatible")
)

// Manifest describes a saved index: what it was built from and with. Open
// compares it with the manifest wanted for the current corpus to decide
// whether the saved index can be used.
type Manifest struct {
	// Format is FormatVersion when saved.
	Format int `json:"format"`
	// Embedder and Dim are the embedder's Name and Dim.
	Embedder string `json:"embedder"`
	Dim      int    `json:"dim"`
	// Analyzer fingerprints corpus.Terms, which made the saved BM25
	// postings (and the built-in embedder's vectors).
	Analyzer string `json:"analyzer"`
	// Docs maps each document ID to its content hash.
	Docs map[string]string `json:"docs"`
	// Split fingerprints the cleaning and splitting options, so a change of
	// chunk size rebuilds although no document changed.
	Split string `json:"split"`
	// Passages is the number of passages.
	Passages int `json:"passages"`
	// Created is when the index was saved.
	Created time.Time `json:"created"`
	// Vectors and Chunks record the data files of this save.
	Vectors FileRecord `json:"vectors"`
	Chunks  FileRecord `json:"chunks"`
}

// FileRecord identifies a data file and lets Load detect truncation or
// corruption before decoding it.
type FileRecord struct {
	// Name is the file name inside the index folder.
	Name string `json:"name"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
	// CRC32C is its Castagnoli CRC-32, which costs a fraction of a
	// millisecond per megabyte (it is hardware-accelerated) and catches
	// the bit flips a gob decoder would happily turn into wrong vectors.
	CRC32C uint32 `json:"crc32c"`
}

// chunksFile is the encoding of the passages file: the passages and their
// BM25 index. Saving the index costs a few megabytes but makes loading
// several times faster than analysing every passage again.
type chunksFile struct {
	Chunks []corpus.Chunk
	// Vectors is the number of passages in the vector collection, to check
	// the vectors file against.
	Vectors int
	BM25    bm25File
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Save writes ix to dir with manifest m (whose Format, Embedder, Dim,
// Passages, data file records and, if zero, Created are filled in here).
// Every file is written to a temporary name, synced and renamed, the
// manifest last; files of earlier saves are removed afterwards. Saves to
// one folder must not run concurrently.
func Save(ctx context.Context, ix *Index, dir string, m Manifest) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	stamp, err := newStamp()
	if err != nil {
		return fmt.Errorf("saving index: %w", err)
	}

	m.Vectors, err = writeFile(ctx, dir, vectorsPrefix+stamp+".f32", func(w io.Writer) error {
		return writeVectors(ctx, w, ix)
	})
	if err != nil {
		return fmt.Errorf("saving index vectors: %w", err)
	}
	m.Chunks, err = writeFile(ctx, dir, chunksPrefix+stamp+".gob", func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(chunksFile{Chunks: ix.chunks, Vectors: ix.stats.Vectors, BM25: ix.lex.file()})
	})
	if err != nil {
		return fmt.Errorf("saving index passages: %w", err)
	}

	m.Format = FormatVersion
	m.Embedder, m.Dim = ix.emb.Name(), ix.emb.Dim()
	m.Analyzer = analyzerFingerprint()
	m.Passages = len(ix.chunks)
	if m.Created.IsZero() {
		m.Created = time.Now().UTC()
	}
	if _, err := writeFile(ctx, dir, manifestFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}); err != nil {
		return fmt.Errorf("saving index manifest: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	removeStale(dir, m)
	return nil
}

// writeFile writes a file through fill to a temporary file in dir, syncs
// it and renames it to name, returning its record.
func writeFile(ctx context.Context, dir, name string, fill func(io.Writer) error) (FileRecord, error) {
	if err := ctx.Err(); err != nil {
		return FileRecord{}, err
	}
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-*")
	if err != nil {
		return FileRecord{}, err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	crc := crc32.New(crcTable)
	cw := &countWriter{w: io.MultiWriter(f, crc)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	if err := fill(bw); err != nil {
		return FileRecord{}, err
	}
	if err := bw.Flush(); err != nil {
		return FileRecord{}, err
	}
	if err := f.Sync(); err != nil {
		return FileRecord{}, err
	}
	if err := f.Close(); err != nil {
		return FileRecord{}, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return FileRecord{}, err
	}
	ok = true
	return FileRecord{Name: name, Size: cw.n, CRC32C: crc.Sum32()}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStale deletes data files not named by m and temporary files left by
// interrupted saves. Failures are ignored: a stale file wastes space but
// never confuses Load, which reads only what the manifest names.
func removeStale(dir string, m Manifest) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		ours := strings.HasPrefix(n, tmpPrefix) ||
			strings.HasPrefix(n, vectorsPrefix) || strings.HasPrefix(n, chunksPrefix)
		if ours && n != m.Vectors.Name && n != m.Chunks.Name {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

func newStamp() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:]), nil
}

// ReadManifest reads the manifest of the index in dir. A folder with no
// manifest gives an error wrapping ErrNoIndex.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("reading index manifest: %w", ErrNoIndex)
	}
	if err != nil {
		return m, fmt.Errorf("reading index manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("reading index manifest: %w: %w", ErrCorrupt, err)
	}
	return m, nil
}

// Load reads the index saved in dir. Queries will be embedded with emb,
// which must be the embedder the index was built with (else the error wraps
// ErrIncompatible). Missing, truncated or altered files give an error
// wrapping ErrCorrupt; a folder with no index, ErrNoIndex. An index of
// format 1 loads too (its Manifest.Format says so), for Open to rebuild
// from.
func Load(ctx context.Context, dir string, emb Embedder) (*Index, Manifest, error) {
	start := time.Now()
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, m, fmt.Errorf("loading index: %w", err)
	}
	if m.Format != FormatVersion && m.Format != legacyFormat {
		return nil, m, fmt.Errorf("loading index: format %d, want %d: %w", m.Format, FormatVersion, ErrIncompatible)
	}
	if m.Embedder != emb.Name() || m.Dim != emb.Dim() {
		return nil, m, fmt.Errorf("loading index: built with %s (%d dims), want %s (%d dims): %w",
			m.Embedder, m.Dim, emb.Name(), emb.Dim(), ErrIncompatible)
	}
	if fp := analyzerFingerprint(); m.Analyzer != fp {
		return nil, m, fmt.Errorf("loading index: built with analyser %q, now %q: %w", m.Analyzer, fp, ErrIncompatible)
	}

	// The two files are independent until the vectors are named by their
	// passages' IDs, so they are read at once: decoding the passages'
	// gob is CPU work that overlaps reading the vectors.
	var (
		fv     flatVectors
		vecErr error
		done   = make(chan struct{})
	)
	if m.Format == FormatVersion {
		go func() {
			defer close(done)
			vecErr = readChecked(dir, m.Vectors, func(r io.Reader) error {
				var err error
				fv, err = readVectors(r, m.Dim, m.Passages)
				return err
			})
		}()
	} else {
		close(done)
	}
	var cf chunksFile
	err = readChecked(dir, m.Chunks, func(r io.Reader) error {
		return gob.NewDecoder(r).Decode(&cf)
	})
	<-done
	if err != nil {
		return nil, m, fmt.Errorf("loading index passages: %w", err)
	}
	if vecErr != nil {
		return nil, m, fmt.Errorf("loading index vectors: %w", vecErr)
	}
	if len(cf.Chunks) != m.Passages {
		return nil, m, fmt.Errorf("loading index: %d passages, manifest says %d: %w", len(cf.Chunks), m.Passages, ErrCorrupt)
	}
	byID := make(map[string]int32, len(cf.Chunks))
	for i, c := range cf.Chunks {
		if _, dup := byID[c.ID]; dup || c.ID == "" {
			return nil, m, fmt.Errorf("loading index: passage id %q: %w", c.ID, ErrCorrupt)
		}
		byID[c.ID] = int32(i)
	}

	if err := ctx.Err(); err != nil {
		return nil, m, fmt.Errorf("loading index: %w", err)
	}
	var db *chromem.DB
	var col *chromem.Collection
	if m.Format == FormatVersion {
		db, col, err = collectionOf(ctx, emb, cf.Chunks, fv)
	} else {
		db, col, err = importLegacy(dir, m, emb)
	}
	if err != nil {
		return nil, m, fmt.Errorf("loading index vectors: %w", err)
	}
	if col.Count() != cf.Vectors {
		return nil, m, fmt.Errorf("loading index vectors: %d vectors, want %d: %w", col.Count(), cf.Vectors, ErrCorrupt)
	}

	lex, err := bm25FromFile(cf.BM25, len(cf.Chunks))
	if err != nil {
		return nil, m, fmt.Errorf("loading index: %w: %w", ErrCorrupt, err)
	}
	ix := newIndex(emb, db, col, cf.Chunks, byID, lex)
	ix.stats.Duration = time.Since(start)
	return ix, m, nil
}

// collectionOf puts decoded vectors into a new chromem collection, each
// under its passage's ID.
func collectionOf(ctx context.Context, emb Embedder, chunks []corpus.Chunk, fv flatVectors) (*chromem.DB, *chromem.Collection, error) {
	db := chromem.NewDB()
	col, err := db.CreateCollection(collectionName, nil, EmbeddingFunc(emb))
	if err != nil {
		return nil, nil, fmt.Errorf("creating collection: %w", err)
	}
	err = addVectors(ctx, col, len(fv.index), func(j int) chromem.Document {
		return chromem.Document{ID: chunks[fv.index[j]].ID, Embedding: fv.vector(j)}
	})
	if err != nil {
		return nil, nil, err
	}
	return db, col, nil
}

// importLegacy reads the vectors of a format 1 index, chromem's gob export.
func importLegacy(dir string, m Manifest, emb Embedder) (*chromem.DB, *chromem.Collection, error) {
	// The checksum is verified on a first pass (the file then sits in the
	// page cache) because chromem decodes from a path, not from our reader.
	if err := readChecked(dir, m.Vectors, func(r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	}); err != nil {
		return nil, nil, err
	}
	db := chromem.NewDB()
	if err := db.ImportFromFile(filepath.Join(dir, m.Vectors.Name), "", collectionName); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	// Imported collections have no embedding function, and querying one
	// then panics: re-acquire it with ours.
	col := db.GetCollection(collectionName, EmbeddingFunc(emb))
	if col == nil {
		return nil, nil, fmt.Errorf("no collection %q: %w", collectionName, ErrCorrupt)
	}
	return db, col, nil
}

// readChecked opens a data file, checks its size, streams it through
// decode, and checks its CRC once decode is done (reading any rest).
func readChecked(dir string, rec FileRecord, decode func(io.Reader) error) error {
	if rec.Name == "" || filepath.Base(rec.Name) != rec.Name {
		return fmt.Errorf("bad file name %q: %w", rec.Name, ErrCorrupt)
	}
	f, err := os.Open(filepath.Join(dir, rec.Name))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != rec.Size {
		return fmt.Errorf("%s is %d bytes, want %d: %w", rec.Name, fi.Size(), rec.Size, ErrCorrupt)
	}
	crc := crc32.New(crcTable)
	r := bufio.NewReaderSize(io.TeeReader(f, crc), 1<<20)
	decErr := decode(r)
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if sum := crc.Sum32(); sum != rec.CRC32C {
		return fmt.Errorf("%s checksum %08x, want %08x: %w", rec.Name, sum, rec.CRC32C, ErrCorrupt)
	}
	if decErr != nil {
		return fmt.Errorf("decoding %s: %w: %w", rec.Name, ErrCorrupt, decErr)
	}
	return nil
}

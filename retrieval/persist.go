package retrieval

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// FormatVersion is the layout of a saved index folder. Bump it when the
// files or their encoding change; an index of another version is rebuilt
// (Open reuses the vectors of formats 1 and 2, see legacy.go).
// Version 3 stores the passages in shard files that are mapped, not
// decoded, when the index is opened (see shardfile.go); version 4 keeps
// IDs and terms apart from the text in them.
const FormatVersion = 4

// File names inside an index folder. Data files carry a per-save stamp and
// the manifest names the ones it belongs to, so writing the manifest last
// (by rename) switches from one complete set to the next in a single step:
// a crash at any point leaves the old set or the new one, never a mix. A
// save keeps the files of shards that did not change, so one manifest's
// files are often also the previous one's.
const (
	manifestFile     = "manifest.json"
	shardPrefix      = "shard-"
	dupOfPrefix      = "dupof-"
	attachmentPrefix = "att-"
	tmpPrefix        = ".tmp-"
	lockFile         = ".lock"
	// Data files of formats 1 and 2, removed by the first save in
	// format 3.
	vectorsPrefix = "vectors-"
	chunksPrefix  = "chunks-"
)

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
// whether the saved index can be used. Fields are added, never renamed:
// other packages store their own records here (Attachments).
type Manifest struct {
	// Format is FormatVersion when saved.
	Format int `json:"format"`
	// Embedder and Dim are the embedder's Name and Dim.
	Embedder string `json:"embedder"`
	Dim      int    `json:"dim"`
	// Analyzer fingerprints corpus.Terms, which made the saved BM25
	// postings (and the built-in embedder's vectors).
	Analyzer string `json:"analyzer"`
	// Docs maps each document ID to its content hash, when the caller
	// supplies it (Open does; the library keeps its own table of files as
	// an attachment instead).
	Docs map[string]string `json:"docs,omitempty"`
	// Split fingerprints the cleaning and splitting options, so a change of
	// chunk size rebuilds although no document changed.
	Split string `json:"split"`
	// Passages is the number of passages, Vectors those with a vector and
	// Terms the distinct terms of the BM25 index.
	Passages int `json:"passages"`
	Vectors  int `json:"vector_count"`
	Terms    int `json:"terms"`
	// Created is when the index was saved.
	Created time.Time `json:"created"`
	// Shards are the shard files, in passage order.
	Shards []ShardRecord `json:"shards"`
	// DupOf is the file of the passages' Chunk.DupOf marks.
	DupOf FileRecord `json:"dup_of"`
	// Attachments are files saved with the index for other packages (the
	// library's table of corpus files and its near-duplicate state), by
	// name; see WriteAttachment.
	Attachments map[string]FileRecord `json:"attachments,omitempty"`
	// Calibration is what the index measured about its corpus and
	// embedder (the relevance threshold and its evidence); nil in an index
	// saved before calibration existed, which Load measures anew (see
	// Calibrated).
	Calibration *Calibration `json:"calibration,omitempty"`
}

// Calibrated reports whether a saved index's manifest holds a calibration
// of the current kind. Load measures one for an index whose manifest does
// not, and a caller that saves indexes should then save it again.
func Calibrated(m Manifest) bool {
	return m.Calibration != nil && m.Calibration.Version == calibrationVersion
}

// CalibratedWith reports whether a saved index's manifest holds a
// calibration of the current kind measured with the expander exp (nil:
// none). LoadWith measures it again for an index whose manifest does not;
// a caller that saves indexes should then save it again.
func CalibratedWith(m Manifest, exp Expander) bool {
	return Calibrated(m) && m.Calibration.Expander == expanderName(exp)
}

// ShardRecord is one shard file and what it holds.
type ShardRecord struct {
	FileRecord
	// Passages is its number of passages.
	Passages int `json:"passages"`
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
	// the bit flips a decoder would happily turn into wrong data.
	CRC32C uint32 `json:"crc32c"`
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Save writes ix to dir with manifest m (whose Format, Embedder, Dim,
// Analyzer, Passages, Vectors, Terms, Shards, DupOf and, if zero, Created
// are filled in here; Attachments must already be written there, see
// WriteAttachment). Shards that ix loaded from dir are kept as they are;
// the others are written to temporary files, synced and renamed; the
// manifest goes last, and files no manifest needs are removed afterwards.
// Saves to one folder must not run concurrently (see LockDir).
func Save(ctx context.Context, ix *Index, dir string, m Manifest) error {
	defer runtime.KeepAlive(ix)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	stamp, err := newStamp()
	if err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	m.Shards = make([]ShardRecord, len(ix.shards))
	for k, s := range ix.shards {
		if s.keptIn(abs) {
			m.Shards[k] = ShardRecord{FileRecord: s.rec, Passages: s.n()}
			continue
		}
		rec, err := writeFile(ctx, dir, fmt.Sprintf("%s%s-%04d.fqx", shardPrefix, stamp, k), func(w io.Writer) error {
			return guard(func() error {
				_, err := writeShard(w, s)
				return err
			})
		})
		if err != nil {
			return fmt.Errorf("saving index shard %d: %w", k, err)
		}
		m.Shards[k] = ShardRecord{FileRecord: rec, Passages: s.n()}
	}
	m.DupOf, err = writeFile(ctx, dir, dupOfPrefix+stamp+".bin", func(w io.Writer) error {
		return writeDupOf(w, ix.dupOf)
	})
	if err != nil {
		return fmt.Errorf("saving index marks: %w", err)
	}

	m.Format = FormatVersion
	m.Embedder, m.Dim = ix.emb.Name(), ix.emb.Dim()
	m.Analyzer = analyzerFingerprint()
	m.Passages, m.Vectors, m.Terms = ix.Len(), ix.stats.Vectors, ix.stats.Terms
	cal := ix.calib // the measurement; the override is a setting, not saved
	m.Calibration = &cal
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

// keptIn reports whether the shard is a file of the index folder dir
// (absolute) that is still there as it was mapped.
func (s *shard) keptIn(dir string) bool {
	if s.file == "" || s.dir != dir {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, s.file))
	return err == nil && fi.Size() == s.rec.Size
}

// writeDupOf writes DupOf marks: a count, then per mark the passage
// number and the ID it points at.
func writeDupOf(w io.Writer, marks map[int32]string) error {
	b := binary.AppendUvarint(nil, uint64(len(marks)))
	for _, d := range sortedKeys(marks) {
		b = binary.AppendUvarint(b, uint64(d))
		b = binary.AppendUvarint(b, uint64(len(marks[d])))
		b = append(b, marks[d]...)
	}
	_, err := w.Write(b)
	return err
}

// readDupOf decodes writeDupOf's bytes for an index of n passages.
func readDupOf(b []byte, n int) (map[int32]string, error) {
	bad := fmt.Errorf("malformed marks file: %w", ErrCorrupt)
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return nil, bad
	}
	b = b[k:]
	out := make(map[int32]string, count)
	for range count {
		d, k := binary.Uvarint(b)
		if k <= 0 || d >= uint64(n) {
			return nil, bad
		}
		b = b[k:]
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, bad
		}
		out[int32(d)] = string(b[k : k+int(l)])
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, bad
	}
	return out, nil
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
// never confuses Load, which reads only what the manifest names. A reader
// that read the previous manifest may have its files removed under it
// before it opens them; Load then reads the manifest again.
func removeStale(dir string, m Manifest) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	keep := map[string]bool{m.DupOf.Name: true}
	for _, s := range m.Shards {
		keep[s.Name] = true
	}
	for _, a := range m.Attachments {
		keep[a.Name] = true
	}
	for _, e := range ents {
		n := e.Name()
		ours := false
		for _, p := range []string{tmpPrefix, shardPrefix, dupOfPrefix, attachmentPrefix, vectorsPrefix, chunksPrefix} {
			ours = ours || strings.HasPrefix(n, p)
		}
		if ours && !keep[n] {
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

// checkManifest says whether an index saved with m can be searched with
// emb.
func checkManifest(m Manifest, emb Embedder) error {
	if m.Format != FormatVersion {
		return fmt.Errorf("format %d, want %d: %w", m.Format, FormatVersion, ErrIncompatible)
	}
	if m.Embedder != emb.Name() || m.Dim != emb.Dim() {
		return fmt.Errorf("built with %s (%d dims), want %s (%d dims): %w",
			m.Embedder, m.Dim, emb.Name(), emb.Dim(), ErrIncompatible)
	}
	if fp := analyzerFingerprint(); m.Analyzer != fp {
		return fmt.Errorf("built with analyser %q, now %q: %w", m.Analyzer, fp, ErrIncompatible)
	}
	return nil
}

// Load opens the index saved in dir, mapping its shard files. Queries will
// be embedded with emb, which must be the embedder the index was built
// with (else the error wraps ErrIncompatible, as for an index of another
// format). Missing, truncated or altered files give an error wrapping
// ErrCorrupt; a folder with no index, ErrNoIndex. An index saved without a
// current relevance calibration is calibrated as it loads (see
// Calibrated).
func Load(ctx context.Context, dir string, emb Embedder) (*Index, Manifest, error) {
	return LoadWith(ctx, dir, emb, LoadOptions{})
}

// LoadVerified is Load that also checks the checksums of the index's bulk
// data (passage text, vectors, postings), which Load leaves to the save
// that wrote them: it reads every byte of the index, so it suits a
// long-running process or an explicit `faqbot index`, not a one-shot
// question.
func LoadVerified(ctx context.Context, dir string, emb Embedder) (*Index, Manifest, error) {
	return LoadWith(ctx, dir, emb, LoadOptions{Verify: true})
}

// LoadOptions adjust LoadWith.
type LoadOptions struct {
	// Verify checks the bulk data's checksums (see LoadVerified).
	Verify bool
	// Expander widens the questions the index searches, as
	// BuildOptions.Expander does for a built one. An index saved with a
	// calibration measured with another expander, or none, is calibrated
	// again as it loads (see CalibratedWith).
	Expander Expander
}

// LoadWith is Load with options.
func LoadWith(ctx context.Context, dir string, emb Embedder, opt LoadOptions) (*Index, Manifest, error) {
	start := time.Now()
	var (
		ix  *Index
		m   Manifest
		err error
	)
	// A save that replaces the manifest removes the files only the old
	// one named; a load caught between reading the old manifest and
	// opening them tries once more with the new one.
	for attempt := 0; attempt < 3; attempt++ {
		ix, m, err = loadOnce(ctx, dir, emb, opt)
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return nil, m, fmt.Errorf("loading index: %w", err)
	}
	ix.stats.Duration = time.Since(start)
	return ix, m, nil
}

func loadOnce(ctx context.Context, dir string, emb Embedder, opt LoadOptions) (*Index, Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, m, err
	}
	if err := checkManifest(m, emb); err != nil {
		return nil, m, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, m, err
	}
	shards := make([]*shard, 0, len(m.Shards))
	release := func() {
		for _, s := range shards {
			if s.unmap != nil {
				s.unmap()
			}
		}
	}
	total := 0
	for _, rec := range m.Shards {
		if err := ctx.Err(); err != nil {
			release()
			return nil, m, err
		}
		if rec.Name == "" || filepath.Base(rec.Name) != rec.Name {
			release()
			return nil, m, fmt.Errorf("bad shard name %q: %w", rec.Name, ErrCorrupt)
		}
		s, err := openShard(filepath.Join(dir, rec.Name), rec.FileRecord, opt.Verify)
		if err != nil {
			release()
			return nil, m, err
		}
		if s.dim != m.Dim || s.n() != rec.Passages {
			s.unmap()
			release()
			return nil, m, fmt.Errorf("%s holds %d passages of %d dimensions, want %d of %d: %w",
				rec.Name, s.n(), s.dim, rec.Passages, m.Dim, ErrCorrupt)
		}
		s.dir = abs
		// Checking the tables mapped their neighbours too (see release).
		s.releaseScattered()
		shards = append(shards, s)
		total += s.n()
	}
	if total != m.Passages {
		release()
		return nil, m, fmt.Errorf("%d passages, manifest says %d: %w", total, m.Passages, ErrCorrupt)
	}
	marks, err := ReadAttachment(dir, m.DupOf)
	if err != nil {
		release()
		return nil, m, err
	}
	dupOf, err := readDupOf(marks, total)
	if err != nil {
		release()
		return nil, m, err
	}
	for _, s := range shards {
		// The mapping goes when the last index sharing the shard is
		// gone; methods reading it keep their index alive.
		runtime.AddCleanup(s, func(unmap func() error) { unmap() }, s.unmap)
	}
	ix := newIndexTerms(emb, shards, dupOf, m.Terms)
	ix.exp = opt.Expander
	if CalibratedWith(m, opt.Expander) {
		ix.calib = *m.Calibration
	} else if err := ix.measure(ctx, 0); err != nil {
		// Saved before calibration existed, or calibrated another way
		// or with another expander.
		return nil, m, err
	}
	return ix, m, nil
}

// WriteAttachment saves data as a file of the index folder dir for a
// manifest's Attachments: written to a temporary file, synced and renamed
// to a name of its own, so that it replaces nothing a current manifest
// names. The save whose manifest names it keeps it; others remove it.
func WriteAttachment(ctx context.Context, dir, name string, data []byte) (FileRecord, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return FileRecord{}, fmt.Errorf("saving %s: %w", name, err)
	}
	stamp, err := newStamp()
	if err != nil {
		return FileRecord{}, fmt.Errorf("saving %s: %w", name, err)
	}
	rec, err := writeFile(ctx, dir, attachmentPrefix+name+"-"+stamp+".bin", func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return FileRecord{}, fmt.Errorf("saving %s: %w", name, err)
	}
	return rec, nil
}

// ReadAttachment reads a file a manifest names, checking its size and
// checksum (else the error wraps ErrCorrupt).
func ReadAttachment(dir string, rec FileRecord) ([]byte, error) {
	var out []byte
	err := readChecked(dir, rec, func(r io.Reader) error {
		var err error
		out, err = io.ReadAll(r)
		return err
	})
	return out, err
}

// readChecked opens a data file, checks its size, streams it through
// decode, and checks its CRC once decode is done (reading any rest). A
// missing file is an error wrapping both ErrCorrupt and fs.ErrNotExist.
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
	r := bufio.NewReaderSize(io.TeeReader(f, crc), 1<<16)
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

package library

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/faqbot/faqbot/retrieval"
)

// The parse cache. The saved index already holds every passage, so what
// the library adds beside it (as the index's "files" attachment) is a
// table of the corpus folder's files: each file's size, modification time
// and content hash, and what reading it concluded — a document (its
// title, link and date, and how many passages it gave) or a skip (why).
// A file whose size and time are those recorded is taken as read; one
// whose stamp moved is read and hashed, and parsed only when its content
// changed. An unchanged corpus thus costs a directory listing and the
// opening of the index. The near-duplicate state is the "dups"
// attachment (corpus.Duplicates), read only when something changed.

// Attachment names in the index manifest.
const (
	filesAttachment = "files"
	dupsAttachment  = "dups"
)

// fileRecord is what the library knows of one corpus file.
type fileRecord struct {
	Path string // document ID
	Size int64
	Mod  int64  // modification time in Unix nanoseconds; 0 when the file system has none
	Hash string // hex SHA-256 of the content, as corpus.Document.Hash
	// Skip is why the file gives no document, or "".
	Skip string
	// The document's, when Skip is "".
	Title, URL, Date string
	Passages         int
}

// isDoc reports whether the file gave a document.
func (r fileRecord) isDoc() bool { return r.Skip == "" }

// trusted reports whether the record still describes a file of this size
// and time without reading it. A file system without modification times
// (the embedded corpus) is always read.
func (r fileRecord) trusted(size, mod int64) bool {
	return r.Mod != 0 && r.Size == size && r.Mod == mod
}

// filesMagic starts an encoded table; the last byte is its version.
var filesMagic = [8]byte{'f', 'a', 'q', 'f', 'i', 'l', 'e', 1}

// encodeFiles encodes the table (sorted by path).
func encodeFiles(files []fileRecord) []byte {
	b := append([]byte(nil), filesMagic[:]...)
	b = binary.AppendUvarint(b, uint64(len(files)))
	for _, f := range files {
		for _, s := range []string{f.Path, f.Hash, f.Skip, f.Title, f.URL, f.Date} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendVarint(b, f.Size)
		b = binary.AppendVarint(b, f.Mod)
		b = binary.AppendUvarint(b, uint64(f.Passages))
	}
	return b
}

// errFilesData reports bytes that are not an encoded table.
var errFilesData = errors.New("malformed table of corpus files")

// decodeFiles decodes encodeFiles's bytes; bad data is an error, never a
// panic.
func decodeFiles(b []byte) ([]fileRecord, error) {
	if len(b) < len(filesMagic) || [8]byte(b[:8]) != filesMagic {
		return nil, errFilesData
	}
	b = b[8:]
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n := uv()
		if n > uint64(len(b)) {
			bad = true
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	n := uv()
	if n > uint64(len(b)) {
		return nil, errFilesData
	}
	out := make([]fileRecord, 0, n)
	for range n {
		var f fileRecord
		f.Path, f.Hash, f.Skip, f.Title, f.URL, f.Date = str(), str(), str(), str(), str(), str()
		f.Size, f.Mod = sv(), sv()
		p := uv()
		if bad || p > math.MaxInt32 {
			return nil, errFilesData
		}
		f.Passages = int(p)
		out = append(out, f)
	}
	if bad || len(b) != 0 || !sort.SliceIsSorted(out, func(i, j int) bool { return out[i].Path < out[j].Path }) {
		return nil, fmt.Errorf("%w: trailing or unsorted data", errFilesData)
	}
	return out, nil
}

// SavedDocuments returns the documents of the index saved in dir, by ID,
// with their content hashes, or nil when there is none (what `faqbot
// index` compares the corpus folder with to say what changed).
func SavedDocuments(dir string) map[string]string {
	m, err := retrieval.ReadManifest(dir)
	if err != nil {
		return nil
	}
	rec, ok := m.Attachments[filesAttachment]
	if !ok {
		return m.Docs // an index saved by retrieval.Open
	}
	b, err := retrieval.ReadAttachment(dir, rec)
	if err != nil {
		return nil
	}
	files, err := decodeFiles(b)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range files {
		if f.isDoc() {
			out[f.Path] = f.Hash
		}
	}
	return out
}

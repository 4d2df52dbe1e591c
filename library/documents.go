package library

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/faqbot/faqbot/corpus"
)

// Errors that say why a moderator's change was refused, for errors.Is.
// Content problems wrap the corpus errors instead: corpus.ErrTooLarge,
// corpus.ErrBinary, corpus.ErrEncoding, corpus.ErrEmpty, corpus.ErrNoText
// and corpus.ErrUnsupported.
var (
	// ErrNoDir means the corpus is not a folder on disk (the embedded
	// default), so it cannot be changed.
	ErrNoDir = errors.New("the corpus is not a folder that can be changed")
	// ErrExists means a document of that name exists and Replace was not
	// asked for.
	ErrExists = errors.New("a document with that name already exists")
	// ErrNotRegular means the name is taken by something other than a
	// regular file (a symbolic link, a folder), which is never replaced.
	ErrNotRegular = errors.New("the name is taken by a link or folder")
	// ErrNotFound means no document has that ID.
	ErrNotFound = errors.New("no such document")
)

// DefaultMaxUpload is the largest document AddDocument accepts when
// AddOptions.MaxSize is 0: a long FAQ page is tens of kilobytes, and the
// limit bounds what one moderator command can make the bot download,
// store and embed.
const DefaultMaxUpload = 1 << 20

// maxTitleLen is the longest AddOptions.Title, in bytes.
const maxTitleLen = 200

// AddOptions tune AddDocument.
type AddOptions struct {
	// Replace allows overwriting a document of the same name.
	Replace bool
	// Title, when set, becomes the document's title: it is written as
	// the first heading of a Markdown file, the <title> of an HTML file
	// that has none, or the first line of a text file (which the reader
	// takes as the title when it reads like a headline: three words or
	// more, not a sentence or a question).
	Title string
	// MaxSize is the largest accepted size in bytes; 0 means
	// DefaultMaxUpload. It cannot exceed corpus.MaxFileSize.
	MaxSize int64
}

// AddDocument saves data as a document of the corpus folder under
// SanitizeName(name) and indexes it: only its passages are embedded, the
// rest of the index is reused. The content must be UTF-8 text that sniffs
// as text and that the corpus reader turns into passages; a document of
// the same name is only replaced with opts.Replace, and never when that
// name is a link or a folder. The file is written to a hidden temporary
// file, synced and renamed, so a crash leaves the old file or the new one,
// never half of one. When indexing fails the file is put back as it was
// and the live index is unchanged.
func (l *Library) AddDocument(ctx context.Context, name string, data []byte, opts AddOptions) (DocumentInfo, Change, error) {
	fail := func(err error) (DocumentInfo, Change, error) {
		return DocumentInfo{}, Change{}, fmt.Errorf("adding document %q: %w", name, err)
	}
	if l.opts.Dir == "" {
		return fail(ErrNoDir)
	}
	id, err := SanitizeName(name)
	if err != nil {
		return fail(err)
	}
	if data, err = checkUpload(id, data, opts); err != nil {
		return fail(err)
	}
	if _, err := corpus.Parse(id, data); err != nil {
		return fail(err)
	}

	l.refresh.Lock()
	defer l.refresh.Unlock()
	// Names that differ only in case are one document: they are on a
	// case-insensitive file system, and to a member reading the sources.
	for _, d := range l.Corpus().Documents {
		if d.ID != id && strings.EqualFold(d.ID, id) {
			if !opts.Replace {
				return fail(fmt.Errorf("%w: %s, whose name differs only in case (use replace to overwrite it)", ErrExists, d.ID))
			}
			id = d.ID
		}
	}
	root, err := os.OpenRoot(l.opts.Dir)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	var old []byte
	switch info, err := root.Lstat(id); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fail(err)
	case !info.Mode().IsRegular():
		return fail(fmt.Errorf("%w: %s", ErrNotRegular, id))
	case !opts.Replace:
		return fail(fmt.Errorf("%w: %s (use replace to overwrite it)", ErrExists, id))
	default:
		if old, err = root.ReadFile(id); err != nil {
			return fail(err)
		}
	}
	if err := writeAtomic(root, id, data); err != nil {
		return fail(err)
	}
	ch, err := l.refreshLocked(ctx)
	if err != nil {
		var undo error
		if old != nil {
			undo = writeAtomic(root, id, old)
		} else {
			undo = root.Remove(id)
		}
		return fail(errors.Join(err, undo))
	}
	for _, d := range l.Documents() {
		if d.ID == id {
			// The caller logs the change with who made it; this is detail.
			l.lg.Debug("document added", "document", id, "passages", d.Passages, "replaced", old != nil)
			return d, ch, nil
		}
	}
	// Parse accepted it above, so only a concurrent edit of the folder
	// can get here.
	return DocumentInfo{ID: id}, ch, nil
}

// checkUpload checks an upload's size and content before anything is
// written, and applies the title. It returns the bytes to save: UTF-8.
func checkUpload(id string, data []byte, opts AddOptions) ([]byte, error) {
	limit := opts.MaxSize
	if limit <= 0 {
		limit = DefaultMaxUpload
	}
	limit = min(limit, corpus.MaxFileSize)
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", corpus.ErrTooLarge, len(data), limit)
	}
	data, err := fromUTF16(data)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("%w: it holds NUL bytes", corpus.ErrBinary)
	}
	if ct := http.DetectContentType(data); !strings.HasPrefix(ct, "text/") {
		return nil, fmt.Errorf("%w: the content looks like %s", corpus.ErrBinary, ct)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: save the file as UTF-8", corpus.ErrEncoding)
	}
	title := strings.Join(strings.Fields(opts.Title), " ")
	if title == "" {
		return data, nil
	}
	if len(title) > maxTitleLen || !utf8.ValidString(title) {
		return nil, fmt.Errorf("%w: the title is longer than %d bytes", ErrBadName, maxTitleLen)
	}
	body := bytes.TrimPrefix(data, []byte("\uFEFF"))
	switch strings.ToLower(path.Ext(id)) {
	case ".html", ".htm":
		if bytes.Contains(bytes.ToLower(body), []byte("<title")) {
			return data, nil
		}
		return append([]byte("<title>"+html.EscapeString(title)+"</title>\n"), body...), nil
	case ".txt":
		return append([]byte(title+"\n\n"), body...), nil
	default:
		return append([]byte("# "+title+"\n\n"), body...), nil
	}
}

// RemoveDocument takes the document id out of the corpus: the file moves
// to the "removed" folder inside the corpus folder (which the loader
// ignores), with a timestamp added when a file of that name was removed
// before, and the index drops its passages. Moving it back and refreshing
// restores it. When indexing fails — removing the last document, say —
// the file is moved back and the live index is unchanged.
func (l *Library) RemoveDocument(ctx context.Context, id string) (Change, error) {
	fail := func(err error) (Change, error) {
		return Change{}, fmt.Errorf("removing document %q: %w", id, err)
	}
	if l.opts.Dir == "" {
		return fail(ErrNoDir)
	}
	l.refresh.Lock()
	defer l.refresh.Unlock()
	known := false
	for _, f := range l.state.Load().files {
		known = known || f.Path == id && f.isDoc()
	}
	if !known || !fs.ValidPath(id) {
		return fail(ErrNotFound)
	}
	dst, err := MoveToRemoved(l.opts.Dir, id)
	if err != nil {
		return fail(err)
	}
	ch, err := l.refreshLocked(ctx)
	if err != nil {
		return fail(errors.Join(err, moveBack(l.opts.Dir, dst, id)))
	}
	l.lg.Debug("document removed", "document", id, "moved_to", dst)
	return ch, nil
}

// MoveToRemoved moves the document id of the corpus folder dir into its
// "removed" folder, which the loader ignores, with a timestamp added when
// a file of that name was removed before, and returns where it went,
// relative to dir. RemoveDocument uses it; so does a caller that removes
// a corpus's last document, which RemoveDocument refuses (an index needs
// a document) but a knowledge base with other sources may allow.
func MoveToRemoved(dir, id string) (string, error) {
	if !fs.ValidPath(id) || id == "." {
		return "", ErrNotFound
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	if err := root.MkdirAll(removedDir, 0o755); err != nil {
		return "", err
	}
	dst, err := removedName(root, path.Base(id), time.Now())
	if err != nil {
		return "", err
	}
	if err := root.Rename(id, dst); err != nil {
		return "", err
	}
	syncDir(root, path.Dir(id))
	syncDir(root, removedDir)
	return dst, nil
}

// moveBack undoes MoveToRemoved.
func moveBack(dir, dst, id string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return root.Rename(dst, id)
}

// Create makes the corpus folder opts.Dir, saves data in it as its first
// document (checked as AddDocument checks an upload) and opens the
// library. When opening fails, the document is deleted again. It is how a
// knowledge base that has no documents yet gets its first.
func Create(ctx context.Context, opts Options, name string, data []byte, add AddOptions) (*Library, DocumentInfo, error) {
	fail := func(err error) (*Library, DocumentInfo, error) {
		return nil, DocumentInfo{}, fmt.Errorf("adding document %q: %w", name, err)
	}
	if opts.Dir == "" {
		return fail(ErrNoDir)
	}
	id, err := SanitizeName(name)
	if err != nil {
		return fail(err)
	}
	if data, err = checkUpload(id, data, add); err != nil {
		return fail(err)
	}
	if _, err := corpus.Parse(id, data); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return fail(err)
	}
	root, err := os.OpenRoot(opts.Dir)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	if _, err := root.Lstat(id); err == nil {
		return fail(fmt.Errorf("%w: %s", ErrExists, id))
	}
	if err := writeAtomic(root, id, data); err != nil {
		return fail(err)
	}
	l, err := Open(ctx, opts)
	if err != nil {
		return fail(errors.Join(err, root.Remove(id)))
	}
	for _, d := range l.Documents() {
		if d.ID == id {
			return l, d, nil
		}
	}
	return l, DocumentInfo{ID: id}, nil
}

// removedDir is the folder, inside the corpus folder, that removed
// documents move to; corpus.LoadFS never reads a folder of that name.
const removedDir = "removed"

// removedName is where base goes in the removed folder: removed/base, or
// with a UTC timestamp (and a counter, for two removals in one second)
// before the extension when that is taken.
func removedName(root *os.Root, base string, now time.Time) (string, error) {
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	stamp := now.UTC().Format("20060102T150405Z")
	for i := 0; i < 1000; i++ {
		name := base
		switch {
		case i == 1:
			name = stem + "." + stamp + ext
		case i > 1:
			name = fmt.Sprintf("%s.%s-%d%s", stem, stamp, i, ext)
		}
		p := removedDir + "/" + name
		if _, err := root.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("too many removed copies of %s", base)
}

// fromUTF16 converts text saved as UTF-16 with its byte-order mark (what
// Windows editors call "Unicode") to UTF-8, the form the corpus folder
// keeps; anything else is returned as it is. Without a byte-order mark
// UTF-16 cannot be told from binary data, and is refused as binary.
func fromUTF16(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return data, nil
	}
	out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("%w: it starts like UTF-16 but is not", corpus.ErrEncoding)
	}
	return out, nil
}

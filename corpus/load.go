package corpus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// removedDir is the folder name, at any depth, whose files are never
// loaded: moderators move retired documents there instead of deleting them.
const removedDir = "removed"

// LoadDir loads every document under dir; see LoadFS. A missing or
// unreadable dir is an error, not an empty corpus, so that a typo in the
// configuration is not mistaken for "no documents".
func LoadDir(ctx context.Context, dir string, lg *slog.Logger) ([]Document, []Skip, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open corpus folder: %w", err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("open corpus folder %s: not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open corpus folder: %w", err)
	}
	defer root.Close()
	return LoadFS(ctx, root.FS(), lg)
}

// LoadFS reads and cleans every document in fsys, recursively. It reads
// the formats Supported names and ignores hidden files and folders and any
// folder named "removed". Any other file that is not loaded — of an
// unsupported type, empty, binary, of an unknown encoding, too large,
// with nothing left after cleaning, unreadable — is reported as a Skip
// and logged with LogSkips at Warn; it does not stop the load. Documents
// are sorted by ID.
//
// A symbolic link is read only when it resolves to a file inside fsys
// (see symlinkEscapes); one that leads outside is skipped.
//
// The error is non-nil when the walk itself fails, when ctx is done, or
// when no document could be loaded: a *NoDocumentsError, which matches
// ErrNoDocuments and says what was found instead.
func LoadFS(ctx context.Context, fsys fs.FS, lg *slog.Logger) ([]Document, []Skip, error) {
	files, skips, err := Scan(ctx, fsys)
	if err != nil {
		return nil, skips, fmt.Errorf("load corpus: %w", err)
	}
	var docs []Document
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, skips, fmt.Errorf("load corpus: %w", err)
		}
		doc, err := LoadFile(fsys, f.Path)
		if err != nil {
			skips = append(skips, Skip{Path: f.Path, Reason: SkipReason(err)})
			continue
		}
		docs = append(docs, doc)
	}
	// In the walk's order, as the skips decided during the walk are.
	sort.SliceStable(skips, func(i, j int) bool { return skips[i].Path < skips[j].Path })
	LogSkips(ctx, lg, slog.LevelWarn, skips)
	if len(docs) == 0 {
		return nil, skips, &NoDocumentsError{Skips: skips}
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	return docs, skips, nil
}

// FileStat is a corpus file found by Scan: what a cache of parsed files
// compares to tell whether it changed.
type FileStat struct {
	// Path is the file's path in the corpus, slash-separated: the ID of
	// the document it gives.
	Path string
	// Size and ModTime are those of the file a link leads to.
	Size    int64
	ModTime time.Time
}

// Scan walks fsys as LoadFS does, reading no file: it returns the files
// LoadFS would read, sorted by path, and the skips it can decide from the
// walk alone (files of an unsupported type, unreadable entries, links that
// lead outside fsys, files over MaxFileSize). It logs nothing: its caller
// decides whether the skips are the user's to read in a report of its own
// or the log's (LogSkips), so that none is reported twice.
// The error is non-nil when the walk itself fails or ctx is done.
func Scan(ctx context.Context, fsys fs.FS) ([]FileStat, []Skip, error) {
	var files []FileStat
	var skips []Skip
	skip := func(p, reason string) {
		skips = append(skips, Skip{Path: p, Reason: reason})
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			skip(p, "unreadable")
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if p != "." && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if name == removedDir {
				return fs.SkipDir
			}
			return nil
		}
		if !Supported(name) {
			skip(p, ErrUnsupported.Error())
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if reason := symlinkEscapes(fsys, p); reason != "" {
				skip(p, reason)
				return nil
			}
		}
		// For a link, Stat follows it, unlike d.Info, so the size is the
		// size of what ReadFile would read. For a file, d.Info is what
		// listing the folder found already: no second call per file.
		var info fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			info, err = fs.Stat(fsys, p)
		} else {
			info, err = d.Info()
		}
		if err != nil {
			skip(p, "unreadable")
			return nil
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if info.Size() > MaxFileSize {
			skip(p, tooLargeReason(info.Size()))
			return nil
		}
		files = append(files, FileStat{Path: p, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, skips, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, skips, nil
}

// LogSkips logs each skip on lg, at level except for files of an
// unsupported type, which are logged at Debug: a docs folder holds images
// and licence files, not worth a warning each. A caller that lists the
// skips to its user passes slog.LevelDebug, so that the user reads each
// once. A nil lg logs nothing.
func LogSkips(ctx context.Context, lg *slog.Logger, level slog.Level, skips []Skip) {
	if lg == nil {
		return
	}
	for _, s := range skips {
		l := level
		if s.Reason == ErrUnsupported.Error() {
			l = min(l, slog.LevelDebug)
		}
		lg.Log(ctx, l, "skipping corpus file", "path", s.Path, "reason", s.Reason)
	}
}

// ReadFile reads one corpus file found by Scan, refusing one that has
// grown past MaxFileSize since (ErrTooLarge).
func ReadFile(fsys fs.FS, p string) ([]byte, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read %s: %w", p, ErrTooLarge)
	}
	return data, nil
}

// LoadFile reads and cleans one corpus file found by Scan: ReadFile, then
// Parse. SkipReason turns its error into a Skip's reason.
func LoadFile(fsys fs.FS, p string) (Document, error) {
	data, err := ReadFile(fsys, p)
	if err != nil {
		return Document{}, err
	}
	return Parse(p, data)
}

// Supported reports whether name has an extension that Parse reads: .txt,
// .md, .markdown, .mdx, .rst, .rest, .html or .htm, in any case.
func Supported(name string) bool {
	return formatOf(name) != formatUnknown
}

// SkipReason turns an error of LoadFile or Parse into the few words of
// Skip.Reason ("unreadable" for any other).
func SkipReason(err error) string {
	for _, e := range []error{ErrEmpty, ErrBinary, ErrEncoding, ErrTooLarge, ErrNoText, ErrUnsupported} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "unreadable"
}

// format is a file format Parse understands.
type format int

const (
	formatUnknown format = iota
	formatText
	formatMarkdown
	formatHTML
	formatMDX
	formatRST
)

// formatOf picks the format from a file name's extension, ignoring case.
func formatOf(name string) format {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt":
		return formatText
	case ".md", ".markdown":
		return formatMarkdown
	case ".html", ".htm":
		return formatHTML
	case ".mdx":
		return formatMDX
	case ".rst", ".rest":
		return formatRST
	}
	return formatUnknown
}

// NoDocumentsError is LoadFS's error for a folder that gave no document:
// it says what was there instead, so that a user who pointed faqbot at a
// folder of .pdf files, or of a format it does not read, learns why at
// once.
type NoDocumentsError struct {
	// Skips are the files found, each with why it was not loaded.
	Skips []Skip
}

// Error reads, for example, "no loadable documents: 180 files found, none
// of a supported type (.mdx ×180)" or "no loadable documents: the folder
// is empty".
func (e *NoDocumentsError) Error() string {
	if len(e.Skips) == 0 {
		return ErrNoDocuments.Error() + ": the folder holds no files"
	}
	reasons := map[string]int{}
	exts := map[string]int{}
	for _, s := range e.Skips {
		reasons[s.Reason]++
		if s.Reason == ErrUnsupported.Error() {
			ext := strings.ToLower(path.Ext(s.Path))
			if ext == "" {
				ext = "no extension"
			}
			exts[ext]++
		}
	}
	found := fmt.Sprintf("%d file", len(e.Skips))
	if len(e.Skips) != 1 {
		found += "s"
	}
	if n := reasons[ErrUnsupported.Error()]; n == len(e.Skips) {
		return fmt.Sprintf("%s: %s found, none of a supported type (%s)", ErrNoDocuments, found, counts(exts))
	}
	var parts []string
	if n := reasons[ErrUnsupported.Error()]; n > 0 {
		delete(reasons, ErrUnsupported.Error())
		parts = append(parts, fmt.Sprintf("%d of an unsupported type: %s", n, counts(exts)))
	}
	parts = append([]string{counts(reasons)}, parts...)
	return fmt.Sprintf("%s: %s found, none usable (%s)", ErrNoDocuments, found, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrNoDocuments) hold.
func (e *NoDocumentsError) Is(target error) bool { return target == ErrNoDocuments }

// counts renders a tally, largest first: ".mdx ×180, .png ×3".
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// tooLargeReason says a file is too large, with its size and the limit.
func tooLargeReason(size int64) string {
	return fmt.Sprintf("%s: %s, the limit is %s", ErrTooLarge, humanSize(size), humanSize(MaxFileSize))
}

// humanSize renders a byte count for people in binary units, as the
// limits are set: "20 MiB", "512 KiB".
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		// Rounded up, so that a file just over a limit never reads as
		// the limit itself.
		tenths := (n*10 + 1<<20 - 1) >> 20
		return strings.TrimSuffix(fmt.Sprintf("%d.%d", tenths/10, tenths%10), ".0") + " MiB"
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", (n+1023)/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}

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

// LoadFS reads and cleans every document in fsys, recursively. It accepts
// .txt, .md, .markdown, .html and .htm files and silently ignores other
// files, hidden files and folders, and any folder named "removed". A file
// that cannot be used (empty, binary, unknown encoding, too large, nothing
// left after cleaning, unreadable) is reported as a Skip and logged with
// lg.Warn; it does not stop the load. Documents are sorted by ID.
//
// A symbolic link is read only when it resolves to a file inside fsys
// (see symlinkEscapes); one that leads outside is skipped.
//
// The error is non-nil when the walk itself fails, when ctx is done, or
// when no document could be loaded (ErrNoDocuments).
func LoadFS(ctx context.Context, fsys fs.FS, lg *slog.Logger) ([]Document, []Skip, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	var docs []Document
	var skips []Skip
	skip := func(p, reason string) {
		lg.Warn("skipping corpus file", "path", p, "reason", reason)
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
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if reason := symlinkEscapes(fsys, p); reason != "" {
				skip(p, reason)
				return nil
			}
		}
		// Stat follows symbolic links, unlike d.Info, so the size is
		// the size of what ReadFile would read.
		info, err := fs.Stat(fsys, p)
		if err != nil {
			skip(p, "unreadable")
			return nil
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if info.Size() > MaxFileSize {
			skip(p, ErrTooLarge.Error())
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			skip(p, "unreadable")
			return nil
		}
		doc, err := Parse(p, data)
		if err != nil {
			skip(p, skipReason(err))
			return nil
		}
		docs = append(docs, doc)
		return nil
	})
	if err != nil {
		return nil, skips, fmt.Errorf("load corpus: %w", err)
	}
	if len(docs) == 0 {
		return nil, skips, fmt.Errorf("load corpus: %w (%d skipped)", ErrNoDocuments, len(skips))
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	return docs, skips, nil
}

// Supported reports whether name has an extension that Parse reads.
func Supported(name string) bool {
	return formatOf(name) != formatUnknown
}

// skipReason turns a Parse error into the few words of Skip.Reason.
func skipReason(err error) string {
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
	}
	return formatUnknown
}

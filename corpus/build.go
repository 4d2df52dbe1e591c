package corpus

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// Set is a loaded corpus, ready to index: the cleaned documents, their
// passages with near-duplicates marked, the files that were skipped and the
// duplicate report.
type Set struct {
	// Documents are the cleaned documents, sorted by ID.
	Documents []Document
	// Chunks are the passages of all documents, in document order, with
	// DupOf set on near-duplicates.
	Chunks []Chunk
	// Skips are the files that were not loaded, with the reason.
	Skips []Skip
	// Duplicates reports near-duplicate documents and passages.
	Duplicates DuplicateReport
	// DupState is what Duplicates and the DupOf marks were computed from,
	// for updating them when documents change without examining the whole
	// corpus again.
	DupState *Duplicates
}

// Build is the one path from a corpus folder to passages, used by the CLI,
// the bot and the index rebuild: it loads and cleans every document in fsys
// (LoadFS), links each to its page (opt.SourceURL), splits them with opt
// (SplitAll) and marks near-duplicates
// (FindDuplicates). The error is that of LoadFS: ErrNoDocuments when
// nothing could be loaded, or ctx's error.
func Build(ctx context.Context, fsys fs.FS, lg *slog.Logger, opt SplitOptions) (*Set, error) {
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	docs, skips, err := LoadFS(ctx, fsys, lg)
	if err != nil {
		// LoadFS's errors say what failed already ("load corpus: …", "no
		// loadable documents: …"); another prefix would only stutter.
		return nil, err
	}
	var chunks []Chunk
	for i := range docs {
		chunks = append(chunks, Prepare(&docs[i], opt)...)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("build corpus: %w", err)
	}
	state, err := NewDuplicates(ctx, docs, chunks)
	if err != nil {
		return nil, fmt.Errorf("build corpus: %w", err)
	}
	state.Mark(chunks)
	dups := state.Report()
	lg.Info("corpus built", "documents", len(docs), "passages", len(chunks), "skipped", len(skips),
		"duplicate_documents", len(dups.Documents), "duplicate_passages", dups.Passages)
	return &Set{Documents: docs, Chunks: chunks, Skips: skips, Duplicates: dups, DupState: state}, nil
}

// Prepare links a cleaned document to its page (opt.SourceURL) and splits
// it with opt: what Build does to each document, for a caller that reads
// files one at a time (the library's parse cache).
func Prepare(doc *Document, opt SplitOptions) []Chunk {
	one := []Document{*doc}
	linkDocuments(one, opt.SourceURL)
	*doc = one[0]
	return Split(*doc, opt)
}

// BuildDir is Build on a folder of the file system. A missing or
// unreadable dir is an error, as in LoadDir.
func BuildDir(ctx context.Context, dir string, lg *slog.Logger, opt SplitOptions) (*Set, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("build corpus: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("build corpus: %s is not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("build corpus: %w", err)
	}
	defer root.Close()
	return Build(ctx, root.FS(), lg, opt)
}

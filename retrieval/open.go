package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/faqbot/faqbot/corpus"
)

// OpenReport says what Open did, for the log and for `faqbot index`.
type OpenReport struct {
	// Loaded is true when the saved index was used as it was.
	Loaded bool
	// Recalibrated is true when the saved index had no current relevance
	// calibration, so it was measured as it loaded and saved again.
	Recalibrated bool
	// Reason says why the index was rebuilt (empty when Loaded), e.g.
	// "no saved index", "documents changed: 1 added, 0 removed, 2 modified".
	Reason string
	// Embedded and Reused count passages embedded anew and those whose
	// vectors came from the old index.
	Embedded, Reused int
	// Load, Build and Save are the time spent in each step (zero if the
	// step did not run).
	Load, Build, Save time.Duration
	// Warning is set when the index works but something is off, e.g. it
	// could not be saved and will be rebuilt on the next start.
	Warning string
	// SaveErr is why the index could not be saved (the index works, from
	// memory): a command whose job is to save it has failed.
	SaveErr error
	// Manifest describes the returned index.
	Manifest Manifest
}

// Open returns an index of chunks, from dir when the index saved there
// still matches (same embedder, documents and split options: want supplies
// Docs and Split), else by building one — reusing the vectors of unchanged
// passages from the saved index when it can be read — and saving it. A
// corrupt or partly written index folder is logged and rebuilt; a folder
// that cannot be written leaves the index in memory only, with a warning in
// the report. Only a failed build is an error.
func Open(ctx context.Context, dir string, chunks []corpus.Chunk, want Manifest, emb Embedder, opt BuildOptions, lg *slog.Logger) (*Index, OpenReport, error) {
	var rep OpenReport
	fillManifest(&want, chunks, emb)

	start := time.Now()
	old, got, err := LoadWith(ctx, dir, emb, LoadOptions{Expander: opt.Expander})
	rep.Load = time.Since(start)
	switch {
	case errors.Is(err, ErrNoIndex):
		rep.Reason = "no saved index"
	case errors.Is(err, ErrIncompatible) && (got.Format == legacyFormat1 || got.Format == legacyFormat2):
		// An older layout: rebuild, reusing its vectors when they were
		// made by this embedder.
		rep.Reason = fmt.Sprintf("index format %d replaced by %d", got.Format, FormatVersion)
		if reuse, err := legacyVectors(ctx, dir, emb); err == nil {
			maps.Copy(reuse, opt.Reuse)
			opt.Reuse = reuse
		} else {
			lg.Info("vectors of the old index not reused", "dir", dir, "err", err)
		}
	case errors.Is(err, ErrIncompatible):
		rep.Reason = fmt.Sprintf("embedder, analyser or format changed (saved %s, analyser %s, format %d)", got.Embedder, got.Analyzer, got.Format)
	case err != nil && ctx.Err() != nil:
		return nil, rep, fmt.Errorf("opening index: %w", ctx.Err())
	case err != nil:
		lg.Warn("saved index unusable, rebuilding", "dir", dir, "err", err)
		rep.Reason = "saved index unusable: " + err.Error()
	default:
		rep.Reason = mismatch(got, want, old, chunks)
		if rep.Reason == "" {
			old.SetMinRelevance(opt.MinRelevance)
			rep.Loaded = true
			rep.Manifest = got
			if !CalibratedWith(got, opt.Expander) {
				// Load measured the calibration the manifest lacked: keep it.
				rep.Recalibrated = true
				if err := Save(ctx, old, dir, got); err != nil {
					lg.Warn("index calibration not saved", "dir", dir, "err", err)
				} else if m, err := ReadManifest(dir); err == nil {
					rep.Manifest = m
				}
			}
			lg.Info("index loaded", "dir", dir, "passages", old.Len(), "took", rep.Load)
			return old, rep, nil
		}
	}
	lg.Info("rebuilding index", "dir", dir, "reason", rep.Reason)

	if old != nil {
		reuse, err := old.VectorsByHash(ctx)
		if err != nil {
			return nil, rep, fmt.Errorf("opening index: %w", err)
		}
		// The caller's own reuse map wins where both know a hash.
		maps.Copy(reuse, opt.Reuse)
		opt.Reuse = reuse
	}
	return rebuild(ctx, dir, chunks, want, emb, opt, lg, rep)
}

// mismatch says why a saved index does not fit the corpus, or "" if it
// does.
func mismatch(got, want Manifest, saved *Index, chunks []corpus.Chunk) string {
	if got.Split != want.Split {
		return "split options changed"
	}
	if !maps.Equal(got.Docs, want.Docs) {
		var added, removed, changed int
		for id, h := range want.Docs {
			switch old, ok := got.Docs[id]; {
			case !ok:
				added++
			case old != h:
				changed++
			}
		}
		for id := range got.Docs {
			if _, ok := want.Docs[id]; !ok {
				removed++
			}
		}
		return fmt.Sprintf("documents changed: %d added, %d removed, %d modified", added, removed, changed)
	}
	// The manifest matched, yet the passages differ: the splitter changed
	// without its fingerprint changing. Trust the passages.
	if saved.Len() != len(chunks) || !slices.Equal(saved.Chunks(), chunks) {
		return "passages changed"
	}
	return ""
}

// Rebuild builds an index of chunks and saves it in dir, as Open does when
// the saved index does not match, but without reading the saved index
// first: for a caller that holds the live index already and passes its
// vectors in opt.Reuse (see Index.VectorsByHash), loading the copy on disk
// would only cost time and memory.
func Rebuild(ctx context.Context, dir string, chunks []corpus.Chunk, want Manifest, emb Embedder, opt BuildOptions, lg *slog.Logger) (*Index, OpenReport, error) {
	fillManifest(&want, chunks, emb)
	lg.Info("rebuilding index", "dir", dir, "reason", "corpus changed")
	return rebuild(ctx, dir, chunks, want, emb, opt, lg, OpenReport{Reason: "corpus changed"})
}

// rebuild builds the index, saves it (keeping it in memory with a warning
// when the folder cannot be written) and completes rep.
func rebuild(ctx context.Context, dir string, chunks []corpus.Chunk, want Manifest, emb Embedder, opt BuildOptions, lg *slog.Logger, rep OpenReport) (*Index, OpenReport, error) {
	start := time.Now()
	ix, err := Build(ctx, chunks, emb, opt)
	rep.Build = time.Since(start)
	if err != nil {
		return nil, rep, fmt.Errorf("opening index: %w", err)
	}
	st := ix.Stats()
	rep.Embedded, rep.Reused = st.Embedded, st.Reused

	start = time.Now()
	want.Created = time.Time{}
	if err := Save(ctx, ix, dir, want); err != nil {
		if ctx.Err() != nil {
			return nil, rep, fmt.Errorf("opening index: %w", ctx.Err())
		}
		rep.Warning = fmt.Sprintf("index kept in memory only, it will be rebuilt on the next start: %v", err)
		rep.SaveErr = err
		lg.Warn("index not saved", "dir", dir, "err", err)
	}
	rep.Save = time.Since(start)
	if m, err := ReadManifest(dir); err == nil && rep.Warning == "" {
		rep.Manifest = m
	} else {
		rep.Manifest = want
	}
	lg.Info("index built", "passages", ix.Len(), "embedded", rep.Embedded, "reused", rep.Reused,
		"build", rep.Build, "save", rep.Save)
	return ix, rep, nil
}

// fillManifest sets the parts of a wanted manifest that come from the
// embedder, the analyser and the passages.
func fillManifest(want *Manifest, chunks []corpus.Chunk, emb Embedder) {
	want.Format, want.Embedder, want.Dim = FormatVersion, emb.Name(), emb.Dim()
	want.Analyzer = analyzerFingerprint()
	want.Passages = len(chunks)
}

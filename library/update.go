package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// loadSaved opens the index saved in the index folder with its table of
// files, as the state an update starts from. It returns nil when there is
// nothing usable, with a report saying why.
func (l *Library) loadSaved(ctx context.Context) (*state, retrieval.OpenReport) {
	var rep retrieval.OpenReport
	if l.opts.IndexDir == "" {
		rep.Reason = "no index folder"
		return nil, rep
	}
	start := time.Now()
	ix, m, err := retrieval.LoadWith(ctx, l.opts.IndexDir, l.opts.Embedder, l.loadOptions(l.opts.Verify))
	rep.Load = time.Since(start)
	if ix != nil {
		ix.SetMinRelevance(l.opts.MinRelevance)
	}
	switch {
	case errors.Is(err, retrieval.ErrNoIndex):
		rep.Reason = "no saved index"
		return nil, rep
	case errors.Is(err, retrieval.ErrIncompatible):
		rep.Reason = fmt.Sprintf("embedder, analyser or format changed (saved %s, analyser %s, format %d)", m.Embedder, m.Analyzer, m.Format)
		return nil, rep
	case err != nil:
		l.lg.Warn("saved index unusable, rebuilding", "dir", l.opts.IndexDir, "err", err)
		rep.Reason = "saved index unusable: " + err.Error()
		return nil, rep
	}
	if m.Split != SplitFingerprint(l.opts.Split) {
		rep.Reason = "split options or cleaning rules changed"
		l.reuse = ix // its vectors still serve the passages that did not change
		return nil, rep
	}
	files, err := l.readFiles(m)
	if err != nil {
		l.lg.Warn("saved table of corpus files unusable, rebuilding", "dir", l.opts.IndexDir, "err", err)
		rep.Reason = "saved index unusable: " + err.Error()
		return nil, rep
	}
	rep.Manifest = m
	return &state{index: ix, files: files, report: rep, dupsRec: m.Attachments[dupsAttachment]}, rep
}

// loadOptions are the options a saved index is loaded with.
func (l *Library) loadOptions(verify bool) retrieval.LoadOptions {
	return retrieval.LoadOptions{Verify: verify, Expander: l.opts.Expander}
}

// readFiles reads the table of files a manifest names and checks it
// against the index: the documents' passages must be the index's.
func (l *Library) readFiles(m retrieval.Manifest) ([]fileRecord, error) {
	rec, ok := m.Attachments[filesAttachment]
	if !ok {
		return nil, fmt.Errorf("no table of corpus files: %w", retrieval.ErrCorrupt)
	}
	b, err := retrieval.ReadAttachment(l.opts.IndexDir, rec)
	if err != nil {
		return nil, err
	}
	files, err := decodeFiles(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", retrieval.ErrCorrupt, err)
	}
	n := 0
	for _, f := range files {
		if f.isDoc() {
			n += f.Passages
		}
	}
	if n != m.Passages {
		return nil, fmt.Errorf("the table of files counts %d passages, the index %d: %w", n, m.Passages, retrieval.ErrCorrupt)
	}
	return files, nil
}

// parsed is the outcome of reading one file that the table did not vouch
// for.
type parsed struct {
	rec    fileRecord
	chunks []corpus.Chunk // for a new or changed document
	same   bool           // content as recorded: only the stamp moved
}

// update brings base (nil: no usable saved state, rep says why) up to date
// with the corpus folder and returns the new state and what changed. Only
// files whose stamp moved are read, only those whose content changed are
// parsed, and the index and near-duplicates are updated for those alone;
// with no base everything is built. A state that changed is saved.
//
// Files skipped that base did not skip are logged, at Debug when the
// caller lists them to its user (Options.SkipsListed): this is the one
// place the library logs skips, so a skip is logged once, when it
// appears, not again on every refresh.
func (l *Library) update(ctx context.Context, base *state, rep retrieval.OpenReport) (*state, Change, error) {
	st, ch, err := l.updateState(ctx, base, rep)
	var none *corpus.NoDocumentsError
	switch {
	case err == nil:
		l.logSkips(ctx, base, st.skips())
	case errors.As(err, &none):
		l.logSkips(ctx, base, none.Skips)
	}
	return st, ch, err
}

// logSkips logs the skips that base (nil: none) did not have.
func (l *Library) logSkips(ctx context.Context, base *state, skips []corpus.Skip) {
	if base != nil {
		was := map[corpus.Skip]bool{}
		for _, s := range base.skips() {
			was[s] = true
		}
		skips = slices.DeleteFunc(slices.Clone(skips), func(s corpus.Skip) bool { return was[s] })
	}
	level := slog.LevelWarn
	if l.opts.SkipsListed {
		level = slog.LevelDebug
	}
	corpus.LogSkips(ctx, l.lg, level, skips)
}

// updateState is update without the logging of skips.
func (l *Library) updateState(ctx context.Context, base *state, rep retrieval.OpenReport) (*state, Change, error) {
	stats, walkSkips, err := corpus.Scan(ctx, l.opts.Corpus)
	if err != nil {
		return nil, Change{}, fmt.Errorf("loading the corpus: load corpus: %w", err)
	}
	stamps := make(map[string]fileStamp, len(stats))
	for _, f := range stats {
		stamps[f.Path] = stampOf(f)
	}
	was := map[string]fileRecord{}
	if base != nil {
		for _, f := range base.files {
			was[f.Path] = f
		}
	}

	if base == nil && l.opts.IndexDir != "" {
		if unlock, err := retrieval.LockDir(ctx, l.opts.IndexDir); err == nil {
			st, ch, err := l.buildFromScratch(ctx, stats, walkSkips, stamps, rep)
			unlock() // before the fallback below, which saves (and locks) again
			if err == nil || ctx.Err() != nil || errors.Is(err, corpus.ErrNoDocuments) {
				return st, ch, err
			}
			l.lg.Warn("building the index in its folder failed; building it in memory", "dir", l.opts.IndexDir, "err", err)
		}
	}

	// Read, hash and parse what the table does not vouch for, on all
	// cores: a corpus read from nothing is thousands of files.
	files := make([]fileRecord, len(stats))
	var todo []int
	for i, f := range stats {
		st := stampOf(f)
		if r, ok := was[f.Path]; ok && r.trusted(f.Size, st.mod) {
			files[i] = r
			continue
		}
		todo = append(todo, i)
	}
	results := l.readAll(ctx, stats, todo, was)
	if err := ctx.Err(); err != nil {
		return nil, Change{}, fmt.Errorf("loading the corpus: %w", err)
	}
	docs := map[string][]corpus.Chunk{} // changed and added documents' passages; nil for removed
	stampsMoved := false
	for k, i := range todo {
		r := results[k]
		files[i] = r.rec
		if r.same {
			stampsMoved = true
			continue
		}
		if r.rec.isDoc() {
			docs[r.rec.Path] = r.chunks
		} else if w, ok := was[r.rec.Path]; ok && w.isDoc() {
			docs[r.rec.Path] = nil // a document that no longer reads
		}
		stampsMoved = true
	}
	now := map[string]bool{}
	ndocs := 0
	for _, f := range files {
		now[f.Path] = true
		if f.isDoc() {
			ndocs++
		}
	}
	for p, w := range was {
		if !now[p] {
			stampsMoved = true
			if w.isDoc() {
				docs[p] = nil
			}
		}
	}
	if ndocs == 0 {
		return nil, Change{}, noDocuments(walkSkips, files)
	}

	st := &state{files: files, walkSkips: walkSkips, stamps: stamps}
	if base != nil && len(docs) == 0 {
		// No document changed: keep the index. A table whose stamps
		// moved is saved again, so the next start does not read those
		// files once more.
		st.index, st.dups, st.dupsRec = base.index, base.dups, base.dupsRec
		st.report = rep
		st.report.Loaded = rep.Reason == ""
		// An index saved before relevance calibration, or calibrated
		// with another expander, was calibrated as it loaded: save that
		// too.
		if stampsMoved || !retrieval.CalibratedWith(rep.Manifest, l.opts.Expander) {
			l.save(ctx, st, &st.report)
		}
		ch := l.diff(base, st, docs)
		ch.Reused = st.index.Len()
		return st, ch, nil
	}

	// Near-duplicates, then the index, for the changed documents only.
	opt := retrieval.BuildOptions{Progress: l.opts.Progress, MinRelevance: l.opts.MinRelevance, Expander: l.opts.Expander}
	var dups *corpus.Duplicates
	if base != nil {
		dups, err = l.updateDuplicates(ctx, base, st, docs)
	} else {
		dups, err = l.allDuplicates(ctx, st, docs)
	}
	if err != nil {
		return nil, Change{}, err
	}
	st.dups = dups
	marks := dups.Marks()
	start := time.Now()
	rep.Loaded = false
	if base != nil && rep.Reason == "" {
		rep.Reason = "documents changed"
	}
	l.lg.Info("rebuilding index", "dir", l.opts.IndexDir, "reason", rep.Reason, "documents_changed", len(docs))
	if base != nil {
		st.index, err = base.index.Update(ctx, docs, marks, opt)
	} else {
		var all []corpus.Chunk
		for _, f := range files {
			all = append(all, docs[f.Path]...)
		}
		dups.Mark(all)
		l.reuseFrom(ctx, &opt)
		st.index, err = retrieval.Build(ctx, all, l.opts.Embedder, opt)
	}
	if err != nil && base != nil && errors.Is(err, retrieval.ErrCorrupt) {
		// The live index's files were changed under it (see
		// retrieval/fault.go): read everything again.
		l.lg.Error("the live index is unreadable; reading the whole corpus again", "err", err)
		st, _, err := l.updateState(ctx, nil, retrieval.OpenReport{Reason: "live index unreadable"})
		if err != nil {
			return nil, Change{}, err
		}
		ch := l.diff(base, st, nil)
		ch.Embedded, ch.Reused = st.report.Embedded, st.report.Reused
		return st, ch, nil
	}
	if err != nil {
		return nil, Change{}, fmt.Errorf("opening the index: %w", err)
	}
	rep.Build = time.Since(start)
	rep.Embedded, rep.Reused = st.index.Stats().Embedded, st.index.Stats().Reused
	if base != nil {
		rep.Reused += st.index.Len() - changedPassages(docs)
	}
	st.report = rep
	l.save(ctx, st, &st.report)
	l.release(st)
	ch := l.diff(base, st, docs)
	ch.Embedded, ch.Reused = st.report.Embedded, st.report.Reused
	return st, ch, nil
}

// reuseFrom sets opt to reuse the vectors of the saved index when it was
// set aside (made by this embedder, passages cut otherwise) or is of an
// older format.
func (l *Library) reuseFrom(ctx context.Context, opt *retrieval.BuildOptions) {
	if l.reuse != nil {
		opt.ReuseIndex = l.reuse
		return
	}
	if l.opts.IndexDir == "" {
		return
	}
	if m, err := retrieval.ReadManifest(l.opts.IndexDir); err == nil && m.Format < retrieval.FormatVersion {
		if reuse, err := retrieval.ReusableVectors(ctx, l.opts.IndexDir, l.opts.Embedder); err == nil {
			opt.Reuse = reuse
		}
	}
}

// scratchBatch is how many files buildFromScratch reads and parses at a
// time before handing their passages, in order, to the index builder.
const scratchBatch = 256

// buildFromScratch reads a whole corpus into a new index, streaming:
// files are read and parsed a batch at a time, their passages go to a
// retrieval.DirBuilder that writes the index folder a shard at a time, and
// near-duplicates are examined afterwards from the mapped shards. Memory
// holds a batch of files and a shard, never the corpus: at 10,000
// documents the whole of it is several times the budget. The caller holds
// the index folder's lock.
func (l *Library) buildFromScratch(ctx context.Context, stats []corpus.FileStat, walkSkips []corpus.Skip, stamps map[string]fileStamp, rep retrieval.OpenReport) (*state, Change, error) {
	opt := retrieval.BuildOptions{Progress: l.opts.Progress, MinRelevance: l.opts.MinRelevance, Expander: l.opts.Expander}
	l.reuseFrom(ctx, &opt)
	l.lg.Info("rebuilding index", "dir", l.opts.IndexDir, "reason", rep.Reason, "files", len(stats))
	start := time.Now()
	b, err := retrieval.NewDirBuilder(ctx, l.opts.IndexDir, l.opts.Embedder, opt)
	if err != nil {
		return nil, Change{}, err
	}
	files := make([]fileRecord, len(stats))
	var ids []string
	for lo := 0; lo < len(stats); lo += scratchBatch {
		hi := min(lo+scratchBatch, len(stats))
		todo := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			todo = append(todo, i)
		}
		results := l.readAll(ctx, stats, todo, nil)
		if err := ctx.Err(); err != nil {
			return nil, Change{}, fmt.Errorf("loading the corpus: %w", err)
		}
		for k, i := range todo {
			r := results[k]
			files[i] = r.rec
			if !r.rec.isDoc() {
				continue
			}
			ids = append(ids, r.rec.Path)
			if err := b.Add(r.chunks); err != nil {
				return nil, Change{}, fmt.Errorf("opening the index: %w", err)
			}
		}
	}
	if len(ids) == 0 {
		return nil, Change{}, noDocuments(walkSkips, files)
	}
	ix, err := b.Finish()
	if err != nil {
		return nil, Change{}, fmt.Errorf("opening the index: %w", err)
	}
	l.lg.Info("corpus read and indexed", "documents", len(ids), "passages", ix.Len(), "shards", ix.Stats().Shards,
		"embedded", ix.Stats().Embedded, "took", time.Since(start))
	dupStart := time.Now()
	st := &state{files: files, walkSkips: walkSkips, stamps: stamps}
	title := make(map[string]string, len(files))
	for _, f := range files {
		title[f.Path] = f.Title
	}
	dups := &corpus.Duplicates{}
	err = dups.AddAll(ctx, ids, func(id string) (corpus.DocText, bool) {
		cs, ok := ix.DocumentChunks(id)
		return corpus.DocText{ID: id, Title: title[id], Chunks: cs}, ok
	})
	if err != nil {
		return nil, Change{}, fmt.Errorf("finding near-duplicates: %w", err)
	}
	st.dups = dups
	l.lg.Info("near-duplicates found", "documents", len(ids), "pairs", len(dups.Report().Documents),
		"passages_marked", dups.Report().Passages, "took", time.Since(dupStart))
	// The marks go beside the shards, which stay as written.
	if st.index, err = ix.Update(ctx, nil, dups.Marks(), opt); err != nil {
		return nil, Change{}, fmt.Errorf("opening the index: %w", err)
	}
	rep.Loaded = false
	rep.Build = time.Since(start)
	rep.Embedded, rep.Reused = ix.Stats().Embedded, ix.Stats().Reused
	st.report = rep
	l.saveLocked(ctx, st, &st.report)
	l.release(st)
	ch := DiffDocuments(nil, st.documents())
	ch.Skips = st.skips()
	ch.PassagesAdded = st.index.Len()
	ch.Embedded, ch.Reused = st.report.Embedded, st.report.Reused
	return st, ch, nil
}

// noDocuments is the error of a corpus with no document: every file read
// was skipped, and so was what the walk skipped.
func noDocuments(walkSkips []corpus.Skip, files []fileRecord) error {
	var skips []corpus.Skip
	skips = append(skips, walkSkips...)
	for _, f := range files {
		skips = append(skips, corpus.Skip{Path: f.Path, Reason: f.Skip})
	}
	return fmt.Errorf("loading the corpus: %w", &corpus.NoDocumentsError{Skips: skips})
}

// changedPassages counts the passages of the changed documents.
func changedPassages(docs map[string][]corpus.Chunk) int {
	n := 0
	for _, cs := range docs {
		n += len(cs)
	}
	return n
}

// stampOf is a listed file's stamp.
func stampOf(f corpus.FileStat) fileStamp {
	var mod int64
	if !f.ModTime.IsZero() {
		mod = f.ModTime.UnixNano()
	}
	return fileStamp{size: f.Size, mod: mod}
}

// readAll reads the files stats[todo[k]] on GOMAXPROCS goroutines: each is
// hashed, and parsed and split unless its content is what was recorded.
func (l *Library) readAll(ctx context.Context, stats []corpus.FileStat, todo []int, was map[string]fileRecord) []parsed {
	out := make([]parsed, len(todo))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(todo)/4))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := w; k < len(todo); k += workers {
				if ctx.Err() != nil {
					return
				}
				out[k] = l.readOne(stats[todo[k]], was)
			}
		})
	}
	wg.Wait()
	return out
}

// readOne reads one file.
func (l *Library) readOne(f corpus.FileStat, was map[string]fileRecord) parsed {
	st := stampOf(f)
	rec := fileRecord{Path: f.Path, Size: f.Size, Mod: st.mod}
	data, err := corpus.ReadFile(l.opts.Corpus, f.Path)
	if err != nil {
		rec.Skip = corpus.SkipReason(err)
		return parsed{rec: rec}
	}
	sum := sha256.Sum256(data)
	rec.Hash = hex.EncodeToString(sum[:])
	if w, ok := was[f.Path]; ok && w.Hash == rec.Hash {
		w.Size, w.Mod = rec.Size, rec.Mod
		return parsed{rec: w, same: true}
	}
	doc, err := corpus.Parse(f.Path, data)
	if err != nil {
		rec.Skip = corpus.SkipReason(err)
		return parsed{rec: rec}
	}
	chunks := corpus.Prepare(&doc, l.opts.Split)
	rec.Title, rec.URL, rec.Date, rec.Passages = doc.Title, doc.URL, doc.Date, len(chunks)
	return parsed{rec: rec, chunks: chunks}
}

// allDuplicates examines a corpus read whole.
func (l *Library) allDuplicates(ctx context.Context, st *state, docs map[string][]corpus.Chunk) (*corpus.Duplicates, error) {
	var ds []corpus.Document
	var all []corpus.Chunk
	for _, f := range st.files {
		if f.isDoc() {
			ds = append(ds, corpus.Document{ID: f.Path, Title: f.Title})
			all = append(all, docs[f.Path]...)
		}
	}
	d, err := corpus.NewDuplicates(ctx, ds, all)
	if err != nil {
		return nil, fmt.Errorf("finding near-duplicates: %w", err)
	}
	return d, nil
}

// updateDuplicates updates base's near-duplicate state for the changed
// documents, reading the old versions' and unchanged documents' passages
// from base's index. A state that cannot be read or updated is made anew.
func (l *Library) updateDuplicates(ctx context.Context, base, st *state, docs map[string][]corpus.Chunk) (*corpus.Duplicates, error) {
	title := map[string]string{}
	for _, f := range st.files {
		title[f.Path] = f.Title
	}
	oldTitle := map[string]string{}
	for _, f := range base.files {
		oldTitle[f.Path] = f.Title
	}
	lookup := func(id string) (corpus.DocText, bool) {
		cs, ok := base.index.DocumentChunks(id)
		return corpus.DocText{ID: id, Title: title[id], Chunks: cs}, ok
	}
	// base's state stays live until the swap: update a copy.
	d, err := base.duplicatesToChange(l.opts.IndexDir)
	if err == nil {
		ids := make([]string, 0, len(docs))
		for id := range docs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var changes []corpus.DocChange
		for _, id := range ids {
			var ch corpus.DocChange
			if cs, ok := base.index.DocumentChunks(id); ok {
				ch.Old = &corpus.DocText{ID: id, Title: oldTitle[id], Chunks: cs}
			}
			if cs := docs[id]; cs != nil {
				ch.New = &corpus.DocText{ID: id, Title: title[id], Chunks: cs}
			}
			changes = append(changes, ch)
		}
		if err = d.Update(ctx, changes, lookup); err == nil {
			return d, nil
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("finding near-duplicates: %w", ctx.Err())
	}
	l.lg.Warn("near-duplicate state not updatable, examining the whole corpus", "err", err)
	all := map[string][]corpus.Chunk{}
	for _, f := range st.files {
		if !f.isDoc() {
			continue
		}
		if cs, ok := docs[f.Path]; ok {
			all[f.Path] = cs
		} else if cs, ok := base.index.DocumentChunks(f.Path); ok {
			all[f.Path] = cs
		}
	}
	return l.allDuplicates(ctx, st, all)
}

// save writes the state's index, table of files and near-duplicate state
// to the index folder, then reopens the index from there so that its
// passages are mapped rather than held in memory. A folder that cannot be
// written leaves the index in memory, with a warning in rep.
func (l *Library) save(ctx context.Context, st *state, rep *retrieval.OpenReport) {
	if l.opts.IndexDir == "" {
		return
	}
	unlock, err := retrieval.LockDir(ctx, l.opts.IndexDir)
	if err != nil {
		if ctx.Err() == nil {
			rep.SaveErr = err
			rep.Warning = fmt.Sprintf("index kept in memory only, it will be rebuilt on the next start: %v", err)
			l.lg.Warn("index not saved", "dir", l.opts.IndexDir, "err", err)
		}
		return
	}
	defer unlock()
	l.saveLocked(ctx, st, rep)
}

// saveLocked is save for a caller that holds the index folder's lock.
func (l *Library) saveLocked(ctx context.Context, st *state, rep *retrieval.OpenReport) {
	start := time.Now()
	defer func() { rep.Save = time.Since(start) }()
	warn := func(err error) {
		if ctx.Err() == nil {
			rep.SaveErr = err
			rep.Warning = fmt.Sprintf("index kept in memory only, it will be rebuilt on the next start: %v", err)
			l.lg.Warn("index not saved", "dir", l.opts.IndexDir, "err", err)
		}
	}
	var err error
	m := retrieval.Manifest{Split: SplitFingerprint(l.opts.Split), Attachments: map[string]retrieval.FileRecord{}}
	if m.Attachments[filesAttachment], err = retrieval.WriteAttachment(ctx, l.opts.IndexDir, filesAttachment, encodeFiles(st.files)); err != nil {
		warn(err)
		return
	}
	if st.dups != nil {
		b, err := st.dups.MarshalBinary()
		if err == nil {
			m.Attachments[dupsAttachment], err = retrieval.WriteAttachment(ctx, l.opts.IndexDir, dupsAttachment, b)
		}
		if err != nil {
			warn(err)
			return
		}
	} else if st.dupsRec.Name != "" {
		m.Attachments[dupsAttachment] = st.dupsRec // unchanged, still there
	}
	if err := retrieval.Save(ctx, st.index, l.opts.IndexDir, m); err != nil {
		warn(err)
		return
	}
	st.dupsRec = m.Attachments[dupsAttachment]
	saved, m, err := retrieval.LoadWith(ctx, l.opts.IndexDir, l.opts.Embedder, l.loadOptions(false))
	if err != nil {
		l.lg.Warn("saved index not reopened; serving it from memory", "dir", l.opts.IndexDir, "err", err)
		return
	}
	saved.SetMinRelevance(l.opts.MinRelevance)
	st.index = saved
	rep.Manifest = m
	l.lg.Info("index saved", "dir", l.opts.IndexDir, "passages", saved.Len(), "shards", saved.Stats().Shards)
}

// release lets go of what a state rebuilt and saved no longer needs: its
// near-duplicate state, saved and read back when next needed
// (state.duplicates; tens of megabytes at 10,000 documents), and the
// update's garbage, returned to the system now rather than over minutes.
// A process's peak memory is its heap after an update plus the index pages
// its next search maps (the quantised vectors are read whole): the cold
// ask that indexes one added page peaked there.
func (l *Library) release(st *state) {
	st.dupsMu.Lock()
	if st.report.SaveErr == nil && st.dupsRec.Name != "" {
		st.dups = nil
	}
	st.dupsMu.Unlock()
	debug.FreeOSMemory()
}

// diff says what changed from base to st: documents by their records,
// passages by their hashes within the changed documents.
func (l *Library) diff(base, st *state, docs map[string][]corpus.Chunk) Change {
	was := map[string]string{}
	if base != nil {
		for _, f := range base.files {
			if f.isDoc() {
				was[f.Path] = f.Hash
			}
		}
	}
	ch := DiffDocuments(was, st.documents())
	ch.Skips = st.skips()
	changed := map[string]bool{}
	for id := range docs {
		changed[id] = true
	}
	for _, f := range st.files {
		if f.isDoc() && !changed[f.Path] {
			if _, ok := was[f.Path]; ok {
				ch.PassagesUnchanged += f.Passages
			} else {
				ch.PassagesAdded += f.Passages
			}
		}
	}
	for id, cs := range docs {
		old := map[string]int{}
		if base != nil {
			if prev, ok := base.index.DocumentChunks(id); ok {
				for _, c := range prev {
					old[c.Hash]++
				}
			}
		}
		for _, c := range cs {
			if old[c.Hash] > 0 {
				old[c.Hash]--
				ch.PassagesUnchanged++
			} else {
				ch.PassagesAdded++
			}
		}
		for _, n := range old {
			ch.PassagesRemoved += n
		}
	}
	return ch
}

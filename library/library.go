// Package library keeps a corpus and its index live: it opens them once,
// answers searches from the current index, and refreshes both from the
// corpus folder on demand — building the new index beside the live one and
// swapping it in atomically, so questions are answered throughout. The CLI,
// the bot's /reindex and any other trigger all go through Refresh.
package library

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// Options configure a Library.
type Options struct {
	// Corpus is the folder of documents (an os.Root's FS, or the
	// embedded default). It is read anew on every Refresh.
	Corpus fs.FS
	// Dir, when set, is the corpus folder on disk; Corpus is then
	// an os.Root of Dir. AddDocument, RemoveDocument and Watch need it: the
	// embedded corpus cannot be changed.
	Dir string
	// WatchReport, when set, is told of every change Watch finds and the
	// result of the refresh it triggered, e.g. to record it in the change
	// log.
	WatchReport func(ch Change, err error)
	// IndexDir is where the index is saved.
	IndexDir string
	// Split are the splitting options; corpus.DefaultSplitOptions when zero.
	Split corpus.SplitOptions
	// Embedder embeds passages and questions.
	Embedder retrieval.Embedder
	// Progress, when set, is called as passages are embedded.
	Progress func(done, total int)
	// MinRelevance, when positive, overrides the index's calibrated
	// relevance threshold (retrieval.Index.SetMinRelevance): the
	// FAQBOT_MIN_RELEVANCE setting.
	MinRelevance float64
	// Verify checks every checksum of the saved index when opening it,
	// which reads all of it; without, damage inside the passages' text or
	// vectors goes unnoticed (truncation and damage to the tables that
	// locate them are always caught). `faqbot index` and serve verify; a
	// cold `faqbot ask` does not.
	Verify bool
	// Expander, when set, widens every question with related words of
	// the corpus; the index is calibrated with it
	// (retrieval.BuildOptions.Expander).
	Expander retrieval.Expander
	// Logger receives structured logs; discarded when nil.
	Logger *slog.Logger
	// SkipsListed says the caller shows the files that could not be
	// loaded (Stats.Skips, Change.Skips) to its user itself, as
	// `faqbot index` does: the library then logs them at Debug, not
	// Warn, so the user reads each once. Unset, as for serve, whose log is
	// the only place an operator learns of them, they are warnings.
	SkipsListed bool
}

// Library is a corpus and its live index. It is safe for concurrent use:
// searches read the current index without locking, and refreshes are
// serialised.
//
// Opening a library costs a listing of the corpus folder and the opening
// of the saved index (whose files are mapped, not decoded): files whose
// size and modification time are as the index recorded are not read, and
// a refresh parses, embeds and saves only what changed (see cache.go).
type Library struct {
	opts    Options
	lg      *slog.Logger
	live    *retrieval.Live
	refresh sync.Mutex // one refresh at a time: they save to the same folder
	state   atomic.Pointer[state]
	// reuse is a saved index set aside at open (passages cut with other
	// options) whose vectors the first build reuses.
	reuse *retrieval.Index
}

// state is one consistent corpus and the index built from it.
type state struct {
	index *retrieval.Index
	// files are the corpus files as last read, sorted by path: documents
	// and files skipped after reading them.
	files []fileRecord
	// walkSkips are the files the listing itself skipped.
	walkSkips []corpus.Skip
	report    retrieval.OpenReport
	// stamps are the corpus files' sizes and times as listed just before
	// they were read: what Watch compares with.
	stamps map[string]fileStamp
	// dups is the near-duplicate state, read from the index folder on
	// first use (dupsRec) when it was not computed in this process.
	dupsMu  sync.Mutex
	dups    *corpus.Duplicates
	dupsRec retrieval.FileRecord
	// set is the corpus as a corpus.Set, made on first use.
	setOnce sync.Once
	set     *corpus.Set
}

// Open loads the corpus and opens its index: the saved one as it is when
// no document changed, updated for the documents that did, or built anew
// when there is no usable saved index.
func Open(ctx context.Context, opts Options) (*Library, error) {
	if opts.Split.Target == 0 && opts.Split.Max == 0 && opts.Split.Overlap == 0 {
		src := opts.Split.SourceURL
		opts.Split = corpus.DefaultSplitOptions()
		opts.Split.SourceURL = src
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if opts.Dir != "" {
		info, err := os.Stat(opts.Dir)
		if err != nil {
			return nil, fmt.Errorf("opening the corpus folder: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("opening the corpus folder: %s is not a folder", opts.Dir)
		}
		// An os.Root refuses, at open time, any path that resolves outside
		// the folder, whatever links are swapped in meanwhile. It stays open
		// for the library's life: the corpus is re-read on every refresh.
		root, err := os.OpenRoot(opts.Dir)
		if err != nil {
			return nil, fmt.Errorf("opening the corpus folder: %w", err)
		}
		opts.Corpus = root.FS()
		removeStaleTemps(opts.Dir, lg)
	}
	l := &Library{opts: opts, lg: lg}
	base, rep := l.loadSaved(ctx)
	st, _, err := l.update(ctx, base, rep)
	if err != nil {
		return nil, err
	}
	l.state.Store(st)
	l.live = retrieval.NewLive(st.index)
	return l, nil
}

// SplitFingerprint names the cleaning and splitting that made the passages,
// so that a change to either rebuilds a saved index whose documents did
// not change.
func SplitFingerprint(o corpus.SplitOptions) string {
	return fmt.Sprintf("%s target=%d max=%d overlap=%d source=%s", corpus.CleanerVersion, o.Target, o.Max, o.Overlap, o.SourceURL)
}

// Search answers from the current index.
func (l *Library) Search(ctx context.Context, query string, k int) ([]retrieval.Hit, error) {
	return l.live.Search(ctx, query, k)
}

// Passage returns the passage of the current index with the given ID, so
// that an answer can read on from a hit into the passages around it (it
// satisfies answer.Passages). It never fails.
func (l *Library) Passage(_ context.Context, id string) (corpus.Chunk, bool, error) {
	c, ok := l.Index().Chunk(id)
	return c, ok, nil
}

// Index is the current index.
func (l *Library) Index() *retrieval.Index { return l.state.Load().index }

// Corpus is the current corpus as a corpus.Set. Its documents carry no
// sections (the passages are what is kept) and its passages are copied out
// of the index on first use, which for a large corpus is tens of
// megabytes: Stats and Documents are cheap.
func (l *Library) Corpus() *corpus.Set {
	st := l.state.Load()
	st.setOnce.Do(func() {
		set := &corpus.Set{Documents: st.documents(), Chunks: st.index.Chunks(), Skips: st.skips()}
		if d, err := st.duplicates(l.opts.IndexDir); err == nil {
			set.Duplicates, set.DupState = d.Report(), d
		} else {
			l.lg.Warn("near-duplicate state unavailable", "err", err)
		}
		st.set = set
	})
	return st.set
}

// Stats counts the current corpus.
type Stats struct {
	// Documents and Passages are the corpus's documents and passages.
	Documents, Passages int
	// Skips are the files that could not be loaded.
	Skips []corpus.Skip
}

// Stats counts the current corpus without copying it.
func (l *Library) Stats() Stats {
	st := l.state.Load()
	n := 0
	for _, f := range st.files {
		if f.isDoc() {
			n++
		}
	}
	return Stats{Documents: n, Passages: st.index.Len(), Skips: st.skips()}
}

// Duplicates reports the current corpus's near-duplicates, reading the
// saved near-duplicate state if this process has not computed it.
func (l *Library) Duplicates() (corpus.DuplicateReport, error) {
	d, err := l.state.Load().duplicates(l.opts.IndexDir)
	if err != nil {
		return corpus.DuplicateReport{}, err
	}
	return d.Report(), nil
}

// SavedDuplicates reads the near-duplicate report and the passage count
// saved with the index in the folder dir, without opening a library: it
// neither reads the corpus nor examines anything again, and writes
// nothing. A benchmark or a tool inspecting an index uses it; opening a
// Library with other options than the one that saved the index could
// recalibrate it and save it again.
func SavedDuplicates(dir string) (corpus.DuplicateReport, int, error) {
	m, err := retrieval.ReadManifest(dir)
	if err != nil {
		return corpus.DuplicateReport{}, 0, err
	}
	st := &state{dupsRec: m.Attachments[dupsAttachment]}
	d, err := st.duplicates(dir)
	if err != nil {
		return corpus.DuplicateReport{}, m.Passages, err
	}
	return d.Report(), m.Passages, nil
}

// Report says how the current index was opened.
func (l *Library) Report() retrieval.OpenReport { return l.state.Load().report }

// documents lists the state's documents as corpus documents without
// sections, sorted by ID.
func (st *state) documents() []corpus.Document {
	var out []corpus.Document
	for _, f := range st.files {
		if f.isDoc() {
			out = append(out, corpus.Document{ID: f.Path, Title: f.Title, URL: f.URL, Date: f.Date, Hash: f.Hash})
		}
	}
	return out
}

// skips lists the files that could not be loaded, by path, as
// corpus.LoadFS does.
func (st *state) skips() []corpus.Skip {
	out := slices.Clone(st.walkSkips)
	for _, f := range st.files {
		if !f.isDoc() {
			out = append(out, corpus.Skip{Path: f.Path, Reason: f.Skip})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// duplicates returns the near-duplicate state, reading it from the index
// folder dir on first use.
func (st *state) duplicates(dir string) (*corpus.Duplicates, error) {
	st.dupsMu.Lock()
	defer st.dupsMu.Unlock()
	if st.dups != nil {
		return st.dups, nil
	}
	d, err := st.readDuplicates(dir)
	if err != nil {
		return nil, err
	}
	st.dups = d
	return st.dups, nil
}

// duplicatesToChange returns a copy of the near-duplicate state that an
// update may change. A state not yet read is read from the index folder
// and not kept: at 10,000 documents it is tens of megabytes, which an
// update would otherwise hold twice.
func (st *state) duplicatesToChange(dir string) (*corpus.Duplicates, error) {
	st.dupsMu.Lock()
	defer st.dupsMu.Unlock()
	if st.dups != nil {
		return st.dups.Clone(), nil
	}
	return st.readDuplicates(dir)
}

// readDuplicates decodes the near-duplicate state saved in the index
// folder dir. The caller holds dupsMu.
func (st *state) readDuplicates(dir string) (*corpus.Duplicates, error) {
	if st.dupsRec.Name == "" {
		return nil, fmt.Errorf("reading the near-duplicate state: none saved: %w", corpus.ErrDupState)
	}
	b, err := retrieval.ReadAttachment(dir, st.dupsRec)
	if err != nil {
		return nil, fmt.Errorf("reading the near-duplicate state: %w", err)
	}
	var d corpus.Duplicates
	if err := d.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("reading the near-duplicate state: %w", err)
	}
	return &d, nil
}

// Change says what a Refresh changed.
type Change struct {
	DocumentsAdded, DocumentsRemoved, DocumentsChanged, DocumentsUnchanged []string
	PassagesAdded, PassagesRemoved, PassagesUnchanged                      int
	// Embedded and Reused count passages embedded anew and those whose
	// vectors were reused.
	Embedded, Reused int
	// Skips are files that could not be loaded.
	Skips []corpus.Skip
	// Took is how long the refresh took.
	Took time.Duration
}

// Refresh re-reads the corpus folder and, when anything changed, updates
// the index beside the live one (re-parsing and re-embedding only changed
// documents, rebuilding only the shards that hold them), saves it and
// swaps it in. Questions keep being answered from the old index until the
// swap. Concurrent calls run one after the other. On error the live index
// is left as it was.
func (l *Library) Refresh(ctx context.Context) (Change, error) {
	l.refresh.Lock()
	defer l.refresh.Unlock()
	return l.refreshLocked(ctx)
}

// refreshLocked is Refresh for a caller that holds l.refresh. When no
// document's content changed (a watcher tick after an upload, a SIGHUP
// with nothing new) it keeps the live index instead of reopening it.
func (l *Library) refreshLocked(ctx context.Context) (Change, error) {
	start := time.Now()
	old := l.state.Load()
	st, ch, err := l.update(ctx, old, old.report)
	if err != nil {
		return Change{}, err
	}
	l.state.Store(st)
	l.live.Swap(st.index)
	ch.Took = time.Since(start)
	l.lg.Info("corpus refreshed", "added", len(ch.DocumentsAdded), "removed", len(ch.DocumentsRemoved),
		"changed", len(ch.DocumentsChanged), "passages_added", ch.PassagesAdded, "passages_removed", ch.PassagesRemoved,
		"embedded", ch.Embedded, "took", ch.Took)
	return ch, nil
}

// DiffDocuments sorts docs into added, changed and unchanged against was
// (document ID to content hash), and lists the IDs of was that docs no
// longer has as removed. Passage counts are left at zero.
func DiffDocuments(was map[string]string, docs []corpus.Document) Change {
	var ch Change
	now := make(map[string]bool, len(docs))
	for _, d := range docs {
		now[d.ID] = true
		switch h, ok := was[d.ID]; {
		case !ok:
			ch.DocumentsAdded = append(ch.DocumentsAdded, d.ID)
		case h != d.Hash:
			ch.DocumentsChanged = append(ch.DocumentsChanged, d.ID)
		default:
			ch.DocumentsUnchanged = append(ch.DocumentsUnchanged, d.ID)
		}
	}
	for id := range was {
		if !now[id] {
			ch.DocumentsRemoved = append(ch.DocumentsRemoved, id)
		}
	}
	sort.Strings(ch.DocumentsRemoved)
	return ch
}

// DocumentInfo describes one document of the corpus for listings.
type DocumentInfo struct {
	ID, Title, URL, Date string
	Passages             int
	// Modified is the file's modification time when the corpus is a
	// folder on disk (Options.Dir), else zero.
	Modified time.Time
	// Size is the file's size in bytes, when the corpus is on disk.
	Size int64
	// Hash is the hex SHA-256 of the file's content (corpus.Document.Hash).
	Hash string
}

// Documents lists the current corpus's documents, sorted by ID.
func (l *Library) Documents() []DocumentInfo {
	st := l.state.Load()
	var out []DocumentInfo
	for _, f := range st.files {
		if !f.isDoc() {
			continue
		}
		info := DocumentInfo{ID: f.Path, Title: f.Title, URL: f.URL, Date: f.Date, Passages: f.Passages, Hash: f.Hash}
		if l.opts.Dir != "" {
			info.Size = f.Size
			if f.Mod != 0 {
				info.Modified = time.Unix(0, f.Mod)
			}
		}
		out = append(out, info)
	}
	return out
}

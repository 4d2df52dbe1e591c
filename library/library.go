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
	"maps"
	"os"
	"path/filepath"
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
	// Logger receives structured logs; discarded when nil.
	Logger *slog.Logger
}

// Library is a corpus and its live index. It is safe for concurrent use:
// searches read the current index without locking, and refreshes are
// serialised.
type Library struct {
	opts    Options
	lg      *slog.Logger
	live    *retrieval.Live
	refresh sync.Mutex // one refresh at a time: they save to the same folder
	state   atomic.Pointer[state]
}

// state is one consistent corpus and the index built from it.
type state struct {
	set    *corpus.Set
	index  *retrieval.Index
	report retrieval.OpenReport
	// stamps are the corpus folder's files as they were just before set
	// was read (nil without Options.Dir): what Watch compares with.
	stamps map[string]fileStamp
}

// Open loads the corpus and opens its index (loading the saved one when it
// still matches, building otherwise).
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
	st, err := l.build(ctx)
	if err != nil {
		return nil, err
	}
	l.state.Store(st)
	l.live = retrieval.NewLive(st.index)
	return l, nil
}

func (l *Library) build(ctx context.Context) (*state, error) {
	stamps := l.stamp()
	set, err := corpus.Build(ctx, l.opts.Corpus, l.lg, l.opts.Split)
	if err != nil {
		return nil, fmt.Errorf("loading the corpus: %w", err)
	}
	st, err := l.open(ctx, set)
	if err != nil {
		return nil, err
	}
	st.stamps = stamps
	return st, nil
}

// stamp is the corpus folder's snapshot, taken before reading it so that
// an edit made during the read shows as a change on the next look.
func (l *Library) stamp() map[string]fileStamp {
	if l.opts.Dir == "" {
		return nil
	}
	s, err := snapshot(l.opts.Dir)
	if err != nil {
		return nil
	}
	return s
}

// open opens (or builds) the index of set.
// rebuild indexes a changed corpus beside the live index, reusing the live
// index's vectors for unchanged passages, and saves it. (Open would first
// read the saved copy of the live index back from disk for the same
// vectors.)
func (l *Library) rebuild(ctx context.Context, set *corpus.Set, live *retrieval.Index) (*state, error) {
	reuse, err := live.VectorsByHash(ctx)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the index: %w", err)
	}
	want := retrieval.Manifest{Docs: docHashes(set), Split: SplitFingerprint(l.opts.Split)}
	ix, rep, err := retrieval.Rebuild(ctx, l.opts.IndexDir, set.Chunks, want, l.opts.Embedder,
		retrieval.BuildOptions{Progress: l.opts.Progress, Reuse: reuse}, l.lg)
	if err != nil {
		return nil, fmt.Errorf("rebuilding the index: %w", err)
	}
	return &state{set: set, index: ix, report: rep}, nil
}

func (l *Library) open(ctx context.Context, set *corpus.Set) (*state, error) {
	want := retrieval.Manifest{Docs: docHashes(set), Split: SplitFingerprint(l.opts.Split)}
	ix, rep, err := retrieval.Open(ctx, l.opts.IndexDir, set.Chunks, want, l.opts.Embedder,
		retrieval.BuildOptions{Progress: l.opts.Progress}, l.lg)
	if err != nil {
		return nil, fmt.Errorf("opening the index: %w", err)
	}
	return &state{set: set, index: ix, report: rep}, nil
}

// SplitFingerprint names the cleaning and splitting that made the passages,
// so that a change to either rebuilds a saved index whose documents did
// not change.
func SplitFingerprint(o corpus.SplitOptions) string {
	return fmt.Sprintf("%s target=%d max=%d overlap=%d source=%s", corpus.CleanerVersion, o.Target, o.Max, o.Overlap, o.SourceURL)
}

func docHashes(set *corpus.Set) map[string]string {
	m := make(map[string]string, len(set.Documents))
	for _, d := range set.Documents {
		m[d.ID] = d.Hash
	}
	return m
}

// Search answers from the current index.
func (l *Library) Search(ctx context.Context, query string, k int) ([]retrieval.Hit, error) {
	return l.live.Search(ctx, query, k)
}

// Index is the current index.
func (l *Library) Index() *retrieval.Index { return l.state.Load().index }

// Corpus is the current corpus.
func (l *Library) Corpus() *corpus.Set { return l.state.Load().set }

// Report says how the current index was opened.
func (l *Library) Report() retrieval.OpenReport { return l.state.Load().report }

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

// Refresh re-reads the corpus folder and, when anything changed, builds a
// new index beside the live one (re-embedding only changed passages),
// saves it and swaps it in. Questions keep being answered from the old
// index until the swap. Concurrent calls run one after the other. On error
// the live index is left as it was.
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
	stamps := l.stamp()
	set, err := corpus.Build(ctx, l.opts.Corpus, l.lg, l.opts.Split)
	if err != nil {
		return Change{}, fmt.Errorf("loading the corpus: %w", err)
	}
	var st *state
	if maps.Equal(docHashes(set), docHashes(old.set)) {
		st = &state{set: set, index: old.index, report: old.report}
	} else if st, err = l.rebuild(ctx, set, old.index); err != nil {
		return Change{}, err
	}
	st.stamps = stamps
	ch := diff(old.set, st.set)
	ch.Skips = st.set.Skips
	if st.index == old.index {
		ch.Reused = len(set.Chunks)
	} else {
		ch.Embedded, ch.Reused = st.report.Embedded, st.report.Reused
	}
	l.state.Store(st)
	l.live.Swap(st.index)
	ch.Took = time.Since(start)
	l.lg.Info("corpus refreshed", "added", len(ch.DocumentsAdded), "removed", len(ch.DocumentsRemoved),
		"changed", len(ch.DocumentsChanged), "passages_added", ch.PassagesAdded, "passages_removed", ch.PassagesRemoved,
		"embedded", ch.Embedded, "took", ch.Took)
	return ch, nil
}

func diff(old, cur *corpus.Set) Change {
	was := make(map[string]string, len(old.Documents))
	for _, d := range old.Documents {
		was[d.ID] = d.Hash
	}
	ch := DiffDocuments(was, cur.Documents)
	oldHashes := map[string]int{}
	for _, c := range old.Chunks {
		oldHashes[c.DocID+"\x00"+c.Hash]++
	}
	for _, c := range cur.Chunks {
		k := c.DocID + "\x00" + c.Hash
		if oldHashes[k] > 0 {
			oldHashes[k]--
			ch.PassagesUnchanged++
		} else {
			ch.PassagesAdded++
		}
	}
	for _, n := range oldHashes {
		ch.PassagesRemoved += n
	}
	return ch
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
}

// Documents lists the current corpus's documents, sorted by ID.
func (l *Library) Documents() []DocumentInfo {
	set := l.Corpus()
	count := map[string]int{}
	for _, c := range set.Chunks {
		count[c.DocID]++
	}
	out := make([]DocumentInfo, 0, len(set.Documents))
	for _, d := range set.Documents {
		info := DocumentInfo{ID: d.ID, Title: d.Title, URL: d.URL, Date: d.Date, Passages: count[d.ID]}
		if l.opts.Dir != "" {
			if fi, err := os.Stat(filepath.Join(l.opts.Dir, filepath.FromSlash(d.ID))); err == nil {
				info.Modified, info.Size = fi.ModTime(), fi.Size()
			}
		}
		out = append(out, info)
	}
	return out
}

package kb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

// undoTimeout bounds putting a server's folder back to the store's
// documents after a change the store did not keep: it runs even when the
// command's context has ended.
const undoTimeout = time.Minute

// syncLocked makes k's corpus folder a copy of its documents in the store
// (k.mu held). A server with no documents gets no folder.
func (m *Manager) syncLocked(ctx context.Context, k *guildKB) (FolderCopy, error) {
	dir := filepath.Join(k.dir, corpusDir)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		set, err := m.opts.Documents.Documents(ctx, k.id, nil)
		if err != nil {
			return FolderCopy{}, fmt.Errorf("reading the documents of server %s: %w", k.id, err)
		}
		if len(set.Documents) == 0 {
			k.copied.Store(set.Version)
			return FolderCopy{Version: set.Version}, nil
		}
	}
	cp, err := SyncFolder(ctx, m.opts.Documents, k.id, dir)
	if err != nil {
		return cp, err
	}
	k.copied.Store(cp.Version)
	if cp.Changed() {
		m.lg.Info("server documents copied from the database", "guild", k.id, "version", cp.Version,
			"documents", cp.Documents, "written", cp.Written, "deleted", cp.Deleted)
	}
	return cp, nil
}

// commitLocked keeps a change just made to k's folder in the store (k.mu
// held): the documents put, read back from the folder as the library
// wrote them, and those removed. Only once it returns nil is the change
// done: a process that dies before has lost nothing it reported, and one
// whose change the store refused puts its folder and index back to the
// store's documents.
func (m *Manager) commitLocked(ctx context.Context, k *guildKB, put, remove []string) error {
	if m.opts.Documents == nil {
		return nil
	}
	dir := filepath.Join(k.dir, corpusDir)
	var docs []store.Document
	for _, name := range put {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return m.commitFailedLocked(ctx, k, err)
		}
		docs = append(docs, store.Document{Name: name, Data: data})
	}
	return m.commitDocsLocked(ctx, k, docs, remove)
}

// commitDocsLocked is commitLocked with the documents put given.
func (m *Manager) commitDocsLocked(ctx context.Context, k *guildKB, put []store.Document, remove []string) error {
	v, err := m.opts.Documents.ChangeDocuments(ctx, k.id, store.DocumentChange{Put: put, Remove: remove, At: m.opts.Now()})
	if err != nil {
		return m.commitFailedLocked(ctx, k, err)
	}
	if prev := k.copied.Swap(v); v > prev+1 {
		// Another process changed the server's documents since the
		// folder was copied: take its changes in too.
		if err := m.refreshLocked(ctx, k); err != nil {
			m.lg.Warn("taking in another process's change to a server's documents", "guild", k.id, "err", err)
		}
	}
	return nil
}

// commitFailedLocked puts k's folder and index back to the store's
// documents after a change the store did not keep, and says so.
func (m *Manager) commitFailedLocked(ctx context.Context, k *guildKB, err error) error {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	if uerr := m.refreshLocked(uctx, k); uerr != nil {
		m.lg.Error("putting a server's documents back after a change the database did not keep", "guild", k.id, "err", uerr)
	}
	return fmt.Errorf("keeping the change in the database: %w", err)
}

// batchDocuments are the documents a batch puts, sorted by name.
func batchDocuments(b library.Batch) []store.Document {
	out := make([]store.Document, 0, len(b.Put))
	for _, name := range slices.Sorted(maps.Keys(b.Put)) {
		out = append(out, store.Document{Name: name, Data: b.Put[name]})
	}
	return out
}

// batchRemoved are the documents a batch removes from the corpus folder
// dir: those it deletes and the files of the folders it deletes, listed
// before it is applied.
func batchRemoved(b library.Batch, dir string) []string {
	gone := slices.Clone(b.Delete)
	for _, f := range b.DeleteFolders {
		gone = append(gone, filesUnder(dir, f)...)
	}
	return gone
}

// filesUnder lists the files of the corpus folder dir under its folder
// sub, as slash-separated document names.
func filesUnder(dir, sub string) []string {
	var out []string
	root := filepath.Join(dir, filepath.FromSlash(sub))
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if rel, err := filepath.Rel(dir, p); err == nil {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// refreshLocked brings k's folder and, when it is loaded, its library up
// to date with the store's documents (k.mu held).
func (m *Manager) refreshLocked(ctx context.Context, k *guildKB) error {
	cp, err := m.syncLocked(ctx, k)
	if err != nil {
		return err
	}
	// The version also moves when a phrasing is taught: the next search
	// reads them again.
	k.taught.invalidate()
	l := k.lib.Load()
	if l == nil {
		k.empty.Store(false) // the next use looks again
		return nil
	}
	if !cp.Changed() {
		return nil
	}
	ch, err := l.Refresh(ctx)
	if errors.Is(err, corpus.ErrNoDocuments) {
		m.install(k, nil)
		return nil
	}
	if err != nil {
		return err
	}
	m.install(k, l)
	m.lg.Info("server knowledge base refreshed from the database", "guild", k.id, "version", cp.Version,
		"added", len(ch.DocumentsAdded), "removed", len(ch.DocumentsRemoved), "changed", len(ch.DocumentsChanged), "took", ch.Took)
	return nil
}

// baseCopy is the state of the base's folder when it is a copy of the
// store's documents.
type baseCopy struct {
	mu                   sync.Mutex // held while the folder is copied and the base refreshed
	copied, want, failed atomic.Int64
	refreshing, copied0  atomic.Bool
}

// Changed tells the Manager that guild's documents in the store are at
// version (store.Store.WatchDocuments reports it). When the server's
// knowledge base is loaded at another version, its folder is copied again
// and its index refreshed, in the background and one refresh at a time
// per server; questions are answered from the previous index until the
// new one is whole. A server not loaded is only marked: its next use
// reads the store. The same version told again does nothing, so callers
// may repeat themselves; a refresh that failed is tried again at the next
// call. ctx bounds the background work; Wait waits for it.
func (m *Manager) Changed(ctx context.Context, guild string, version int64) {
	if m.opts.Documents == nil {
		return
	}
	if guild == store.BaseGuild {
		if m.opts.BaseDir != "" && m.opts.Base != nil {
			b := &m.base
			b.want.Store(version)
			b.failed.Store(-1)
			if !b.copied0.Load() || b.copied.Load() != version {
				m.background(ctx, &b.refreshing,
					func() bool {
						want := b.want.Load()
						return b.copied.Load() != want && b.failed.Load() != want
					},
					func() bool { return m.refreshBase(ctx) })
			}
		}
		return
	}
	m.mu.Lock()
	k := m.kbs[guild]
	m.mu.Unlock()
	if k == nil {
		return // never used here: its first use reads the store
	}
	k.want.Store(version)
	if k.copied.Load() == version {
		return
	}
	if k.lib.Load() == nil {
		// Not loaded (or evicted): its next use copies the store's
		// documents. A load running now may have read them just before
		// this change; the next periodic report finds it loaded at the
		// older version and refreshes it.
		k.empty.Store(false)
		return
	}
	k.failed.Store(-1) // a new report: try again what failed
	stale := func() bool {
		want := k.want.Load()
		return k.copied.Load() != want && k.failed.Load() != want && k.lib.Load() != nil
	}
	m.background(ctx, &k.refreshing, stale, func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		want := k.want.Load()
		if k.copied.Load() == want || k.lib.Load() == nil {
			return true
		}
		if err := m.refreshLocked(ctx, k); err != nil {
			if ctx.Err() == nil {
				m.lg.Error("refreshing a server's knowledge base from the database; still answering from the previous one",
					"guild", guild, "version", want, "err", err)
			}
			k.failed.Store(want) // tried again at the next report
			return true
		}
		return k.want.Load() == want
	})
}

// background runs step in a goroutine of its own unless one already runs
// for the same flag, again while step reports more to do, and again if
// stale reports true once the goroutine has let go of the flag: a change
// told in between is never left for nobody.
func (m *Manager) background(ctx context.Context, running *atomic.Bool, stale func() bool, step func() (done bool)) {
	if !running.CompareAndSwap(false, true) {
		return
	}
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		for ctx.Err() == nil {
			if !step() {
				continue
			}
			running.Store(false)
			if !stale() || !running.CompareAndSwap(false, true) {
				return
			}
		}
		running.Store(false)
	}()
}

// refreshBase copies the base's documents into its folder and refreshes
// the base when anything changed; it reports whether it is done.
func (m *Manager) refreshBase(ctx context.Context) bool {
	b := &m.base
	want := b.want.Load()
	if _, err := m.syncBase(ctx); err != nil {
		if ctx.Err() == nil {
			m.lg.Error("refreshing the base corpus from the database; still answering from the previous one", "version", want, "err", err)
		}
		b.failed.Store(want)
		return true
	}
	return b.want.Load() == want
}

// syncBase copies the base's documents into its folder and, when any
// changed, refreshes the base from it, returning what changed.
func (m *Manager) syncBase(ctx context.Context) (library.Change, error) {
	b := &m.base
	b.mu.Lock()
	defer b.mu.Unlock()
	cp, err := SyncFolder(ctx, m.opts.Documents, store.BaseGuild, m.opts.BaseDir)
	if err != nil {
		return library.Change{}, err
	}
	var ch library.Change
	if cp.Changed() {
		if ch, err = m.opts.Base.Refresh(ctx); err != nil {
			return library.Change{}, err
		}
		size := Estimate(m.opts.Base)
		m.mu.Lock()
		m.baseBytes = size
		m.mu.Unlock()
		m.lg.Info("base corpus refreshed from the database", "version", cp.Version,
			"added", len(ch.DocumentsAdded), "removed", len(ch.DocumentsRemoved), "changed", len(ch.DocumentsChanged), "took", ch.Took)
	}
	// The operator's taught phrasings are part of every server's base
	// aliases: all are read again.
	m.baseTaught.invalidate()
	m.mu.Lock()
	for _, k := range m.kbs {
		k.taught.invalidate()
	}
	m.mu.Unlock()
	b.copied.Store(cp.Version)
	b.copied0.Store(true)
	return ch, nil
}

// ErrNoSharedBase means ApplyBase was asked of a manager whose base is
// not a copy of the store's documents.
var ErrNoSharedBase = errors.New("the base corpus is not kept in the database")

// ApplyBase applies a batch to the base's documents in the store (with
// Options.BaseDir, the base is a copy of them) and refreshes the base from
// them: how pages fetched into a shared base reach every process. A
// folder deleted deletes the documents under it.
func (m *Manager) ApplyBase(ctx context.Context, b library.Batch) (library.Change, error) {
	if m.opts.Documents == nil || m.opts.BaseDir == "" || m.opts.Base == nil {
		return library.Change{}, ErrNoSharedBase
	}
	// The base's folder is a copy of its documents: what a deleted
	// folder holds there is what goes.
	gone := batchRemoved(b, m.opts.BaseDir)
	if _, err := m.opts.Documents.ChangeDocuments(ctx, store.BaseGuild, store.DocumentChange{Put: batchDocuments(b), Remove: gone, At: m.opts.Now()}); err != nil {
		return library.Change{}, fmt.Errorf("keeping the base's change in the database: %w", err)
	}
	return m.syncBase(ctx)
}

// Wait waits for the refreshes Changed started; cancel their context
// first to have them stop early.
func (m *Manager) Wait() { m.bg.Wait() }

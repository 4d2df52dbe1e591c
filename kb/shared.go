package kb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faqbot/faqbot/corpus"
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
	c := store.DocumentChange{Remove: remove, At: m.opts.Now()}
	var err error
	for _, name := range put {
		var data []byte
		if data, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			break
		}
		c.Put = append(c.Put, store.Document{Name: name, Data: data})
	}
	var v int64
	if err == nil {
		v, err = m.opts.Documents.ChangeDocuments(ctx, k.id, c)
	}
	if err != nil {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
		defer cancel()
		if uerr := m.refreshLocked(uctx, k); uerr != nil {
			m.lg.Error("putting a server's documents back after a change the database did not keep", "guild", k.id, "err", uerr)
		}
		return fmt.Errorf("keeping the change in the database: %w", err)
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
	b.mu.Lock()
	defer b.mu.Unlock()
	want := b.want.Load()
	cp, err := SyncFolder(ctx, m.opts.Documents, store.BaseGuild, m.opts.BaseDir)
	if err != nil {
		if ctx.Err() == nil {
			m.lg.Error("copying the base corpus from the database; still answering from the previous one", "version", want, "err", err)
		}
		b.failed.Store(want)
		return true
	}
	if cp.Changed() {
		ch, err := m.opts.Base.Refresh(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.lg.Error("refreshing the base corpus from the database; still answering from the previous one", "version", cp.Version, "err", err)
			}
			b.failed.Store(want)
			return true
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
	return b.want.Load() == want
}

// Wait waits for the refreshes Changed started; cancel their context
// first to have them stop early.
func (m *Manager) Wait() { m.bg.Wait() }

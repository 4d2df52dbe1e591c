package kb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// Documents lists guild's own documents and, separately, those of the base
// it answers from (nil when it gets none).
func (m *Manager) Documents(ctx context.Context, guild string) (own, base []library.DocumentInfo, err error) {
	l, err := m.Library(ctx, guild)
	if err != nil {
		return nil, nil, err
	}
	if l != nil {
		own = l.Documents()
	}
	if b := m.Base(guild); b != nil {
		base = b.Documents()
	}
	return own, base, nil
}

// baseName returns the base document whose ID is name ignoring case, or
// "": a server's document may not take a base document's name, which
// would make two sources of one name.
func (m *Manager) baseName(guild, name string) string {
	b := m.Base(guild)
	if b == nil {
		return ""
	}
	for _, d := range b.Documents() {
		if strings.EqualFold(d.ID, name) {
			return d.ID
		}
	}
	return ""
}

// AddDocument saves an upload to guild's documents and indexes it (see
// library.AddDocument), starting the server's folder with its first
// document.
func (m *Manager) AddDocument(ctx context.Context, guild, name string, data []byte, opts library.AddOptions) (library.DocumentInfo, library.Change, error) {
	k, err := m.kb(guild)
	if err != nil {
		return library.DocumentInfo{}, library.Change{}, err
	}
	if id, err := library.SanitizeName(name); err == nil {
		if b := m.baseName(guild, id); b != "" {
			return library.DocumentInfo{}, library.Change{}, fmt.Errorf("adding document %q: %w: %s", name, ErrBaseDocument, b)
		}
	}
	k.mu.Lock()
	doc, ch, err := m.addLocked(ctx, k, name, data, opts)
	k.mu.Unlock()
	m.evict(k)
	return doc, ch, err
}

func (m *Manager) addLocked(ctx context.Context, k *guildKB, name string, data []byte, opts library.AddOptions) (library.DocumentInfo, library.Change, error) {
	k.used.Store(m.opts.Now().UnixNano())
	l, err := m.loadLocked(ctx, k)
	if err != nil {
		return library.DocumentInfo{}, library.Change{}, err
	}
	if l != nil {
		doc, ch, err := l.AddDocument(ctx, name, data, opts)
		if err == nil {
			err = m.commitLocked(ctx, k, []string{doc.ID}, nil)
		}
		if err != nil {
			return library.DocumentInfo{}, library.Change{}, err
		}
		m.install(k, l)
		return doc, ch, nil
	}
	start := time.Now()
	l, doc, err := library.Create(ctx, m.libOptions(k), name, data, opts)
	if err == nil {
		k.lib.Store(l) // for commitLocked to undo the change on failure
		err = m.commitLocked(ctx, k, []string{doc.ID}, nil)
	}
	if err != nil {
		return library.DocumentInfo{}, library.Change{}, err
	}
	m.install(k, k.lib.Load())
	m.loads.Add(1)
	rep := l.Report()
	ch := library.Change{DocumentsAdded: []string{doc.ID}, PassagesAdded: doc.Passages, Embedded: rep.Embedded, Reused: rep.Reused,
		Skips: l.Stats().Skips, Took: time.Since(start)}
	m.lg.Info("first document of a server", "guild", k.id, "document", doc.ID, "passages", doc.Passages)
	return doc, ch, nil
}

// RemoveDocument takes the document id out of guild's documents (moved to
// its removed folder, see library.RemoveDocument). Unlike a lone corpus, a
// server may remove its last document: it then answers from the base
// alone, or says it has no FAQ yet. A base document is refused.
func (m *Manager) RemoveDocument(ctx context.Context, guild, id string) (library.Change, error) {
	k, err := m.kb(guild)
	if err != nil {
		return library.Change{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.used.Store(m.opts.Now().UnixNano())
	l, err := m.loadLocked(ctx, k)
	if err != nil {
		return library.Change{}, err
	}
	own := l != nil && slices.ContainsFunc(l.Documents(), func(d library.DocumentInfo) bool { return d.ID == id })
	if !own {
		if b := m.baseName(guild, id); b == id {
			return library.Change{}, fmt.Errorf("removing document %q: %w", id, ErrBaseDocument)
		}
		return library.Change{}, fmt.Errorf("removing document %q: %w", id, library.ErrNotFound)
	}
	ch, err := l.RemoveDocument(ctx, id)
	if err == nil {
		if err := m.commitLocked(ctx, k, nil, []string{id}); err != nil {
			return library.Change{}, err
		}
		m.install(k, k.lib.Load())
		return ch, nil
	}
	if !errors.Is(err, corpus.ErrNoDocuments) || len(l.Documents()) != 1 {
		return library.Change{}, err
	}
	// The last document: the library refuses to index nothing, so the
	// server simply has no library any more.
	start := time.Now()
	passages := l.Stats().Passages
	if _, err := library.MoveToRemoved(filepath.Join(k.dir, corpusDir), id); err != nil {
		return library.Change{}, fmt.Errorf("removing document %q: %w", id, err)
	}
	m.install(k, nil)
	if err := m.commitLocked(ctx, k, nil, []string{id}); err != nil {
		return library.Change{}, err
	}
	m.lg.Info("last document of a server removed", "guild", k.id, "document", id)
	return library.Change{DocumentsRemoved: []string{id}, PassagesRemoved: passages, Took: time.Since(start)}, nil
}

// Refresh re-reads guild's folder and re-indexes what changed (see
// library.Refresh): for /reindex after an operator edited the files.
func (m *Manager) Refresh(ctx context.Context, guild string) (library.Change, error) {
	k, err := m.kb(guild)
	if err != nil {
		return library.Change{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.used.Store(m.opts.Now().UnixNano())
	start := time.Now()
	wasLoaded := k.lib.Load() != nil
	k.empty.Store(false) // look again: files may have been put there
	if wasLoaded && m.opts.Documents != nil {
		// The store's documents are the server's: the folder is brought
		// up to date with them, then re-read.
		if _, err := m.syncLocked(ctx, k); err != nil {
			return library.Change{Took: time.Since(start)}, err
		}
	}
	l, err := m.loadLocked(ctx, k)
	if err != nil || l == nil {
		return library.Change{Took: time.Since(start)}, err
	}
	if !wasLoaded {
		// Loading read the folder as it is now.
		docs := l.Documents()
		ch := library.Change{PassagesUnchanged: l.Stats().Passages, Skips: l.Stats().Skips, Took: time.Since(start)}
		for _, d := range docs {
			ch.DocumentsUnchanged = append(ch.DocumentsUnchanged, d.ID)
		}
		return ch, nil
	}
	ch, err := l.Refresh(ctx)
	if errors.Is(err, corpus.ErrNoDocuments) {
		m.install(k, nil)
		return library.Change{DocumentsRemoved: docIDs(l), PassagesRemoved: l.Stats().Passages, Took: time.Since(start)}, nil
	}
	if err == nil {
		m.install(k, l)
	}
	return ch, err
}

// RefreshLoaded refreshes every server whose library is loaded (SIGHUP:
// an operator edited files), one after the other, and reports each
// result.
func (m *Manager) RefreshLoaded(ctx context.Context, report func(guild string, ch library.Change, err error)) {
	m.mu.Lock()
	var loaded []string
	for id, k := range m.kbs {
		if k.lib.Load() != nil {
			loaded = append(loaded, id)
		}
	}
	m.mu.Unlock()
	slices.Sort(loaded)
	for _, g := range loaded {
		if ctx.Err() != nil {
			return
		}
		ch, err := m.Refresh(ctx, g)
		report(g, ch, err)
	}
}

func docIDs(l *library.Library) []string {
	var ids []string
	for _, d := range l.Documents() {
		ids = append(ids, d.ID)
	}
	return ids
}

package kb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// Apply writes and deletes a batch of guild's documents and re-indexes
// once (see library.Apply): how a source's fetched pages reach the
// server's knowledge base. The first batch of a server with no documents
// creates its folder; a batch that leaves it no document removes its
// library, and the server then answers from the base alone, or says it
// has no FAQ yet. On error nothing changed.
func (m *Manager) Apply(ctx context.Context, guild string, b library.Batch) (library.Change, error) {
	k, err := m.kb(guild)
	if err != nil {
		return library.Change{}, err
	}
	k.mu.Lock()
	ch, err := m.applyLocked(ctx, k, b)
	k.mu.Unlock()
	m.evict(k)
	return ch, err
}

func (m *Manager) applyLocked(ctx context.Context, k *guildKB, b library.Batch) (library.Change, error) {
	if m.opts.Documents == nil {
		return m.applyLocalLocked(ctx, k, b)
	}
	// With a DocumentStore the batch is kept there too, once applied
	// here: the documents the folders it deletes hold are listed first.
	gone := batchRemoved(b, filepath.Join(k.dir, corpusDir))
	ch, err := m.applyLocalLocked(ctx, k, b)
	if err != nil {
		return ch, err
	}
	if err := m.commitDocsLocked(ctx, k, batchDocuments(b), gone); err != nil {
		return library.Change{}, err
	}
	return ch, nil
}

func (m *Manager) applyLocalLocked(ctx context.Context, k *guildKB, b library.Batch) (library.Change, error) {
	start := time.Now()
	k.used.Store(m.opts.Now().UnixNano())
	opts := m.libOptions(k)
	l, err := m.loadLocked(ctx, k)
	if err != nil {
		return library.Change{}, err
	}
	if l == nil {
		if len(b.Put) == 0 {
			// Nothing is indexed; only files the corpus could not read
			// may be there to delete.
			if _, err := os.Stat(opts.Dir); err == nil {
				err = library.DeleteDocuments(opts.Dir, b.Delete, b.DeleteFolders)
				return library.Change{Took: time.Since(start)}, err
			}
			return library.Change{Took: time.Since(start)}, nil
		}
		l, err := library.OpenWith(ctx, opts, b)
		if err != nil {
			return library.Change{}, err
		}
		m.install(k, l)
		m.loads.Add(1)
		rep := l.Report()
		ch := library.Change{DocumentsAdded: docIDs(l), PassagesAdded: l.Stats().Passages, Embedded: rep.Embedded, Reused: rep.Reused,
			Skips: l.Stats().Skips, Took: time.Since(start)}
		m.lg.Info("first documents of a server", "guild", k.id, "documents", len(ch.DocumentsAdded), "passages", ch.PassagesAdded)
		return ch, nil
	}
	ch, err := l.Apply(ctx, b)
	if err == nil {
		m.install(k, l)
		return ch, nil
	}
	if !errors.Is(err, corpus.ErrNoDocuments) || len(b.Put) > 0 {
		return library.Change{}, err
	}
	// The last documents go: the library refuses to index nothing, so
	// the server simply has no library any more.
	removed, passages := docIDs(l), l.Stats().Passages
	if err := library.DeleteDocuments(filepath.Join(k.dir, corpusDir), b.Delete, b.DeleteFolders); err != nil {
		return library.Change{}, err
	}
	m.install(k, nil)
	m.lg.Info("last documents of a server removed", "guild", k.id, "documents", len(removed))
	return library.Change{DocumentsRemoved: removed, PassagesRemoved: passages, Took: time.Since(start)}, nil
}

// Package kb keeps one knowledge base per Discord server: the server's
// own documents and index, beside the operator's read-only base corpus
// that every allowed server answers from. A Manager is the one place the
// bot asks for "the searcher of guild G" and through which a server's
// moderators change that server's documents; nothing one server does
// reaches another's documents.
//
// Each server's documents live in a folder of their own, with its index
// beside them, and are a library.Library once loaded. Libraries load on
// first use and, past a memory budget, the least recently used are
// evicted (to be loaded again, from their saved index, on the next
// question). Every server has its own lock: one server's refresh never
// waits for, or holds up, another's.
package kb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
)

// Errors of a change, for errors.Is.
var (
	// ErrBadGuild means a guild ID that cannot name a folder.
	ErrBadGuild = errors.New("not a usable server ID")
	// ErrBaseDocument means the document belongs to the operator's base
	// corpus, which a server's moderators can neither change nor shadow.
	ErrBaseDocument = errors.New("the document belongs to the bot's base FAQ, which is read-only from a server")
	// ErrNoFAQ means a server has no documents of its own and no base.
	ErrNoFAQ = errors.New("the server has no documents and no base corpus")
)

// The layout of a server's folder under Options.Dir.
const (
	corpusDir = "corpus"
	indexDir  = "index"
)

// guildID is what a guild ID may be to name a folder: Discord's are
// decimal snowflakes; tests use short names.
var guildID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Options configure a Manager.
type Options struct {
	// Dir holds every server's folder: Dir/<guild>/corpus (its documents,
	// with removed/ inside) and Dir/<guild>/index (its saved index).
	Dir string
	// Base is the operator's base knowledge base; nil for none.
	Base *library.Library
	// BaseGuilds, when not empty, are the only servers the base answers
	// in.
	BaseGuilds []string
	// Embedder embeds every server's passages and questions; it must be
	// the base's, so that their scores compare.
	Embedder retrieval.Embedder
	// Split are the splitting options; corpus.DefaultSplitOptions when zero.
	Split corpus.SplitOptions
	// MinRelevance, when positive, overrides every server's calibrated
	// relevance threshold (library.Options.MinRelevance).
	MinRelevance float64
	// Expander widens every server's questions with related words of its
	// corpus (library.Options.Expander); it should be the base's, so that
	// every index is calibrated alike. nil: none.
	Expander retrieval.Expander
	// MemoryBudget bounds the estimated memory of the loaded libraries,
	// the base's included, in bytes: past it, the least recently used
	// servers' libraries are evicted. 0: no bound.
	MemoryBudget int64
	// Teachings keeps the servers' taught phrasings, searched as
	// aliases of their passages; nil: none.
	Teachings Teachings
	// Documents, when set, keeps every server's documents: each server's
	// corpus folder under Dir is then a copy of them, made when the
	// server is first loaded and brought up to date by Changed, and every
	// change made through the Manager is written there before it is
	// reported done. With a database shared by several processes, that
	// is how one process's change reaches the others. Nil: the folders
	// are the documents.
	Documents DocumentStore
	// BaseDir, with Documents, is the base's corpus folder when it too is
	// a copy of documents in the store (those of store.BaseGuild): Changed
	// then copies them again and refreshes Base. Empty: the base is the
	// operator's folder, refreshed by its own watcher.
	BaseDir string
	// Logger receives structured logs; discarded when nil.
	Logger *slog.Logger
	// Now is the clock that orders uses; time.Now when nil.
	Now func() time.Time
}

// Manager is the knowledge bases of every server. It is safe for
// concurrent use.
type Manager struct {
	opts      Options
	lg        *slog.Logger
	baseFor   map[string]bool // nil: every server
	baseBytes int64

	mu  sync.Mutex
	kbs map[string]*guildKB
	// baseTaught is the operator's taught phrasings of the base, for
	// searches of the base alone (store.BaseGuild).
	baseTaught taughtCache

	loads, evictions atomic.Int64

	// base is the base's copy state when it is a copy of the store's
	// documents (Options.BaseDir).
	base baseCopy
	// bg tracks the refreshes Changed started.
	bg sync.WaitGroup
}

// guildKB is one server's knowledge base.
type guildKB struct {
	id  string
	dir string
	// mu is held while the library is loaded or changed, so that a
	// server's changes run one at a time and never race its loading.
	// Searches do not take it once the library is loaded.
	mu sync.Mutex
	// lib is the loaded library; nil when not loaded, evicted, or when
	// the server has no documents.
	lib atomic.Pointer[library.Library]
	// empty is set once the server is known to have no documents.
	empty atomic.Bool
	// used is the last use, in Unix nanoseconds, for eviction.
	used atomic.Int64
	// size is the loaded library's estimated memory.
	size atomic.Int64
	// taught is the server's taught phrasings, ready for its indexes.
	taught taughtCache
	// copied is the version of the store's documents the folder was last
	// made a copy of (with Options.Documents); want is the latest version
	// the store was seen at, failed the version whose refresh failed
	// (tried again at the next report), and refreshing is set while a
	// refresh started by Changed runs.
	copied, want, failed atomic.Int64
	refreshing           atomic.Bool
}

// New returns a Manager. Nothing is loaded until a server is first used.
func New(opts Options) (*Manager, error) {
	if opts.Dir == "" {
		return nil, errors.New("configuring the knowledge bases: a folder is required")
	}
	if opts.Embedder == nil {
		return nil, errors.New("configuring the knowledge bases: an embedder is required")
	}
	if opts.Split == (corpus.SplitOptions{}) {
		opts.Split = corpus.DefaultSplitOptions()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	m := &Manager{opts: opts, lg: lg, kbs: make(map[string]*guildKB)}
	if len(opts.BaseGuilds) > 0 {
		m.baseFor = make(map[string]bool, len(opts.BaseGuilds))
		for _, g := range opts.BaseGuilds {
			m.baseFor[g] = true
		}
	}
	if opts.Base != nil {
		m.baseBytes = Estimate(opts.Base)
	}
	return m, nil
}

// Base returns the base library if it answers in guild, else nil.
func (m *Manager) Base(guild string) *library.Library {
	if m.opts.Base == nil || (m.baseFor != nil && !m.baseFor[guild]) {
		return nil
	}
	return m.opts.Base
}

// kb returns guild's knowledge base, creating its entry (not loading it).
func (m *Manager) kb(guild string) (*guildKB, error) {
	if !guildID.MatchString(guild) {
		return nil, fmt.Errorf("%w: %q", ErrBadGuild, guild)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.kbs[guild]
	if k == nil {
		k = &guildKB{id: guild, dir: filepath.Join(m.opts.Dir, guild)}
		m.kbs[guild] = k
	}
	return k, nil
}

// libOptions are the library options of a server's folder.
func (m *Manager) libOptions(k *guildKB) library.Options {
	return library.Options{
		Dir:          filepath.Join(k.dir, corpusDir),
		IndexDir:     filepath.Join(k.dir, indexDir),
		Split:        m.opts.Split,
		Embedder:     m.opts.Embedder,
		MinRelevance: m.opts.MinRelevance,
		Expander:     m.opts.Expander,
		Logger:       m.lg.With("guild", k.id),
	}
}

// Library returns guild's own library, loading it on first use; nil (and
// no error) when the server has no documents of its own.
func (m *Manager) Library(ctx context.Context, guild string) (*library.Library, error) {
	k, err := m.kb(guild)
	if err != nil {
		return nil, err
	}
	return m.load(ctx, k)
}

// load returns k's library, loading it when it is not loaded.
func (m *Manager) load(ctx context.Context, k *guildKB) (*library.Library, error) {
	k.used.Store(m.opts.Now().UnixNano())
	if l := k.lib.Load(); l != nil {
		return l, nil
	}
	if k.empty.Load() {
		return nil, nil
	}
	k.mu.Lock()
	l, err := m.loadLocked(ctx, k)
	k.mu.Unlock()
	if l != nil {
		m.evict(k)
	}
	return l, err
}

// loadLocked is load for a caller holding k.mu.
func (m *Manager) loadLocked(ctx context.Context, k *guildKB) (*library.Library, error) {
	if l := k.lib.Load(); l != nil {
		return l, nil
	}
	opts := m.libOptions(k)
	if m.opts.Documents != nil {
		if _, err := m.syncLocked(ctx, k); err != nil {
			return nil, err
		}
	}
	if !hasDocuments(opts.Dir) {
		k.empty.Store(true)
		return nil, nil
	}
	start := time.Now()
	l, err := library.Open(ctx, opts)
	if errors.Is(err, corpus.ErrNoDocuments) {
		k.empty.Store(true)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading the knowledge base of server %s: %w", k.id, err)
	}
	m.install(k, l)
	m.loads.Add(1)
	m.lg.Debug("knowledge base loaded", "guild", k.id, "documents", l.Stats().Documents,
		"passages", l.Stats().Passages, "bytes", k.size.Load(), "took", time.Since(start))
	return l, nil
}

// install makes l k's library (nil: none) and accounts for its size.
func (m *Manager) install(k *guildKB, l *library.Library) {
	k.lib.Store(l)
	k.taught.invalidate() // its aliases hold the index they were made for
	k.empty.Store(l == nil)
	if l == nil {
		k.size.Store(0)
		return
	}
	k.size.Store(Estimate(l))
}

// hasDocuments reports whether dir holds any entry other than the removed
// folder: a server that never uploaded anything has no folder at all.
func hasDocuments(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(entries, func(e os.DirEntry) bool {
		return e.Name() != removedFolder && !strings.HasPrefix(e.Name(), ".")
	})
}

// HasFAQ reports whether guild has anything to answer from: documents of
// its own, or the base.
func (m *Manager) HasFAQ(ctx context.Context, guild string) (bool, error) {
	if m.Base(guild) != nil {
		return true, nil
	}
	l, err := m.Library(ctx, guild)
	return l != nil, err
}

// Stats describe the loaded knowledge bases.
type Stats struct {
	// Servers is the number of servers seen; Loaded, those whose library
	// is in memory.
	Servers, Loaded int
	// Bytes is the estimated memory of the loaded libraries, the base's
	// included.
	Bytes int64
	// Loads and Evictions count libraries loaded and evicted since start.
	Loads, Evictions int64
}

// Stats returns the manager's figures.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Stats{Servers: len(m.kbs), Bytes: m.baseBytes, Loads: m.loads.Load(), Evictions: m.evictions.Load()}
	for _, k := range m.kbs {
		if k.lib.Load() != nil {
			st.Loaded++
			st.Bytes += k.size.Load()
		}
	}
	return st
}

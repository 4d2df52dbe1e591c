package kb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
	"github.com/faqbot/faqbot/store"
)

// Teachings keeps every server's taught phrasings (store.Guild's methods,
// keyed by server). StoreTeachings adapts a store.Store.
type Teachings interface {
	Teach(ctx context.Context, guild string, p store.Phrasing) (stored, replaced store.Phrasing, err error)
	Phrasings(ctx context.Context, guild string) ([]store.Phrasing, error)
	Unteach(ctx context.Context, guild string, ids ...int64) ([]store.Phrasing, error)
	Relink(ctx context.Context, guild string, id int64, p store.Passage) (bool, error)
}

// StoreTeachings returns the Teachings kept in s.
func StoreTeachings(s store.Store) Teachings { return storeTeachings{s} }

type storeTeachings struct{ s store.Store }

func (t storeTeachings) Teach(ctx context.Context, guild string, p store.Phrasing) (store.Phrasing, store.Phrasing, error) {
	return t.s.Guild(guild).Teach(ctx, p)
}

func (t storeTeachings) Phrasings(ctx context.Context, guild string) ([]store.Phrasing, error) {
	return t.s.Guild(guild).Phrasings(ctx)
}

func (t storeTeachings) Unteach(ctx context.Context, guild string, ids ...int64) ([]store.Phrasing, error) {
	return t.s.Guild(guild).Unteach(ctx, ids...)
}

func (t storeTeachings) Relink(ctx context.Context, guild string, id int64, p store.Passage) (bool, error) {
	return t.s.Guild(guild).Relink(ctx, id, p)
}

// ErrNoTeachings means teaching was asked of a manager with no Teachings
// (the bot keeps no database).
var ErrNoTeachings = errors.New("taught phrasings need a database")

// ErrNoPassage means a passage to teach that is in neither the server's
// documents nor the base's.
var ErrNoPassage = errors.New("no such passage in the server's FAQ")

// Taught is one of a server's taught phrasings and where its passage is
// now.
type Taught struct {
	store.Phrasing
	// Base is set when the passage is one of the base's.
	Base bool
	// Gone is set when the passage is in neither the server's documents
	// nor the base's: the next SyncTaught drops the phrasing.
	Gone bool
}

// taughtCache is a server's taught phrasings made ready for its current
// indexes. Searches read it without locking; it is rebuilt, under mu,
// when either index changed or the phrasings did.
type taughtCache struct {
	mu  sync.Mutex
	cur atomic.Pointer[taughtState]
}

// taughtState is the aliases of one pair of indexes.
type taughtState struct {
	ownIx, baseIx *retrieval.Index
	own, base     *retrieval.Aliases
}

// invalidate makes the next search rebuild the aliases.
func (c *taughtCache) invalidate() { c.cur.Store(nil) }

// cache returns guild's taught cache; the base's (store.BaseGuild) is the
// manager's own.
func (m *Manager) cache(guild string) (*taughtCache, error) {
	if guild == store.BaseGuild {
		return &m.baseTaught, nil
	}
	k, err := m.kb(guild)
	if err != nil {
		return nil, err
	}
	return &k.taught, nil
}

// baseOf is the base library guild answers from: for store.BaseGuild, the
// base itself.
func (m *Manager) baseOf(guild string) *library.Library {
	if guild == store.BaseGuild {
		return m.opts.Base
	}
	return m.Base(guild)
}

// ownOf is guild's own library (none for store.BaseGuild).
func (m *Manager) ownOf(ctx context.Context, guild string) (*library.Library, error) {
	if guild == store.BaseGuild {
		return nil, nil
	}
	return m.Library(ctx, guild)
}

func indexOf(l *library.Library) *retrieval.Index {
	if l == nil {
		return nil
	}
	return l.Index()
}

// aliases returns the aliases of guild's taught phrasings for its own
// index and the base's, rebuilding them when either index changed. A
// server's base aliases include the operator's (store.BaseGuild). When
// the phrasings cannot be read the search goes on without them.
func (m *Manager) aliases(ctx context.Context, guild string, ownIx, baseIx *retrieval.Index) (own, base *retrieval.Aliases) {
	if m.opts.Teachings == nil {
		return nil, nil
	}
	c, err := m.cache(guild)
	if err != nil {
		return nil, nil
	}
	if st := c.cur.Load(); st != nil && st.ownIx == ownIx && st.baseIx == baseIx {
		return st.own, st.base
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.cur.Load()
	if prev != nil && prev.ownIx == ownIx && prev.baseIx == baseIx {
		return prev.own, prev.base
	}
	st, err := m.buildAliases(ctx, guild, ownIx, baseIx, prev)
	if err != nil {
		m.lg.Warn("taught phrasings not used", "guild", guild, "err", err)
		return nil, nil
	}
	c.cur.Store(st)
	return st.own, st.base
}

// buildAliases reads guild's phrasings (and the operator's) and prepares
// them for the two indexes, reusing prev's vectors.
func (m *Manager) buildAliases(ctx context.Context, guild string, ownIx, baseIx *retrieval.Index, prev *taughtState) (*taughtState, error) {
	ps, err := m.opts.Teachings.Phrasings(ctx, guild)
	if err != nil {
		return nil, err
	}
	if guild != store.BaseGuild && baseIx != nil {
		ops, err := m.opts.Teachings.Phrasings(ctx, store.BaseGuild)
		if err != nil {
			return nil, err
		}
		ps = append(ps, ops...)
	}
	f := newFinder(ownIx, baseIx)
	var ownAl, baseAl []retrieval.Alias
	for _, p := range ps {
		pl, ok := f.find(p.Passage)
		switch {
		case !ok:
			continue // gone: SyncTaught drops it; until then it finds nothing
		case pl.base:
			baseAl = append(baseAl, retrieval.Alias{ChunkID: pl.chunk.ID, Text: p.Question})
		default:
			ownAl = append(ownAl, retrieval.Alias{ChunkID: pl.chunk.ID, Text: p.Question})
		}
	}
	st := &taughtState{ownIx: ownIx, baseIx: baseIx}
	var reuseOwn, reuseBase *retrieval.Aliases
	if prev != nil {
		reuseOwn, reuseBase = prev.own, prev.base
	}
	if ownIx != nil && len(ownAl) > 0 {
		if st.own, _, err = ownIx.Aliases(ctx, ownAl, reuseOwn); err != nil {
			return nil, err
		}
	}
	if baseIx != nil && len(baseAl) > 0 {
		if st.base, _, err = baseIx.Aliases(ctx, baseAl, reuseBase); err != nil {
			return nil, err
		}
	}
	m.lg.Debug("taught phrasings ready", "guild", guild, "own", st.own.Len(), "base", st.base.Len())
	return st, nil
}

// Passage returns the passage chunkID of guild's FAQ (its own documents,
// then the base's).
func (m *Manager) Passage(ctx context.Context, guild, chunkID string) (corpus.Chunk, bool, error) {
	own, err := m.ownOf(ctx, guild)
	if err != nil {
		return corpus.Chunk{}, false, err
	}
	for _, l := range []*library.Library{own, m.baseOf(guild)} {
		if ix := indexOf(l); ix != nil {
			if c, ok := ix.Chunk(chunkID); ok {
				return c, true, nil
			}
		}
	}
	return corpus.Chunk{}, false, nil
}

// Passages returns every passage guild answers from: its own documents,
// then the base's.
func (m *Manager) Passages(ctx context.Context, guild string) ([]corpus.Chunk, error) {
	own, err := m.ownOf(ctx, guild)
	if err != nil {
		return nil, err
	}
	var out []corpus.Chunk
	for _, l := range []*library.Library{own, m.baseOf(guild)} {
		if ix := indexOf(l); ix != nil {
			out = append(out, ix.Chunks()...)
		}
	}
	return out, nil
}

// Teach records that question is answered by the passage chunkID of
// guild's FAQ (its own documents or the base's), taught by who via a
// front end, and makes the next search use it. Teaching words already
// taught moves them: replaced is the phrasing it replaced (ID 0 when
// none).
func (m *Manager) Teach(ctx context.Context, guild, question, chunkID, who, via string) (stored, replaced store.Phrasing, err error) {
	if m.opts.Teachings == nil {
		return store.Phrasing{}, store.Phrasing{}, ErrNoTeachings
	}
	c, ok, err := m.Passage(ctx, guild, chunkID)
	if err != nil {
		return store.Phrasing{}, store.Phrasing{}, err
	}
	if !ok {
		return store.Phrasing{}, store.Phrasing{}, fmt.Errorf("teaching %q: %w: %q", question, ErrNoPassage, chunkID)
	}
	stored, replaced, err = m.opts.Teachings.Teach(ctx, guild, store.Phrasing{
		Question: question, Passage: passageOf(c), Who: who, Via: via,
	})
	if err != nil {
		return store.Phrasing{}, store.Phrasing{}, err
	}
	m.phrasingsChanged(guild)
	m.lg.Info("phrasing taught", "guild", guild, "passage", c.ID, "who", who, "moved", replaced.ID != 0)
	return stored, replaced, nil
}

// Unteach removes guild's phrasings with the given IDs and returns those
// removed.
func (m *Manager) Unteach(ctx context.Context, guild string, ids ...int64) ([]store.Phrasing, error) {
	if m.opts.Teachings == nil {
		return nil, ErrNoTeachings
	}
	gone, err := m.opts.Teachings.Unteach(ctx, guild, ids...)
	if err != nil {
		return nil, err
	}
	m.phrasingsChanged(guild)
	return gone, nil
}

// phrasingsChanged makes the next search of guild (of every server, for
// the operator's base phrasings) rebuild its aliases.
func (m *Manager) phrasingsChanged(guild string) {
	if guild != store.BaseGuild {
		if c, err := m.cache(guild); err == nil {
			c.invalidate()
		}
		return
	}
	m.ForgetTaught()
}

// ForgetTaught makes every server's next search read its taught
// phrasings again: for phrasings changed by another process (`faqbot
// teach` beside a running bot, on SIGHUP).
func (m *Manager) ForgetTaught() {
	m.baseTaught.invalidate()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.kbs {
		k.taught.invalidate()
	}
}

// Taught lists guild's taught phrasings, oldest first, with where each
// passage is now.
func (m *Manager) Taught(ctx context.Context, guild string) ([]Taught, error) {
	if m.opts.Teachings == nil {
		return nil, nil
	}
	ps, err := m.opts.Teachings.Phrasings(ctx, guild)
	if err != nil {
		return nil, err
	}
	return m.locate(ctx, guild, ps)
}

// locate finds the passages of guild's phrasings ps in its indexes now.
func (m *Manager) locate(ctx context.Context, guild string, ps []store.Phrasing) ([]Taught, error) {
	own, err := m.ownOf(ctx, guild)
	if err != nil {
		return nil, err
	}
	f := newFinder(indexOf(own), indexOf(m.baseOf(guild)))
	out := make([]Taught, len(ps))
	for i, p := range ps {
		out[i].Phrasing = p
		pl, ok := f.find(p.Passage)
		if !ok {
			out[i].Gone = true
			continue
		}
		out[i].Base = pl.base
		out[i].Passage = passageOf(pl.chunk)
	}
	return out, nil
}

// SyncTaught brings guild's taught phrasings in line with its documents
// after they changed: a phrasing whose passage moved (renumbered, or its
// text edited under the same title) follows it, and one whose passage is
// gone is dropped and returned, so that the change that removed it can
// say so. Searches never drop anything: they only skip what they cannot
// find.
func (m *Manager) SyncTaught(ctx context.Context, guild string) (dropped []store.Phrasing, err error) {
	if m.opts.Teachings == nil || (guild == store.BaseGuild && m.opts.Base == nil) {
		// With no base (FAQBOT_BASE_GUILDS=none) the operator's phrasings
		// have nothing to be checked against, and are kept for when it
		// returns.
		return nil, nil
	}
	ps, err := m.opts.Teachings.Phrasings(ctx, guild)
	if err != nil {
		return nil, fmt.Errorf("checking the taught phrasings of server %s: %w", guild, err)
	}
	ts, err := m.locate(ctx, guild, ps)
	if err != nil {
		return nil, fmt.Errorf("checking the taught phrasings of server %s: %w", guild, err)
	}
	var gone []int64
	for i, t := range ts {
		switch {
		case t.Gone:
			gone = append(gone, t.ID)
		case t.Passage != ps[i].Passage:
			if _, err := m.opts.Teachings.Relink(ctx, guild, t.ID, t.Passage); err != nil {
				return nil, fmt.Errorf("checking the taught phrasings of server %s: %w", guild, err)
			}
		}
	}
	if len(gone) > 0 {
		if dropped, err = m.opts.Teachings.Unteach(ctx, guild, gone...); err != nil {
			return nil, fmt.Errorf("dropping the taught phrasings of server %s: %w", guild, err)
		}
		m.lg.Info("taught phrasings dropped: their passage is gone", "guild", guild, "dropped", len(dropped))
	}
	m.phrasingsChanged(guild)
	return dropped, nil
}

// passageOf names a passage for the store.
func passageOf(c corpus.Chunk) store.Passage {
	return store.Passage{ChunkID: c.ID, Document: c.DocID, Title: c.Title, Hash: c.Hash}
}

// place is where a passage is: which index, and the passage.
type place struct {
	chunk corpus.Chunk
	base  bool
}

// finder finds a taught phrasing's passage again in the server's index
// and the base's.
type finder struct {
	byID       map[string]place
	byHash     map[string][]place
	byDocTitle map[[2]string][]place
}

func newFinder(own, base *retrieval.Index) finder {
	f := finder{byID: map[string]place{}, byHash: map[string][]place{}, byDocTitle: map[[2]string][]place{}}
	// The server's own passages first: a name in both is the server's.
	for _, ix := range []struct {
		ix   *retrieval.Index
		base bool
	}{{own, false}, {base, true}} {
		if ix.ix == nil {
			continue
		}
		for _, c := range ix.ix.Chunks() {
			pl := place{chunk: c, base: ix.base}
			if _, ok := f.byID[c.ID]; !ok {
				f.byID[c.ID] = pl
			}
			if c.Hash != "" {
				f.byHash[c.Hash] = append(f.byHash[c.Hash], pl)
			}
			k := [2]string{c.DocID, strings.TrimSpace(c.Title)}
			f.byDocTitle[k] = append(f.byDocTitle[k], pl)
		}
	}
	return f
}

// find returns where p is now: the passage of that ID if its text is
// unchanged; else the same text moved within its document (or, if only
// one passage anywhere has it, into another); else its passage edited
// under the same title, at the same ID or as the one passage of its
// document with that title. It reports false when the passage is gone.
func (f finder) find(p store.Passage) (place, bool) {
	if pl, ok := f.byID[p.ChunkID]; ok && (p.Hash == "" || pl.chunk.Hash == p.Hash) {
		return pl, true
	}
	if p.Hash != "" {
		same := f.byHash[p.Hash]
		for _, pl := range same {
			if pl.chunk.DocID == p.Document {
				return pl, true
			}
		}
		if len(same) == 1 {
			return same[0], true
		}
	}
	title := strings.TrimSpace(p.Title)
	if title == "" {
		return place{}, false
	}
	if pl, ok := f.byID[p.ChunkID]; ok && strings.TrimSpace(pl.chunk.Title) == title {
		return pl, true
	}
	if pls := f.byDocTitle[[2]string{p.Document, title}]; len(pls) == 1 {
		return pls[0], true
	}
	return place{}, false
}

// Package ingest keeps knowledge bases fed from their sources: the web
// pages, sitemaps, sites and Git folders a server's moderators (or the
// operator, for the base corpus) listed. It fetches a source with the
// sources package, writes the pages that are new or changed and deletes
// the removed ones through the same incremental path as an upload (one
// library batch: only changed passages are embedded), remembers each
// source and what its last fetch found in the store, records every change
// in the server's change log, and refreshes every source on a schedule.
//
// A source that fails keeps its last good pages: a fetch error changes
// nothing but the error shown beside the source.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// Errors callers branch on, for errors.Is; fetch errors wrap the sources
// package's (sources.ErrBlocked, sources.ErrTooManySources, ...).
var (
	// ErrNoText means a source whose pages were fetched but gave no text
	// the corpus can read.
	ErrNoText = errors.New("no page has text the FAQ can read")
	// ErrUnknown means no source of the server has that ID.
	ErrUnknown = errors.New("no such source")
)

// Fetcher fetches sources. *sources.Fetcher satisfies it.
type Fetcher interface {
	// Check says whether src may be fetched at all, without fetching.
	Check(src sources.Source) error
	// Fetch fetches what changed since req.Prev.
	Fetch(ctx context.Context, req sources.Request) (sources.Result, error)
}

var _ Fetcher = (*sources.Fetcher)(nil)

// Corpora are the knowledge bases pages are written to, by guild
// (store.BaseGuild for the operator's base).
type Corpora interface {
	// Apply writes and deletes a batch of documents and re-indexes once.
	Apply(ctx context.Context, guild string, b library.Batch) (library.Change, error)
	// Documents lists the guild's own documents.
	Documents(ctx context.Context, guild string) ([]library.DocumentInfo, error)
}

// Options configure a Syncer.
type Options struct {
	// Fetcher fetches the sources. One per process: its per-host limits
	// hold across everything it fetches.
	Fetcher Fetcher
	// Store keeps the sources, their state and the change logs.
	Store store.Store
	// Corpora receive the pages.
	Corpora Corpora
	// Limits bound what a server's moderators may add (sources, and pages
	// in all). The operator's base has no limit beyond the fetcher's.
	Limits sources.Limits
	// Interval is how often each source is refreshed by Run; zero turns
	// the schedule off.
	Interval time.Duration
	// Jitter is the share of Interval (0 to 1) by which each source's
	// next refresh is moved, at random but fixed for the source and its
	// last refresh: sources added together do not refresh together.
	// Zero means DefaultJitter; negative, none.
	Jitter float64
	// Owns, when set, says whether this process refreshes a guild's
	// sources on schedule: with several shards, each refreshes its own.
	Owns func(guild string) bool
	// Notify, when set, is told of each scheduled refresh that changed
	// something or failed: the summary for a moderator channel.
	Notify func(ctx context.Context, r Report)
	// Now and Until are the clock: time.Now, and a channel that receives
	// once the given time has come (at once when it has). Tests drive the
	// schedule through them.
	Now   func() time.Time
	Until func(t time.Time) <-chan time.Time
	// Logger receives structured logs; discarded when nil.
	Logger *slog.Logger
}

// DefaultJitter moves a source's refresh by up to a tenth of the
// interval either way: a day's interval spreads over almost five hours.
const DefaultJitter = 0.1

// Syncer keeps knowledge bases fed from their sources. It is safe for
// concurrent use: the changes of one server run one at a time.
type Syncer struct {
	opts Options
	lg   *slog.Logger

	mu    sync.Mutex
	locks map[string]chan struct{}
	// poke wakes the schedule when sources change.
	poke chan struct{}
}

// New returns a Syncer.
func New(opts Options) (*Syncer, error) {
	if opts.Fetcher == nil || opts.Store == nil || opts.Corpora == nil {
		return nil, errors.New("configuring the sources: a fetcher, a store and the knowledge bases are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Until == nil {
		opts.Until = func(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }
	}
	switch {
	case opts.Jitter == 0:
		opts.Jitter = DefaultJitter
	case opts.Jitter < 0:
		opts.Jitter = 0
	case opts.Jitter > 1:
		opts.Jitter = 1
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Syncer{opts: opts, lg: lg, locks: map[string]chan struct{}{}, poke: make(chan struct{}, 1)}, nil
}

// lock waits for guild's changes to be this caller's alone; false when
// ctx ends first.
func (s *Syncer) lock(ctx context.Context, guild string) (unlock func(), ok bool) {
	s.mu.Lock()
	l := s.locks[guild]
	if l == nil {
		l = make(chan struct{}, 1)
		s.locks[guild] = l
	}
	s.mu.Unlock()
	select {
	case l <- struct{}{}:
		return func() { <-l }, true
	case <-ctx.Done():
		return nil, false
	}
}

// wake tells the schedule the sources changed.
func (s *Syncer) wake() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// Info is one source as listed for moderators and operators.
type Info struct {
	// ID identifies the source for removing and refreshing it.
	ID     int64
	Source sources.Source
	// AddedBy and AddedAt say who added it, when.
	AddedBy string
	AddedAt time.Time
	// Pages is how many pages it holds; Failed how many failed last time.
	Pages, Failed int
	// RefreshedAt is the last refresh tried, SucceededAt the last that
	// worked; zero for never.
	RefreshedAt, SucceededAt time.Time
	// Error is why the last refresh failed ("" when it worked); the pages
	// of the last good one are kept.
	Error string
	// Summary says what the last good refresh changed.
	Summary string
	// Next is when the schedule refreshes it next; zero when it does not.
	Next time.Time
}

// List returns guild's sources, oldest first.
func (s *Syncer) List(ctx context.Context, guild string) ([]Info, error) {
	recs, err := s.opts.Store.Guild(guild).Sources(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(recs))
	for _, r := range recs {
		src, err := decodeSource(r.Spec)
		if err != nil {
			s.lg.Warn("a stored source cannot be read", "guild", guild, "source", r.ID, "err", err)
		}
		out = append(out, Info{
			ID: r.ID, Source: src, AddedBy: r.AddedBy, AddedAt: r.AddedAt, Pages: r.Pages, Failed: r.Failed,
			RefreshedAt: r.RefreshedAt, SucceededAt: r.SucceededAt, Error: r.Error, Summary: r.Summary, Next: s.next(r),
		})
	}
	return out, nil
}

// Add checks src, fetches it and, when it gave pages, adds them to
// guild's knowledge base and keeps the source for refreshes. A source
// that fails, or gives no page, is not added: the error says why. Local
// repositories (file://) are the operator's base's only. progress, when
// set, is told of the pages fetched so far.
func (s *Syncer) Add(ctx context.Context, guild string, src sources.Source, who string, progress func(done, total int)) (Report, error) {
	start := s.opts.Now()
	rep := Report{Guild: guild, Source: src, Who: who}
	fail := func(err error) (Report, error) {
		rep.Err = fmt.Errorf("adding source %s: %w", src.URL, err)
		rep.Took = s.opts.Now().Sub(start)
		s.record(ctx, guild, store.Change{Who: who, Action: store.ActionSourceAdd, Document: src.String(), Error: Reason(err)})
		return rep, rep.Err
	}
	if err := s.check(guild, src); err != nil {
		return fail(err)
	}
	unlock, ok := s.lock(ctx, guild)
	if !ok {
		return fail(ctx.Err())
	}
	defer unlock()
	g := s.opts.Store.Guild(guild)
	have, err := g.Sources(ctx)
	if err != nil {
		return fail(err)
	}
	held := 0
	for _, h := range have {
		if h.Key == src.Key() {
			return fail(fmt.Errorf("%w (source %d)", store.ErrSourceExists, h.ID))
		}
		held += h.Pages
	}
	budget := 0
	if guild != store.BaseGuild {
		if err := s.opts.Limits.CheckAdd(len(have)); err != nil {
			return fail(err)
		}
		if budget, err = s.opts.Limits.PageBudget(held); err != nil {
			return fail(err)
		}
	}
	res, err := s.opts.Fetcher.Fetch(ctx, sources.Request{Source: src, MaxPages: budget, Progress: progress})
	rep.Stats = res.Stats
	if err != nil {
		return fail(err)
	}
	spec, err := json.Marshal(src)
	if err != nil {
		return fail(err)
	}
	rec, err := g.AddSource(ctx, store.Source{Key: src.Key(), Spec: string(spec), AddedBy: who, AddedAt: start})
	if err != nil {
		return fail(err)
	}
	rep.ID = rec.ID
	b, state := s.batch(rec.ID, res, &rep)
	if len(state.Pages) == 0 {
		err = fmt.Errorf("%w: %s", ErrNoText, firstSkip(rep))
	} else if rep.Change, err = s.opts.Corpora.Apply(ctx, guild, b); err == nil {
		if err = s.save(ctx, g, rec.ID, state, &rep, start); err != nil {
			undo := library.Batch{DeleteFolders: []string{folder(rec.ID)}}
			if _, uerr := s.opts.Corpora.Apply(context.WithoutCancel(ctx), guild, undo); uerr != nil {
				s.lg.Error("deleting the pages of a source that failed to import", "guild", guild, "source", rec.ID, "err", uerr)
			}
		}
	}
	if err != nil {
		// Nothing of it stays: neither the source nor, as Apply failed or
		// wrote nothing, its pages.
		if _, rerr := g.RemoveSource(context.WithoutCancel(ctx), rec.ID); rerr != nil {
			s.lg.Error("removing a source that failed to import", "guild", guild, "source", rec.ID, "err", rerr)
		}
		rep.ID = 0
		return fail(err)
	}
	rep.Took = s.opts.Now().Sub(start)
	s.record(ctx, guild, store.Change{Who: who, Action: store.ActionSourceAdd, Document: src.String(), Summary: rep.Summary()})
	s.lg.Info("source added", "guild", guild, "source", rec.ID, "url", src.URL, "kind", src.Kind, "who", who, "pages", rep.Pages,
		"requests", rep.Stats.Requests, "took", rep.Took)
	s.wake()
	return rep, nil
}

// check refuses sources guild may not have: what the fetcher refuses, and
// local repositories anywhere but the operator's base.
func (s *Syncer) check(guild string, src sources.Source) error {
	if err := s.opts.Fetcher.Check(src); err != nil {
		return err
	}
	if guild != store.BaseGuild && isLocal(src) {
		return fmt.Errorf("%w: %s", sources.ErrLocalRepo, src.URL)
	}
	return nil
}

// Remove takes the source id and its pages out of guild's knowledge
// base. When the pages cannot be deleted, the source stays.
func (s *Syncer) Remove(ctx context.Context, guild string, id int64, who string) (Report, error) {
	unlock, ok := s.lock(ctx, guild)
	if !ok {
		return Report{Guild: guild, ID: id, Who: who}, ctx.Err()
	}
	defer unlock()
	rec, err := s.find(ctx, s.opts.Store.Guild(guild), id)
	if err != nil {
		return Report{Guild: guild, ID: id, Who: who}, err
	}
	return s.removeLocked(ctx, guild, rec, who)
}

// Refresh fetches what changed in the source id of guild now (all of
// guild's sources when id is 0), whatever the schedule says. A source
// that fails keeps its pages; its report carries the error. progress,
// when set, is told of each source's pages fetched so far, with the
// source.
func (s *Syncer) Refresh(ctx context.Context, guild string, id int64, who string, progress func(src sources.Source, done, total int)) ([]Report, error) {
	unlock, ok := s.lock(ctx, guild)
	if !ok {
		return nil, ctx.Err()
	}
	defer unlock()
	g := s.opts.Store.Guild(guild)
	recs, err := g.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var out []Report
	for _, r := range recs {
		if id != 0 && r.ID != id {
			continue
		}
		out = append(out, s.refresh(ctx, guild, r, recs, who, progress))
	}
	if id != 0 && len(out) == 0 {
		return nil, fmt.Errorf("refreshing source %d: %w", id, ErrUnknown)
	}
	return out, nil
}

// find returns the source id of g.
func (s *Syncer) find(ctx context.Context, g store.Guild, id int64) (store.Source, error) {
	recs, err := g.Sources(ctx)
	if err != nil {
		return store.Source{}, err
	}
	for _, r := range recs {
		if r.ID == id {
			return r, nil
		}
	}
	return store.Source{}, fmt.Errorf("source %d: %w", id, ErrUnknown)
}

// record writes a change to guild's change log, even when ctx has ended:
// the change happened either way.
func (s *Syncer) record(ctx context.Context, guild string, c store.Change) {
	c.At = s.opts.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.opts.Store.Guild(guild).RecordChange(ctx, c); err != nil {
		s.lg.Error("writing the change log", "guild", guild, "action", c.Action, "err", err)
	}
}

// folder is the corpus folder a source's pages live in: its own, so that
// two sources listing the same page never share a file, and removing a
// source removes exactly its pages.
func folder(id int64) string { return "sources/" + strconv.FormatInt(id, 10) }

// pageID is the document ID of a source's page.
func pageID(id int64, name string) string { return folder(id) + "/" + name }

// SourceOf says which source a document ID belongs to: the ID of the
// source whose page it is, or 0 for a document that is no page of a
// source (an upload, a file the operator put there).
func SourceOf(docID string) int64 {
	rest, ok := strings.CutPrefix(docID, "sources/")
	if !ok {
		return 0
	}
	num, _, ok := strings.Cut(rest, "/")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func decodeSource(spec string) (sources.Source, error) {
	var src sources.Source
	if err := json.Unmarshal([]byte(spec), &src); err != nil {
		return sources.Source{}, fmt.Errorf("reading a stored source: %w", err)
	}
	return src, nil
}

func decodeState(state string) (sources.State, error) {
	var st sources.State
	if state == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(state), &st); err != nil {
		return sources.State{}, fmt.Errorf("reading a source's state: %w", err)
	}
	return st, nil
}

// KnowledgeBases are the servers' knowledge bases in a kb.Manager and the
// operator's base library (nil when there is none to write to), as
// Corpora.
type KnowledgeBases struct {
	Servers *kb.Manager
	Base    *library.Library
}

var _ Corpora = KnowledgeBases{}

// errNoBase and errNoServers mean sources were given to knowledge bases
// there are none of.
var (
	errNoBase    = errors.New("there is no base corpus folder to write to")
	errNoServers = errors.New("there are no servers' knowledge bases to write to")
)

// Apply applies b to guild's knowledge base.
func (k KnowledgeBases) Apply(ctx context.Context, guild string, b library.Batch) (library.Change, error) {
	if guild != store.BaseGuild {
		if k.Servers == nil {
			return library.Change{}, errNoServers
		}
		return k.Servers.Apply(ctx, guild, b)
	}
	if k.Base == nil {
		return library.Change{}, errNoBase
	}
	return k.Base.Apply(ctx, b)
}

// Documents lists guild's own documents.
func (k KnowledgeBases) Documents(ctx context.Context, guild string) ([]library.DocumentInfo, error) {
	if guild != store.BaseGuild {
		if k.Servers == nil {
			return nil, errNoServers
		}
		own, _, err := k.Servers.Documents(ctx, guild)
		return own, err
	}
	if k.Base == nil {
		return nil, errNoBase
	}
	return k.Base.Documents(), nil
}

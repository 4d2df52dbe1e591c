package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// storeTimeout bounds the writes that record a fetch, which are made
// even when the caller's context has ended: the pages changed either way.
const storeTimeout = 10 * time.Second

// refresh fetches the source rec of guild (all being guild's sources, for
// the page budget) and applies what changed. The caller holds guild's
// lock. A failure changes nothing but the error recorded beside the
// source: its pages and state stay as the last good fetch left them.
func (s *Syncer) refresh(ctx context.Context, guild string, rec store.Source, all []store.Source, who string, progress func(src sources.Source, done, total int)) Report {
	start := s.opts.Now()
	g := s.opts.Store.Guild(guild)
	rep := Report{Guild: guild, ID: rec.ID, Who: who, Pages: rec.Pages}
	src, err := decodeSource(rec.Spec)
	rep.Source = src
	fail := func(err error) Report {
		rep.Err = fmt.Errorf("refreshing source %d: %w", rec.ID, err)
		rep.Took = s.opts.Now().Sub(start)
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		if rerr := g.RecordSourceRefresh(wctx, rec.ID, store.SourceRefresh{At: start, Error: Reason(err)}); rerr != nil {
			s.lg.Error("recording a failed refresh", "guild", guild, "source", rec.ID, "err", rerr)
		}
		s.record(ctx, guild, store.Change{Who: who, Action: store.ActionSourceRefresh, Document: src.String(), Error: Reason(err)})
		s.lg.Warn("source refresh failed; its last good pages are kept", "guild", guild, "source", rec.ID, "url", src.URL, "who", who, "err", err)
		return rep
	}
	if err != nil {
		return fail(err)
	}
	if err := s.check(guild, src); err != nil {
		return fail(err)
	}
	prev, err := decodeState(rec.State)
	if err != nil {
		s.lg.Warn("a source's saved state cannot be read; fetching it afresh", "guild", guild, "source", rec.ID, "err", err)
	}
	// Held pages whose file is gone — deleted by hand, or a crash between
	// writing the pages and saving the state — are fetched again, not
	// trusted as unchanged.
	if len(prev.Pages) > 0 {
		docs, err := s.opts.Corpora.Documents(ctx, guild)
		if err != nil {
			return fail(err)
		}
		present := make(map[string]bool, len(docs))
		for _, d := range docs {
			present[d.ID] = true
		}
		prev.Pages = maps.Clone(prev.Pages)
		for k, ps := range prev.Pages {
			if !present[pageID(rec.ID, ps.Name)] {
				delete(prev.Pages, k)
			}
		}
	}
	budget := 0
	if guild != store.BaseGuild {
		others := 0
		for _, o := range all {
			if o.ID != rec.ID {
				others += o.Pages
			}
		}
		if budget, err = s.opts.Limits.PageBudget(others); err != nil {
			return fail(err)
		}
	}
	req := sources.Request{Source: src, Prev: prev, MaxPages: budget}
	if progress != nil {
		req.Progress = func(done, total int) { progress(src, done, total) }
	}
	res, err := s.opts.Fetcher.Fetch(ctx, req)
	rep.Stats = res.Stats
	if err != nil {
		return fail(err)
	}
	b, state := s.batch(rec.ID, res, &rep)
	if !b.Empty() {
		if rep.Change, err = s.opts.Corpora.Apply(ctx, guild, b); err != nil {
			rep.Pages = rec.Pages
			return fail(fmt.Errorf("writing the pages: %w", err))
		}
	}
	if err := s.save(ctx, g, rec.ID, state, &rep, start); err != nil {
		// The pages are written; the next refresh finds them as they are.
		return fail(err)
	}
	rep.Took = s.opts.Now().Sub(start)
	// A moderator who asked hears of it, and the change log keeps what
	// changed; an unchanged scheduled refresh is not worth a line.
	if rep.Notable() || who != Scheduled {
		s.record(ctx, guild, store.Change{Who: who, Action: store.ActionSourceRefresh, Document: src.String(), Summary: rep.Summary()})
	}
	s.lg.Info("source refreshed", "guild", guild, "source", rec.ID, "url", src.URL, "who", who, "added", len(rep.Added),
		"changed", len(rep.Changed), "unchanged", rep.Unchanged, "removed", len(rep.Removed), "failed", len(rep.Failed),
		"requests", rep.Stats.Requests, "not_modified", rep.Stats.NotModified, "took", rep.Took)
	return rep
}

// batch turns a fetch's result into the knowledge base's batch and the
// state to save, filling rep. A page whose content gives the corpus no
// text is left out, and out of the state, so that it is fetched again
// (and taken once it has text); a changed page that lost its text is
// deleted.
func (s *Syncer) batch(id int64, res sources.Result, rep *Report) (library.Batch, sources.State) {
	state := res.State
	state.Pages = maps.Clone(res.State.Pages)
	b := library.Batch{Put: map[string][]byte{}}
	put := func(p sources.Page, changed bool) {
		doc := pageID(id, p.Name)
		content := withLink(p.Name, p.Content, p.URL)
		if _, err := corpus.Parse(doc, content); err != nil {
			delete(state.Pages, p.Key)
			rep.Skipped = append(rep.Skipped, sources.Skip{Key: orKey(p.URL, p.Key), Reason: parseReason(err)})
			if changed {
				b.Delete = append(b.Delete, doc)
			}
			if p.Replaces != "" && p.Replaces != p.Name {
				b.Delete = append(b.Delete, pageID(id, p.Replaces))
			}
			return
		}
		b.Put[doc] = content
		if p.Replaces != "" && p.Replaces != p.Name {
			b.Delete = append(b.Delete, pageID(id, p.Replaces))
		}
		if changed {
			rep.Changed = append(rep.Changed, orKey(p.URL, p.Key))
		} else {
			rep.Added = append(rep.Added, orKey(p.URL, p.Key))
		}
	}
	for _, p := range res.Added {
		put(p, false)
	}
	for _, p := range res.Changed {
		put(p, true)
	}
	for _, r := range res.Removed {
		b.Delete = append(b.Delete, pageID(id, r.Name))
		rep.Removed = append(rep.Removed, r)
	}
	rep.Unchanged = len(res.Unchanged)
	rep.Failed = res.Failed
	rep.Skipped = append(rep.Skipped, res.Skipped...)
	rep.Pages = len(state.Pages)
	return b, state
}

// parseReason says why the corpus could not read a page.
func parseReason(err error) string {
	switch {
	case errors.Is(err, corpus.ErrNoText), errors.Is(err, corpus.ErrEmpty):
		return "no text the FAQ can read"
	case errors.Is(err, corpus.ErrTooLarge):
		return "too large"
	}
	return err.Error()
}

// firstSkip explains a fetch that gave no usable page by its first skip.
func firstSkip(rep Report) string {
	if len(rep.Skipped) > 0 {
		return rep.Skipped[0].Key + ": " + rep.Skipped[0].Reason
	}
	return "the source listed no page"
}

// save records a successful fetch: the state for the next one, the pages
// held and what changed.
func (s *Syncer) save(ctx context.Context, g store.Guild, id int64, state sources.State, rep *Report, at time.Time) error {
	js, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("saving a source's state: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	return g.RecordSourceRefresh(ctx, id, store.SourceRefresh{At: at, State: string(js), Pages: len(state.Pages), Failed: len(rep.Failed), Summary: rep.Summary()})
}

// isLocal reports whether src reads the host's disk (a file:// Git
// repository).
func isLocal(src sources.Source) bool {
	u, err := url.Parse(src.URL)
	return err == nil && u.Scheme == "file"
}

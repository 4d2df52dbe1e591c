package ingest

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/faqbot/faqbot/store"
)

// Scheduled is who the change log names for refreshes the schedule ran.
const Scheduled = "schedule"

// maxWait is the longest the schedule sleeps without looking at the
// store: sources added by another process (`faqbot source add`, a
// sources file) are picked up within it.
const maxWait = time.Hour

// next is when the schedule refreshes r: at once when it was never
// fetched (a source from a sources file), else its last refresh plus the
// interval, moved by its jitter; zero when there is no schedule.
func (s *Syncer) next(r store.Source) time.Time {
	if r.RefreshedAt.IsZero() {
		return r.AddedAt
	}
	if s.opts.Interval <= 0 {
		return time.Time{}
	}
	return r.RefreshedAt.Add(s.jittered(r))
}

// jittered is the interval moved by up to Jitter of it either way, by an
// amount drawn from the source and its last refresh: fixed between looks
// at the store, different for every source and every refresh.
func (s *Syncer) jittered(r store.Source) time.Duration {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d %d", r.ID, r.RefreshedAt.UnixNano())
	f := float64(h.Sum64()>>11) / (1 << 53) // uniform in [0, 1)
	return time.Duration(float64(s.opts.Interval) * (1 + s.opts.Jitter*(2*f-1)))
}

// Run refreshes the sources of the guilds this process owns as they fall
// due, and posts what changed through Options.Notify, until ctx ends.
// Sources never fetched (declared in a sources file) are fetched at once,
// even with no interval.
func (s *Syncer) Run(ctx context.Context) {
	// The first pass sees every change made so far.
	select {
	case <-s.poke:
	default:
	}
	for {
		next := s.RunDue(ctx)
		if limit := s.opts.Now().Add(maxWait); next.IsZero() || next.After(limit) {
			next = limit
		}
		select {
		case <-ctx.Done():
			return
		case <-s.opts.Until(next):
		case <-s.poke:
		}
	}
}

// RunDue refreshes every source that is due now, in the guilds this
// process owns, and returns when the next one falls due (zero: none).
func (s *Syncer) RunDue(ctx context.Context) time.Time {
	guilds, err := s.opts.Store.Guilds(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.lg.Error("listing the servers for the source schedule", "err", err)
		}
		return s.opts.Now().Add(time.Minute)
	}
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, guild := range guilds {
		if s.opts.Owns != nil && !s.opts.Owns(guild) {
			continue
		}
		recs, err := s.opts.Store.Guild(guild).Sources(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.lg.Error("listing a server's sources for the schedule", "guild", guild, "err", err)
			}
			continue
		}
		for _, r := range recs {
			if ctx.Err() != nil {
				return next
			}
			due := s.next(r)
			if due.IsZero() || due.After(s.opts.Now()) {
				soonest(due)
				continue
			}
			rep, ok := s.refreshDue(ctx, guild, r.ID)
			if !ok {
				continue
			}
			if s.opts.Notify != nil && rep.Notable() {
				s.opts.Notify(ctx, rep)
			}
			// What the store now says, without reading it back.
			r.RefreshedAt = s.opts.Now()
			soonest(s.next(r))
		}
	}
	return next
}

// refreshDue refreshes one source for the schedule, under guild's lock,
// reading it again: a moderator may have removed or refreshed it since
// the schedule looked. ok is false when there was nothing to do.
func (s *Syncer) refreshDue(ctx context.Context, guild string, id int64) (Report, bool) {
	unlock, ok := s.lock(ctx, guild)
	if !ok {
		return Report{}, false
	}
	defer unlock()
	recs, err := s.opts.Store.Guild(guild).Sources(ctx)
	if err != nil {
		return Report{}, false
	}
	for _, r := range recs {
		if r.ID == id {
			if due := s.next(r); due.IsZero() || due.After(s.opts.Now()) {
				return Report{}, false
			}
			return s.refresh(ctx, guild, r, recs, Scheduled, nil), true
		}
	}
	return Report{}, false
}

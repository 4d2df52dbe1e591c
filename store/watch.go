package store

import (
	"context"
	"time"
)

// DefaultDocumentCheck is how often WatchDocuments reads every knowledge
// base's version when told nothing: PostgreSQL tells of a change at once,
// and this catches what a dropped connection missed; SQLite, which tells
// nothing, is checked this often.
const DefaultDocumentCheck = 30 * time.Second

// WatchDocuments calls changed(guild, version) each time the documents of
// a knowledge base are seen at a version other than the one last seen,
// whichever process changed them, until ctx ends; it then returns nil.
// Every knowledge base is reported once at the start, at its current
// version, so a caller that compares with the version it holds needs no
// other first look. Calls are made one at a time, from this goroutine.
//
// It checks every knowledge base's version every every (0:
// DefaultDocumentCheck) and, with PostgreSQL, also listens for the
// notification every change sends, so a change reaches every process
// within moments; the check is the fallback for a lost connection. An
// error reading the versions is logged and tried again at the next check.
func (s *sqlStore) WatchDocuments(ctx context.Context, every time.Duration, changed func(guild string, version int64)) error {
	if every <= 0 {
		every = DefaultDocumentCheck
	}
	type event struct {
		guild   string
		version int64
	}
	events := make(chan event, 64)
	checkNow := make(chan struct{}, 1)
	if s.listen != nil {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() {
			defer close(done)
			_ = s.listen(ctx,
				func(g string, v int64) {
					select {
					case events <- event{g, v}:
					case <-ctx.Done():
					}
				},
				func() {
					select {
					case checkNow <- struct{}{}:
					default:
					}
				})
		}()
	}
	seen := map[string]int64{}
	report := func(g string, v int64) {
		// Any other version, lower too: a database restored from a
		// backup goes back, and the caller's copy must follow.
		if old, ok := seen[g]; ok && old == v {
			return
		}
		seen[g] = v
		changed(g, v)
	}
	check := func() {
		versions, err := s.DocumentVersions(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.lg.Warn("checking the knowledge bases' versions; trying again later", "err", err, "in", every)
			}
			return
		}
		for g, v := range versions {
			report(g, v)
		}
	}
	check()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			check()
		case <-checkNow:
			check()
		case e := <-events:
			report(e.guild, e.version)
		}
	}
}

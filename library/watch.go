package library

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/faqbot/faqbot/corpus"
)

// DefaultWatchInterval is how often Watch looks at the corpus folder when
// given no interval: quick enough that an edit shows within seconds, rare
// enough that stat-ing a few hundred files costs nothing.
const DefaultWatchInterval = 2 * time.Second

// Watch refreshes the library whenever the documents in the corpus folder
// change (added, removed, resized or touched), until ctx is done; it then
// returns nil. It polls every interval, comparing names, sizes and
// modification times, and waits until the folder has been quiet for one
// interval so that a file being copied in is indexed once, whole. Polling
// needs no dependency and works on network and container file systems
// where change notifications do not. Refresh errors are logged and passed
// to Options.WatchReport; they do not stop the watch.
func (l *Library) Watch(ctx context.Context, interval time.Duration) error {
	if l.opts.Dir == "" {
		return fmt.Errorf("watching the corpus: %w", ErrNoDir)
	}
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	// failed is the folder as it was when a refresh failed: it is not
	// retried until the folder changes again.
	var pending, failed map[string]fileStamp
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		cur, err := l.snapshot(ctx)
		if err != nil {
			l.lg.Warn("cannot read the corpus folder", "dir", l.opts.Dir, "err", err)
			continue
		}
		// Compared with the folder as the live corpus was read from it,
		// so uploads (which refresh themselves) and edits made before
		// Watch started are both handled right.
		if maps.Equal(cur, l.state.Load().stamps) || failed != nil && maps.Equal(cur, failed) {
			pending = nil
			continue
		}
		if pending == nil || !maps.Equal(cur, pending) {
			pending = cur // still changing: wait for it to settle
			continue
		}
		pending = nil
		ch, err := l.Refresh(ctx)
		if ctx.Err() != nil {
			return nil
		}
		failed = nil
		if err != nil {
			failed = cur
			l.lg.Error("refresh after a corpus folder change failed", "err", err)
		}
		if l.opts.WatchReport != nil && (err != nil || !ch.Empty()) {
			l.opts.WatchReport(ch, err)
		}
	}
}

// fileStamp is what Watch compares to notice a change.
type fileStamp struct {
	size, mod int64 // mod in Unix nanoseconds, so stamps compare with ==
}

// snapshot stamps every file of the corpus folder the loader would read:
// supported, not hidden, not in a removed folder. It is the listing a
// refresh starts with, so the two agree on what a change is.
func (l *Library) snapshot(ctx context.Context) (map[string]fileStamp, error) {
	files, _, err := corpus.Scan(ctx, l.opts.Corpus)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fileStamp, len(files))
	for _, f := range files {
		out[f.Path] = stampOf(f)
	}
	return out, nil
}

// Empty reports whether a refresh changed no document.
func (c Change) Empty() bool {
	return len(c.DocumentsAdded)+len(c.DocumentsRemoved)+len(c.DocumentsChanged) == 0
}

// Summary says in one line what a refresh changed, for the change log and
// the command line, e.g. "1 added (faq.md), 0 removed, 0 changed; 4
// passages embedded, 120 reused".
func (c Change) Summary() string {
	list := func(ids []string) string {
		if len(ids) == 0 {
			return ""
		}
		const show = 3
		s := strings.Join(ids[:min(show, len(ids))], ", ")
		if len(ids) > show {
			s += fmt.Sprintf(" and %d more", len(ids)-show)
		}
		return " (" + s + ")"
	}
	passages := "passages"
	if c.Embedded == 1 {
		passages = "passage"
	}
	return fmt.Sprintf("%d added%s, %d removed%s, %d changed%s; %d %s embedded, %d reused",
		len(c.DocumentsAdded), list(c.DocumentsAdded), len(c.DocumentsRemoved), list(c.DocumentsRemoved),
		len(c.DocumentsChanged), list(c.DocumentsChanged), c.Embedded, passages, c.Reused)
}

package ingest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/sources"
)

// Report is what one fetch of one source did to its knowledge base.
type Report struct {
	// Guild is the server (store.BaseGuild for the operator's base).
	Guild string
	// ID is the source's ID in the store (0 when an add failed before it
	// was stored).
	ID int64
	// Source is what was fetched.
	Source sources.Source
	// Who asked: a moderator, "cli", "schedule", "sources file".
	Who string
	// Err says the source failed as a whole: its pages were kept as they
	// were (or, for an add, the source was not added).
	Err error
	// Added, Changed and Removed are the pages' links (their keys when
	// they have none); Removed with why.
	Added, Changed []string
	Removed        []sources.Removal
	// Unchanged counts the pages that were as they were.
	Unchanged int
	// Failed are the pages that could not be fetched this time; those the
	// source held keep their last good content.
	Failed []sources.Failure
	// Skipped are listed pages that were not taken (over the page limit,
	// disallowed, or with no text the corpus can read), with why.
	Skipped []sources.Skip
	// Pages is how many pages the source holds now.
	Pages int
	// Stats count the requests made (304s included).
	Stats sources.Stats
	// Change is what the knowledge base's index did.
	Change library.Change
	// Took is how long it all took.
	Took time.Duration
}

// Notable reports whether the fetch changed the knowledge base or has
// something to report: a failure, a removal, a page that failed.
func (r Report) Notable() bool {
	return r.Err != nil || len(r.Added)+len(r.Changed)+len(r.Removed)+len(r.Failed) > 0
}

// Summary says what the fetch did in one line, for the change log and a
// moderator's reply: "3 added, 1 changed, 195 unchanged, 1 removed, 2
// failed (196 pages)", or why it failed.
func (r Report) Summary() string {
	if r.Err != nil {
		return "failed, last good pages kept: " + Reason(r.Err)
	}
	s := fmt.Sprintf("%d added, %d changed, %d unchanged, %d removed, %d failed", len(r.Added), len(r.Changed), r.Unchanged, len(r.Removed), len(r.Failed))
	if len(r.Skipped) > 0 {
		s += fmt.Sprintf(", %d skipped", len(r.Skipped))
	}
	return s + fmt.Sprintf(" (%s held)", plural(r.Pages, "page"))
}

// Details lists, after the summary, the first few pages removed, failed
// and skipped with why, one per line ("removed: URL (no longer listed)"),
// at most max lines in all.
func (r Report) Details(max int) []string {
	var out []string
	add := func(s string) bool {
		if len(out) >= max {
			return false
		}
		out = append(out, s)
		return true
	}
	for _, rm := range r.Removed {
		if !add("removed: " + orKey(rm.URL, rm.Key) + " (" + rm.Reason + ")") {
			break
		}
	}
	for _, f := range r.Failed {
		held := ""
		if f.Held {
			held = ", last good copy kept"
		}
		if !add("failed: " + orKey(f.URL, f.Key) + " (" + Reason(f.Err) + held + ")") {
			break
		}
	}
	for _, s := range r.Skipped {
		if !add("skipped: " + s.Key + " (" + s.Reason + ")") {
			break
		}
	}
	left := len(r.Removed) + len(r.Failed) + len(r.Skipped) - len(out)
	if left > 0 && len(out) > 0 {
		out[len(out)-1] += fmt.Sprintf(" … and %d more", left)
	}
	return out
}

func orKey(url, key string) string {
	if url != "" {
		return url
	}
	return key
}

// Reason says why a fetch failed in a few words a moderator can act on,
// without the Go error chain's repetition.
func Reason(err error) string {
	var st *sources.StatusError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &st):
		return st.Error()
	case errors.Is(err, sources.ErrBlocked):
		return "the address is private or local, which this bot does not fetch"
	case errors.Is(err, sources.ErrLocalRepo):
		return "local repositories can only be added by the bot's operator"
	case errors.Is(err, sources.ErrDisallowed):
		return "the site's robots.txt asks bots not to fetch it"
	case errors.Is(err, sources.ErrTooLarge):
		return "too large"
	case errors.Is(err, sources.ErrContentType):
		return "not a page the FAQ can read (HTML, text or Markdown)"
	case errors.Is(err, sources.ErrTooManyRedirects):
		return "too many redirects"
	case errors.Is(err, sources.ErrNoSitemap):
		return "no sitemap found (robots.txt, /sitemap.xml)"
	case errors.Is(err, sources.ErrTooManySources), errors.Is(err, sources.ErrTooManyPages), errors.Is(err, ErrNoText):
		return lastPart(err)
	case errors.Is(err, sources.ErrNoPages):
		return "no page could be fetched: " + lastPart(err)
	}
	return lastPart(err)
}

// lastPart is the end of an error's message chain, where its cause is.
func lastPart(err error) string {
	msg := err.Error()
	for _, prefix := range []string{"fetching ", "adding source: ", "refreshing source: "} {
		if strings.HasPrefix(msg, prefix) {
			if _, rest, ok := strings.Cut(msg, ": "); ok {
				msg = rest
			}
		}
	}
	return msg
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
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

// maxReason bounds a reason's length: some causes carry a whole error
// page (a Git server's 404 body).
const maxReason = 200

// Reason says why a fetch failed in a few words a moderator can act on,
// without the Go error chain's repetition: the first cause it knows, or
// else the end of the message, on one line.
func Reason(err error) string {
	r := reason(err)
	if errors.Is(err, sources.ErrNoPages) && !strings.HasPrefix(r, sources.ErrNoPages.Error()) {
		r = sources.ErrNoPages.Error() + ": " + r
	}
	return r
}

func reason(err error) string {
	var st *sources.StatusError
	var dns *net.DNSError
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
		return "no sitemap found (in robots.txt, or at /sitemap.xml)"
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return "repository not found"
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return "the repository needs a login: only public repositories can be fetched"
	case errors.As(err, &dns):
		return dns.Name + " does not resolve (check the address)"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, sources.ErrBadSource), errors.Is(err, sources.ErrTooManySources),
		errors.Is(err, sources.ErrTooManyPages), errors.Is(err, ErrNoText), errors.Is(err, store.ErrSourceExists):
		// Their own message says it; what wraps it only repeats the URL.
		return tail(err, []error{sources.ErrBadSource, sources.ErrTooManySources, sources.ErrTooManyPages, ErrNoText, store.ErrSourceExists})
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return oneLine(msg)
}

// tail is err's message from the first of sentinels it contains on.
func tail(err error, sentinels []error) string {
	msg := err.Error()
	for _, s := range sentinels {
		if i := strings.Index(msg, s.Error()); i >= 0 {
			return oneLine(msg[i:])
		}
	}
	return oneLine(msg)
}

// oneLine is s on one line, cut to maxReason bytes.
func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) > maxReason {
		cut := maxReason
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

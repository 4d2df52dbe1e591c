package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// harborSite is a help site of three FAQ pages listed by its sitemap.
func harborSite(t *testing.T) *site {
	s := newSite(t)
	s.set("/help/berths", faqPage("Berths", s.URL("/help/berths"),
		"How do I book a visitor berth?", "Visitor berths are booked at the harbour office on channel 12, at least a day ahead.",
		"How long may a visiting boat stay?", "A visiting boat may stay up to fourteen nights in summer."))
	s.set("/help/fuel", faqPage("Fuel", s.URL("/help/fuel"),
		"When is the fuel dock open?", "The fuel dock opens from seven in the morning until eight at night.",
		"Can I pay for diesel by card?", "Diesel is paid by card at the pump; cash is not taken."))
	s.set("/help/showers", faqPage("Showers", s.URL("/help/showers"),
		"Where are the showers?", "The showers are in the white building behind the crane, open all night.",
		"Do the showers need a token?", "The showers need a token from the harbour office, two euros each."))
	s.set("/sitemap.xml", sitemap(s.URL("/help/berths"), s.URL("/help/fuel"), s.URL("/help/showers")))
	return s
}

func mustSource(t *testing.T, raw string) sources.Source {
	t.Helper()
	src, err := sources.ParseSource(raw)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestAddRefreshRemove: a server's moderator adds a sitemap; its pages
// answer with their own links; a refresh fetches only what changed and
// picks up an edit and a removal; removing the source takes its pages
// out. Another server never sees any of it.
func TestAddRefreshRemove(t *testing.T) {
	e := newEnv(t)
	site := harborSite(t)
	var progress []string
	rep, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/sitemap.xml")), "ada (1)", func(done, total int) {
		progress = append(progress, fmt.Sprintf("%d/%d", done, total))
	})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if strings.Join(progress, " ") != "1/3 2/3 3/3" {
		t.Errorf("progress: %q, want each page counted", progress)
	}
	if len(rep.Added) != 3 || rep.Pages != 3 || rep.ID == 0 || rep.Change.PassagesAdded == 0 {
		t.Errorf("first import: %+v", rep)
	}
	hit := e.ask("g1", "what hours does the fuel dock open")
	if !strings.Contains(hit.Chunk.Text, "seven in the morning") || hit.Chunk.URL != site.URL("/help/fuel") {
		t.Errorf("answer from the fetched page: %q from %q, want the fuel page's passage linked to %s", hit.Chunk.Text, hit.Chunk.URL, site.URL("/help/fuel"))
	}
	if strings.Contains(hit.Chunk.Text, "Sign in to the dashboard") {
		t.Errorf("the page's navigation was indexed: %q", hit.Chunk.Text)
	}
	if _, err := e.kbs.Searcher("g2").Search(e.ctx, "fuel dock", 3); err == nil {
		t.Error("g2, which has no documents, answered")
	}
	recs := e.sourcesOf("g1")
	if len(recs) != 1 || recs[0].Pages != 3 || recs[0].State == "" || recs[0].AddedBy != "ada (1)" || recs[0].Error != "" {
		t.Fatalf("stored source: %+v", recs)
	}
	if _, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/sitemap.xml")), "ada (1)", nil); !errors.Is(err, store.ErrSourceExists) {
		t.Errorf("adding it twice: %v, want ErrSourceExists", err)
	}

	// An edit, a page gone from the sitemap, two unchanged.
	site.reset()
	site.set("/help/fuel", faqPage("Fuel", site.URL("/help/fuel"),
		"When is the fuel dock open?", "The fuel dock now opens from six in the morning until ten at night.",
		"Can I pay for diesel by card?", "Diesel is paid by card at the pump; cash is not taken."))
	site.set("/sitemap.xml", sitemap(site.URL("/help/berths"), site.URL("/help/fuel")))
	reps, err := e.s.Refresh(e.ctx, "g1", 0, "ada (1)", nil)
	if err != nil || len(reps) != 1 {
		t.Fatalf("Refresh: %v %v", reps, err)
	}
	rep = reps[0]
	if rep.Err != nil || !slices.Equal(rep.Changed, []string{site.URL("/help/fuel")}) || len(rep.Removed) != 1 || rep.Unchanged != 1 || rep.Pages != 2 {
		t.Errorf("refresh: %+v", rep)
	}
	if n := site.downloads("/help/"); n != 1 {
		t.Errorf("%d pages downloaded in full, want only the changed one (the others answer 304)", n)
	}
	if hit := e.ask("g1", "what hours does the fuel dock open"); !strings.Contains(hit.Chunk.Text, "six in the morning") {
		t.Errorf("after the edit: %q", hit.Chunk.Text)
	}
	for _, id := range e.docIDs("g1") {
		if strings.Contains(id, "showers") {
			t.Errorf("the removed page is still a document: %s", id)
		}
	}
	if !strings.Contains(rep.Summary(), "1 changed") || !strings.Contains(strings.Join(rep.Details(5), "\n"), "no longer listed") {
		t.Errorf("summary %q, details %q", rep.Summary(), rep.Details(5))
	}

	// The change log tells the story.
	var log []string
	for _, c := range e.changes("g1") {
		log = append(log, string(c.Action)+" "+c.Summary+c.Error)
	}
	if len(log) != 3 || !strings.HasPrefix(log[0], "source-add 3 added") || !strings.HasPrefix(log[1], "source-add ") || !strings.HasPrefix(log[2], "source-refresh 0 added, 1 changed") {
		t.Errorf("change log:\n%s", strings.Join(log, "\n"))
	}

	if _, err := e.s.Remove(e.ctx, "g1", rep.ID, "ada (1)"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if docs := e.docIDs("g1"); len(docs) != 0 {
		t.Errorf("documents after removing the source: %q", docs)
	}
	if recs := e.sourcesOf("g1"); len(recs) != 0 {
		t.Errorf("sources after removing: %+v", recs)
	}
	if _, err := e.s.Remove(e.ctx, "g1", rep.ID, "ada (1)"); !errors.Is(err, ErrUnknown) {
		t.Errorf("removing it again: %v", err)
	}
}

// TestFailureKeepsLastGoodPages: when a source fails as a whole its pages
// still answer and the error is shown beside it; a page that fails alone
// keeps its last good copy; once the site is back, the error clears.
func TestFailureKeepsLastGoodPages(t *testing.T) {
	e := newEnv(t)
	site := harborSite(t)
	rep, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/sitemap.xml")), "ada", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := e.docIDs("g1")

	site.fail("/sitemap.xml", 503)
	reps, err := e.s.Refresh(e.ctx, "g1", rep.ID, "ada", nil)
	if err != nil {
		t.Fatal(err)
	}
	if reps[0].Err == nil {
		t.Fatal("a refresh of a failing sitemap succeeded")
	}
	if got := e.docIDs("g1"); !slices.Equal(got, before) {
		t.Errorf("documents after the failure: %q, want %q", got, before)
	}
	if hit := e.ask("g1", "where are the showers"); !strings.Contains(hit.Chunk.Text, "behind the crane") {
		t.Errorf("the last good page no longer answers: %q", hit.Chunk.Text)
	}
	recs := e.sourcesOf("g1")
	if !strings.Contains(recs[0].Error, "503") || recs[0].Pages != 3 || recs[0].SucceededAt.IsZero() {
		t.Errorf("source after a failure: %+v", recs[0])
	}

	// Every page fails: the same.
	site.set("/sitemap.xml", sitemap(site.URL("/help/berths"), site.URL("/help/fuel"), site.URL("/help/showers")))
	for _, p := range []string{"/help/berths", "/help/fuel", "/help/showers"} {
		site.fail(p, 500)
	}
	reps, _ = e.s.Refresh(e.ctx, "g1", rep.ID, "ada", nil)
	if reps[0].Err == nil || !errors.Is(reps[0].Err, sources.ErrNoPages) {
		t.Errorf("every page failing: %v, want ErrNoPages", reps[0].Err)
	}
	if got := e.docIDs("g1"); !slices.Equal(got, before) {
		t.Errorf("documents after every page failed: %q", got)
	}

	// One page fails: the rest refresh, that one keeps its copy.
	site.set("/help/berths", faqPage("Berths", site.URL("/help/berths"), "How do I book a visitor berth?", "Book visitor berths online now."))
	site.set("/help/fuel", faqPage("Fuel", site.URL("/help/fuel"), "When is the fuel dock open?", "The fuel dock opens from seven in the morning until eight at night."))
	reps, _ = e.s.Refresh(e.ctx, "g1", rep.ID, "ada", nil)
	if r := reps[0]; r.Err != nil || len(r.Failed) != 1 || !r.Failed[0].Held || r.Pages != 3 {
		t.Errorf("one page failing: %+v", r)
	}
	if hit := e.ask("g1", "where are the showers"); !strings.Contains(hit.Chunk.Text, "behind the crane") {
		t.Errorf("the failing page's last good copy no longer answers: %q", hit.Chunk.Text)
	}
	if recs := e.sourcesOf("g1"); recs[0].Error != "" || recs[0].Failed != 1 {
		t.Errorf("source after a partial success: %+v", recs[0])
	}
}

// TestScheduleRefreshes: with the schedule's clock in the test's hands, a
// source is refreshed once its interval (moved by its jitter) has passed,
// not before; the summary goes to Notify and the change log.
func TestScheduleRefreshes(t *testing.T) {
	e := newEnv(t)
	site := harborSite(t)
	if _, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/sitemap.xml")), "ada", nil); err != nil {
		t.Fatal(err)
	}
	// Not due before the interval less its jitter.
	site.reset()
	e.clock.Advance(21 * time.Hour)
	next := e.s.RunDue(e.ctx)
	if n := site.requests(); n != 0 {
		t.Errorf("%d requests before the source was due", n)
	}
	if lo, hi := t0.Add(24*time.Hour*9/10), t0.Add(24*time.Hour*11/10); next.Before(lo) || next.After(hi) {
		t.Errorf("next refresh at %v, want between %v and %v", next, lo, hi)
	}

	done := make(chan struct{})
	go func() { e.s.Run(e.ctx); close(done) }()
	e.clock.waitForWait(t, e.ctx)
	site.set("/help/showers", faqPage("Showers", site.URL("/help/showers"), "Where are the showers?", "The showers moved to the new block by the gate."))
	e.clock.Advance(6 * time.Hour)
	var rep Report
	select {
	case rep = <-e.notes:
	case <-e.ctx.Done():
		t.Fatal("the schedule never refreshed the source")
	}
	if rep.Who != Scheduled || !slices.Equal(rep.Changed, []string{site.URL("/help/showers")}) || rep.Guild != "g1" {
		t.Errorf("scheduled refresh: %+v", rep)
	}
	if hit := e.ask("g1", "where are the showers"); !strings.Contains(hit.Chunk.Text, "new block by the gate") {
		t.Errorf("after the scheduled refresh: %q", hit.Chunk.Text)
	}
	log := e.changes("g1")
	if last := log[len(log)-1]; last.Who != Scheduled || last.Action != store.ActionSourceRefresh || !strings.Contains(last.Summary, "1 changed") {
		t.Errorf("change log's last entry: %+v", last)
	}

	// A refresh that changes nothing is neither posted nor logged.
	e.clock.waitForWait(t, e.ctx)
	e.clock.Advance(27 * time.Hour)
	e.clock.waitForWait(t, e.ctx)
	if n := len(e.changes("g1")); n != len(log) {
		t.Errorf("an unchanged scheduled refresh was logged: %d entries, want %d", n, len(log))
	}
	select {
	case r := <-e.notes:
		t.Errorf("an unchanged refresh was posted: %+v", r)
	default:
	}
	if recs := e.sourcesOf("g1"); !recs[0].RefreshedAt.Equal(t0.Add(54 * time.Hour)) {
		t.Errorf("last refresh at %v, want the second scheduled one at %v", recs[0].RefreshedAt, t0.Add(54*time.Hour))
	}
	e.ctxCancel()
	<-done
}

// TestLimits: a server's moderators may add so many sources and so many
// pages in all; the operator's base has no such limit.
func TestLimits(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Limits = sources.Limits{MaxSources: 2, MaxPages: 4} })
	site := harborSite(t)
	if _, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/sitemap.xml")), "ada", nil); err != nil {
		t.Fatal(err)
	}
	site.set("/more.xml", sitemap(site.URL("/help/showers"), site.URL("/help/fuel")))
	rep, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/more.xml")), "ada", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 1 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, "page limit") {
		t.Errorf("second source with one page of budget left: %+v", rep)
	}
	if _, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL("/help/berths")), "ada", nil); !errors.Is(err, sources.ErrTooManySources) {
		t.Errorf("a third source: %v, want ErrTooManySources", err)
	}
	if _, err := e.s.Add(e.ctx, "", mustSource(t, site.URL("/help/berths")), "cli", nil); err != nil {
		t.Errorf("the base, which has no limit: %v", err)
	}
	// Refused adds are in the change log with why.
	log := e.changes("g1")
	if last := log[len(log)-1]; last.Action != store.ActionSourceAdd || !strings.Contains(last.Error, "too many sources") {
		t.Errorf("change log: %+v", last)
	}
}

// TestModeratorsCannotReadTheDisk: a server's source may not be a local
// repository, whatever the fetcher allows; nothing is stored.
func TestModeratorsCannotReadTheDisk(t *testing.T) {
	e := newEnv(t)
	for _, raw := range []string{"file:///etc", "git+file:///srv/repo"} {
		if _, err := e.s.Add(e.ctx, "g1", mustSource(t, raw), "mallory", nil); !errors.Is(err, sources.ErrLocalRepo) {
			t.Errorf("%s: %v, want ErrLocalRepo", raw, err)
		}
	}
	if recs := e.sourcesOf("g1"); len(recs) != 0 {
		t.Errorf("stored: %+v", recs)
	}
}

// TestAddThatFailsLeavesNothing: a source that cannot be fetched, or
// whose pages give no text, is not added.
func TestAddThatFailsLeavesNothing(t *testing.T) {
	e := newEnv(t)
	site := newSite(t)
	site.set("/empty", "<html><body><nav><a href='/'>Home</a></nav></body></html>")
	for _, p := range []string{"/missing", "/empty"} {
		if _, err := e.s.Add(e.ctx, "g1", mustSource(t, site.URL(p)), "ada", nil); err == nil {
			t.Errorf("%s was added", p)
		}
	}
	if recs := e.sourcesOf("g1"); len(recs) != 0 {
		t.Errorf("stored: %+v", recs)
	}
	if docs := e.docIDs("g1"); len(docs) != 0 {
		t.Errorf("documents: %q", docs)
	}
}

// TestMissingPageIsFetchedAgain: a page whose file went (deleted by hand,
// or lost in a crash between the pages and the state) is fetched again
// rather than trusted as unchanged.
func TestMissingPageIsFetchedAgain(t *testing.T) {
	e := newEnv(t)
	site := harborSite(t)
	rep, err := e.s.Add(e.ctx, "", mustSource(t, site.URL("/sitemap.xml")), "cli", nil)
	if err != nil {
		t.Fatal(err)
	}
	var fuel string
	for _, id := range e.docIDs("") {
		if strings.Contains(id, "fuel") {
			fuel = id
		}
	}
	if _, err := e.base.Apply(e.ctx, libraryDelete(fuel)); err != nil {
		t.Fatal(err)
	}
	site.reset()
	reps, err := e.s.Refresh(e.ctx, "", rep.ID, "cli", nil)
	if err != nil || reps[0].Err != nil {
		t.Fatal(err, reps)
	}
	if !slices.Contains(e.docIDs(""), fuel) || site.downloads("/help/") != 1 || len(reps[0].Added) != 1 {
		t.Errorf("after the file went: documents %q, %d downloads, report %+v", e.docIDs(""), site.downloads("/help/"), reps[0])
	}
}

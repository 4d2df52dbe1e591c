package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/store"
)

// testClock is the source schedule's clock in a test's hands: time moves
// when the test says, and the waits for a time that has come fire then.
type testClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []clockWaiter
}

type clockWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Until(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, clockWaiter{at: t, ch: ch})
	return ch
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// posted waits until the bot has posted more than skip messages in
// channel whose content has want, and returns the one after the first
// skip.
func (s *served) posted(t *testing.T, channel, want string, skip int) string {
	t.Helper()
	path := discordtest.APIPrefix + "/channels/" + channel + "/messages"
	var found string
	// Each look counts the matches among all requests so far (WaitFor
	// looks again whenever one arrives).
	_, err := s.fake.WaitFor(s.ctx, func(discordtest.Request) bool {
		n := 0
		for _, r := range s.fake.Requests() {
			if r.Method == "POST" && r.Path == path && strings.Contains(string(r.Body), want) {
				if n++; n > skip {
					found = string(r.Body)
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no message with %q in %s: %v\nlogs:\n%s", want, channel, err, logsOf(s.logs))
	}
	return found
}

// TestSourcesEndToEnd runs `faqbot serve` against the fake Discord and a
// help site on loopback (reachable with FAQBOT_ALLOW_PRIVATE_SOURCES): a
// moderator adds the site's sitemap, a member's question is answered from
// its page with the page's link as the source, a refresh from Discord and
// one from the schedule (its clock in the test's hands) pick up edits and
// are reported in the moderator channel, a failing site keeps its pages,
// and removing the source takes them out.
func TestSourcesEndToEnd(t *testing.T) {
	site := quaySite(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	clock := &testClock{now: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	s := serveWithClock(t, map[string]string{
		"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
		"FAQBOT_ALLOW_PRIVATE_SOURCES": "1", "FAQBOT_REFRESH_INTERVAL": "24h",
	}, clock.Now, clock.Until)
	const guild = "guild-1"

	if got := s.subIn(t, guild, memberBob, "corpus", "add", discordtest.StringOption("url", site.URL("/sitemap.xml"))); !strings.Contains(got, "Only moderators") {
		t.Errorf("a member adding a source: %s", got)
	}
	if got := s.subIn(t, guild, modMia, "moderators", "channel", discordtest.ChannelOption("channel", "chan-mods")); !strings.Contains(got, "change in \\u003c#chan-mods") {
		t.Fatalf("/moderators channel: %s", got)
	}
	got := s.subIn(t, guild, modMia, "corpus", "add", discordtest.StringOption("url", site.URL("/sitemap.xml")))
	if !strings.Contains(got, "Added source #1") || !strings.Contains(got, "2 pages, answered from now on") {
		t.Fatalf("/corpus add url: %s", got)
	}

	// A member is answered from the page, which is the source shown.
	got = s.askIn(t, guild, memberBob, "How much does a locker cost each week?")
	if !strings.Contains(got, "eleven pounds") || !strings.Contains(got, site.URL("/help/lockers")) {
		t.Errorf("answer from the added page, with its link: %s", got)
	}
	if strings.Contains(got, "Sign in to your account") {
		t.Errorf("the page's navigation reached the answer: %s", got)
	}
	if got := s.subIn(t, guild, modMia, "corpus", "sources"); !strings.Contains(got, site.URL("/sitemap.xml")) || !strings.Contains(got, "2 pages") {
		t.Errorf("/corpus sources: %s", got)
	}
	if got := s.subIn(t, guild, modMia, "corpus", "list"); !strings.Contains(got, "fetched from 1 source") {
		t.Errorf("/corpus list: %s", got)
	}

	// An edit, picked up by /corpus refresh.
	site.set("/help/lockers", helpPage("Lockers", site.URL("/help/lockers"),
		"How much does a locker cost per week?", "A locker now costs fourteen pounds a week, paid at the quay office."))
	if got := s.subIn(t, guild, modMia, "corpus", "refresh"); !strings.Contains(got, "0 added, 1 changed, 1 unchanged") {
		t.Errorf("/corpus refresh: %s", got)
	}
	if got := s.askIn(t, guild, memberBob, "How much does a locker cost each week now?"); !strings.Contains(got, "fourteen pounds") {
		t.Errorf("after /corpus refresh: %s", got)
	}

	// An edit, picked up by the schedule a day later and reported.
	site.set("/help/laundry", helpPage("Laundry", site.URL("/help/laundry"),
		"When is the laundry room open?", "The laundry room is now open around the clock, tokens from the quay office."))
	clock.Advance(27 * time.Hour)
	post := s.posted(t, "chan-mods", "Scheduled refresh", 0)
	if !strings.Contains(post, "#1") || !strings.Contains(post, "0 added, 1 changed") {
		t.Errorf("the scheduled refresh's summary: %s", post)
	}
	if got := s.askIn(t, guild, memberBob, "When is the laundry room open?"); !strings.Contains(got, "around the clock") {
		t.Errorf("after the scheduled refresh: %s", got)
	}

	// The site fails: reported, and its pages still answer.
	site.fail("/sitemap.xml", 503)
	clock.Advance(27 * time.Hour)
	post = s.posted(t, "chan-mods", "Scheduled refresh", 1)
	if !strings.Contains(post, "failed: HTTP 503") || !strings.Contains(post, "last good pages are kept") {
		t.Errorf("the failed refresh's summary: %s", post)
	}
	if got := s.askIn(t, guild, memberBob, "When can I use the laundry room?"); !strings.Contains(got, "around the clock") {
		t.Errorf("a failing source's pages no longer answer: %s", got)
	}
	if got := s.subIn(t, guild, modMia, "corpus", "sources"); !strings.Contains(got, "failing since") || !strings.Contains(got, "HTTP 503") {
		t.Errorf("/corpus sources of a failing source: %s", got)
	}

	// A page goes with its source, not on its own.
	pages := files(t, filepath.Join(data, "guilds", guild, "corpus", "sources", "1"))
	if got := s.subIn(t, guild, modMia, "corpus", "remove", discordtest.StringOption("document", "sources/1/"+pages[0])); !strings.Contains(got, "comes from one of this server's sources") {
		t.Errorf("removing a source's page: %s", got)
	}
	if got := s.subIn(t, guild, modMia, "corpus", "remove", discordtest.StringOption("source", "1")); !strings.Contains(got, "Removed source #1") || !strings.Contains(got, "2 pages") {
		t.Errorf("/corpus remove source: %s", got)
	}
	if got := s.askIn(t, guild, memberBob, "When is the laundry room open?"); strings.Contains(got, "around the clock") {
		t.Errorf("the removed source still answers: %s", got)
	}
	s.stop()

	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	changes, err := db.Guild(guild).Changes(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		entry := string(c.Action) + " by " + c.Who
		if c.Error != "" {
			entry += " (failed)"
		}
		log = append(log, entry)
	}
	// The sources' entries carry the schedule's clock, the channel's the
	// real one: only their own order is compared.
	i := slices.Index(log, "moderator-channel by mia (user-mia)")
	if i < 0 {
		t.Error("the change log does not have the moderator channel's change")
	} else {
		log = slices.Delete(log, i, i+1)
	}
	want := []string{
		"source-add by mia (user-mia)", "source-refresh by mia (user-mia)",
		"source-refresh by schedule", "source-refresh by schedule (failed)", "source-remove by mia (user-mia)",
	}
	if !slices.Equal(log, want) {
		t.Errorf("change log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

// TestSourcesFileFeedsTheBase: serve reads the sources file at start; its
// source is fetched into the base corpus at once, and every server is
// answered from it with the page's link.
func TestSourcesFileFeedsTheBase(t *testing.T) {
	site := quaySite(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "sources.txt"), []byte("# the base\n"+site.URL("/sitemap.xml")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	s := serveWithClock(t, map[string]string{
		"FAQBOT_GUILDS": "guild-a,guild-b", "DISCORD_GUILD_ID": "",
		"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"), "FAQBOT_ALLOW_PRIVATE_SOURCES": "1",
	}, clock.Now, clock.Until)
	// The first pass of the schedule fetches it.
	if err := s.logs.waitFor(s.ctx, `msg="source refreshed" guild=""`); err != nil {
		t.Fatalf("the sources file's source was never fetched: %v\n%s", err, logsOf(s.logs))
	}
	for _, g := range []string{"guild-a", "guild-b"} {
		got := s.askIn(t, g, discordtest.Member{ID: "user-" + g, Username: "x"}, "When is the laundry room open?")
		if !strings.Contains(got, "eight until eight") || !strings.Contains(got, site.URL("/help/laundry")) {
			t.Errorf("%s: not answered from the base's source: %s", g, got)
		}
	}
	if got := s.subIn(t, "guild-a", adminA, "corpus", "sources"); !strings.Contains(got, "no sources yet") {
		t.Errorf("the base's sources are listed as a server's: %s", got)
	}
}

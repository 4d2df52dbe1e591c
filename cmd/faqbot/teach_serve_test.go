package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/store"
)

// suggestButton is a suggestion button in a reply: its number, title and
// custom ID.
var suggestButton = regexp.MustCompile(`"label":"(\d)\. ([^"]*)"[^}]*?"custom_id":"(faqbot:suggest:[^"]+)"`)

// suggestID finds a suggestion button's custom ID in a reply, for the
// passage whose title contains title.
func suggestID(t *testing.T, body, title string) string {
	t.Helper()
	for _, m := range suggestButton.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[2], title) {
			return m[3]
		}
	}
	t.Fatalf("no suggestion button for %q in %s", title, body)
	return ""
}

// autocomplete returns the choices offered for the focused option of a
// /corpus subcommand.
func (s *served) autocomplete(t *testing.T, m discordtest.Member, sub string, opts ...discordtest.Option) string {
	t.Helper()
	i := s.interaction(m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.AutocompleteSubcommand(i, "corpus", sub, opts...))
	callback := fmt.Sprintf("%s/interactions/%s/%s/callback", discordtest.APIPrefix, i.ID, i.Token())
	r, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool { return r.Method == "POST" && r.Path == callback })
	if err != nil {
		t.Fatal(err)
	}
	return string(r.Body)
}

// click clicks a button as m and returns the reply.
func (s *served) click(t *testing.T, m discordtest.Member, customID string) string {
	t.Helper()
	i := s.interaction(m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.ButtonClick(i, "msg-"+i.ID, customID))
	return s.reply(t, i, notThinking)
}

// TestServeTeachAndSuggest runs `faqbot serve` against the fake Discord
// and a real SQLite database: a member's refused question offers the
// closest entries, a click answers from one and is reported in /gaps; a
// moderator teaches the question (autocomplete on both options), after
// which it is answered; the phrasing is listed, kept when its document is
// replaced, dropped and reported when the document goes, and removable
// with /corpus unteach; members cannot teach; votes alone teach nothing.
func TestServeTeachAndSuggest(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	s := serveWith(t, map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index")})
	if got := s.addFileIn(t, "guild-1", modMia, "rules.md", teachFAQ); !strings.Contains(got, "Added") {
		t.Fatalf("/corpus add: %s", got)
	}
	const q = "can hacks find ores"

	var refusal string
	t.Run("a refusal offers the closest entries as buttons", func(t *testing.T) {
		refusal = s.ask(t, "user-bob", q)
		if !strings.Contains(refusal, "couldn't find that in the FAQ") || !strings.Contains(refusal, "Did you mean") {
			t.Fatalf("reply %s, want a plain refusal offering suggestions", refusal)
		}
		if strings.Contains(refusal, `"name":"Sources"`) {
			t.Errorf("the refusal cites sources: %s", refusal)
		}
	})

	t.Run("a click answers from the entry, privately", func(t *testing.T) {
		got := s.click(t, memberBob, suggestID(t, refusal, "hidden ores"))
		if !strings.Contains(got, "banned on sight") || !strings.Contains(got, "rules.md") || !strings.Contains(got, `"flags":64`) {
			t.Errorf("click reply %s, want the ores entry's answer, citing rules.md, ephemeral", got)
		}
		if !strings.Contains(got, "faqbot:up:") {
			t.Errorf("the picked answer has no vote buttons: %s", got)
		}
	})

	t.Run("gaps show the pick", func(t *testing.T) {
		got := s.command(t, modMia, "gaps")
		if !strings.Contains(got, q) || !strings.Contains(got, "members picked") || !strings.Contains(got, "hidden ores") {
			t.Errorf("/gaps %s, want the question with the entry Bob picked", got)
		}
	})

	var oresID string
	t.Run("autocomplete offers the question, then the picked entry first", func(t *testing.T) {
		got := s.autocomplete(t, modMia, "teach", discordtest.Option{Name: "question", Type: 3, Value: "hacks", Focused: true})
		if !strings.Contains(got, `"value":"`+q+`"`) {
			t.Errorf("question choices %s, want the refused question", got)
		}
		got = s.autocomplete(t, modMia, "teach", discordtest.StringOption("question", q), discordtest.Option{Name: "passage", Type: 3, Value: "", Focused: true})
		m := regexp.MustCompile(`"choices":\[\{"name":"([^"]*)","value":"([^"]*)"`).FindStringSubmatch(got)
		if m == nil || !strings.Contains(m[1], "hidden ores") {
			t.Fatalf("passage choices %s, want the picked entry first", got)
		}
		oresID = m[2]
		if got := s.autocomplete(t, memberBob, "teach", discordtest.Option{Name: "question", Type: 3, Value: "", Focused: true}); strings.Contains(got, q) {
			t.Errorf("a member was offered the server's refused questions: %s", got)
		}
	})

	t.Run("members cannot teach", func(t *testing.T) {
		got := s.sub(t, memberBob, "corpus", "teach", discordtest.StringOption("question", "what is love"), discordtest.StringOption("passage", oresID))
		if !strings.Contains(got, "Only moderators") {
			t.Errorf("Bob's /corpus teach: %s", got)
		}
	})

	t.Run("taught, the question is answered", func(t *testing.T) {
		got := s.sub(t, modMia, "corpus", "teach", discordtest.StringOption("question", q), discordtest.StringOption("passage", oresID))
		if !strings.Contains(got, "Taught (#1)") || !strings.Contains(got, "answered from that passage") {
			t.Fatalf("/corpus teach: %s", got)
		}
		for _, ask := range []string{q, "Can hacks find the ores?"} {
			got := s.ask(t, "user-cat", ask)
			if strings.Contains(got, "couldn't find") || !strings.Contains(got, "banned on sight") || !strings.Contains(got, "rules.md") {
				t.Errorf("%q after teaching: %s", ask, got)
			}
		}
		if got := s.sub(t, modMia, "corpus", "list"); !strings.Contains(got, "1 phrasing taught") || !strings.Contains(got, q) || !strings.Contains(got, "hidden ores") {
			t.Errorf("/corpus list: %s", got)
		}
	})

	t.Run("kept when its document is replaced and renumbered", func(t *testing.T) {
		replaced := "# Server rules\n\n## Where is spawn?\n\nSpawn is at 0, 64, 0.\n\n" + strings.TrimPrefix(teachFAQ, "# Server rules\n\n")
		a := s.fake.AddAttachment(discordtest.Attachment{Filename: "rules.md", Data: []byte(replaced)})
		i := s.interaction(modMia)
		s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashSubcommand(i, "corpus", "add",
			[]discordtest.Option{discordtest.AttachmentOption("file", a), discordtest.BoolOption("replace", true)}, a))
		if got := s.reply(t, i, notThinking); !strings.Contains(got, "Replaced") || strings.Contains(got, "dropped") {
			t.Fatalf("/corpus add replace: %s", got)
		}
		if got := s.ask(t, "user-cat", q); !strings.Contains(got, "banned on sight") {
			t.Errorf("after the replacement: %s", got)
		}
		// The new entry comes first: the ores entry is numbered one more.
		if got := s.sub(t, modMia, "corpus", "list"); strings.Contains(got, "(`"+oresID+"`)") || !strings.Contains(got, "hidden ores allowed?” (`rules.md#") {
			t.Errorf("/corpus list after the renumbering: %s, want the phrasing following its entry away from %s", got, oresID)
		}
	})

	t.Run("dropped, and reported, when its document goes", func(t *testing.T) {
		got := s.sub(t, modMia, "corpus", "remove", discordtest.StringOption("document", "rules.md"))
		if !strings.Contains(got, "Removed") || !strings.Contains(got, "1 taught phrasing dropped") || !strings.Contains(got, q) {
			t.Fatalf("/corpus remove: %s", got)
		}
		if got := s.ask(t, "user-cat", q); !strings.Contains(got, "couldn't find") {
			t.Errorf("after the removal: %s", got)
		}
		if got := s.sub(t, modMia, "corpus", "list"); strings.Contains(got, "taught") && strings.Contains(got, q) {
			t.Errorf("/corpus list still shows the phrasing: %s", got)
		}
	})

	t.Run("unteach removes a phrasing", func(t *testing.T) {
		if got := s.addFileIn(t, "guild-1", modMia, "rules.md", teachFAQ); !strings.Contains(got, "Added") {
			t.Fatalf("/corpus add: %s", got)
		}
		id := regexp.MustCompile(`"value":"([^"]*)"`).FindStringSubmatch(
			s.autocomplete(t, modMia, "teach", discordtest.StringOption("question", q), discordtest.Option{Name: "passage", Type: 3, Value: "ores", Focused: true}))
		if id == nil {
			t.Fatal("no passage offered for \"ores\"")
		}
		got := s.sub(t, modMia, "corpus", "teach", discordtest.StringOption("question", q), discordtest.StringOption("passage", id[1]))
		n := regexp.MustCompile(`Taught \(#(\d+)\)`).FindStringSubmatch(got)
		if n == nil {
			t.Fatalf("/corpus teach: %s", got)
		}
		choices := s.autocomplete(t, modMia, "unteach", discordtest.Option{Name: "phrasing", Type: 3, Value: "hacks", Focused: true})
		if !strings.Contains(choices, `"value":"`+n[1]+`"`) {
			t.Fatalf("unteach choices %s, want #%s", choices, n[1])
		}
		if got := s.sub(t, modMia, "corpus", "unteach", discordtest.StringOption("phrasing", n[1])); !strings.Contains(got, "Removed #"+n[1]) {
			t.Fatalf("/corpus unteach: %s", got)
		}
		if got := s.ask(t, "user-cat", q); !strings.Contains(got, "couldn't find") {
			t.Errorf("after /corpus unteach: %s", got)
		}
	})

	t.Run("/reindex keeps it while its entry is there, and drops it when the entry goes", func(t *testing.T) {
		id := regexp.MustCompile(`"value":"([^"]*)"`).FindStringSubmatch(
			s.autocomplete(t, modMia, "teach", discordtest.StringOption("question", q), discordtest.Option{Name: "passage", Type: 3, Value: "ores", Focused: true}))
		if id == nil {
			t.Fatal("no passage offered for \"ores\"")
		}
		if got := s.sub(t, modMia, "corpus", "teach", discordtest.StringOption("question", q), discordtest.StringOption("passage", id[1])); !strings.Contains(got, "Taught") {
			t.Fatalf("/corpus teach: %s", got)
		}
		file := filepath.Join(data, "guilds", "guild-1", "corpus", "rules.md")
		world := "## When does the resource world regenerate?\n\nOn the first Sunday of every month at 18:00 UTC.\n"
		ores := strings.Replace(teachFAQ, world, "", 1)
		if ores == teachFAQ {
			t.Fatal("the world entry is not in the FAQ: the test edits nothing")
		}
		if err := os.WriteFile(file, []byte(ores), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := s.command(t, modMia, "reindex"); !strings.Contains(got, "Index rebuilt") || strings.Contains(got, "dropped") {
			t.Fatalf("/reindex with the entry kept: %s", got)
		}
		if got := s.ask(t, "user-dan", q); !strings.Contains(got, "banned on sight") {
			t.Errorf("after a reindex that kept the entry: %s", got)
		}
		if err := os.WriteFile(file, []byte("# Server rules\n\n"+world), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := s.command(t, modMia, "reindex"); !strings.Contains(got, "1 taught phrasing dropped") || !strings.Contains(got, q) {
			t.Fatalf("/reindex with the entry gone: %s", got)
		}
		if got := s.ask(t, "user-dan", q); !strings.Contains(got, "couldn't find") {
			t.Errorf("after a reindex that dropped the entry: %s", got)
		}
	})

	t.Run("one member's votes teach nothing; several members' are offered, not taught", func(t *testing.T) {
		const liked = "when does the resource world regenerate?"
		upOn := func(m discordtest.Member, body string) {
			t.Helper()
			_, rest, ok := strings.Cut(body, `"custom_id":"faqbot:up:`)
			if !ok {
				t.Fatalf("no 👍 button: %s", body)
			}
			id, _, _ := strings.Cut(rest, `"`)
			if got := s.click(t, m, "faqbot:up:"+id); !strings.Contains(got, "Thanks") && !strings.Contains(got, "already voted") {
				t.Fatalf("vote: %s", got)
			}
		}
		// The same question, asked five times; Bob likes every answer,
		// twice each.
		for n := range 5 {
			body := s.ask(t, fmt.Sprint("user-asker-", n), liked)
			upOn(memberBob, body)
			upOn(memberBob, body)
		}
		if got := s.command(t, modMia, "gaps"); strings.Contains(got, "found helpful") {
			t.Errorf("one member's votes are offered as a phrasing: %s", got)
		}
		body := s.ask(t, "user-asker-5", liked)
		for n := range 3 {
			upOn(discordtest.Member{ID: fmt.Sprint("user-fan-", n), Username: fmt.Sprint("fan", n)}, body)
		}
		if got := s.command(t, modMia, "gaps"); !strings.Contains(got, "found helpful") || !strings.Contains(got, liked) {
			t.Errorf("three members' votes are not offered: %s", got)
		}
		s.stop()
		db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ps, err := db.Guild("guild-1").Phrasings(context.Background())
		if err != nil || len(ps) != 0 {
			t.Errorf("phrasings after the votes: %+v (%v), want none: votes never teach", ps, err)
		}
		changes, err := db.Guild("guild-1").Changes(context.Background(), 50)
		if err != nil {
			t.Fatal(err)
		}
		var log []string
		for _, c := range changes {
			if c.Action == store.ActionTeach || c.Action == store.ActionUnteach {
				log = append(log, fmt.Sprintf("%s %s by %s", c.Action, c.Summary, c.Who))
			}
		}
		want := []string{
			"unteach " + q + " (its passage is gone) by mia (user-mia)",
			"teach " + q + " by mia (user-mia)",
			"unteach " + q + " by mia (user-mia)",
			"teach " + q + " by mia (user-mia)",
			"unteach " + q + " (its passage is gone) by mia (user-mia)",
			"teach " + q + " by mia (user-mia)",
		}
		if strings.Join(log, "\n") != strings.Join(want, "\n") {
			t.Errorf("change log, newest first:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestSourcesDropTaughtPhrasings: a phrasing taught for a fetched page's
// passage is dropped, and said so in the moderator channel, when a
// scheduled refresh finds the page gone from the site; one taught for
// another page is dropped, and said so, when its source is removed.
func TestSourcesDropTaughtPhrasings(t *testing.T) {
	site := quaySite(t)
	root := t.TempDir()
	clock := &testClock{now: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}
	s := serveWithClock(t, map[string]string{
		"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
		"FAQBOT_ALLOW_PRIVATE_SOURCES": "1", "FAQBOT_REFRESH_INTERVAL": "24h",
	}, clock.Now, clock.Until)
	if got := s.sub(t, modMia, "moderators", "channel", discordtest.ChannelOption("channel", "chan-mods")); !strings.Contains(got, "chan-mods") {
		t.Fatalf("/moderators channel: %s", got)
	}
	if got := s.sub(t, modMia, "corpus", "add", discordtest.StringOption("url", site.URL("/sitemap.xml"))); !strings.Contains(got, "Added source #1") {
		t.Fatalf("/corpus add url: %s", got)
	}
	teach := func(q, typed string) {
		t.Helper()
		id := regexp.MustCompile(`"value":"([^"]*)"`).FindStringSubmatch(
			s.autocomplete(t, modMia, "teach", discordtest.StringOption("question", q), discordtest.Option{Name: "passage", Type: 3, Value: typed, Focused: true}))
		if id == nil {
			t.Fatalf("no passage offered for %q", typed)
		}
		if got := s.sub(t, modMia, "corpus", "teach", discordtest.StringOption("question", q), discordtest.StringOption("passage", id[1])); !strings.Contains(got, "Taught") {
			t.Fatalf("/corpus teach: %s", got)
		}
	}
	teach("washer times pls", "laundry")
	teach("storage box price", "locker")

	// The laundry page leaves the site; the schedule's refresh drops it.
	site.set("/sitemap.xml", fmt.Sprintf(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s</loc></url></urlset>`,
		site.URL("/help/lockers")))
	clock.Advance(27 * time.Hour)
	post := s.posted(t, "chan-mods", "Scheduled refresh", 0)
	if !strings.Contains(post, "washer times pls") || !strings.Contains(post, "dropped") || strings.Contains(post, "storage box price") {
		t.Errorf("the scheduled refresh's summary: %s, want the laundry phrasing dropped and only it", post)
	}
	if got := s.ask(t, "user-cat", "storage box price"); !strings.Contains(got, "eleven pounds") {
		t.Errorf("the lockers phrasing after the refresh: %s", got)
	}

	got := s.sub(t, modMia, "corpus", "remove", discordtest.StringOption("source", "1"))
	if !strings.Contains(got, "Removed source #1") || !strings.Contains(got, "storage box price") || !strings.Contains(got, "dropped") {
		t.Errorf("/corpus remove source: %s, want the lockers phrasing dropped", got)
	}
	if got := s.sub(t, modMia, "corpus", "list"); strings.Contains(got, "phrasing taught") {
		t.Errorf("/corpus list after both drops: %s", got)
	}
}

// TestServeTentativeAlternatives runs `faqbot serve` against the fake
// Discord and a real SQLite database with a server's FAQ of five files: a
// question the FAQ answers only in part is answered, marked as the closest
// passage, with the other close entries as buttons; a click answers from
// one, and /gaps reports the question with the entry picked.
func TestServeTentativeAlternatives(t *testing.T) {
	root := t.TempDir()
	s := serveWith(t, map[string]string{"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index")})
	dir := filepath.Join("..", "..", "testdata", "corpora", "cinderbrook")
	for _, name := range []string{"events.md", "moderation.md", "ranks.md", "rules.md", "technical-help.md"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.addFileIn(t, "guild-1", modMia, name, string(b)); !strings.Contains(got, "Added") {
			t.Fatalf("/corpus add %s: %s", name, got)
		}
	}
	const q = "is there a creative world where i can test builds first"
	got := s.ask(t, "user-bob", q)
	if !strings.Contains(got, "may not answer this exactly") || !strings.Contains(got, "Not what you asked?") || !strings.Contains(got, `"name":"Sources"`) {
		t.Fatalf("reply %s, want an answer with its sources, marked tentative, offering other entries", got)
	}
	picked := s.click(t, memberBob, suggestID(t, got, "build contest"))
	if !strings.Contains(picked, "picked this entry") || !strings.Contains(picked, "events.md") || !strings.Contains(picked, `"flags":64`) {
		t.Errorf("click reply %s, want the build contest entry's answer, privately", picked)
	}
	gaps := s.command(t, modMia, "gaps")
	if !strings.Contains(gaps, q) || !strings.Contains(gaps, "another entry picked 1") || !strings.Contains(gaps, "build contest") {
		t.Errorf("/gaps %s, want the question, redirected once, with the entry Bob picked", gaps)
	}
}

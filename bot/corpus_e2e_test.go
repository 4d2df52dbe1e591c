package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
)

// TestModerationEndToEnd drives the moderator commands and /forget-me
// through the real discordgo client against the fake Discord, attachments
// served by the fake as Discord's CDN serves them.
func TestModerationEndToEnd(t *testing.T) {
	fake := discordtest.New(t)
	fc := newFakeCorpus()
	rep := &fakeReports{gaps: []Gap{{Question: "how do i reset my password", Count: 3, Refused: 3, LastAsked: time.Now()}}}
	recs := newMemoryRecords()
	recs.questions = []QuestionRecord{{UserID: "user-bob"}}
	const limit = 2048
	b, err := New(Config{Token: "e2e-secret-token", GuildID: e2eGuild, APIURL: fake.URL, MaxUploadBytes: limit, ShutdownGrace: 300 * time.Millisecond},
		Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer(), Sources: fc, Corpus: fc, Reindexer: fc, Reports: rep, Questions: recs}), Forgetter: recs, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	e, stop, runErr := runE2E(t, fake, b, nil)

	mia := discordtest.Member{ID: "user-mia", Username: "mia", Permissions: 32} // Manage Server
	bob := discordtest.Member{ID: "user-bob", Username: "bob"}
	n := 0
	interaction := func(m discordtest.Member) discordtest.Interaction {
		n++
		return discordtest.Interaction{ID: fmt.Sprint("mod-", n), GuildID: e2eGuild, ChannelID: e2eChannel, Member: m}
	}
	// add sends /corpus add with a file; it returns the interaction.
	add := func(m discordtest.Member, a discordtest.Attachment, opts ...discordtest.Option) (discordtest.Interaction, discordtest.Attachment) {
		t.Helper()
		a = fake.AddAttachment(a)
		i := interaction(m)
		opts = append([]discordtest.Option{discordtest.AttachmentOption(optFile, a)}, opts...)
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashSubcommand(i, cmdCorpus, subAdd, opts, a))
		return i, a
	}
	downloaded := func(a discordtest.Attachment) bool {
		for _, r := range fake.Requests() {
			if r.Path == discordtest.AttachmentPath(a) {
				return true
			}
		}
		return false
	}
	md := []byte("# Parking\n\nStaff park in the north lot.\n")

	t.Run("add: deferred privately, downloaded, added", func(t *testing.T) {
		i, a := add(mia, discordtest.Attachment{Filename: "parking.md", ContentType: "text/markdown", Data: md}, discordtest.StringOption(optTitle, "Parking"))
		if _, body := e.callback(t, i); body["type"] != 5.0 || flags(body) != 64 {
			t.Errorf("acknowledgement %+v, want a private type 5", body)
		}
		e.edit(t, i, "✅ Added `parking.md`")
		if !downloaded(a) || len(fc.adds) != 1 || string(fc.adds[0].Data) != string(md) || fc.adds[0].Title != "Parking" || fc.adds[0].Who != "mia (user-mia)" {
			t.Errorf("uploads %+v", fc.adds)
		}
	})

	refusals := []struct {
		name     string
		att      discordtest.Attachment
		want     string
		download bool
	}{
		{name: "declared size over the limit", att: discordtest.Attachment{Filename: "big.md", Size: limit + 1, Data: md}, want: "too big"},
		{name: "lying declared size", att: discordtest.Attachment{Filename: "liar.md", Size: 100, Data: []byte(strings.Repeat("word ", limit))}, want: "too big", download: true},
		{name: "path traversal", att: discordtest.Attachment{Filename: "../../etc/passwd", Data: md}, want: "file name"},
		{name: "absolute path", att: discordtest.Attachment{Filename: "/etc/passwd.md", Data: md}, want: "file name"},
		{name: "windows separators", att: discordtest.Attachment{Filename: `..\..\boot.ini.txt`, Data: md}, want: "file name"},
		{name: "look-alike slashes", att: discordtest.Attachment{Filename: "..⁄..⁄etc⁄passwd.md", Data: md}, want: "file name"},
	}
	for _, tt := range refusals {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			before := len(fc.adds)
			i, a := add(mia, tt.att)
			if tt.download {
				e.edit(t, i, tt.want)
			} else {
				_, body := e.callback(t, i)
				if body["type"] != 4.0 || flags(body) != 64 || !strings.Contains(fmt.Sprint(body["data"]), tt.want) {
					t.Errorf("response %+v, want a private refusal with %q", body, tt.want)
				}
			}
			if downloaded(a) != tt.download {
				t.Errorf("downloaded %v, want %v", downloaded(a), tt.download)
			}
			if len(fc.adds) != before {
				t.Error("the corpus was asked to add it")
			}
		})
	}

	t.Run("list, autocomplete, remove", func(t *testing.T) {
		i := interaction(mia)
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashSubcommand(i, cmdCorpus, subList, nil))
		e.edit(t, i, "added "+time.Now().UTC().Format("2006-01-02")+" by mia (user-mia)")

		ac := interaction(mia)
		e.dispatch(t, "INTERACTION_CREATE", fake.AutocompleteSubcommand(ac, cmdCorpus, subRemove, discordtest.Option{Name: optDocument, Type: 3, Value: "park", Focused: true}))
		if _, body := e.callback(t, ac); body["type"] != 8.0 || !strings.Contains(fmt.Sprint(body["data"]), "parking.md") {
			t.Errorf("autocomplete %+v", body)
		}

		rm := interaction(mia)
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashSubcommand(rm, cmdCorpus, subRemove, []discordtest.Option{discordtest.StringOption(optDocument, "parking.md")}))
		e.edit(t, rm, "Removed `parking.md`")
	})

	t.Run("reindex and gaps", func(t *testing.T) {
		i := interaction(mia)
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashCommand(i, cmdReindex))
		e.edit(t, i, "Index rebuilt")
		if fmt.Sprint(fc.reindex) != "[mia (user-mia)]" {
			t.Errorf("reindexed by %v", fc.reindex)
		}
		g := interaction(mia)
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashCommand(g, cmdGaps, discordtest.IntOption(optDays, 30)))
		e.edit(t, g, "how do i reset my password")
	})

	t.Run("a member is refused every moderator command", func(t *testing.T) {
		calls := fc.calls.Load() + fc.rebuilds.Load() + rep.calls.Load()
		var sent []discordtest.Interaction
		for _, payload := range []func(i discordtest.Interaction) map[string]any{
			func(i discordtest.Interaction) map[string]any {
				a := fake.AddAttachment(discordtest.Attachment{Filename: "evil.md", Data: md})
				return fake.SlashSubcommand(i, cmdCorpus, subAdd, []discordtest.Option{discordtest.AttachmentOption(optFile, a)}, a)
			},
			func(i discordtest.Interaction) map[string]any {
				return fake.SlashSubcommand(i, cmdCorpus, subRemove, []discordtest.Option{discordtest.StringOption(optDocument, "refunds.md")})
			},
			func(i discordtest.Interaction) map[string]any {
				return fake.SlashSubcommand(i, cmdCorpus, subList, nil)
			},
			func(i discordtest.Interaction) map[string]any { return fake.SlashCommand(i, cmdReindex) },
			func(i discordtest.Interaction) map[string]any { return fake.SlashCommand(i, cmdGaps) },
			func(i discordtest.Interaction) map[string]any { return fake.SlashCommand(i, cmdStats) },
		} {
			i := interaction(bob)
			e.dispatch(t, "INTERACTION_CREATE", payload(i))
			sent = append(sent, i)
		}
		for _, i := range sent {
			if _, body := e.callback(t, i); body["type"] != 4.0 || flags(body) != 64 || !strings.Contains(fmt.Sprint(body["data"]), "Only moderators") {
				t.Errorf("%s: %+v", i.ID, body)
			}
		}
		if now := fc.calls.Load() + fc.rebuilds.Load() + rep.calls.Load(); now != calls {
			t.Errorf("%d moderator actions ran for a member", now-calls)
		}
		for _, r := range fake.Requests() {
			if strings.Contains(r.Path, "evil.md") {
				t.Error("a member's attachment was downloaded")
			}
		}
	})

	t.Run("a member deletes their data", func(t *testing.T) {
		i := interaction(bob)
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashCommand(i, cmdForget))
		if _, body := e.callback(t, i); body["type"] != 5.0 || flags(body) != 64 {
			t.Errorf("acknowledgement %+v, want a private type 5", body)
		}
		e.edit(t, i, "Deleted 1 stored record")
		if fmt.Sprint(recs.forgotten) != "[user-bob]" {
			t.Errorf("forgot %v", recs.forgotten)
		}
	})

	stop()
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
	t.Run("every message parses no mentions; no unknown routes", func(t *testing.T) {
		for _, r := range fake.Requests() {
			if r.Status == 404 {
				t.Errorf("unexpected call %s", r)
			}
			if !r.SendsMessage() {
				continue
			}
			if !r.ParsesNoMentions() {
				t.Errorf("%s sets allowed_mentions %v", r.Method+" "+r.Path, r.Message()["allowed_mentions"])
			}
		}
	})
}

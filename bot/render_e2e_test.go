package bot

import (
	"testing"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot/discordtest"
)

// An answer citing three passages of one FAQ page shows that page once in
// the Sources field, with all three numbers, linked to the page, in the
// message the real discordgo client sends to (fake) Discord.
func TestSourcesGroupedInDiscord(t *testing.T) {
	fake := discordtest.New(t)
	fa := newFakeAnswerer()
	entry := func(n int, title, anchor, text string) answer.Citation {
		return answer.Citation{N: n, Source: "faq.html", ChunkID: "faq.html#" + anchor, Title: title, DocTitle: "Cinderbrook FAQ",
			URL: "https://cinderbrook.test/faq#" + anchor, Passage: text}
	}
	fa.add("how do homes and warps work?", answer.Answer{
		Text: "Everyone can set 3 homes [1]; veterans get a 4th [2]. Public warps are listed with /warps [3]. Refunds are by e-mail [4].",
		Mode: answer.ModeExtractive, Grounded: true,
		Citations: []answer.Citation{
			entry(1, "How many homes can I set?", "homes", "Everyone can /sethome 3 homes."),
			entry(2, "What do veterans get?", "veterans", "Veterans get a 4th home."),
			{N: 3, Source: "warps.md", ChunkID: "warps.md#0", DocTitle: "Warps", Passage: "Public warps are listed with /warps."},
			entry(4, "Can I get my donation back?", "donations", "E-mail billing within 14 days."),
		},
	})
	b, err := New(Config{Token: "e2e-token", GuildID: e2eGuild, APIURL: fake.URL, RatePerMinute: 5, MaxConcurrent: 1,
		QuestionTimeout: 20 * time.Second, EditInterval: 5 * time.Millisecond, ShutdownGrace: 300 * time.Millisecond},
		Deps{Servers: OneServer(Server{Answerer: fa, Sources: testDocs, Feedback: NewMemoryFeedback()}), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	e, stop, runErr := runE2E(t, fake, b, fa)
	i := e.ask(t, "ask-grouped", discordtest.Member{ID: "user-ada", Username: "ada"}, "how do homes and warps work?")
	edit := e.edit(t, i, "Everyone can set 3 homes")
	embed := edit["embeds"].([]any)[0].(map[string]any)
	fields := embed["fields"].([]any)
	want := "[1][2][4] [Cinderbrook FAQ](https://cinderbrook.test/faq) — `faq.html`\n[3] Warps — `warps.md`"
	if len(fields) != 1 || fields[0].(map[string]any)["value"] != want {
		t.Errorf("Sources field %+v\nwant %q", fields, want)
	}
	stop()
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
}

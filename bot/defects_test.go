package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot/discordtest"
)

// renderedMaskedLink is a Markdown masked link as Discord renders it in
// embed descriptions, field values and message content: link text that
// hides where the link goes.
var renderedMaskedLink = regexp.MustCompile(`\[[^\[\]]*\]\([^()\s]*\)`)

// TestMaskedLinksNeutralised: a masked link in a document (quoted by an
// answer, its passage shown by "Show sources", its title in /corpus list)
// or in a member's question (shown by /gaps) reaches Discord as its text
// and its real target, never as a link whose text hides the target. The
// bot's own links to a document's page are kept.
func TestMaskedLinksNeutralised(t *testing.T) {
	const evil = "[discord.com/nitro](https://nitro-gift.example/steal)"
	cite := answer.Citation{N: 1, Source: "nitro.txt", ChunkID: "nitro.txt#0", DocTitle: "Free " + evil, Title: "Claim " + evil,
		Passage: "Claim your gift at " + evil + " today.", Snippet: "Claim your gift at " + evil, URL: "https://docs.example.com/nitro"}
	a := answer.Answer{Question: "how do I get nitro " + evil, Text: "Claim your gift at " + evil + " today [1].", Citations: []answer.Citation{cite}, Grounded: true}

	var shown []string
	for _, r := range renderAnswer("id", a) {
		shown = append(shown, replyText(r))
	}
	shown = append(shown, replyText(renderPartial(a.Question, a.Text)), replyText(renderSources(a)))

	rep := &fakeReports{gaps: []Gap{{Question: "where is " + evil, Count: 2, Refused: 2, LastAsked: time.Now(), Variants: []string{"is " + evil + " real?"}}}}
	fc := newFakeCorpus()
	fc.docs["nitro.txt"] = CorpusDocument{ID: "nitro.txt", Title: "Free nitro " + evil, Passages: 1}
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Reports: rep, Corpus: fc})})
	shown = append(shown, replyText(b.gaps(context.Background(), rep, 7, time.Now())), replyText(b.corpusList(context.Background(), fc)))

	for i, s := range shown {
		for _, link := range renderedMaskedLink.FindAllString(s, -1) {
			if !strings.HasSuffix(link, "(https://docs.example.com/nitro)") { // the bot's own link to the page
				t.Errorf("reply %d shows the masked link %q:\n%s", i, link, s)
			}
		}
		if strings.Contains(s, "nitro-gift.example") && !strings.Contains(s, "https://nitro-gift.example/steal") {
			t.Errorf("reply %d hides the target: %s", i, s)
		}
	}
	if got := defang("see " + evil + " now"); got != "see discord.com/nitro (https://nitro-gift.example/steal) now" {
		t.Errorf("defang = %q", got)
	}
}

// TestSecretsScrubbedFromAnswers: an answer that contains the bot token or
// a configured key (a model that was told it, or a document holding it) is
// shown and stored without it, and no streamed partial shows its start.
func TestSecretsScrubbedFromAnswers(t *testing.T) {
	const token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.s3cr3t-t0ken-hmac-part-0123456789"
	const key = "sk-canary-key-0123456789abcdef"
	fa := newFakeAnswerer()
	leak := answer.Answer{Text: "In short: use the key " + key + " and the token Bot " + token + " [1].", Mode: answer.ModeLLM, Grounded: true,
		Citations: []answer.Citation{{N: 1, Source: "keys.md", ChunkID: "keys.md#0", Passage: "the key is " + key, Snippet: "the key is " + key}}}
	fa.add("what is the key?", leak)
	steps := fa.stream("what is the key?")
	recs := newMemoryRecords()
	b, _ := newTestBot(t, Config{Token: token, Secrets: []string{key, "short"}}, Deps{Servers: OneServer(Server{Answerer: fa, Questions: recs, Threads: recs})})
	var mu sync.Mutex
	var partials []string
	done := make(chan outcome)
	go func() {
		done <- b.answer(context.Background(), inServer(t, b, question{Text: "what is the key?", UserID: "u1", Via: viaSlash}), nil, func(r Reply) {
			mu.Lock()
			defer mu.Unlock()
			partials = append(partials, replyText(r))
		})
	}()
	for _, s := range []string{"In short: use the key sk-can", "ary-key-0123456789abcdef and the token Bot " + token[:20], token[20:] + " [1]."} {
		steps <- s
	}
	close(steps)
	out := <-done
	var shown []string
	for _, r := range out.Replies {
		shown = append(shown, replyText(r))
	}
	shown = append(shown, replyText(renderSources(out.Answer)))
	mu.Lock()
	shown = append(shown, partials...)
	mu.Unlock()
	shown = append(shown, recs.questions[0].Answer)
	for _, s := range shown {
		for _, secret := range []string{key, "sk-can", token, "s3cr3t-t0ken-hmac-part-0123456789", token[:20]} {
			if strings.Contains(s, secret) {
				t.Errorf("%q is shown or stored:\n%s", secret, s)
			}
		}
	}
	if !strings.Contains(shown[0], "[redacted]") {
		t.Errorf("the answer does not say what was taken out: %s", shown[0])
	}
	if !strings.Contains(shown[0], "short") {
		t.Error("a configured secret too short to be one was scrubbed from ordinary words")
	}
}

// TestSecretsScrubbedFromOfferedEntries: the entries a refusal or a
// tentative answer offers are shown by title and answered from when
// picked; a secret in either never reaches the member.
func TestSecretsScrubbedFromOfferedEntries(t *testing.T) {
	const key = "sk-canary-key-0123456789abcdef"
	offer := answer.Suggestion{Source: "keys.md", ChunkID: "keys.md#0", Title: "Where is key " + key + "?", Passage: "The key is " + key + "."}
	refused := refusedWithSuggestions
	refused.Question = "what is the key?"
	refused.Suggestions = []answer.Suggestion{offer}
	tentative := tentativeWithAlternatives
	tentative.Question = "which key?"
	tentative.Alternatives = []answer.Suggestion{offer}
	fa := newFakeAnswerer()
	fa.add(refused.Question, refused)
	fa.add(tentative.Question, tentative)
	b, _ := newTestBot(t, Config{Secrets: []string{key}}, Deps{Servers: OneServer(Server{Answerer: fa, Picks: &fakePicks{}, Feedback: NewMemoryFeedback()})})
	srv := srvOf(t, b)
	for _, q := range []string{refused.Question, tentative.Question} {
		out := b.answer(context.Background(), inServer(t, b, question{Text: q, UserID: "u1", Via: viaSlash}), nil, nil)
		shown := []string{replyText(out.Replies[0])}
		id := ""
		for _, row := range out.Replies[len(out.Replies)-1].Components {
			for _, c := range row.(discordgo.ActionsRow).Components {
				if bt := c.(discordgo.Button); strings.HasPrefix(bt.CustomID, idSuggest) {
					id = bt.CustomID
				}
			}
		}
		if id == "" {
			t.Fatalf("%q: no offered entry to pick: %s", q, shown[0])
		}
		shown = append(shown, replyText(b.button(context.Background(), srv, id, "g1", "clicker")))
		for _, s := range shown {
			if strings.Contains(s, key) || !strings.Contains(s, "redacted") {
				t.Errorf("%q: the offered entry shows the key or does not say it was taken out:\n%s", q, s)
			}
		}
	}
}

// TestDownloadGetsItsOwnTimeout: an attachment download may take up to
// downloadTimeout, even though the session's HTTP client gives up on REST
// calls much sooner (20 s in production, 50 ms here).
func TestDownloadGetsItsOwnTimeout(t *testing.T) {
	const rest = 50 * time.Millisecond
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A slow CDN: the body comes well after the REST timeout.
		select {
		case <-time.After(6 * rest):
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "# Slow\n\nA document that took a while.\n")
	}))
	t.Cleanup(slow.Close)
	b, _ := newTestBot(t, Config{APIURL: slow.URL}, Deps{})
	b.fetch = &http.Client{Timeout: rest}
	data, err := b.download(context.Background(), &discordgo.MessageAttachment{ID: "1", Filename: "slow.md", Size: 40, URL: slow.URL + "/attachments/1/slow.md"}, 1<<20)
	if err != nil || !strings.Contains(string(data), "took a while") {
		t.Fatalf("download: %q, %v; want it to wait past the REST timeout", data, err)
	}
}

// turnedAway counts the bot's "question turned away" log lines and tells
// when n have been written.
type turnedAway struct {
	slog.Handler
	mu   sync.Mutex
	n    int
	want int
	done chan struct{}
}

func (h *turnedAway) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "question turned away" {
		h.mu.Lock()
		h.n++
		if h.n == h.want {
			close(h.done)
		}
		h.mu.Unlock()
	}
	return h.Handler.Handle(ctx, r)
}

func (h *turnedAway) WithAttrs(as []slog.Attr) slog.Handler { return h }

// TestFloodTurnAways: one member floods a bot thread with 150 messages.
// They are told once that they are asking too fast (and once that a
// message is too long), not once per message, and another member's
// question in the same thread is still answered: the bot's posts in the
// thread are the answers plus one turn-away per member and reason.
func TestFloodTurnAways(t *testing.T) {
	fake := discordtest.New(t)
	fa := newFakeAnswerer()
	recs := newMemoryRecords()
	const flood = 150
	counter := &turnedAway{Handler: slog.NewTextHandler(io.Discard, nil), want: flood - 6, done: make(chan struct{})}
	b, err := New(Config{Token: "e2e-secret-token", GuildID: e2eGuild, APIURL: fake.URL, RatePerMinute: 6, MaxQuestionLen: 100,
		MaxConcurrent: 10, ShutdownGrace: time.Minute},
		Deps{Servers: OneServer(Server{Answerer: fa, Threads: recs}), Logger: slog.New(counter)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	// No token comes back, and no window ends, during the test.
	b.limiter.now = func() time.Time { return now }
	b.turnAways.now = b.limiter.now
	e, stop, runErr := runE2E(t, fake, b, fa)
	// A thread of the bot's, from before a restart.
	recs.threads["thread-1"] = []answer.Turn{{Question: "How do refunds work?", Answer: refundsAnswer.Text}}

	flooder := discordtest.Member{ID: "user-flood", Username: "flood"}
	for n := range flood {
		content := "How do refunds work?"
		if n == 3 {
			content = strings.Repeat("too long ", 20)
		}
		e.dispatch(t, "MESSAGE_CREATE", fake.MessageCreate(discordtest.Message{ID: fmt.Sprint("flood-", n), GuildID: e2eGuild, ChannelID: "thread-1", Author: flooder, Content: content}))
	}
	select {
	case <-counter.done:
	case <-e.ctx.Done():
		t.Fatal("the flood was not handled")
	}
	e.dispatch(t, "MESSAGE_CREATE", fake.MessageCreate(discordtest.Message{ID: "other", GuildID: e2eGuild, ChannelID: "thread-1",
		Author: discordtest.Member{ID: "user-calm", Username: "calm"}, Content: "and for digital goods?"}))
	e.wait(t, "the other member's answer", func(r discordtest.Request) bool {
		return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/thread-1/messages" && strings.Contains(string(r.Body), "if not downloaded")
	})
	// Every message has been taken in by now (each was turned away or
	// admitted, and the other member's was answered), but the flooder's
	// answers and the turn-aways may still be on their way: shutting down
	// waits for them all (the grace period only bounds a hang), after
	// which nothing more is posted and the count is final.
	stop()
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	var answers, notices []string
	for _, r := range fake.Requests() {
		if r.Method != "POST" || r.Path != discordtest.APIPrefix+"/channels/thread-1/messages" {
			continue
		}
		if strings.Contains(string(r.Body), `"embeds":[{`) {
			answers = append(answers, string(r.Body))
		} else {
			notices = append(notices, r.Message()["content"].(string))
		}
	}
	if len(answers) != 6+1 {
		t.Errorf("%d answers in the thread, want the flooder's 6 and the other member's 1", len(answers))
	}
	if len(notices) != 2 || !strings.Contains(strings.Join(notices, "|"), "faster than I can keep up") || !strings.Contains(strings.Join(notices, "|"), "characters long") {
		t.Errorf("%d turn-aways in the thread, want one for the rate and one for the length:\n%s", len(notices), strings.Join(notices, "\n"))
	}
}

func TestDefang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, no links", "plain text, no links"},
		{"[text](https://a.example/x)", "text (https://a.example/x)"},
		{"[text](<https://a.example/x>)", "text (https://a.example/x)"},
		{`[text](https://a.example/x "a title")`, "text (https://a.example/x)"},
		{"[[inner](https://a.example)](https://b.example)", "inner (https://a.example) (https://b.example)"},
		{"[wiki](https://en.wikipedia.org/wiki/Go_(game))", `[wiki]\(https://en.wikipedia.org/wiki/Go_(game))`},
		{"[spaced](<https://a.example/x y>)", "spaced (https://a.example/x y)"},
		{"[spaced](https://a.example/x y)", `[spaced]\(https://a.example/x y)`},
		{"an array a[i](x) in code", "an array ai (x) in code"},
		{"[not a link] (https://a.example)", "[not a link] (https://a.example)"},
	}
	for _, tt := range tests {
		if got := defang(tt.in); got != tt.want {
			t.Errorf("defang(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := defang(tt.in); renderedMaskedLink.MatchString(got) || regexp.MustCompile(`\]\(`).MatchString(got) {
			t.Errorf("defang(%q) = %q still holds a link", tt.in, got)
		}
	}
}

func TestTurnAwaysGate(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	g := newTurnAways(func() time.Time { return now })
	steps := []struct {
		after                 time.Duration
		user, channel, reason string
		want                  bool
	}{
		{0, "ann", "c1", "rate_limited", true},
		{time.Second, "ann", "c1", "rate_limited", false}, // once per window
		{time.Second, "ann", "c1", "too_long", true},      // another reason
		{time.Second, "bob", "c1", "rate_limited", false}, // the channel had its two
		{time.Second, "bob", "c2", "rate_limited", true},  // another channel
		{time.Second, "bob", "c1", "rate_limited", false}, // told a second ago, in c2
		{6 * time.Second, "cat", "c1", "rate_limited", true},
		{30 * time.Second, "ann", "c1", "rate_limited", false},
		{time.Minute, "ann", "c1", "rate_limited", true}, // a new window
	}
	for i, s := range steps {
		now = now.Add(s.after)
		if got := g.post("g", s.user, s.channel, s.reason); got != s.want {
			t.Errorf("step %d (%s in %s, %s): post = %v, want %v", i, s.user, s.channel, s.reason, got, s.want)
		}
	}
}

// TestForgetMeForgetsWhatTheBotHolds: after a member's /forget-me, the
// answers to their questions and their thread turns that the bot holds in
// memory are gone too, so a vote cast on one of their answers afterwards
// cannot copy their question back into the records.
func TestForgetMeForgetsWhatTheBotHolds(t *testing.T) {
	recs := newMemoryRecords()
	fb := NewMemoryFeedback()
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Questions: recs, Feedback: fb}), Forgetter: recs})
	ann := &discordgo.Member{User: &discordgo.User{ID: "user-ann", Username: "ann"}}
	out := b.answer(context.Background(), inServer(t, b, question{Text: "How do refunds work?", UserID: "user-ann", Via: viaSlash}), nil, nil)
	down := ""
	for _, id := range customIDs(map[string]any{"components": toJSONish(out.Replies[len(out.Replies)-1].Components)}) {
		if strings.HasPrefix(id, idDown) {
			down = id
		}
	}
	b.threads.start("g1", "thread-1")
	b.threads.add("g1", "thread-1", "user-ann", answer.Turn{Question: "ann's follow-up", Answer: "x"})
	b.onInteraction(context.Background(), &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: ann,
		Data: discordgo.ApplicationCommandInteractionData{Name: cmdForget}})

	b.button(context.Background(), srvOf(t, b), down, "g1", "user-vic")
	for _, e := range fb.Entries() {
		if strings.Contains(e.Question, "refunds") || strings.Contains(e.Answer, "Refunds") {
			t.Errorf("a vote after /forget-me copied Ann's question: %+v", e)
		}
	}
	if h, _ := b.threads.history("g1", "thread-1"); len(h) != 0 {
		t.Errorf("the bot still holds Ann's turns: %+v", h)
	}
}

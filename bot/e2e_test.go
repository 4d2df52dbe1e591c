package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot/discordtest"
)

const (
	e2eGuild   = "guild-1"
	e2eChannel = "channel-1"
)

// e2e drives a real Bot, and so the real discordgo client, against the
// fake Discord.
type e2e struct {
	ctx  context.Context // bounds every wait
	fake *discordtest.Server
	bot  *Bot
	fa   *fakeAnswerer
}

// runE2E runs b against fake until the test ends and waits for its
// commands to be registered. stop begins the shutdown; runErr then
// delivers what Run returned.
func runE2E(t *testing.T, fake *discordtest.Server, b *Bot, fa *fakeAnswerer) (e *e2e, stop context.CancelFunc, runErr <-chan error) {
	t.Helper()
	runCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	waitCtx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e = &e2e{ctx: waitCtx, fake: fake, bot: b, fa: fa}
	e.wait(t, "command registration", func(r discordtest.Request) bool {
		return r.Method == "PUT" && strings.HasSuffix(r.Path, "/commands")
	})
	return e, stop, done
}

// wait returns the first request matching, failing the test when none
// comes.
func (e *e2e) wait(t *testing.T, what string, match func(discordtest.Request) bool) discordtest.Request {
	t.Helper()
	r, err := e.fake.WaitFor(e.ctx, match)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return r
}

func (e *e2e) dispatch(t *testing.T, event string, payload map[string]any) {
	t.Helper()
	if err := e.fake.Dispatch(e.ctx, event, payload); err != nil {
		t.Fatal(err)
	}
}

// ask sends /ask and returns the interaction.
func (e *e2e) ask(t *testing.T, id string, user discordtest.Member, q string, opts ...discordtest.Option) discordtest.Interaction {
	t.Helper()
	i := discordtest.Interaction{ID: id, GuildID: e2eGuild, ChannelID: e2eChannel, Member: user}
	e.dispatch(t, "INTERACTION_CREATE", e.fake.SlashCommand(i, cmdAsk, append([]discordtest.Option{discordtest.StringOption(optQuestion, q)}, opts...)...))
	return i
}

// callback waits for the interaction's response and returns its body.
func (e *e2e) callback(t *testing.T, i discordtest.Interaction) (discordtest.Request, map[string]any) {
	t.Helper()
	path := fmt.Sprintf("%s/interactions/%s/%s/callback", discordtest.APIPrefix, i.ID, i.Token())
	r := e.wait(t, "response to "+i.ID, func(r discordtest.Request) bool { return r.Method == "POST" && r.Path == path })
	return r, r.JSON()
}

// edit waits for an edit of the interaction's response containing text.
func (e *e2e) edit(t *testing.T, i discordtest.Interaction, text string) map[string]any {
	t.Helper()
	path := fmt.Sprintf("%s/webhooks/%s/%s/messages/@original", discordtest.APIPrefix, e.fake.AppID, i.Token())
	r := e.wait(t, fmt.Sprintf("edit of %s with %q", i.ID, text), func(r discordtest.Request) bool {
		return r.Method == "PATCH" && r.Path == path && strings.Contains(string(r.Body), text)
	})
	return r.JSON()
}

func TestEndToEnd(t *testing.T) {
	fake := discordtest.New(t)
	fake.SetRoles(e2eGuild, discordtest.Role{ID: "role-member", Name: "Members"}, discordtest.Role{ID: "role-mod", Name: "Moderators"})
	fa := newFakeAnswerer()
	shipping := answer.Answer{
		Text: "Shipping is free over $50 [1].", Mode: answer.ModeLLM, Grounded: true,
		Citations: []answer.Citation{{N: 1, Source: "shipping.md", ChunkID: "shipping.md#0", DocTitle: "Shipping", Passage: "Shipping is free for orders over $50."}},
	}
	fa.add("Tell me about shipping", shipping)
	fb := NewMemoryFeedback()
	var reindexes atomic.Int32
	b, err := New(Config{
		Token: "e2e-secret-token", GuildID: e2eGuild, APIURL: fake.URL,
		ModeratorRoles: []string{"role-mod"}, RatePerMinute: 3, MaxConcurrent: 1,
		QuestionTimeout: 20 * time.Second, EditInterval: 5 * time.Millisecond, ShutdownGrace: 300 * time.Millisecond,
	}, Deps{
		Servers: OneServer(Server{
			Answerer: fa,
			Sources:  testDocs,
			Feedback: fb,
			Reindexer: ReindexFunc(func(context.Context, string) (ReindexResult, error) {
				reindexes.Add(1)
				return ReindexResult{DocumentsChanged: 1, DocumentsUnchanged: 2, PassagesAdded: 2, PassagesRemoved: 1, PassagesUnchanged: 8, Duration: 420 * time.Millisecond}, nil
			}),
		}),
		Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The rate limit's clock stands still: no token comes back while the
	// test runs, however slowly it runs.
	now := time.Now()
	b.limiter.now = func() time.Time { return now }
	// The shutdown grace period ends when the test says so, not when a
	// busy machine happens to let a timer fire.
	graceOver := make(chan time.Time)
	b.graceTimer = func(time.Duration) <-chan time.Time { return graceOver }
	e, stop, runErr := runE2E(t, fake, b, fa)

	ada := discordtest.Member{ID: "user-ada", Username: "ada", Roles: []string{"role-member"}}
	bob := discordtest.Member{ID: "user-bob", Username: "bob", Roles: []string{"role-member"}}
	mia := discordtest.Member{ID: "user-mia", Username: "mia", Roles: []string{"role-member", "role-mod"}}
	// The rate limit is 3 a minute: each part asks as its own users.
	cat := discordtest.Member{ID: "user-cat", Username: "cat"}
	dan := discordtest.Member{ID: "user-dan", Username: "dan"}
	commandsPath := fmt.Sprintf("%s/applications/%s/guilds/%s/commands", discordtest.APIPrefix, fake.AppID, e2eGuild)

	t.Run("registers the commands", func(t *testing.T) {
		r := e.wait(t, "command registration", func(r discordtest.Request) bool { return r.Method == "PUT" && r.Path == commandsPath })
		var cmds []struct {
			Name        string `json:"name"`
			Permissions string `json:"default_member_permissions"`
			Options     []struct {
				Name         string `json:"name"`
				MaxLength    int    `json:"max_length"`
				Autocomplete bool   `json:"autocomplete"`
			} `json:"options"`
		}
		if err := json.Unmarshal(r.Body, &cmds); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cmds {
			got = append(got, fmt.Sprintf("%s perms=%q options=%+v", c.Name, c.Permissions, c.Options))
		}
		want := []string{
			`ask perms="" options=[{Name:question MaxLength:500 Autocomplete:false} {Name:private MaxLength:0 Autocomplete:false}]`,
			`reindex perms="32" options=[]`,
			`sources perms="" options=[{Name:document MaxLength:0 Autocomplete:true}]`,
			`help perms="" options=[]`,
			`corpus perms="32" options=[{Name:add MaxLength:0 Autocomplete:false} {Name:remove MaxLength:0 Autocomplete:false} {Name:list MaxLength:0 Autocomplete:false} {Name:sources MaxLength:0 Autocomplete:false} {Name:refresh MaxLength:0 Autocomplete:false} {Name:teach MaxLength:0 Autocomplete:false} {Name:unteach MaxLength:0 Autocomplete:false}]`,
			`gaps perms="32" options=[{Name:days MaxLength:0 Autocomplete:false}]`,
			`stats perms="32" options=[{Name:days MaxLength:0 Autocomplete:false}]`,
			`forget-me perms="" options=[]`,
			`moderators perms="32" options=[{Name:add MaxLength:0 Autocomplete:false} {Name:remove MaxLength:0 Autocomplete:false} {Name:list MaxLength:0 Autocomplete:false} {Name:channel MaxLength:0 Autocomplete:false}]`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("registered\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	var answerButtons []string
	t.Run("ask: deferred, then the answer edited in", func(t *testing.T) {
		start := time.Now()
		i := e.ask(t, "ask-1", ada, "How do refunds work?")
		ack, body := e.callback(t, i)
		t.Logf("INTERACTION_CREATE → deferred ack: %v", ack.At.Sub(start))
		if body["type"] != 5.0 || flags(body) != 0 {
			t.Errorf("acknowledgement %s, want a public type 5", ack.Body)
		}
		edit := e.edit(t, i, "Refunds are issued")
		embed := edit["embeds"].([]any)[0].(map[string]any)
		fields := embed["fields"].([]any)
		if embed["title"] != "How do refunds work?" || len(fields) != 1 ||
			fields[0].(map[string]any)["value"] != "[1] [Refund policy](https://example.com/refunds) — `refunds.md`\n[2] Digital goods — `digital.md`" {
			t.Errorf("answer embed %+v", embed)
		}
		answerButtons = customIDs(edit)
		if len(answerButtons) != 3 {
			t.Errorf("buttons %q, want show sources, 👍 and 👎", answerButtons)
		}
	})

	t.Run("streamed private answer, and a question queued behind it", func(t *testing.T) {
		steps := fa.stream("Tell me about shipping")
		i := e.ask(t, "ask-stream", ada, "Tell me about shipping", discordtest.BoolOption(optPrivate, true))
		if _, body := e.callback(t, i); body["type"] != 5.0 || flags(body) != 64 {
			t.Errorf("acknowledgement %+v, want an ephemeral type 5", body)
		}
		steps <- "Shipping is"
		e.edit(t, i, "Shipping is ▌")

		// MaxConcurrent is 1: this one waits, and is told so.
		q := e.ask(t, "ask-queued", bob, "How do refunds work?")
		e.callback(t, q)
		followups := fmt.Sprintf("%s/webhooks/%s/%s", discordtest.APIPrefix, fake.AppID, q.Token())
		note := e.wait(t, "queue note", func(r discordtest.Request) bool { return r.Method == "POST" && r.Path == followups })
		if body := note.JSON(); !strings.Contains(body["content"].(string), "number 1 in the queue") || flags(body) != 64 {
			t.Errorf("queue note %s, want an ephemeral note with the position", note.Body)
		}

		steps <- " free over $50 [1]."
		e.edit(t, i, "Shipping is free over $50 [1]. ▌")
		close(steps)
		final := e.edit(t, i, `"custom_id"`)
		if s := fmt.Sprint(final["embeds"]); strings.Contains(s, "▌") || strings.Contains(s, writingFooter) {
			t.Errorf("final edit still looks partial: %s", s)
		}
		e.edit(t, q, "Refunds are issued")
		// The final edit is the last one: no partial overtook it.
		var last discordtest.Request
		for _, r := range fake.Requests() {
			if r.Method == "PATCH" && strings.Contains(r.Path, i.Token()) {
				last = r
			}
		}
		if !strings.Contains(string(last.Body), `"custom_id"`) {
			t.Errorf("last edit %s is not the final answer", last.Body)
		}
	})

	t.Run("buttons: show sources and vote", func(t *testing.T) {
		if len(answerButtons) != 3 {
			t.Skip("no answer buttons")
		}
		click := discordtest.Interaction{ID: "click-sources", GuildID: e2eGuild, ChannelID: e2eChannel, Member: bob}
		e.dispatch(t, "INTERACTION_CREATE", fake.ButtonClick(click, "msg-1", answerButtons[0]))
		_, body := e.callback(t, click)
		if body["type"] != 4.0 || flags(body) != 64 || !strings.Contains(fmt.Sprint(body["data"]), "Refunds are issued within 5 days of the return arriving at our warehouse.") {
			t.Errorf("show sources response %+v", body)
		}

		vote := discordtest.Interaction{ID: "click-up", GuildID: e2eGuild, ChannelID: e2eChannel, Member: bob}
		e.dispatch(t, "INTERACTION_CREATE", fake.ButtonClick(vote, "msg-1", answerButtons[1]))
		if _, body := e.callback(t, vote); flags(body) != 64 || !strings.Contains(fmt.Sprint(body["data"]), "Thanks for the feedback") {
			t.Errorf("vote response %+v", body)
		}
		entries := fb.Entries()
		if len(entries) != 1 || entries[0].UserID != bob.ID || entries[0].Vote != VoteUp || entries[0].Question != "How do refunds work?" ||
			!slices.Equal(entries[0].Sources, []string{"refunds.md#0", "digital.md#2"}) {
			t.Errorf("feedback %+v", entries)
		}
	})

	t.Run("reindex: refused for a member, done for a moderator", func(t *testing.T) {
		plain := discordtest.Interaction{ID: "reindex-bob", GuildID: e2eGuild, ChannelID: e2eChannel, Member: bob}
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashCommand(plain, cmdReindex))
		if _, body := e.callback(t, plain); body["type"] != 4.0 || flags(body) != 64 || !strings.Contains(fmt.Sprint(body["data"]), "Only moderators") {
			t.Errorf("response to a member %+v", body)
		}
		if n := reindexes.Load(); n != 0 {
			t.Errorf("a member's /reindex rebuilt the index %d times", n)
		}

		mod := discordtest.Interaction{ID: "reindex-mia", GuildID: e2eGuild, ChannelID: e2eChannel, Member: mia}
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashCommand(mod, cmdReindex))
		if _, body := e.callback(t, mod); body["type"] != 5.0 || flags(body) != 64 {
			t.Errorf("acknowledgement %+v, want an ephemeral type 5", body)
		}
		e.edit(t, mod, "Index rebuilt in 420ms")
		if n := reindexes.Load(); n != 1 {
			t.Errorf("rebuilt %d times, want 1", n)
		}
	})

	var thread string
	t.Run("mention answered in a new thread", func(t *testing.T) {
		e.dispatch(t, "MESSAGE_CREATE", fake.MessageCreate(discordtest.Message{
			ID: "msg-mention", GuildID: e2eGuild, ChannelID: "channel-2", Author: cat,
			Content: fake.Mention() + " How do refunds work?", MentionsBot: true,
		}))
		start := e.wait(t, "thread start", func(r discordtest.Request) bool {
			return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/channel-2/messages/msg-mention/threads"
		})
		if name := start.JSON()["name"]; name != "How do refunds work?" {
			t.Errorf("thread name %q", name)
		}
		thread = start.ResponseJSON()["id"].(string)
		e.wait(t, "answer in the thread", func(r discordtest.Request) bool {
			return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/"+thread+"/messages" && strings.Contains(string(r.Body), "Refunds are issued")
		})
	})

	t.Run("follow-up in the thread uses the conversation", func(t *testing.T) {
		if thread == "" {
			t.Skip("no thread")
		}
		e.dispatch(t, "MESSAGE_CREATE", fake.MessageCreate(discordtest.Message{
			ID: "msg-bot", GuildID: e2eGuild, ChannelID: thread, Content: "bot chatter?",
			Author: discordtest.Member{ID: "other-bot", Username: "otherbot", Bot: true},
		}))
		e.dispatch(t, "MESSAGE_CREATE", fake.MessageCreate(discordtest.Message{
			ID: "msg-follow", GuildID: e2eGuild, ChannelID: thread, Content: "and for digital goods?", Author: cat,
		}))
		e.wait(t, "follow-up answer", func(r discordtest.Request) bool {
			return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/"+thread+"/messages" && strings.Contains(string(r.Body), "if not downloaded")
		})
		qs := fa.questions()
		var followUp answer.Question
		for _, q := range qs {
			if q.Text == "bot chatter?" {
				t.Error("answered another bot")
			}
			if q.Text == "and for digital goods?" {
				followUp = q
			}
		}
		want := []answer.Turn{{Question: "How do refunds work?", Answer: refundsAnswer.Text}}
		if fmt.Sprint(followUp.History) != fmt.Sprint(want) {
			t.Errorf("follow-up history %+v, want %+v", followUp.History, want)
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		eve := discordtest.Member{ID: "user-eve", Username: "eve"}
		for n := range 3 {
			i := e.ask(t, fmt.Sprint("rate-", n), eve, "How do refunds work?")
			if _, body := e.callback(t, i); body["type"] != 5.0 {
				t.Errorf("question %d: %+v", n, body)
			}
		}
		i := e.ask(t, "rate-3", eve, "How do refunds work?")
		if _, body := e.callback(t, i); body["type"] != 4.0 || flags(body) != 64 || !strings.Contains(fmt.Sprint(body["data"]), "faster than I can keep up") {
			t.Errorf("fourth question in a minute: %+v", body)
		}
	})

	t.Run("a dropped gateway connection resumes", func(t *testing.T) {
		start := time.Now()
		if err := fake.DropConnection(); err != nil {
			t.Fatal(err)
		}
		resume, err := fake.WaitForFrame(e.ctx, func(f discordtest.Frame) bool { return f.Op == discordtest.OpResume && f.At.After(start) })
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(resume.Data), `"session_id":"`+discordtest.SessionID+`"`) {
			t.Errorf("RESUME %s", resume.Data)
		}
		i := e.ask(t, "after-resume", dan, "and for digital goods?")
		e.callback(t, i)
		e.edit(t, i, "if not downloaded")
		t.Logf("dropped connection → RESUME → answered: %v", time.Since(start))
		if !b.connected.Load() {
			t.Error("/healthz would report the gateway down")
		}
	})

	t.Run("shutdown: stops taking questions, interrupts what is left", func(t *testing.T) {
		// The slow answer is under way before shutdown begins: its
		// acknowledgement is done (the fake records a request before it
		// answers it) and it waits in the answerer, so the grace period's
		// end interrupts an answer, not a request still on the wire.
		started := make(chan answer.Question, 2)
		fa.mu.Lock()
		fa.started = started
		fa.mu.Unlock()
		fa.block("A slow question?")
		slow := e.ask(t, "slow", mia, "A slow question?")
		e.callback(t, slow)
		select {
		case <-started:
		case <-e.ctx.Done():
			t.Fatal("the slow question never reached the answerer")
		}
		stop()
		// Shutdown has begun and the grace period is not over, so the
		// gateway is still up: a new question arrives and is turned away.
		late := e.ask(t, "late", dan, "How do refunds work?")
		if _, body := e.callback(t, late); body["type"] != 4.0 || !strings.Contains(fmt.Sprint(body["data"]), "restarting") {
			t.Errorf("question during shutdown: %+v", body)
		}
		// The grace period ends with the slow answer still in flight: it
		// is interrupted and says so.
		close(graceOver)
		e.edit(t, slow, "had to restart")
		if err := <-runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
	})

	t.Run("every message parses no mentions", func(t *testing.T) {
		checked := 0
		for _, r := range fake.Requests() {
			if !r.SendsMessage() {
				continue
			}
			checked++
			if !r.ParsesNoMentions() {
				t.Errorf("%s sets allowed_mentions %v", r.Method+" "+r.Path, r.Message()["allowed_mentions"])
			}
		}
		if checked < 20 {
			t.Errorf("only %d message-sending requests checked", checked)
		}
	})

	t.Run("commands registered once", func(t *testing.T) {
		n := 0
		for _, r := range fake.Requests() {
			if r.Method == "PUT" && strings.HasSuffix(r.Path, "/commands") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d command registrations, want 1 (resuming must not register again)", n)
		}
	})

	t.Run("no unknown routes, no token in requests' bodies", func(t *testing.T) {
		for _, r := range fake.Requests() {
			if r.Status == 404 {
				t.Errorf("unexpected call %s", r)
			}
			if strings.Contains(string(r.Body), "e2e-secret-token") {
				t.Errorf("%s carries the token in its body", r.Method+" "+r.Path)
			}
		}
	})
}

// flags returns the message flags of a response body (top level for
// webhooks, under data for interaction responses).
func flags(body map[string]any) int {
	if d, ok := body["data"].(map[string]any); ok {
		body = d
	}
	f, _ := body["flags"].(float64)
	return int(f)
}

// customIDs lists the custom IDs of a message's buttons.
func customIDs(msg map[string]any) []string {
	var ids []string
	rows, _ := msg["components"].([]any)
	for _, row := range rows {
		cs, _ := row.(map[string]any)["components"].([]any)
		for _, c := range cs {
			if id, ok := c.(map[string]any)["custom_id"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

package bot

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
)

// startFaultBot runs a Bot against a fresh fake Discord until the test
// ends, and returns the e2e handle and a function that stops it and
// returns Run's error.
func startFaultBot(t *testing.T, fa *fakeAnswerer, logs *strings.Builder) (*e2e, func() error) {
	t.Helper()
	fake := discordtest.New(t)
	lg := testLogger(t)
	if logs != nil {
		lg = newCapturingLogger(t, logs)
	}
	b, err := New(Config{
		Token: "fault-token", GuildID: e2eGuild, APIURL: fake.URL, RatePerMinute: 100,
		QuestionTimeout: 20 * time.Second, EditInterval: 5 * time.Millisecond, ShutdownGrace: 2 * time.Second,
	}, Deps{Servers: OneServer(Server{Answerer: fa}), Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	e, stop, runErr := runE2E(t, fake, b, fa)
	stopped := false
	shutdown := func() error {
		if stopped {
			return nil
		}
		stopped = true
		stop()
		return <-runErr
	}
	t.Cleanup(func() { _ = shutdown() })
	return e, shutdown
}

// TestRESTRateLimitRespected makes Discord answer the first edit of an
// answer with 429 and its rate-limit headers: discordgo waits out
// retry_after and sends the edit again, which lands.
func TestRESTRateLimitRespected(t *testing.T) {
	e, shutdown := startFaultBot(t, newFakeAnswerer(), nil)
	ada := discordtest.Member{ID: "user-ada", Username: "ada"}
	const retryAfter = 0.2
	isEdit := func(r discordtest.Request) bool {
		return r.Method == "PATCH" && strings.HasSuffix(r.Path, "/messages/@original")
	}
	e.fake.RateLimit(isEdit, 1, retryAfter)

	i := e.ask(t, "rl-1", ada, "How do refunds work?")
	e.callback(t, i)
	e.wait(t, "the edit, retried", func(r discordtest.Request) bool { return isEdit(r) && r.Status == 200 })
	var edits []discordtest.Request
	for _, r := range e.fake.Requests() {
		if isEdit(r) {
			edits = append(edits, r)
		}
	}
	if len(edits) != 2 || edits[0].Status != 429 || edits[1].Status != 200 {
		t.Fatalf("edits %d (statuses %v); want a 429 then one retry that succeeds", len(edits), statuses(edits))
	}
	gap := edits[1].At.Sub(edits[0].At)
	t.Logf("429 → retried edit after %v (retry_after %.1fs)", gap, retryAfter)
	// A lower bound only: the client may wait longer on a busy machine,
	// never less than Discord asked.
	if gap < time.Duration(retryAfter*0.9*float64(time.Second)) {
		t.Errorf("retried after %v, before the %.1fs Discord asked for", gap, retryAfter)
	}
	if err := shutdown(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestExpiredInteractionToken makes every edit of one interaction fail as
// Discord does once its token has expired (404, Unknown Webhook, 10015):
// the bot logs it, does not retry in a loop, and keeps answering others.
func TestExpiredInteractionToken(t *testing.T) {
	var logs strings.Builder
	e, shutdown := startFaultBot(t, newFakeAnswerer(), &logs)
	ada := discordtest.Member{ID: "user-ada", Username: "ada"}
	expired := discordtest.Interaction{ID: "expired", GuildID: e2eGuild, ChannelID: e2eChannel, Member: ada}
	e.fake.UnknownWebhook(func(r discordtest.Request) bool {
		return strings.Contains(r.Path, "/webhooks/") && strings.Contains(r.Path, expired.Token())
	}, 0)

	i := e.ask(t, expired.ID, ada, "How do refunds work?")
	e.callback(t, i)
	e.wait(t, "the failed edit", func(r discordtest.Request) bool {
		return r.Method == "PATCH" && strings.Contains(r.Path, i.Token()) && r.Status == 404
	})
	// The next question is answered: the bot neither crashed nor stalled.
	next := e.ask(t, "after-expired", discordtest.Member{ID: "user-bob", Username: "bob"}, "and for digital goods?")
	e.callback(t, next)
	e.edit(t, next, "if not downloaded")
	if err := shutdown(); err != nil {
		t.Errorf("Run: %v", err)
	}
	n := 0
	for _, r := range e.fake.Requests() {
		if strings.Contains(r.Path, i.Token()) && r.Method != "POST" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d edits of the expired interaction; want 1, no retry loop", n)
	}
	if !strings.Contains(logs.String(), "Unknown Webhook") {
		t.Errorf("the failure was not logged:\n%s", logs.String())
	}
}

// TestGatewayDropDuringAnswer drops the gateway while an answer is being
// computed: the answer still arrives over REST, the session resumes, and
// the next question is answered.
func TestGatewayDropDuringAnswer(t *testing.T) {
	fa := newFakeAnswerer()
	steps := fa.stream("Tell me about shipping")
	fa.add("Tell me about shipping", digitalAnswer)
	e, shutdown := startFaultBot(t, fa, nil)
	ada := discordtest.Member{ID: "user-ada", Username: "ada"}
	i := e.ask(t, "drop-1", ada, "Tell me about shipping")
	e.callback(t, i)
	steps <- "Digital goods"
	e.edit(t, i, "Digital goods ▌")

	start := time.Now()
	if err := e.fake.DropConnection(); err != nil {
		t.Fatal(err)
	}
	steps <- " can be refunded"
	close(steps)
	e.edit(t, i, `"custom_id"`)
	if _, err := e.fake.WaitForFrame(e.ctx, func(f discordtest.Frame) bool { return f.Op == discordtest.OpResume && f.At.After(start) }); err != nil {
		t.Fatal(err)
	}
	next := e.ask(t, "drop-2", ada, "How do refunds work?")
	e.callback(t, next)
	e.edit(t, next, "Refunds are issued")
	t.Logf("drop → answer delivered, resumed and answered again in %v", time.Since(start))
	if err := shutdown(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func statuses(rs []discordtest.Request) []int {
	var s []int
	for _, r := range rs {
		s = append(s, r.Status)
	}
	return s
}

// newCapturingLogger logs through t and into logs.
func newCapturingLogger(t *testing.T, logs *strings.Builder) *slog.Logger {
	return slog.New(slog.NewTextHandler(&captureWriter{t: t, logs: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type captureWriter struct {
	t    testing.TB
	mu   sync.Mutex
	logs *strings.Builder
}

func (w *captureWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.logs.Write(p)
	w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

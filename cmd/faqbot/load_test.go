package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/llm/llmtest"
)

// loadQuestions are questions members ask about the shipped corpus.
var loadQuestions = []string{
	"Who delivered the US written response to Russia?",
	"how long did the talks in Florida last?",
	"What did the US say about NATO's open-door policy?",
	"who headed the ukrainian delegation?",
	"What weapons has the State Department approved for Ukraine?",
	"what is a good recipe for sourdough bread?", // refused
	"Where did the negotiators go after the talks?",
	"Did Russia get a written reply?",
}

// modelGate holds the model's streamed answers until the test lets them
// go: acknowledgements that all arrive while every answer is held show,
// without a clock, that acknowledging never waits for an answer or a
// place in the queue (Discord's 3 s limit).
type modelGate struct {
	mu   sync.Mutex
	open chan struct{} // nil: not holding
}

// hold makes the answers asked for from now on wait for release.
func (g *modelGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(chan struct{})
}

// release lets the held answers, and later ones, go.
func (g *modelGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open != nil {
		close(g.open)
		g.open = nil
	}
}

// wait returns once the gate is open or ctx is done.
func (g *modelGate) wait(ctx context.Context) {
	g.mu.Lock()
	ch := g.open
	g.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// pacedStream streams pieces one every tick, like a model writing, and
// stops early if the client goes away. A streamed answer first waits for
// gate (when not nil); other requests (the query rewrite) do not.
func pacedStream(gate *modelGate, tick time.Duration, pieces ...string) llmtest.Reply {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		if gate != nil && bytes.Contains(body, []byte(`"stream":true`)) {
			gate.wait(r.Context())
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		t := time.NewTicker(tick)
		defer t.Stop()
		for _, p := range pieces {
			fmt.Fprintf(w, "data: %s\n\n", llmtest.Chunk(p))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-t.C:
			}
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

// loadResult is what happened to one question.
type loadResult struct {
	sent, acked, final time.Time
	rateLimited        bool
	queued             bool
}

// fireAsks dispatches one /ask per (user, question) as fast as the gateway
// takes them while gate holds every answer, waits for every
// acknowledgement, then releases the answers and waits for every final
// reply.
func fireAsks(t *testing.T, s *serveRun, gate *modelGate, prefix string, users []string) []loadResult {
	t.Helper()
	is := make([]discordtest.Interaction, len(users))
	res := make([]loadResult, len(users))
	acks := make([]discordtest.Request, len(users))
	gate.hold()
	defer gate.release()
	for n, u := range users {
		res[n].sent = time.Now()
		is[n] = s.ask(t, fmt.Sprintf("%s-%d", prefix, n), u, loadQuestions[n%len(loadQuestions)])
	}
	for n, i := range is {
		ack, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool { return r.Method == "POST" && r.Path == callbackPath(i) })
		if err != nil {
			t.Fatalf("%s: no acknowledgement while the answers were held: %v", i.ID, err)
		}
		res[n].acked, acks[n] = ack.At, ack
	}
	gate.release()
	for n, i := range is {
		ack := acks[n]
		if ack.JSON()["type"] == 4.0 {
			res[n].final = ack.At
			res[n].rateLimited = strings.Contains(string(ack.Body), "faster than I can keep up")
			if !res[n].rateLimited {
				t.Errorf("%s: turned away with %s", i.ID, ack.Body)
			}
			continue
		}
		final, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
			return r.Method == "PATCH" && r.Path == s.originalPath(i) && isFinalEdit(r)
		})
		if err != nil {
			t.Fatalf("%s: no answer: %v", i.ID, err)
		}
		res[n].final = final.At
	}
	followups := map[string]bool{}
	for _, r := range s.fake.Requests() {
		if r.Method == "POST" && strings.Contains(r.Path, "/webhooks/") && strings.Contains(string(r.Body), "in the queue") {
			followups[r.Path] = true
		}
	}
	for n, i := range is {
		res[n].queued = followups[fmt.Sprintf("%s/webhooks/%s/%s", discordtest.APIPrefix, s.fake.AppID, i.Token())]
	}
	return res
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s)-1)+0.5))]
}

// TestLoad runs `faqbot serve` with the shipped corpus and a streaming
// fake LLM (about 0.2 s an answer), at the default limits (6 questions per
// user per minute, 4 answers at once), and sends a burst of /ask: every
// question from a few users is acknowledged while the model holds every
// answer (so no acknowledgement waits for an answer or the queue, which
// is what keeps them inside Discord's 3 s), every one is answered or told
// to slow down, nothing pings, and once the bot stops its goroutines are
// gone. It reports acknowledgement and answer latencies, the deferred-ack
// p99 with 20 questions in flight, memory and goroutines: figures, not
// pass/fail, as a busy machine would fail a test that timed them.
//
// By default it sends 40 questions from 10 users; FAQBOT_LOAD_FULL=1 sends
// the 200 from 50:
//
//	FAQBOT_LOAD_FULL=1 go test -race ./cmd/faqbot -run TestLoad -v
func TestLoad(t *testing.T) {
	questions, users := 40, 10
	if os.Getenv("FAQBOT_LOAD_FULL") == "1" {
		questions, users = 200, 50
	}
	runtime.GC()
	baseline := runtime.NumGoroutine()

	answerText := []string{"The talks ", "lasted over ", "four hours ", "and were ", "productive [1]. ", "Sullivan ", "delivered the ", "response [2]."}
	gate := &modelGate{}
	model := llmtest.NewServer(t, pacedStream(gate, 25*time.Millisecond, answerText...))
	env := llmEnv(model.URL())
	s := startServe(t, env, 5*time.Minute)

	// 20 questions in flight at once, from 20 users: how fast is each
	// acknowledged while the answers queue behind 4 slots?
	var burst []string
	for n := range 20 {
		burst = append(burst, fmt.Sprintf("burst-user-%d", n))
	}
	start := time.Now()
	res := fireAsks(t, s, gate, "burst", burst)
	var acks []time.Duration
	for _, r := range res {
		acks = append(acks, r.acked.Sub(r.sent))
	}
	t.Logf("20 in flight: deferred ack p50 %v, p99 %v, max %v; all answered in %v",
		percentile(acks, .5).Round(time.Microsecond), percentile(acks, .99).Round(time.Microsecond),
		slices.Max(acks).Round(time.Microsecond), time.Since(start).Round(time.Millisecond))

	// The load: questions round-robin over users, plus one user who asks
	// eight times in a row (two over the limit of six a minute).
	var askers []string
	for n := range questions {
		askers = append(askers, fmt.Sprintf("load-user-%d", n%users))
	}
	for range 8 {
		askers = append(askers, "eager-user")
	}
	start = time.Now()
	res = fireAsks(t, s, gate, "load", askers)
	took := time.Since(start)
	var ackLat, ansLat []time.Duration
	rateLimited, queued, late := 0, 0, 0
	for _, r := range res {
		a := r.acked.Sub(r.sent)
		ackLat = append(ackLat, a)
		if a > 3*time.Second {
			late++
		}
		if r.rateLimited {
			rateLimited++
			continue
		}
		if r.queued {
			queued++
		}
		ansLat = append(ansLat, r.final.Sub(r.sent))
	}
	if rateLimited != 2 {
		t.Errorf("%d rate-limit replies; want 2 (the eager user's 7th and 8th)", rateLimited)
	}
	t.Logf("%d questions from %d users (+8 from one eager user) in %v: acknowledged %d/%d within 3 s (p50 %v, p99 %v); answered %d (p50 %v, p99 %v, max %v); queued %d; rate-limit replies %d",
		questions, users, took.Round(time.Millisecond), len(res)-late, len(res),
		percentile(ackLat, .5).Round(time.Microsecond), percentile(ackLat, .99).Round(time.Microsecond),
		len(ansLat), percentile(ansLat, .5).Round(time.Millisecond), percentile(ansLat, .99).Round(time.Millisecond),
		slices.Max(ansLat).Round(time.Millisecond), queued, rateLimited)
	if n := checkNoPings(t, s.fake); n < len(res) {
		t.Errorf("only %d message-sending requests", n)
	}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("memory while serving: heap %.1f MiB in use, %.1f MiB from the OS; %d goroutines (baseline %d)",
		float64(ms.HeapAlloc)/(1<<20), float64(ms.Sys)/(1<<20), runtime.NumGoroutine(), baseline)

	// Shut down, close the fakes and idle connections: the goroutines go
	// back to the baseline.
	s.stop()
	s.fake.Close()
	model.Close()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Second)
	for runtime.NumGoroutine() > baseline+2 && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling a counter that has no event
	}
	if n := runtime.NumGoroutine(); n > baseline+2 {
		var b strings.Builder
		pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("%d goroutines after shutdown, baseline %d:\n%s", n, baseline, b.String())
	} else {
		t.Logf("goroutines after shutdown: %d (baseline %d)", n, baseline)
	}
	noCrash(t, s.logs.String())
}

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/internal/pgtest"
)

// benchBurst is how many questions one iteration of BenchmarkServeShards
// asks at once, spread over benchServers servers.
const (
	benchBurst   = 240
	benchServers = 8
)

// BenchmarkServeShards measures faqbot serve as operators run it, through
// the fake Discord: one process on SQLite (the embedded default), one on
// PostgreSQL (durable: fsync on), and two shard processes sharing that
// PostgreSQL, each with the default settings. Each
// iteration asks benchBurst questions at once, in members' words (the
// shipped corpus's question set), across benchServers servers (four per
// shard with two), each answered from the shipped base corpus with the
// built-in embedder, and recorded in the database. It reports questions
// per second and the latency of an answer, from the question sent to the
// answer's last edit.
//
//	go test -run '^$' -bench ServeShards -benchtime 3x ./cmd/faqbot
func BenchmarkServeShards(b *testing.B) {
	questions, _, err := benchQuestions("../../testdata/eval/shipped.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	for _, setup := range []struct {
		name     string
		shards   int
		postgres bool
	}{{"sqlite/1-process", 1, false}, {"postgres/1-process", 1, true}, {"postgres/2-shards", 2, true}} {
		b.Run(setup.name, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			fake := discordtest.New(b)
			fake.SetRecommendedShards(setup.shards)
			c := &cluster{top: b, ctx: ctx, fake: fake, key: strings.Repeat("bench-key-", 4)}
			if setup.postgres {
				c.dbURL = pgtest.DurableDatabase(ctx, b)
			}
			var procs []*shard
			for id := range setup.shards {
				procs = append(procs, c.start(b, id, "", b.TempDir(), map[string]string{"FAQBOT_EMBED_MODEL": "", "FAQBOT_EMBED_BASE_URL": ""}))
			}
			var guilds []string
			for i := range benchServers {
				guilds = append(guilds, guildOn(b, i, [2]int{i % setup.shards, setup.shards}))
			}
			// Every server loads its knowledge base before the clock runs.
			for _, g := range guilds {
				c.ask(b, g, "warm-up", questions[0])
			}
			var latencies []time.Duration
			b.ResetTimer()
			start := time.Now()
			for n := range b.N {
				type sent struct {
					i  discordtest.Interaction
					at time.Time
				}
				var burst []sent
				for k := range benchBurst {
					g := guilds[k%len(guilds)]
					i := c.interaction(g, member(fmt.Sprintf("member-%d-%d", n, k), false))
					at := time.Now()
					if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashCommand(i, "ask", discordtest.StringOption("question", questions[k%len(questions)]))); err != nil {
						b.Fatal(err)
					}
					burst = append(burst, sent{i, at})
				}
				for _, s := range burst {
					latencies = append(latencies, c.reply(b, s.i).At.Sub(s.at))
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(latencies)
			pct := func(p float64) float64 {
				return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "questions/s")
			b.ReportMetric(pct(0.5), "ms-p50")
			b.ReportMetric(pct(0.95), "ms-p95")
			b.ReportMetric(0, "ns/op")
			for _, p := range procs {
				p.stop(b, syscall.SIGTERM)
			}
		})
	}
}

package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot/discordtest"
)

// guildOnShard returns a snowflake-shaped server ID that Discord sends to
// shard of count.
func guildOnShard(shard, count int) string {
	const base = 1100000000000000000 // a 2024-era snowflake
	for id := uint64(base); ; id += 1 << 22 {
		g := fmt.Sprint(id)
		if discordtest.ShardOf(g, count) == shard {
			return g
		}
	}
}

// TestShards: two bots started without a shard count take Discord's
// recommendation (2), identify as shards 0 and 1, and each answers the
// servers Discord sends it; a bot given no shard ID when Discord
// recommends several refuses to start, saying what to set.
func TestShards(t *testing.T) {
	fake := discordtest.New(t)
	fake.SetRecommendedShards(2)
	var guild [2]string
	bots := make([]*e2e, 2)
	for shard := range 2 {
		guild[shard] = guildOnShard(shard, 2)
		fa := newFakeAnswerer()
		fa.add("who answers?", answer.Answer{Text: fmt.Sprintf("Shard %d answers.", shard), Mode: answer.ModeExtractive, Grounded: true})
		b, err := New(Config{Token: "shard-token", APIURL: fake.URL, ShardID: shard, ShutdownGrace: 300 * time.Millisecond},
			Deps{Servers: OneServer(Server{Answerer: fa}), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		e, stop, done := runE2E(t, fake, b, fa)
		bots[shard] = e
		t.Cleanup(func() { // before runE2E's own: the bot has stopped when the test ends
			stop()
			<-done
		})
	}
	e := bots[0]
	for shard := range 2 {
		if _, err := fake.WaitForFrame(e.ctx, func(f discordtest.Frame) bool {
			return f.Op == discordtest.OpIdentify && strings.Contains(string(f.Data), fmt.Sprintf(`"shard":[%d,2]`, shard))
		}); err != nil {
			t.Fatalf("shard %d never identified as %d of 2: %v", shard, shard, err)
		}
	}
	for _, shard := range []int{1, 0} {
		i := discordtest.Interaction{ID: fmt.Sprint("ask-", shard), GuildID: guild[shard], ChannelID: "c", Member: discordtest.Member{ID: "u", Username: "u"}}
		e.dispatch(t, "INTERACTION_CREATE", fake.SlashCommand(i, cmdAsk, discordtest.StringOption(optQuestion, "who answers?")))
		e.edit(t, i, fmt.Sprintf("Shard %d answers.", shard))
		if id, n := bots[shard].bot.Shard(); id != shard || n != 2 {
			t.Errorf("bot %d runs as shard %d of %d, want %d of Discord's 2", shard, id, n, shard)
		}
	}

	b, err := New(Config{Token: "shard-token", APIURL: fake.URL, ShardID: -1}, Deps{Servers: OneServer(Server{Answerer: newFakeAnswerer()})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.Run(ctx); err == nil || !strings.Contains(err.Error(), "Discord recommends 2 shards") || !strings.Contains(err.Error(), "FAQBOT_SHARD_ID") {
		t.Errorf("a bot with no shard ID among 2: %v", err)
	}
}

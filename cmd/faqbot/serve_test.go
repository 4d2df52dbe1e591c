package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
)

func TestServeNeedsToken(t *testing.T) {
	_, errs, code := runCLI(t, nil, "serve")
	if code != 1 || !strings.Contains(errs, "DISCORD_TOKEN") {
		t.Errorf("exit %d, stderr %q; want 1 and DISCORD_TOKEN named", code, errs)
	}
}

// TestServeAnswersFromShippedCorpus runs `faqbot serve` as users deploy it,
// the real discordgo client talking to a fake Discord, and asks /ask.
func TestServeAnswersFromShippedCorpus(t *testing.T) {
	fake := discordtest.New(t)
	const token = "canary-token-must-not-leak"
	env := map[string]string{
		"DISCORD_TOKEN": token, "DISCORD_GUILD_ID": "guild-1", "FAQBOT_DISCORD_API_URL": fake.URL,
		"FAQBOT_INDEX_DIR": filepath.Join(t.TempDir(), "index"),
	}
	var logs strings.Builder
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &strings.Builder{}, &syncWriter{w: &logs})
	}()
	wait, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	commands := fmt.Sprintf("%s/applications/%s/guilds/guild-1/commands", discordtest.APIPrefix, fake.AppID)
	if _, err := fake.WaitFor(wait, func(r discordtest.Request) bool { return r.Method == "PUT" && r.Path == commands }); err != nil {
		stop()
		t.Fatalf("commands never registered: %v (serve returned %v)", err, <-done)
	}
	i := discordtest.Interaction{ID: "int-1", GuildID: "guild-1", ChannelID: "chan-1", Member: discordtest.Member{ID: "user-1", Username: "ada"}}
	if err := fake.Dispatch(wait, "INTERACTION_CREATE", fake.SlashCommand(i, "ask", discordtest.StringOption("question", "Who delivered the US written response to Russia?"))); err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("%s/webhooks/%s/%s/messages/@original", discordtest.APIPrefix, fake.AppID, i.Token())
	r, err := fake.WaitFor(wait, func(r discordtest.Request) bool {
		return r.Method == "PATCH" && r.Path == edit && strings.Contains(string(r.Body), "Sullivan")
	})
	if err != nil {
		t.Fatalf("no answer edited in: %v", err)
	}
	if !strings.Contains(string(r.Body), `"parse":[]`) {
		t.Errorf("answer edit lacks allowed_mentions parse []: %s", r.Body)
	}
	if !strings.Contains(string(r.Body), "001_3a04cc96b03d8b02.txt") && !strings.Contains(string(r.Body), "003_6eff58b343190368.txt") {
		t.Errorf("answer does not cite the story's file: %s", r.Body)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-wait.Done():
		t.Fatal("serve did not stop")
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the Discord token appears in the logs")
	}
	for _, r := range fake.Requests() {
		if strings.Contains(string(r.Body), token) {
			t.Errorf("the token appears in a request body: %s", r)
		}
	}
}

// syncWriter lets the bot's goroutines log into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

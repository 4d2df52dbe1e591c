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
	"github.com/faqbot/faqbot/store"
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
		"FAQBOT_INDEX_DIR": filepath.Join(t.TempDir(), "index"), "FAQBOT_DATA_DIR": filepath.Join(t.TempDir(), "data"),
	}
	var logs strings.Builder
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &strings.Builder{}, &syncWriter{w: &logs})
	}()
	wait, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
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
	// wrote is closed (and replaced) on every write, for waitFor.
	wrote chan struct{}
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrote != nil {
		close(s.wrote)
		s.wrote = nil
	}
	return s.w.Write(p)
}

// waitFor returns once what was written contains want, or ctx's error.
func (s *syncWriter) waitFor(ctx context.Context, want string) error {
	for {
		s.mu.Lock()
		if strings.Contains(s.w.String(), want) {
			s.mu.Unlock()
			return nil
		}
		if s.wrote == nil {
			s.wrote = make(chan struct{})
		}
		wrote := s.wrote
		s.mu.Unlock()
		select {
		case <-wrote:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %q in the log: %w", want, ctx.Err())
		}
	}
}

// TestServeRemembersAcrossRestart answers a question and a mention, takes a
// 👍, stops serve and starts it again on the same data folder: the
// question and the vote are in the database, and a reply in the mention's
// thread is answered as a follow-up, which the restarted bot only does
// for a thread whose conversation it loaded.
func TestServeRemembersAcrossRestart(t *testing.T) {
	root := t.TempDir()
	env := map[string]string{
		"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
		"FAQBOT_STORE_USER_IDS": "hashed",
	}
	const q = "Who delivered the US written response to Russia?"
	s := serveWith(t, env)
	i := s.interaction(discordtest.Member{ID: "user-ada", Username: "ada"})
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, "ask", discordtest.StringOption("question", q)))
	body := s.reply(t, i, answered)
	_, rest, ok := strings.Cut(body, `"custom_id":"faqbot:up:`)
	if !ok {
		t.Fatalf("no 👍 button: %s", body)
	}
	answerID, _, _ := strings.Cut(rest, `"`)
	click := s.interaction(discordtest.Member{ID: "user-bob", Username: "bob"})
	s.dispatch(t, "INTERACTION_CREATE", s.fake.ButtonClick(click, "msg-1", "faqbot:up:"+answerID))
	if got := s.reply(t, click, notThinking); !strings.Contains(got, "Thanks for the feedback") {
		t.Errorf("vote reply %s", got)
	}

	thread, _ := s.mentionIn(t, "guild-1", "chan-2", "msg-mention", discordtest.Member{ID: "user-cat", Username: "cat"}, q)
	s.stop()

	db, err := store.Open(context.Background(), filepath.Join(root, "data", "faqbot.db"), store.Options{UserIDs: store.PrivacyHashed})
	if err != nil {
		t.Fatal(err)
	}
	up, down, err := db.Guild("guild-1").Votes(context.Background(), answerID)
	if err != nil || up != 1 || down != 0 {
		t.Errorf("votes on %s: %d up, %d down, %v; want the one 👍", answerID, up, down, err)
	}
	st, err := db.Guild("guild-1").Stats(context.Background(), time.Now().Add(-time.Hour))
	if err != nil || st.Questions != 2 || st.Up != 1 || len(st.TopSources) == 0 {
		t.Errorf("stats %+v, %v; want 2 questions, 1 👍, cited sources", st, err)
	}
	if n, err := db.DeleteUser(context.Background(), "user-ada"); err != nil || n != 1 {
		t.Errorf("deleting ada's data (stored hashed): %d rows, %v; want her one question", n, err)
	}
	db.Close()

	s = serveWith(t, env)
	s.dispatch(t, "MESSAGE_CREATE", s.fake.MessageCreate(discordtest.Message{
		ID: "msg-follow", GuildID: "guild-1", ChannelID: thread, Author: discordtest.Member{ID: "user-cat", Username: "cat"},
		Content: "And who received it?",
	}))
	if _, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
		return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/"+thread+"/messages"
	}); err != nil {
		t.Fatalf("the follow-up after the restart was not answered: %v\nlogs:\n%s", err, logsOf(s.logs))
	}
	if !strings.Contains(logsOf(s.logs), "follow_up=true") {
		t.Error("the follow-up was answered without its history")
	}
	s.stop()
	db, err = store.Open(context.Background(), filepath.Join(root, "data", "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if turns, ok, err := db.Guild("guild-1").LoadConversation(context.Background(), thread); err != nil || !ok || len(turns) != 2 || turns[0].Question != q {
		t.Errorf("stored conversation %+v, %v, %v; want 2 turns", turns, ok, err)
	}
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/llm/llmtest"
)

// servingChild is `faqbot serve` in a process of its own, talking to a
// fake Discord in this one, so that it can be killed like the real thing.
type servingChild struct {
	*child
	fake *discordtest.Server
	ctx  context.Context
	n    int
}

func startServingChild(t *testing.T, ctx context.Context, fake *discordtest.Server, env map[string]string) *servingChild {
	t.Helper()
	full := map[string]string{"DISCORD_TOKEN": "canary-token", "DISCORD_GUILD_ID": "guild-1", "FAQBOT_DISCORD_API_URL": fake.URL}
	for k, v := range env {
		full[k] = v
	}
	registered := len(fake.Requests())
	c := startChild(t, full, "serve")
	commands := fmt.Sprintf("%s/applications/%s/guilds/guild-1/commands", discordtest.APIPrefix, fake.AppID)
	if _, err := fake.WaitFor(ctx, func(r discordtest.Request) bool {
		// A restarted child registers again: wait for its own registration.
		return r.Method == "PUT" && r.Path == commands && len(fake.Requests()) > registered
	}); err != nil {
		t.Fatalf("the child never registered its commands: %v", err)
	}
	return &servingChild{child: c, fake: fake, ctx: ctx}
}

func (s *servingChild) interaction(user string) discordtest.Interaction {
	s.n++
	return discordtest.Interaction{ID: fmt.Sprintf("crash-%d-%d", os.Getpid(), s.n), GuildID: "guild-1", ChannelID: "chan-1",
		Member: discordtest.Member{ID: user, Username: user, Permissions: 32}}
}

// final waits for the edit that puts the answer (or a notice) in place.
func (s *servingChild) final(t *testing.T, i discordtest.Interaction) discordtest.Request {
	t.Helper()
	edit := fmt.Sprintf("%s/webhooks/%s/%s/messages/@original", discordtest.APIPrefix, s.fake.AppID, i.Token())
	r, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
		return r.Method == "PATCH" && r.Path == edit && answered(string(r.Body))
	})
	if err != nil {
		t.Fatalf("no answer to %s: %v", i.ID, err)
	}
	return r
}

func (s *servingChild) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.finish(t)
}

// TestKilledDuringUpload kills serve while it indexes a moderator's upload
// (the embedding server holds the upload's request, so the kill lands
// mid-indexing every time). On restart nothing is corrupt: the upload is
// either whole in the corpus folder and answered from, or absent; no
// temporary file is left; the index loads or rebuilds cleanly; the base
// corpus still answers.
func TestKilledDuringUpload(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	held := make(chan struct{}, 1)
	var release atomic.Bool
	embed := llmtest.Embeddings(64)
	model := llmtest.NewServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if bytes.Contains(body, []byte("Zebras")) && !release.Load() {
			select {
			case held <- struct{}{}:
			default:
			}
			<-r.Context().Done() // hold until the client goes away (killed)
			return
		}
		embed(w, r, body)
	})
	data := t.TempDir()
	env := map[string]string{
		"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(data, "index"),
		"OPENAI_BASE_URL": model.URL(), "FAQBOT_EMBED_MODEL": "test-embed",
	}
	fake := discordtest.New(t)
	s := startServingChild(t, ctx, fake, env)

	doc := "# Zebras\n\n## Do zebras have stripes?\n\nZebras have black and white stripes that differ for every animal.\n"
	a := fake.AddAttachment(discordtest.Attachment{Filename: "zebras.md", ContentType: "text/markdown", Data: []byte(doc)})
	i := s.interaction("user-mia")
	if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashSubcommand(i, "corpus", "add", []discordtest.Option{discordtest.AttachmentOption("file", a)}, a)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the upload never reached the embedder")
	}
	s.kill(t)

	corpusDir := filepath.Join(data, "guilds", "guild-1", "corpus")
	for _, f := range files(t, corpusDir) {
		if strings.HasPrefix(filepath.Base(f), ".") {
			t.Logf("temporary file left by the kill (removed on the next start): %s", f)
		}
	}
	if got, err := os.ReadFile(filepath.Join(corpusDir, "zebras.md")); err == nil && string(got) != doc {
		t.Fatalf("zebras.md is half written:\n%q", got)
	}

	release.Store(true)
	s = startServingChild(t, ctx, fake, env)
	for _, f := range files(t, corpusDir) {
		if strings.HasPrefix(filepath.Base(f), ".") {
			t.Errorf("temporary file still there after the restart: %s", f)
		}
	}
	q := s.interaction("user-bob")
	if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashCommand(q, "ask", discordtest.StringOption("question", "Do zebras have stripes?"))); err != nil {
		t.Fatal(err)
	}
	body := string(s.final(t, q).Body)
	_, statErr := os.Stat(filepath.Join(corpusDir, "zebras.md"))
	t.Logf("after the kill and restart: zebras.md present = %v", statErr == nil)
	switch {
	case statErr == nil && !strings.Contains(body, "zebras.md"):
		t.Errorf("zebras.md is in the corpus folder but the answer does not cite it:\n%s", body)
	case statErr != nil && strings.Contains(body, "zebras.md"):
		t.Errorf("the answer cites a document that is not there:\n%s", body)
	}
	// The old documents still answer.
	q = s.interaction("user-cat")
	if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashCommand(q, "ask", discordtest.StringOption("question", "How long did the talks in Florida last?"))); err != nil {
		t.Fatal(err)
	}
	if body := string(s.final(t, q).Body); !strings.Contains(body, "four hours") {
		t.Errorf("the shipped corpus no longer answers:\n%s", body)
	}
	s.kill(t)
}

// TestKilledWhileAnswering kills serve with SIGKILL while questions and
// votes keep arriving. Every question whose answer a member saw, and every
// vote they were thanked for, is in the database after the kill, and the
// database passes SQLite's integrity check.
func TestKilledWhileAnswering(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	data := t.TempDir()
	env := map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(data, "index"),
		"FAQBOT_STORE_USER_IDS": "plain", "FAQBOT_MAX_CONCURRENT": "2"}
	fake := discordtest.New(t)
	s := startServingChild(t, ctx, fake, env)

	questions := []string{
		"How long did the talks in Florida last?", "Who headed the Ukrainian delegation?",
		"What is in the 2.6 billion dollar aid package?", "Will NATO change its open door policy?",
	}
	var acked []string
	var voted []string
	for n := range 12 {
		user := fmt.Sprintf("user-%d", n)
		i := s.interaction(user)
		q := fmt.Sprintf("%s (%d)", questions[n%len(questions)], n)
		if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashCommand(i, "ask", discordtest.StringOption("question", q))); err != nil {
			t.Fatal(err)
		}
		r := s.final(t, i)
		acked = append(acked, q)
		if n%3 == 0 {
			up := buttonID(t, r.Body, "faqbot:up:")
			click := s.interaction(user)
			if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.ButtonClick(click, "msg-"+click.ID, up)); err != nil {
				t.Fatal(err)
			}
			callback := fmt.Sprintf("%s/interactions/%s/%s/callback", discordtest.APIPrefix, click.ID, click.Token())
			if _, err := fake.WaitFor(ctx, func(r discordtest.Request) bool {
				return r.Path == callback && strings.Contains(string(r.Body), "Thanks for the feedback")
			}); err != nil {
				t.Fatalf("vote not acknowledged: %v", err)
			}
			voted = append(voted, strings.TrimPrefix(up, "faqbot:up:"))
		}
	}
	// More questions in flight, unanswered, when the kill comes.
	for n := range 6 {
		i := s.interaction(fmt.Sprintf("late-%d", n))
		if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashCommand(i, "ask", discordtest.StringOption("question", questions[n%len(questions)]))); err != nil {
			t.Fatal(err)
		}
	}
	s.kill(t)

	db, err := sql.Open("sqlite", filepath.Join(data, "faqbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	for _, q := range acked {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM questions WHERE question = ?", q).Scan(&n); err != nil || n != 1 {
			t.Errorf("acknowledged question %q stored %d times (%v)", q, n, err)
		}
	}
	for _, id := range voted {
		var vote int
		if err := db.QueryRow("SELECT vote FROM feedback WHERE answer_id = ?", id).Scan(&vote); err != nil || vote != 1 {
			t.Errorf("acknowledged vote on %s: %d (%v)", id, vote, err)
		}
	}
	t.Logf("%d answers and %d votes acknowledged before the kill, all stored", len(acked), len(voted))
}

// buttonID finds the custom ID starting with prefix in a message body.
func buttonID(t *testing.T, body []byte, prefix string) string {
	t.Helper()
	var msg struct {
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
			} `json:"components"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		t.Fatal(err)
	}
	for _, row := range msg.Components {
		for _, c := range row.Components {
			if strings.HasPrefix(c.CustomID, prefix) {
				return c.CustomID
			}
		}
	}
	t.Fatalf("no button %s… in %s", prefix, body)
	return ""
}

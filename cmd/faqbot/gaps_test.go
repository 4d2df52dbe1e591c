package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/store"
)

func TestGapsCommand(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, q := range []string{"How do I reset my password?", "how do i reset my password", "password reset", "refund policy", "What is the refund policy?"} {
		if _, err := st.Guild("111").RecordQuestion(ctx, store.QuestionRecord{Question: q, Refused: true, At: now.Add(-time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Guild("111").RecordQuestion(ctx, store.QuestionRecord{Question: "ancient question", Refused: true, At: now.AddDate(0, 0, -30)}); err != nil {
		t.Fatal(err)
	}
	// Members picked a suggestion of a refused refund question; three
	// members liked the answer to a shipping question, one member liked
	// another many times.
	g := st.Guild("111")
	if _, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "r-refund", Question: "can i get a chargeback", Refused: true, At: now}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"ann", "bob"} {
		if err := g.RecordPick(ctx, store.Pick{AnswerID: "r-refund", UserID: u, Passage: store.Passage{ChunkID: "billing.md#3", Document: "billing.md", Title: "Can I get my money back?"}}); err != nil {
			t.Fatal(err)
		}
	}
	// A member left a tentative answer for another entry it offered.
	if _, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "a-creative", Question: "is there a creative world", Sources: []string{"rules.md#2"}, At: now}); err != nil {
		t.Fatal(err)
	}
	if err := g.RecordPick(ctx, store.Pick{AnswerID: "a-creative", UserID: "cat", Passage: store.Passage{ChunkID: "events.md#1", Document: "events.md", Title: "How does the build contest work?"}}); err != nil {
		t.Fatal(err)
	}
	for id, voters := range map[string][]string{"a-ship": {"ann", "bob", "cat"}, "a-solo": {"dan"}} {
		if _, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: id, Question: "question " + id, Sources: []string{"shipping.md#1"}, At: now}); err != nil {
			t.Fatal(err)
		}
		for _, v := range voters {
			if err := g.RecordFeedback(ctx, store.Feedback{AnswerID: id, UserID: v, Vote: store.VoteUp}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()

	env := map[string]string{"FAQBOT_DATA_DIR": data}
	out, errs, code := runCLI(t, env, "gaps", "--days", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Log(out)
	for _, want := range []string{"last 7 days", "3 times", "password", "refund", "also asked as:",
		`members picked the suggestion billing.md#3 "Can I get my money back?" (2 members)`, "faqbot teach --guild 111 --passage billing.md#3",
		"found helpful", `"question a-ship" -> shipping.md#1 (👍 3, 👎 0)`,
		"\"is there a creative world\"\n    refused 0, voted down 0, another entry picked 1, last asked "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "password") > strings.Index(out, "refund") {
		t.Errorf("the larger group is not first:\n%s", out)
	}
	if strings.Contains(out, "a-solo") {
		t.Errorf("one member's vote is offered as a phrasing to keep:\n%s", out)
	}
	if strings.Contains(out, "ancient") {
		t.Errorf("a question older than --days is listed:\n%s", out)
	}
	if out, _, _ := runCLI(t, env, "gaps", "--days=90", "--limit", "1"); !strings.Contains(out, " 1. ") || strings.Contains(out, " 2. ") {
		t.Errorf("--limit 1 printed:\n%s", out)
	}
}

func TestGapsCommandMessages(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no database", []string{"gaps"}, 0, "No questions recorded yet"},
		{"bad days", []string{"gaps", "--days", "0"}, 2, "--days"},
		{"bad limit", []string{"gaps", "--limit", "-1"}, 2, "--limit"},
		{"argument", []string{"gaps", "password"}, 2, "no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			out, errs, code := runCLI(t, map[string]string{"FAQBOT_DATA_DIR": data}, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d, output %q %q; want exit %d mentioning %q", code, out, errs, tt.code, tt.want)
			}
			if _, err := os.Stat(data); err == nil {
				t.Error("gaps created the data folder")
			}
		})
	}
	// An empty database: a friendly line, not an empty report.
	data := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if out, _, code := runCLI(t, map[string]string{"FAQBOT_DATA_DIR": data}, "gaps"); code != 0 || !strings.Contains(out, "No gaps") {
		t.Errorf("empty database: exit %d, %q", code, out)
	}
}

func TestDataCorpus(t *testing.T) {
	data := t.TempDir()
	cfg := config.Config{DataDir: data}
	useDataCorpus(&cfg)
	if cfg.CorpusDir != "" {
		t.Errorf("before seeding, the corpus is %q, want the embedded one", cfg.CorpusDir)
	}
	if err := seedDataCorpus(&cfg, discard()); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(data, "corpus")
	if cfg.CorpusDir != want {
		t.Errorf("after seeding, the corpus is %q, want %q", cfg.CorpusDir, want)
	}
	entries, err := os.ReadDir(want)
	if err != nil || len(entries) == 0 {
		t.Fatalf("seeded folder: %d entries (%v)", len(entries), err)
	}
	cfg = config.Config{DataDir: data}
	useDataCorpus(&cfg)
	if cfg.CorpusDir != want {
		t.Errorf("once seeded, the corpus is %q, want %q", cfg.CorpusDir, want)
	}
	cfg = config.Config{DataDir: data, CorpusDir: "/elsewhere"}
	useDataCorpus(&cfg)
	if err := seedDataCorpus(&cfg, discard()); err != nil || cfg.CorpusDir != "/elsewhere" {
		t.Errorf("a configured corpus folder was replaced by %q (%v)", cfg.CorpusDir, err)
	}

	// ask answers from the data folder's corpus, and index reports what
	// changed there since the last index.
	env := map[string]string{"FAQBOT_DATA_DIR": data}
	runCLI(t, env, "index")
	if err := os.WriteFile(filepath.Join(want, "parking.md"), []byte("# Parking\n\n## Is parking free?\n\nParking is free for members in the north garage.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, env, "index")
	if code != 0 || !strings.Contains(out, "Changes:    1 added (parking.md)") {
		t.Errorf("index after an edit: exit %d\n%s\n%s", code, out, errs)
	}
	if out, _, _ := runCLI(t, env, "ask", "is parking free for members?"); !strings.Contains(out, "parking.md") {
		t.Errorf("ask did not use the data folder's corpus:\n%s", out)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

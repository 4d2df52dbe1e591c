package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/internal/pgtest"
	"github.com/faqbot/faqbot/store"
)

// writeTree writes files (slash paths) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree reads every file under dir, by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range files(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(b)
	}
	return out
}

// TestMigrateRoundTrip: faqbot migrate moves a data folder with several
// servers (records of every kind, each server's documents, the base
// corpus) to PostgreSQL and back to a new data folder, with every count
// identical and every document the same bytes; the source is left as it
// was; a target that already holds data is refused.
func TestMigrateRoundTrip(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	key := strings.Repeat("migrate-key-", 3)
	data := t.TempDir()
	servers := []string{"1200000000000000001", "1200000000000000002", "1200000000000000003"}

	db, err := store.Open(ctx, filepath.Join(data, "faqbot.db"), store.Options{UserIDs: store.PrivacyHashed, Key: []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	for n, g := range servers {
		gs := db.Guild(g)
		for i := range 2 + n {
			id, err := gs.RecordQuestion(ctx, store.QuestionRecord{At: at, UserID: fmt.Sprint("member-", i), Question: fmt.Sprintf("question %d?", i), Refused: i == 0, Sources: []string{"faq.md#0"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := gs.RecordFeedback(ctx, store.Feedback{AnswerID: fmt.Sprint(id), UserID: "voter", Vote: store.VoteUp}); err != nil {
				t.Fatal(err)
			}
		}
		if err := gs.AppendTurn(ctx, "thread", store.Turn{Question: "q", Answer: "a", AskedBy: "member-0"}); err != nil {
			t.Fatal(err)
		}
		if _, err := gs.AddModeratorRole(ctx, "role-"+g, "admin"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := gs.Teach(ctx, store.Phrasing{Question: "money back please " + g, Passage: store.Passage{ChunkID: "faq.md#0", Document: "faq.md"}, Who: "mod"}); err != nil {
			t.Fatal(err)
		}
		if err := gs.RecordChange(ctx, store.Change{Who: "mod", Action: store.ActionAdd, Document: "faq.md"}); err != nil {
			t.Fatal(err)
		}
		docs := map[string]string{"faq.md": "# FAQ of " + g + "\n\n## Refunds?\n\nWithin 30 days.\n"}
		for d := range n + 1 {
			docs[fmt.Sprintf("page-%d.md", d)] = fmt.Sprintf("# Page %d\n\nText %d of %s.\n", d, d, g)
		}
		writeTree(t, filepath.Join(data, "guilds", g, "corpus"), docs)
		writeTree(t, filepath.Join(data, "guilds", g, "corpus", "removed"), map[string]string{"old.md": "# Old\n"})
	}
	db.Close()
	base := map[string]string{"wifi.md": "# Wifi\n\nThe password is on the badge.\n", "guides/canteen.md": "# Canteen\n\nLunch from noon.\n"}
	writeTree(t, filepath.Join(data, "corpus"), base)
	before := readTree(t, data)

	env := map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_DATABASE_URL": dbURL, "FAQBOT_USER_ID_KEY": key}
	out, errs, code := runCLI(t, env, "migrate", "to-postgres")
	if code != 0 {
		t.Fatalf("migrate to-postgres: exit %d\n%s\n%s", code, out, errs)
	}
	t.Logf("to-postgres:\n%s", out)
	if !strings.Contains(out, "Every count matches") || strings.Contains(out, "DIFFERS") {
		t.Errorf("to-postgres output:\n%s", out)
	}
	for _, g := range servers {
		if !strings.Contains(out, "documents (files)") || !strings.Contains(out, g) {
			t.Errorf("to-postgres does not count server %s's documents:\n%s", g, out)
		}
	}
	if after := readTree(t, data); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("to-postgres changed the data folder it copied from")
	}
	// Twice is refused: the database holds the data now.
	if _, errs, code := runCLI(t, env, "migrate", "to-postgres"); code == 0 || !strings.Contains(errs, "already holds records") {
		t.Errorf("a second to-postgres: exit %d, %s", code, errs)
	}

	back := t.TempDir()
	env2 := map[string]string{"FAQBOT_DATA_DIR": back, "FAQBOT_DATABASE_URL": dbURL, "FAQBOT_USER_ID_KEY": key}
	out, errs, code = runCLI(t, env2, "migrate", "to-sqlite")
	if code != 0 {
		t.Fatalf("migrate to-sqlite: exit %d\n%s\n%s", code, out, errs)
	}
	t.Logf("to-sqlite:\n%s", out)
	if _, errs, code := runCLI(t, env2, "migrate", "to-sqlite"); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("a second to-sqlite: exit %d, %s", code, errs)
	}

	// The round trip: the same records, per table and server, and the
	// same documents, byte for byte (the removed/ copies stay behind in
	// the source, which is left as it was).
	a, err := store.Open(ctx, filepath.Join(data, "faqbot.db"), store.Options{UserIDs: store.PrivacyHashed, Key: []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, filepath.Join(back, "faqbot.db"), store.Options{UserIDs: store.PrivacyHashed, Key: []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rep, err := store.Compare(ctx, a, b, store.DocumentTables...)
	if err != nil {
		t.Fatalf("after the round trip: %v", err)
	}
	questions := 0
	for _, c := range rep.Counts {
		if c.Table == "questions" {
			questions += int(c.Source)
		}
	}
	if questions != 9 {
		t.Errorf("the round trip compared %d questions, want 9", questions)
	}
	for _, g := range servers {
		want := readTree(t, filepath.Join(data, "guilds", g, "corpus"))
		delete(want, "removed/old.md")
		if got := readTree(t, filepath.Join(back, "guilds", g, "corpus")); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("server %s's documents after the round trip:\n got %v\nwant %v", g, got, want)
		}
	}
	if got := readTree(t, filepath.Join(back, "corpus")); fmt.Sprint(got) != fmt.Sprint(base) {
		t.Errorf("the base corpus after the round trip: %v", got)
	}
	if n, err := b.DeleteUser(ctx, "member-0"); err != nil || n == 0 {
		t.Errorf("a member's hashed records after the round trip: %d found (%v)", n, err)
	}
}

// TestMigrateUsage: a direction is required, and a database.
func TestMigrateUsage(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"migrate"}, nil, "to-postgres or to-sqlite"},
		{[]string{"migrate", "sideways"}, nil, "to-postgres or to-sqlite"},
		{[]string{"migrate", "to-postgres"}, nil, "FAQBOT_DATABASE_URL"},
	}
	for _, tt := range tests {
		_, errs, code := runCLI(t, tt.env, tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"help"}, func(string) string { return "" }, strings.NewReader(""), &help, &help); err != nil || !strings.Contains(help.String(), "migrate") {
		t.Errorf("help does not list migrate: %v\n%s", err, help.String())
	}
}

package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var day0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func openAt(t testing.TB, path string, opts Options) *SQLite {
	t.Helper()
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openTemp(t testing.TB, opts Options) *SQLite {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "faqbot.db"), opts)
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faqbot.db")
	want, err := migrations(sqliteDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	var key []byte
	for i := range 3 {
		s, err := Open(ctx, path, Options{UserIDs: PrivacyHashed})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != len(want) {
			t.Errorf("open %d: schema version %d (%v), want %d", i, v, err, len(want))
		}
		var rows int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != len(want) {
			t.Errorf("open %d: %d schema_version rows, want %d", i, rows, len(want))
		}
		if i > 0 && string(s.keys[0]) != string(key) {
			t.Errorf("open %d: the key changed, so hashed IDs would no longer match", i)
		}
		key = s.keys[0]
		s.Close()
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}

// TestKeyOutsideTheDatabase: the key that hashes member IDs is never in
// the database, so a copy of the database alone cannot be used to test
// guessed IDs against the stored hashes. It lives in a 0600 key file (or a
// setting), stays the same across restarts, and a file made readable by
// others is tightened.
func TestKeyOutsideTheDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "faqbot.db")
	s := openAt(t, path, Options{UserIDs: PrivacyHashed})
	if _, err := s.Guild("g").RecordQuestion(ctx, QuestionRecord{UserID: "user-ann", Question: "q"}); err != nil {
		t.Fatal(err)
	}
	key := s.keys[0]
	s.Close()

	keyFile := filepath.Join(dir, "faqbot.key")
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if strings.Contains(string(b), hex.EncodeToString(key)) || strings.Contains(string(b), string(key)) {
			t.Errorf("%s holds the key", filepath.Base(f))
		}
	}
	var n int
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow(`SELECT count(*) FROM meta`).Scan(&n); err != nil || n != 0 {
		t.Errorf("meta holds %d rows (%v), want none", n, err)
	}

	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, Options{UserIDs: PrivacyHashed})
	if string(s.keys[0]) != string(key) {
		t.Error("the key changed across a restart")
	}
	if n, err := s.DeleteUser(ctx, "user-ann"); err != nil || n != 1 {
		t.Errorf("DeleteUser after a restart: %d (%v), want the hashed question found", n, err)
	}
	if info, _ := os.Stat(keyFile); info.Mode().Perm() != 0o600 {
		t.Errorf("a key file readable by others was left at %v", info.Mode().Perm())
	}
	s.Close()

	// A key from a setting hashes new records; the file's key still finds
	// the old ones.
	setting := []byte(strings.Repeat("k", MinKeyLen))
	s = openAt(t, path, Options{UserIDs: PrivacyHashed, Key: setting})
	if string(s.keys[0]) != string(setting) {
		t.Error("the configured key does not hash new records")
	}
	if _, err := s.Guild("g").RecordQuestion(ctx, QuestionRecord{UserID: "user-bo", Question: "q"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Guild("g").RecordQuestion(ctx, QuestionRecord{UserID: "user-ann", Question: "q"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path, Options{UserIDs: PrivacyHashed})
	if n, err := s.DeleteUser(ctx, "user-ann"); err != nil || n != 0 {
		t.Errorf("without the setting, the record hashed under it was found: %d (%v)", n, err)
	}
	s.Close()
	if _, err := Open(ctx, path, Options{Key: []byte("short")}); err == nil {
		t.Error("a short key was accepted")
	}
}

// TestMigrateV1 opens a database written before per-server data and checks
// that nothing is lost: every question, vote and conversation turn is
// there, each with its server, the key left the database for the key file
// and still matches the old hashes, and the old change log is the base's.
func TestMigrateV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faqbot.db")
	fixture, err := os.ReadFile("testdata/v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(string(fixture)); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s := openAt(t, path, Options{UserIDs: PrivacyHashed, Now: func() time.Time { return day0 }})
	ms, err := migrations(sqliteDialect.migrations)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("schema version %d (%v), want the latest, %d", v, err, len(ms))
	}
	g := s.Guild("111")
	st, err := g.Stats(ctx, time.Time{})
	if err != nil || st.Questions != 3 || st.Refused != 1 || st.Up != 1 || st.Down != 2 {
		t.Errorf("server 111 after the migration: %+v (%v), want 3 questions, 1 refused, 1 up and 2 down", st, err)
	}
	gaps, err := g.Gaps(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var gapTexts []string
	for _, gp := range gaps {
		gapTexts = append(gapTexts, gp.Question)
	}
	if got := strings.Join(gapTexts, "|"); !strings.Contains(got, "is the canteen open on sundays") || !strings.Contains(got, "and visitors?") || !strings.Contains(got, "how do refunds work") {
		t.Errorf("gaps %q: want the refused question, the voted-down answer and the unrecorded vote", gapTexts)
	}
	// Both conversations belong to the one server: thread-9 by its
	// follow-up question, thread-lone because the old bot served only 111.
	for thread, want := range map[string]int{"thread-9": 2, "thread-lone": 1} {
		turns, ok, err := g.LoadConversation(ctx, thread)
		if err != nil || !ok || len(turns) != want {
			t.Errorf("%s: %d turns (%v %v), want %d", thread, len(turns), ok, err, want)
		}
		if thread == "thread-9" && len(turns) == 2 && (turns[1].Question != "and visitors?" || !turns[1].At.Equal(time.Date(2025, 3, 10, 9, 47, 40, 0, time.UTC))) {
			t.Errorf("thread-9's second turn: %+v", turns[1])
		}
	}
	base, err := s.Guild(BaseGuild).Changes(ctx, 10)
	if err != nil || len(base) != 2 {
		t.Errorf("the base's change log: %+v (%v), want the 2 old changes", base, err)
	}
	var salt int
	if err := s.db.QueryRow(`SELECT count(*) FROM meta WHERE key = 'user_salt'`).Scan(&salt); err != nil || salt != 0 {
		t.Errorf("the key is still in the database (%v)", err)
	}
	if n, err := s.DeleteUser(ctx, "user-ann"); err != nil || n != 3 {
		t.Errorf("DeleteUser(user-ann) after the migration: %d records (%v), want her 2 questions and 1 vote", n, err)
	}
	if st, _ := g.Stats(ctx, time.Time{}); st.Questions != 1 {
		t.Errorf("questions left %d, want 1", st.Questions)
	}
}

// TestMigrateV1ManyServers: records of a bot that served several servers
// and carry none stay with the operator's base instead of being guessed.
func TestMigrateV1ManyServers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faqbot.db")
	fixture, err := os.ReadFile("testdata/v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(string(fixture)); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE questions SET guild = '333' WHERE answer_id = 'ans-3'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	s := openAt(t, path, Options{Now: func() time.Time { return day0 }})
	if st, err := s.Guild("333").Stats(ctx, time.Time{}); err != nil || st.Questions != 1 || st.Down != 1 {
		t.Errorf("server 333: %+v (%v)", st, err)
	}
	if gaps, err := s.Guild(BaseGuild).Gaps(ctx, time.Time{}, 0); err != nil || len(gaps) != 1 || gaps[0].Question != "is the canteen open on sundays" {
		t.Errorf("base gaps %+v (%v), want the vote no server can be named for", gaps, err)
	}
	if _, ok, _ := s.Guild(BaseGuild).LoadConversation(ctx, "thread-lone"); !ok {
		t.Error("the conversation no server can be named for was not kept with the base")
	}
}

func TestGrouping(t *testing.T) {
	tests := []struct {
		name  string
		qs    []string
		sizes []int
	}{
		{"exact repeats", []string{"Refund?", "refund", "REFUND!!"}, []int{3}},
		{"unrelated", []string{"reset password", "opening hours", "parking spaces"}, []int{1, 1, 1}},
		{"no chaining", []string{"reset password", "reset password", "change password", "change email", "email notifications"}, []int{3, 2}},
		{"stop words only", []string{"how do I?", "what?"}, []int{1, 1}},
		{"empty ignored", []string{"", "  ?! "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []askedQuestion
			for i, q := range tt.qs {
				asked = append(asked, askedQuestion{text: q, at: day0.Add(time.Duration(i) * time.Second), refused: true})
			}
			var got []int
			for _, g := range groupGaps(asked) {
				got = append(got, g.Count)
			}
			if len(got) != len(tt.sizes) {
				t.Fatalf("group sizes %v, want %v", got, tt.sizes)
			}
			for i := range got {
				if got[i] != tt.sizes[i] {
					t.Fatalf("group sizes %v, want %v", got, tt.sizes)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), Options{UserIDs: "maybe"}); err == nil {
		t.Error("an unknown privacy mode was accepted")
	}
	// A database another program wrote is not ours to migrate over.
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE questions (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(context.Background(), path, Options{}); err == nil {
		t.Error("a database with a conflicting questions table was opened")
	}
	// A key file that is not one is an error, not a new key.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faqbot.key"), []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), filepath.Join(dir, "faqbot.db"), Options{}); err == nil || !strings.Contains(err.Error(), "key file") {
		t.Errorf("a broken key file: %v", err)
	}
}

// TestOpenOddPath: the path goes into a URI, so characters that mean
// something there must not change which file is opened.
func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my data #1 ?x%20")
	s, err := Open(context.Background(), filepath.Join(dir, "faqbot.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "faqbot.db")); err != nil {
		t.Errorf("the database is not where it was asked for: %v", err)
	}
}

// TestConcurrentFirstOpensShareOneKey: processes opening a new database at
// once (shards sharing a data folder) hash member IDs with one key, the
// one in the key file, so a request to be forgotten made on one shard
// matches the records the others wrote.
func TestConcurrentFirstOpensShareOneKey(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "faqbot.db")
		const n = 4
		stores := make([]*SQLite, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = Open(context.Background(), path, Options{UserIDs: PrivacyHashed}) })
		}
		wg.Wait()
		for i, s := range stores {
			if errs[i] != nil {
				t.Fatalf("round %d, open %d: %v", round, i, errs[i])
			}
			t.Cleanup(func() { s.Close() })
		}
		file, err := readKeyFile(filepath.Join(filepath.Dir(path), "faqbot.key"))
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range stores {
			if len(file) != 1 || !bytes.Equal(s.keys[0], file[0]) {
				t.Fatalf("round %d: open %d hashes with a key that is not the key file's only key", round, i)
			}
		}
	}
}

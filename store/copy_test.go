package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/internal/pgtest"
	"github.com/faqbot/faqbot/store"
)

// key hashes member IDs in every store of these tests: a copy keeps the
// stored hashes, so both sides must share it.
var key = []byte(strings.Repeat("copy-key-", 4))

func openSQLite(t *testing.T, path string) *store.SQLite {
	t.Helper()
	s, err := store.Open(context.Background(), path, store.Options{UserIDs: store.PrivacyHashed, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(t *testing.T, url string) *store.Postgres {
	t.Helper()
	s, err := store.OpenPostgres(context.Background(), url, store.Options{UserIDs: store.PrivacyHashed, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fill records a little of everything in three servers and the base.
func fill(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	for gi, guild := range []string{"111", "222", "333", store.BaseGuild} {
		g := s.Guild(guild)
		for i := range 3 + gi {
			id, err := g.RecordQuestion(ctx, store.QuestionRecord{At: at.Add(time.Duration(i) * time.Hour), UserID: fmt.Sprint("member-", i),
				Question: fmt.Sprintf("question %d of %s?", i, guild), Answer: "an answer [1]", Mode: "extractive",
				Sources: []string{"faq.md#1", "other.md#0"}, Refused: i%2 == 1, Latency: time.Duration(i) * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			answer := fmt.Sprint(id)
			must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: answer, UserID: "voter", Vote: store.VoteDown, At: at}))
			must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "never-recorded-" + answer, UserID: "voter", Vote: store.VoteUp, Question: "lost question", AskedBy: "member-9", At: at}))
			if i%2 == 1 {
				must(t, g.RecordPick(ctx, store.Pick{AnswerID: answer, UserID: "picker", Passage: store.Passage{ChunkID: "faq.md#2", Document: "faq.md", Title: "Refunds"}, At: at}))
			}
		}
		must(t, g.AppendTurn(ctx, "thread-"+guild, store.Turn{Question: "q", Answer: "a", AskedBy: "member-1", At: time.Now()}))
		must(t, g.RecordChange(ctx, store.Change{At: at, Who: "mod", Action: store.ActionAdd, Document: "faq.md", Summary: "1 added"}))
		if guild != store.BaseGuild {
			_, err := g.AddModeratorRole(ctx, "role-"+guild, "admin")
			must(t, err)
		}
		_, _, err := g.Teach(ctx, store.Phrasing{Question: "how do i get my money back " + guild, Passage: store.Passage{ChunkID: "faq.md#2", Document: "faq.md", Title: "Refunds"}, Who: "mod", Via: "discord", At: at})
		must(t, err)
		_, err = g.ChangeDocuments(ctx, store.DocumentChange{By: "mod", At: at, Put: []store.Document{
			{Name: "faq.md", Data: []byte("# FAQ of " + guild + "\n")}, {Name: "guides/x.md", Data: []byte{0, 1, 2, 0xff}}}})
		must(t, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// view is what a store shows of a server, through its own methods.
type view struct {
	Gaps      []store.Gap
	Stats     store.Stats
	Changes   []store.Change
	Turns     []store.Turn
	Roles     []string
	Phrasings []store.Phrasing
	Docs      store.DocumentSet
	Votes     [2]int
}

func viewOf(t *testing.T, s store.Store, guild string) view {
	t.Helper()
	ctx := context.Background()
	g := s.Guild(guild)
	var v view
	var err error
	v.Gaps, err = g.Gaps(ctx, time.Time{}, 0)
	must(t, err)
	v.Stats, err = g.Stats(ctx, time.Time{})
	must(t, err)
	v.Changes, err = g.Changes(ctx, 100)
	must(t, err)
	v.Turns, _, err = g.LoadConversation(ctx, "thread-"+guild)
	must(t, err)
	v.Roles, err = g.ModeratorRoles(ctx)
	must(t, err)
	v.Phrasings, err = g.Phrasings(ctx)
	must(t, err)
	v.Docs, err = g.Documents(ctx, nil)
	must(t, err)
	v.Votes[0], v.Votes[1], err = g.Votes(ctx, "1")
	must(t, err)
	return v
}

// TestCopyRoundTrip copies a SQLite store with several servers into
// PostgreSQL and back into a new SQLite store: every count matches at
// each step, every server shows the same through every method, a member's
// request to be forgotten still finds their hashed records, and the
// copies go on recording with new IDs.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	orig := openSQLite(t, filepath.Join(t.TempDir(), "faqbot.db"))
	fill(t, orig)
	pg := openPostgres(t, pgtest.Database(t))
	rep, err := store.Copy(ctx, orig, pg)
	if err != nil {
		t.Fatalf("SQLite to PostgreSQL: %v", err)
	}
	back := openSQLite(t, filepath.Join(t.TempDir(), "faqbot.db"))
	if _, err := store.Copy(ctx, pg, back); err != nil {
		t.Fatalf("PostgreSQL to SQLite: %v", err)
	}
	tables := map[string]bool{}
	for _, c := range rep.Counts {
		tables[c.Table] = true
		if c.Source == 0 && c.Table != "meta" {
			t.Errorf("%s of %q: nothing to copy, so the test proves nothing there", c.Table, c.Guild)
		}
	}
	for _, want := range []string{"questions", "feedback", "conversation_turns", "corpus_changes", "moderator_roles", "phrasings", "suggestion_picks", "documents", "document_versions"} {
		if !tables[want] {
			t.Errorf("the copy did not cover %s (tables: %v)", want, tables)
		}
	}
	if _, err := store.Compare(ctx, orig, back); err != nil {
		t.Errorf("after the round trip: %v", err)
	}
	for _, guild := range []string{"111", "222", "333", store.BaseGuild} {
		want := viewOf(t, orig, guild)
		for name, s := range map[string]store.Store{"PostgreSQL": pg, "SQLite again": back} {
			if got := viewOf(t, s, guild); !reflect.DeepEqual(got, want) {
				t.Errorf("server %q in %s differs:\n got %+v\nwant %+v", guild, name, got, want)
			}
		}
	}
	// New records get new IDs (the identity went on after the copied ones).
	for name, s := range map[string]store.Store{"PostgreSQL": pg, "SQLite again": back} {
		id, err := s.Guild("111").RecordQuestion(ctx, store.QuestionRecord{Question: "a new one"})
		if err != nil || id <= 18 {
			t.Errorf("%s: a new question got ID %d (%v), want one after the copied 18", name, id, err)
		}
		if n, err := s.DeleteUser(ctx, "member-1"); err != nil || n == 0 {
			t.Errorf("%s: forgetting a member found %d records (%v)", name, n, err)
		}
	}
}

// TestCopyIntoNonEmpty: a copy into a database that holds records is
// refused and changes nothing.
func TestCopyIntoNonEmpty(t *testing.T) {
	ctx := context.Background()
	orig := openSQLite(t, filepath.Join(t.TempDir(), "faqbot.db"))
	fill(t, orig)
	pg := openPostgres(t, pgtest.Database(t))
	_, err := pg.Guild("999").RecordQuestion(ctx, store.QuestionRecord{Question: "already here"})
	must(t, err)
	if _, err := store.Copy(ctx, orig, pg); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("copy into a used database: %v, want ErrNotEmpty", err)
	}
	if st, _ := pg.Guild("111").Stats(ctx, time.Time{}); st.Questions != 0 {
		t.Errorf("the refused copy left %d questions", st.Questions)
	}
}

// TestSchemasMatch: the two engines' schemas have the same tables with the
// same columns, so that statements and copies work on both. A migration
// added to one engine only fails here.
func TestSchemasMatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faqbot.db")
	openSQLite(t, path).Close()
	url := pgtest.Database(t)
	openPostgres(t, url).Close()
	lite, err := sql.Open("sqlite", path)
	must(t, err)
	defer lite.Close()
	pg, err := sql.Open("pgx", url)
	must(t, err)
	defer pg.Close()
	columns := func(db *sql.DB, tables string) map[string][]string {
		t.Helper()
		rows, err := db.Query(tables)
		must(t, err)
		var names []string
		for rows.Next() {
			var n string
			must(t, rows.Scan(&n))
			names = append(names, n)
		}
		rows.Close()
		out := map[string][]string{}
		for _, n := range names {
			rows, err := db.Query(`SELECT * FROM ` + n + ` WHERE 1 = 0`)
			must(t, err)
			cols, err := rows.Columns()
			must(t, err)
			rows.Close()
			slices.Sort(cols)
			out[n] = cols
		}
		return out
	}
	l := columns(lite, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	p := columns(pg, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if !reflect.DeepEqual(l, p) {
		t.Errorf("the schemas differ:\nSQLite     %v\nPostgreSQL %v", l, p)
	}
}

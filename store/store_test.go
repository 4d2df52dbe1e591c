package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var day0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func openAt(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openTemp(t testing.TB, opts Options) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "faqbot.db"), opts)
}

func TestSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "faqbot.db") // the folder does not exist yet
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.RecordQuestion(ctx, QuestionRecord{Question: "how do I reset my password", Refused: true, UserID: "u1", Sources: []string{"a.md#0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFeedback(ctx, Feedback{AnswerID: "1", UserID: "u2", Vote: VoteDown}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordChange(ctx, Change{Who: "mod", Action: ActionAdd, Document: "a.md", Summary: "1 added"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveConversation(ctx, "thread", []Turn{{Question: "q", Answer: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path, Options{})
	if id != 1 {
		t.Errorf("first question ID %d, want 1", id)
	}
	if up, down, err := s.Votes(ctx, "1"); err != nil || up != 0 || down != 1 {
		t.Errorf("votes after restart: %d up %d down (%v), want 0 and 1", up, down, err)
	}
	if ch, err := s.Changes(ctx, 10); err != nil || len(ch) != 1 || ch[0].Document != "a.md" || ch[0].Action != ActionAdd {
		t.Errorf("changes after restart: %+v (%v)", ch, err)
	}
	if turns, ok, err := s.LoadConversation(ctx, "thread"); err != nil || !ok || len(turns) != 1 || turns[0].Answer != "a" {
		t.Errorf("conversation after restart: %+v %v %v", turns, ok, err)
	}
	if gaps, err := s.Gaps(ctx, time.Time{}, 10); err != nil || len(gaps) != 1 || gaps[0].Count != 1 {
		t.Errorf("gaps after restart: %+v (%v)", gaps, err)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faqbot.db")
	want, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var salt []byte
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
		if i > 0 && string(s.salt) != string(salt) {
			t.Errorf("open %d: the salt changed, so hashed IDs would no longer match", i)
		}
		salt = s.salt
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

func TestFeedbackOneVotePerUser(t *testing.T) {
	for _, mode := range []Privacy{PrivacyPlain, PrivacyHashed, PrivacyNone} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			s := openTemp(t, Options{UserIDs: mode})
			steps := []struct {
				user     string
				vote     Vote
				up, down int
			}{
				{"alice", VoteUp, 1, 0},
				{"alice", VoteUp, 1, 0},   // the same vote again counts once
				{"alice", VoteDown, 0, 1}, // changed
				{"bob", VoteDown, 0, 2},
				{"alice", VoteUp, 1, 1},
			}
			for i, st := range steps {
				if err := s.RecordFeedback(ctx, Feedback{AnswerID: "a1", UserID: st.user, Vote: st.vote}); err != nil {
					t.Fatal(err)
				}
				up, down, err := s.Votes(ctx, "a1")
				if err != nil || up != st.up || down != st.down {
					t.Errorf("step %d: %d up %d down (%v), want %d and %d", i, up, down, err, st.up, st.down)
				}
			}
			if err := s.RecordFeedback(ctx, Feedback{AnswerID: "a1", UserID: "x", Vote: 2}); err == nil {
				t.Error("a vote of 2 was accepted")
			}
		})
	}
}

// seedGaps records the example of the gaps report: five phrasings of a
// password question, three of a refund question (refused), one answered
// question voted down, and answered questions that are no gap.
func seedGaps(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	refused := []string{
		"How do I reset my password?",
		"how do i reset my password",
		"How can I reset my password",
		"password reset not working",
		"I forgot my password, how do I reset it?",
		"What is your refund policy?",
		"refund policy",
		"Can I get a refund?",
	}
	for i, q := range refused {
		if _, err := s.RecordQuestion(ctx, QuestionRecord{Question: q, Refused: true, At: day0.Add(time.Duration(i) * time.Minute), UserID: "u"}); err != nil {
			t.Fatal(err)
		}
	}
	id, err := s.RecordQuestion(ctx, QuestionRecord{AnswerID: "ans-ship", Question: "How long does shipping take?", At: day0, Sources: []string{"shipping.md#0"}})
	if err != nil || id == 0 {
		t.Fatal(err)
	}
	if err := s.RecordFeedback(ctx, Feedback{AnswerID: "ans-ship", UserID: "v1", Vote: VoteDown}); err != nil {
		t.Fatal(err)
	}
	// Answered and liked: not a gap.
	if _, err := s.RecordQuestion(ctx, QuestionRecord{AnswerID: "ans-hours", Question: "When are you open?", At: day0}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFeedback(ctx, Feedback{AnswerID: "ans-hours", UserID: "v1", Vote: VoteUp}); err != nil {
		t.Fatal(err)
	}
	// Too old for the report.
	if _, err := s.RecordQuestion(ctx, QuestionRecord{Question: "where is the office?", Refused: true, At: day0.AddDate(0, 0, -60)}); err != nil {
		t.Fatal(err)
	}
}

func TestGapsGroupsSimilarQuestions(t *testing.T) {
	s := openTemp(t, Options{})
	seedGaps(t, s)
	gaps, err := s.Gaps(context.Background(), day0.AddDate(0, 0, -7), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gaps {
		t.Logf("%d× %q (refused %d, down %d) variants %q", g.Count, g.Question, g.Refused, g.Downvoted, g.Variants)
	}
	want := []struct {
		count    int
		contains string
	}{{5, "password"}, {3, "refund"}, {1, "shipping"}}
	if len(gaps) != len(want) {
		t.Fatalf("got %d groups, want %d", len(gaps), len(want))
	}
	for i, w := range want {
		g := gaps[i]
		if g.Count != w.count || !strings.Contains(strings.ToLower(g.Question), w.contains) {
			t.Errorf("group %d: %d× %q, want %d× a %s question", i, g.Count, g.Question, w.count, w.contains)
		}
		for _, v := range g.Variants {
			if !strings.Contains(strings.ToLower(v), w.contains) {
				t.Errorf("group %d holds the unrelated variant %q", i, v)
			}
		}
	}
	if g := gaps[0]; g.Question != "how do i reset my password" || len(g.Variants) != 3 || g.Refused != 5 {
		t.Errorf("password group: question %q (the most frequent phrasing, latest spelling), variants %q, refused %d",
			g.Question, g.Variants, g.Refused)
	}
	if g := gaps[2]; g.Downvoted != 1 || g.Refused != 0 {
		t.Errorf("shipping group: refused %d downvoted %d, want 0 and 1", g.Refused, g.Downvoted)
	}
	if top, err := s.Gaps(context.Background(), day0.AddDate(0, 0, -7), 1); err != nil || len(top) != 1 || top[0].Count != 5 {
		t.Errorf("limit 1: %+v (%v)", top, err)
	}
}

func TestGapsFromUnrecordedAnswers(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()
	if err := s.RecordFeedback(ctx, Feedback{AnswerID: "mem-1", UserID: "u", Vote: VoteDown, Question: "is parking free?", At: day0}); err != nil {
		t.Fatal(err)
	}
	gaps, err := s.Gaps(ctx, day0.Add(-time.Hour), 0)
	if err != nil || len(gaps) != 1 || gaps[0].Question != "is parking free?" || gaps[0].Downvoted != 1 {
		t.Errorf("gaps: %+v (%v), want the voted-down question", gaps, err)
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

func TestStats(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()
	qs := []QuestionRecord{
		{At: day0, Question: "a", Latency: 100 * time.Millisecond, Sources: []string{"faq.md#1", "faq.md#2", "shipping.md#0"}},
		{At: day0.Add(time.Hour), Question: "b", Latency: 300 * time.Millisecond, Sources: []string{"faq.md#3"}},
		{At: day0.Add(2 * time.Hour), Question: "c", Latency: 200 * time.Millisecond, Refused: true},
		{At: day0.AddDate(0, 0, 1), Question: "d", Latency: 900 * time.Millisecond, Sources: []string{"shipping.md#1"}},
		{At: day0.AddDate(0, 0, 1), Question: "e", Latency: 50 * time.Millisecond, Refused: true},
		{At: day0.AddDate(0, 0, -30), Question: "old", Latency: time.Hour, Sources: []string{"old.md#0"}},
	}
	for i, q := range qs {
		q.AnswerID = string(rune('A' + i))
		if _, err := s.RecordQuestion(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []Feedback{{AnswerID: "A", UserID: "1", Vote: VoteUp}, {AnswerID: "A", UserID: "2", Vote: VoteUp}, {AnswerID: "B", UserID: "1", Vote: VoteDown}} {
		f.At = day0
		if err := s.RecordFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Stats(ctx, day0.AddDate(0, 0, -7))
	if err != nil {
		t.Fatal(err)
	}
	if st.Questions != 5 || st.Refused != 2 || st.RefusalRate != 0.4 {
		t.Errorf("questions %d refused %d rate %v, want 5, 2, 0.4", st.Questions, st.Refused, st.RefusalRate)
	}
	if len(st.PerDay) != 2 || st.PerDay[0] != (DayCount{"2025-03-10", 3, 1}) || st.PerDay[1] != (DayCount{"2025-03-11", 2, 1}) {
		t.Errorf("per day %+v", st.PerDay)
	}
	if st.Up != 2 || st.Down != 1 {
		t.Errorf("votes %d up %d down, want 2 and 1", st.Up, st.Down)
	}
	if st.MedianLatency != 200*time.Millisecond {
		t.Errorf("median latency %v, want 200ms", st.MedianLatency)
	}
	want := []SourceCount{{"faq.md", 2}, {"shipping.md", 2}}
	if len(st.TopSources) != 2 || st.TopSources[0] != want[0] || st.TopSources[1] != want[1] {
		t.Errorf("top sources %+v, want %+v (each document once per answer)", st.TopSources, want)
	}
	empty, err := openTemp(t, Options{}).Stats(ctx, time.Time{})
	if err != nil || empty.Questions != 0 || empty.MedianLatency != 0 {
		t.Errorf("stats of an empty store: %+v (%v)", empty, err)
	}
}

// dump returns every text value stored in the user-bearing tables, for
// privacy checks.
func dump(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT coalesce(user_id, '') FROM questions`, `SELECT voter FROM feedback`} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			b.WriteString(v + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestPrivacyModes(t *testing.T) {
	const user = "123456789012345678"
	tests := []struct {
		mode      Privacy
		plainSeen bool
		hashSeen  bool
	}{
		{PrivacyPlain, true, false},
		{PrivacyHashed, false, true},
		{PrivacyNone, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			ctx := context.Background()
			s := openTemp(t, Options{UserIDs: tt.mode})
			for i := range 3 {
				if _, err := s.RecordQuestion(ctx, QuestionRecord{AnswerID: string(rune('a' + i)), Question: "q", UserID: user}); err != nil {
					t.Fatal(err)
				}
				if err := s.RecordFeedback(ctx, Feedback{AnswerID: string(rune('a' + i)), UserID: user, Vote: VoteDown}); err != nil {
					t.Fatal(err)
				}
			}
			other := "999"
			if _, err := s.RecordQuestion(ctx, QuestionRecord{Question: "other", UserID: other}); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordFeedback(ctx, Feedback{AnswerID: "a", UserID: other, Vote: VoteUp}); err != nil {
				t.Fatal(err)
			}
			d := dump(t, s)
			if got := strings.Contains(d, user); got != tt.plainSeen {
				t.Errorf("plain ID stored: %v, want %v\n%s", got, tt.plainSeen, d)
			}
			if got := strings.Contains(d, s.hashed(user)); got != tt.hashSeen {
				t.Errorf("hashed ID stored: %v, want %v\n%s", got, tt.hashSeen, d)
			}
			if tt.mode == PrivacyNone {
				var n int
				if err := s.db.QueryRow(`SELECT count(*) FROM questions WHERE user_id IS NOT NULL`).Scan(&n); err != nil || n != 0 {
					t.Errorf("%d questions carry a user ID in mode none", n)
				}
			}

			n, err := s.DeleteUser(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			wantRows := 6 // 3 questions and 3 votes
			if tt.mode == PrivacyNone {
				wantRows = 3 // questions are not linked to anyone
			}
			if n != wantRows {
				t.Errorf("DeleteUser removed %d rows, want %d", n, wantRows)
			}
			if up, down, _ := s.Votes(ctx, "a"); up != 1 || down != 0 {
				t.Errorf("after DeleteUser, answer a has %d up %d down, want the other member's 1 up only", up, down)
			}
			var left int
			if err := s.db.QueryRow(`SELECT count(*) FROM questions`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			wantLeft := 1
			if tt.mode == PrivacyNone {
				wantLeft = 4
			}
			if left != wantLeft {
				t.Errorf("%d questions left, want %d", left, wantLeft)
			}
		})
	}
}

// TestDeleteUserAcrossModes: IDs stored while the store was in plain mode
// are still found after a switch to hashed, and the other way round.
func TestDeleteUserAcrossModes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faqbot.db")
	for _, mode := range []Privacy{PrivacyPlain, PrivacyHashed} {
		s, err := Open(ctx, path, Options{UserIDs: mode})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordQuestion(ctx, QuestionRecord{Question: "q", UserID: "u1"}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	s := openAt(t, path, Options{UserIDs: PrivacyNone})
	if n, err := s.DeleteUser(ctx, "u1"); err != nil || n != 2 {
		t.Errorf("DeleteUser: %d rows (%v), want 2", n, err)
	}
}

func TestConversationRetention(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: day0}
	s := openTemp(t, Options{ConversationMaxAge: 24 * time.Hour, ConversationMaxTurns: 3, Now: c.now})
	for i := range 5 {
		if err := s.AppendTurn(ctx, "t1", Turn{Question: string(rune('a' + i)), Answer: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	turns, ok, err := s.LoadConversation(ctx, "t1")
	if err != nil || !ok || len(turns) != 3 || turns[0].Question != "c" || turns[2].Question != "e" {
		t.Errorf("turns %+v (%v %v), want the last 3: c d e", turns, ok, err)
	}
	if _, ok, _ := s.LoadConversation(ctx, "unknown"); ok {
		t.Error("an unknown thread was found")
	}

	c.t = day0.Add(25 * time.Hour)
	if _, ok, _ := s.LoadConversation(ctx, "t1"); ok {
		t.Error("an expired conversation was returned")
	}
	// A write to another thread prunes the expired one.
	if err := s.SaveConversation(ctx, "t2", []Turn{{Question: "q", Answer: "a"}}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM conversations`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d conversations stored, want 1 after pruning", n)
	}
	c.t = day0.Add(50 * time.Hour)
	if n, err := s.PruneConversations(ctx); err != nil || n != 1 {
		t.Errorf("PruneConversations: %d (%v), want 1", n, err)
	}
}

func TestChangesNewestFirst(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	for i, d := range []string{"a.md", "b.md", "c.md"} {
		if err := s.RecordChange(ctx, Change{At: day0.Add(time.Duration(i) * time.Minute), Who: "mod", Action: ActionAdd, Document: d}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordChange(ctx, Change{At: day0.Add(time.Hour), Who: "mod2", Action: ActionAdd, Document: "a.md", Error: "too large"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Changes(ctx, 2)
	if err != nil || len(got) != 2 || got[0].Error != "too large" || got[1].Document != "c.md" {
		t.Errorf("Changes(2) = %+v (%v)", got, err)
	}
	last, err := s.LastChange(ctx, ActionAdd)
	if err != nil || len(last) != 3 || last["a.md"].Who != "mod" {
		t.Errorf("LastChange = %+v (%v), want a.md added by mod (the failed add does not count)", last, err)
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
}

// TestConcurrentWrites: writers from many goroutines queue on SQLite's
// lock (busy_timeout, immediate transactions) instead of failing with
// "database is locked" (run with -race).
func TestConcurrentWrites(t *testing.T) {
	s := openTemp(t, Options{})
	ctx := context.Background()
	const writers, each = 8, 25
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				id := fmt.Sprintf("%d-%d", w, i)
				if _, err := s.RecordQuestion(ctx, QuestionRecord{AnswerID: id, Question: "q"}); err != nil {
					errs <- err
					return
				}
				if err := s.RecordFeedback(ctx, Feedback{AnswerID: id, UserID: "u", Vote: VoteUp}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Stats(ctx, time.Time{}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Stats(ctx, time.Time{})
	if err != nil || st.Questions != writers*each || st.Up != writers*each {
		t.Errorf("stats %+v (%v), want %d questions and votes", st, err, writers*each)
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

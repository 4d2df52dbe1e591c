// Package storetest is the test suite every store.Store implementation
// must pass: records survive a reopen, each server sees only its own
// records, a member's request to be forgotten removes every copy of what
// they wrote, concurrent writes all land, and retention holds.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/store"
)

// Backend is one store implementation under test, on a fresh, empty
// database.
type Backend struct {
	// Open opens the database with opts; every call within a test opens
	// the same database, so a test can close a store and open it again.
	Open func(t testing.TB, opts store.Options) (store.Store, error)
	// Dump returns every text value the database holds, whatever the
	// table, so that a test can check that nothing of a member is left.
	Dump func(t testing.TB) string
	// Notifies says that the store tells watchers of a change made by
	// another process at once (PostgreSQL's LISTEN/NOTIFY), not only at
	// the periodic check: the watch test then checks too seldom to pass
	// on checks alone.
	Notifies bool
}

// Run runs the suite; fresh returns a Backend on a new database for each
// test.
func Run(t *testing.T, fresh func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, fresh func(*testing.T) Backend)
	}{
		{"SurvivesReopen", testSurvivesReopen},
		{"GuildsSeeOnlyTheirOwn", testGuildsSeeOnlyTheirOwn},
		{"OneVotePerMember", testOneVotePerMember},
		{"GapsGroupSimilarQuestions", testGapsGroupSimilarQuestions},
		{"GapsFromUnrecordedAnswers", testGapsFromUnrecordedAnswers},
		{"Stats", testStats},
		{"PrivacyModes", testPrivacyModes},
		{"DeleteUserAcrossModes", testDeleteUserAcrossModes},
		{"ForgetMeRemovesEveryCopy", testForgetMeRemovesEveryCopy},
		{"ConversationRetention", testConversationRetention},
		{"ConcurrentTurnsAllLand", testConcurrentTurnsAllLand},
		{"ChangesNewestFirst", testChangesNewestFirst},
		{"ModeratorRoles", testModeratorRoles},
		{"ModeratorChannel", testModeratorChannel},
		{"Sources", testSources},
		{"ConcurrentWrites", testConcurrentWrites},
		{"ConcurrentFirstOpen", testConcurrentFirstOpen},
		{"TaughtPhrasings", testTaughtPhrasings},
		{"PicksInGaps", testPicksInGaps},
		{"RedirectedInGaps", testRedirectedInGaps},
		{"EndorsedNeedsSeveralMembers", testEndorsedNeedsSeveralMembers},
		{"Documents", testDocuments},
		{"ManyDocuments", testManyDocuments},
		{"DocumentChangesAreWhole", testDocumentChangesAreWhole},
		{"WatchDocuments", testWatchDocuments},
		{"TeachingRaisesVersion", testTeachingRaisesVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, fresh) })
	}
}

// day0 is the suite's fixed "now".
var day0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// open opens the backend's database and closes it when the test ends.
func open(t testing.TB, b Backend, opts store.Options) store.Store {
	t.Helper()
	s, err := b.Open(t, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { s.Close() }) })
	return closeOnce{Store: s, once: &once}
}

// closeOnce lets a test close a store it opened early without the cleanup
// closing it again.
type closeOnce struct {
	store.Store
	once *sync.Once
}

func (c closeOnce) Close() error {
	var err error
	c.once.Do(func() { err = c.Store.Close() })
	return err
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testSurvivesReopen(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	s := open(t, b, store.Options{})
	g := s.Guild("guild-a")
	id, err := g.RecordQuestion(ctx, store.QuestionRecord{Question: "how do I reset my password", Refused: true, UserID: "u1", Sources: []string{"a.md#0"}})
	must(t, err)
	must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: fmt.Sprint(id), UserID: "u2", Vote: store.VoteDown}))
	if err := g.RecordFeedback(ctx, store.Feedback{AnswerID: "made-up", UserID: "u2", Vote: store.VoteDown}); !errors.Is(err, store.ErrUnknownAnswer) {
		t.Errorf("a vote on an answer never recorded, with no question: %v, want ErrUnknownAnswer", err)
	}
	must(t, g.RecordChange(ctx, store.Change{Who: "mod", Action: store.ActionAdd, Document: "a.md", Summary: "1 added"}))
	must(t, g.AppendTurn(ctx, "thread", store.Turn{Question: "q", Answer: "a", AskedBy: "u1"}))
	_, err = g.AddModeratorRole(ctx, "role-1", "admin")
	must(t, err)
	must(t, s.Close())

	s = open(t, b, store.Options{})
	g = s.Guild("guild-a")
	if up, down, err := g.Votes(ctx, fmt.Sprint(id)); err != nil || up != 0 || down != 1 {
		t.Errorf("votes after reopen: %d up %d down (%v), want 0 and 1", up, down, err)
	}
	if ch, err := g.Changes(ctx, 10); err != nil || len(ch) != 1 || ch[0].Document != "a.md" || ch[0].Action != store.ActionAdd {
		t.Errorf("changes after reopen: %+v (%v)", ch, err)
	}
	if turns, ok, err := g.LoadConversation(ctx, "thread"); err != nil || !ok || len(turns) != 1 || turns[0].Answer != "a" {
		t.Errorf("conversation after reopen: %+v %v %v", turns, ok, err)
	}
	if gaps, err := g.Gaps(ctx, time.Time{}, 10); err != nil || len(gaps) != 1 || gaps[0].Count != 1 {
		t.Errorf("gaps after reopen: %+v (%v)", gaps, err)
	}
	if roles, err := g.ModeratorRoles(ctx); err != nil || len(roles) != 1 || roles[0] != "role-1" {
		t.Errorf("moderator roles after reopen: %q (%v)", roles, err)
	}
}

// testGuildsSeeOnlyTheirOwn records the same kinds of things in two
// servers and checks that every read through one server's view shows
// only that server's records, under IDs that would collide.
func testGuildsSeeOnlyTheirOwn(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	s := open(t, b, store.Options{})
	a, bb := s.Guild("guild-a"), s.Guild("guild-b")
	_, err := a.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "ans-a", Question: "where do staff park in A?", Refused: true, Sources: []string{}})
	must(t, err)
	_, err = a.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "ans-a2", Question: "opening hours", Sources: []string{"hours-a.md#0"}})
	must(t, err)
	must(t, a.RecordFeedback(ctx, store.Feedback{AnswerID: "ans-a2", UserID: "u1", Vote: store.VoteDown}))
	must(t, a.RecordFeedback(ctx, store.Feedback{AnswerID: "mem-1", UserID: "u1", Vote: store.VoteDown, Question: "secret question of A"}))
	// B votes on an answer ID that only A recorded: B has no such answer.
	// B's vote on the same unrecorded ID, with its own question, stays B's.
	if err := bb.RecordFeedback(ctx, store.Feedback{AnswerID: "ans-a2", UserID: "u9", Vote: store.VoteUp}); !errors.Is(err, store.ErrUnknownAnswer) {
		t.Errorf("B's vote on A's answer: %v, want ErrUnknownAnswer", err)
	}
	must(t, bb.RecordFeedback(ctx, store.Feedback{AnswerID: "mem-1", UserID: "u9", Vote: store.VoteUp, Question: "B's own question"}))
	must(t, a.RecordChange(ctx, store.Change{Who: "mod-a", Action: store.ActionAdd, Document: "hours-a.md"}))
	must(t, a.AppendTurn(ctx, "thread-1", store.Turn{Question: "A's turn", Answer: "x"}))
	_, err = a.AddModeratorRole(ctx, "role-a", "admin-a")
	must(t, err)

	if up, down, err := a.Votes(ctx, "ans-a2"); err != nil || up != 0 || down != 1 {
		t.Errorf("A's votes on its answer: %d up %d down (%v), want B's vote kept out", up, down, err)
	}
	if up, down, err := bb.Votes(ctx, "mem-1"); err != nil || up != 1 || down != 0 {
		t.Errorf("B's votes: %d up %d down (%v), want only its own", up, down, err)
	}
	if gaps, err := bb.Gaps(ctx, time.Time{}, 0); err != nil || len(gaps) != 0 {
		t.Errorf("B's gaps show %+v (%v), want none", gaps, err)
	}
	if gaps, err := a.Gaps(ctx, time.Time{}, 0); err != nil || len(gaps) != 3 {
		t.Errorf("A's gaps: %+v (%v), want the refusal, the voted-down answer and the unrecorded one", gaps, err)
	}
	if st, err := bb.Stats(ctx, time.Time{}); err != nil || st.Questions != 0 || st.Up != 1 || st.Down != 0 || len(st.TopSources) != 0 {
		t.Errorf("B's stats %+v (%v), want no questions and only its own vote", st, err)
	}
	if st, err := a.Stats(ctx, time.Time{}); err != nil || st.Questions != 2 || st.Down != 2 || st.Up != 0 {
		t.Errorf("A's stats %+v (%v)", st, err)
	}
	if ch, err := bb.Changes(ctx, 10); err != nil || len(ch) != 0 {
		t.Errorf("B's change log: %+v (%v), want empty", ch, err)
	}
	if last, err := bb.LastChange(ctx, store.ActionAdd); err != nil || len(last) != 0 {
		t.Errorf("B's last changes: %+v (%v), want none", last, err)
	}
	if _, ok, err := bb.LoadConversation(ctx, "thread-1"); err != nil || ok {
		t.Errorf("B found A's conversation (%v)", err)
	}
	if roles, err := bb.ModeratorRoles(ctx); err != nil || len(roles) != 0 {
		t.Errorf("B's moderator roles: %q (%v), want none", roles, err)
	}
	if removed, err := bb.RemoveModeratorRole(ctx, "role-a"); err != nil || removed {
		t.Errorf("B removed A's role: %v (%v)", removed, err)
	}
	if roles, err := a.ModeratorRoles(ctx); err != nil || len(roles) != 1 {
		t.Errorf("A's moderator roles after B's attempt: %q (%v)", roles, err)
	}
	if guilds, err := s.Guilds(ctx); err != nil || strings.Join(guilds, ",") != "guild-a,guild-b" {
		t.Errorf("Guilds = %q (%v)", guilds, err)
	}
}

func testOneVotePerMember(t *testing.T, fresh func(*testing.T) Backend) {
	for _, mode := range []store.Privacy{store.PrivacyPlain, store.PrivacyHashed, store.PrivacyNone} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			g := open(t, fresh(t), store.Options{UserIDs: mode}).Guild("g")
			steps := []struct {
				user     string
				vote     store.Vote
				up, down int
			}{
				{"alice", store.VoteUp, 1, 0},
				{"alice", store.VoteUp, 1, 0},   // the same vote again counts once
				{"alice", store.VoteDown, 0, 1}, // changed
				{"bob", store.VoteDown, 0, 2},
				{"alice", store.VoteUp, 1, 1},
			}
			for i, st := range steps {
				must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "a1-" + string(mode), UserID: st.user, Vote: st.vote, Question: "q"}))
				up, down, err := g.Votes(ctx, "a1-"+string(mode))
				if err != nil || up != st.up || down != st.down {
					t.Errorf("step %d: %d up %d down (%v), want %d and %d", i, up, down, err, st.up, st.down)
				}
			}
			if err := g.RecordFeedback(ctx, store.Feedback{AnswerID: "a1", UserID: "x", Vote: 2}); err == nil {
				t.Error("a vote of 2 was accepted")
			}
		})
	}
}

// seedGaps records the example of the gaps report in g: five phrasings of
// a password question, three of a refund question (refused), one answered
// question voted down, and answered questions that are no gap.
func seedGaps(t *testing.T, g store.Guild) {
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
		_, err := g.RecordQuestion(ctx, store.QuestionRecord{Question: q, Refused: true, At: day0.Add(time.Duration(i) * time.Minute), UserID: "u"})
		must(t, err)
	}
	_, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "ans-ship", Question: "How long does shipping take?", At: day0, Sources: []string{"C#.md#0"}})
	must(t, err)
	must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "ans-ship", UserID: "v1", Vote: store.VoteDown}))
	// Answered and liked: not a gap.
	_, err = g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "ans-hours", Question: "When are you open?", At: day0})
	must(t, err)
	must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "ans-hours", UserID: "v1", Vote: store.VoteUp}))
	// Too old for the report.
	_, err = g.RecordQuestion(ctx, store.QuestionRecord{Question: "where is the office?", Refused: true, At: day0.AddDate(0, 0, -60)})
	must(t, err)
}

func testGapsGroupSimilarQuestions(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	g := open(t, b, store.Options{}).Guild("g")
	seedGaps(t, g)
	gaps, err := g.Gaps(context.Background(), day0.AddDate(0, 0, -7), 10)
	must(t, err)
	want := []struct {
		count    int
		contains string
	}{{5, "password"}, {3, "refund"}, {1, "shipping"}}
	if len(gaps) != len(want) {
		t.Fatalf("got %d groups, want %d: %+v", len(gaps), len(want), gaps)
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
	if top, err := g.Gaps(context.Background(), day0.AddDate(0, 0, -7), 1); err != nil || len(top) != 1 || top[0].Count != 5 {
		t.Errorf("limit 1: %+v (%v)", top, err)
	}
}

func testGapsFromUnrecordedAnswers(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	g := open(t, b, store.Options{}).Guild("g")
	ctx := context.Background()
	must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "mem-1", UserID: "u", Vote: store.VoteDown, Question: "is parking free?", At: day0}))
	gaps, err := g.Gaps(ctx, day0.Add(-time.Hour), 0)
	if err != nil || len(gaps) != 1 || gaps[0].Question != "is parking free?" || gaps[0].Downvoted != 1 {
		t.Errorf("gaps: %+v (%v), want the voted-down question", gaps, err)
	}
}

func testStats(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	s := open(t, b, store.Options{})
	g := s.Guild("g")
	ctx := context.Background()
	qs := []store.QuestionRecord{
		{At: day0, Question: "a", Latency: 100 * time.Millisecond, Sources: []string{"faq.md#1", "faq.md#2", "C#.md#0"}},
		{At: day0.Add(time.Hour), Question: "b", Latency: 300 * time.Millisecond, Sources: []string{"faq.md#3"}},
		{At: day0.Add(2 * time.Hour), Question: "c", Latency: 200 * time.Millisecond, Refused: true},
		{At: day0.AddDate(0, 0, 1), Question: "d", Latency: 900 * time.Millisecond, Sources: []string{"C#.md#1"}},
		{At: day0.AddDate(0, 0, 1), Question: "e", Latency: 50 * time.Millisecond, Refused: true},
		{At: day0.AddDate(0, 0, -30), Question: "old", Latency: time.Hour, Sources: []string{"old.md#0"}},
	}
	for i, q := range qs {
		q.AnswerID = string(rune('A' + i))
		_, err := g.RecordQuestion(ctx, q)
		must(t, err)
	}
	for _, f := range []store.Feedback{{AnswerID: "A", UserID: "1", Vote: store.VoteUp}, {AnswerID: "A", UserID: "2", Vote: store.VoteUp}, {AnswerID: "B", UserID: "1", Vote: store.VoteDown}} {
		f.At = day0
		must(t, g.RecordFeedback(ctx, f))
	}
	st, err := g.Stats(ctx, day0.AddDate(0, 0, -7))
	must(t, err)
	if st.Questions != 5 || st.Refused != 2 || st.RefusalRate != 0.4 {
		t.Errorf("questions %d refused %d rate %v, want 5, 2, 0.4", st.Questions, st.Refused, st.RefusalRate)
	}
	if len(st.PerDay) != 2 || st.PerDay[0] != (store.DayCount{Day: "2025-03-10", Questions: 3, Refused: 1}) || st.PerDay[1] != (store.DayCount{Day: "2025-03-11", Questions: 2, Refused: 1}) {
		t.Errorf("per day %+v", st.PerDay)
	}
	if st.Up != 2 || st.Down != 1 {
		t.Errorf("votes %d up %d down, want 2 and 1", st.Up, st.Down)
	}
	if st.MedianLatency != 200*time.Millisecond {
		t.Errorf("median latency %v, want 200ms", st.MedianLatency)
	}
	// A document's name may hold "#" (a C# community's page): only the
	// trailing "#<pos>" of a passage ID is cut.
	want := []store.SourceCount{{Document: "C#.md", Count: 2}, {Document: "faq.md", Count: 2}}
	if len(st.TopSources) != 2 || st.TopSources[0] != want[0] || st.TopSources[1] != want[1] {
		t.Errorf("top sources %+v, want %+v (each document once per answer)", st.TopSources, want)
	}
	empty, err := s.Guild("other").Stats(ctx, time.Time{})
	if err != nil || empty.Questions != 0 || empty.MedianLatency != 0 {
		t.Errorf("stats of a server with no records: %+v (%v)", empty, err)
	}
}

func testPrivacyModes(t *testing.T, fresh func(*testing.T) Backend) {
	const user = "123456789012345678"
	tests := []struct {
		mode      store.Privacy
		plainSeen bool
		wantRows  int // what DeleteUser removes
		wantLeft  int // questions left
	}{
		{store.PrivacyPlain, true, 6, 1},
		{store.PrivacyHashed, false, 6, 1},
		{store.PrivacyNone, false, 3, 4}, // questions are linked to nobody
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			ctx := context.Background()
			b := fresh(t)
			s := open(t, b, store.Options{UserIDs: tt.mode})
			g := s.Guild("g-" + string(tt.mode))
			for i := range 3 {
				id := fmt.Sprintf("%s-%d", tt.mode, i)
				_, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: id, Question: "q", UserID: user})
				must(t, err)
				must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: id, UserID: user, Vote: store.VoteDown}))
			}
			_, err := g.RecordQuestion(ctx, store.QuestionRecord{Question: "other", UserID: "999"})
			must(t, err)
			first := string(tt.mode) + "-0"
			must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: first, UserID: "999", Vote: store.VoteUp}))
			if got := strings.Contains(b.Dump(t), user); got != tt.plainSeen {
				t.Errorf("plain ID stored: %v, want %v", got, tt.plainSeen)
			}
			n, err := s.DeleteUser(ctx, user)
			must(t, err)
			if n != tt.wantRows {
				t.Errorf("DeleteUser removed %d records, want %d", n, tt.wantRows)
			}
			if up, down, _ := g.Votes(ctx, first); up != 1 || down != 0 {
				t.Errorf("after DeleteUser, the answer has %d up %d down, want the other member's 1 up only", up, down)
			}
			st, err := g.Stats(ctx, time.Time{})
			must(t, err)
			if st.Questions != tt.wantLeft {
				t.Errorf("%d questions left, want %d", st.Questions, tt.wantLeft)
			}
		})
	}
}

// testDeleteUserAcrossModes: IDs stored while the store was in plain mode
// are still found after a switch to hashed, and the other way round.
func testDeleteUserAcrossModes(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	for _, mode := range []store.Privacy{store.PrivacyPlain, store.PrivacyHashed} {
		s := open(t, b, store.Options{UserIDs: mode})
		_, err := s.Guild("g").RecordQuestion(ctx, store.QuestionRecord{Question: "q", UserID: "u1"})
		must(t, err)
		must(t, s.Close())
	}
	s := open(t, b, store.Options{UserIDs: store.PrivacyNone})
	if n, err := s.DeleteUser(ctx, "u1"); err != nil || n != 2 {
		t.Errorf("DeleteUser: %d rows (%v), want 2", n, err)
	}
}

// testForgetMeRemovesEveryCopy: a member's question text is kept with
// their question, with other members' votes on it (when the answer was
// never recorded) and in thread conversations; after DeleteUser none of
// it is left anywhere, in any server, while the other members' own votes
// still count.
func testForgetMeRemovesEveryCopy(t *testing.T, fresh func(*testing.T) Backend) {
	for _, mode := range []store.Privacy{store.PrivacyPlain, store.PrivacyHashed, store.PrivacyNone} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			b := fresh(t)
			s := open(t, b, store.Options{UserIDs: mode})
			const asker, voter = "user-ann", "user-vic"
			texts := map[string]string{}
			for _, gid := range []string{"guild-a", "guild-b"} {
				g := s.Guild(gid)
				recorded := "what is ann's secret recorded question in " + gid + " " + string(mode)
				unrecorded := "what is ann's secret unrecorded question in " + gid + " " + string(mode)
				turn := "ann's secret follow-up in " + gid + " " + string(mode)
				texts[gid] = recorded
				_, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: "rec-" + gid, UserID: asker, Question: recorded, Refused: true})
				must(t, err)
				// Vic votes on both of Ann's answers, carrying her question
				// as the bot does.
				must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "rec-" + gid, UserID: voter, Vote: store.VoteDown, Question: recorded, AskedBy: asker}))
				must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: "mem-" + gid, UserID: voter, Vote: store.VoteDown, Question: unrecorded, AskedBy: asker}))
				must(t, g.AppendTurn(ctx, "thread-"+gid, store.Turn{Question: turn, Answer: "an answer", AskedBy: asker}))
				must(t, g.AppendTurn(ctx, "thread-"+gid, store.Turn{Question: "vic's own follow-up", Answer: "another", AskedBy: voter}))
				// A moderator teaches Ann's question as a phrasing; Ann and
				// Vic pick suggestions of her refused answer.
				_, _, err = g.Teach(ctx, store.Phrasing{Question: recorded + "?", Passage: passage("faq.md", 1, "Secrets"), Who: "mod"})
				must(t, err)
				must(t, g.RecordPick(ctx, store.Pick{AnswerID: "rec-" + gid, UserID: asker, Passage: passage("faq.md", 1, "Secrets")}))
				must(t, g.RecordPick(ctx, store.Pick{AnswerID: "rec-" + gid, UserID: voter, Passage: passage("faq.md", 2, "Other")}))
			}
			before := b.Dump(t)
			if !strings.Contains(before, "ann's secret unrecorded question") || !strings.Contains(before, "ann's secret follow-up") {
				t.Fatal("the seeded texts are not stored: the test checks nothing")
			}
			if _, err := s.DeleteUser(ctx, asker); err != nil {
				t.Fatal(err)
			}
			after := b.Dump(t)
			if mode == store.PrivacyNone {
				// Questions are stored linked to nobody in this mode:
				// they stay, but no copy of them is tied to Ann.
				for _, text := range texts {
					after = strings.ReplaceAll(after, text, "")
				}
			}
			if strings.Contains(after, "ann's secret") {
				t.Errorf("after DeleteUser the database still holds Ann's words:\n%s", after)
			}
			for gid := range texts {
				g := s.Guild(gid)
				gaps, err := g.Gaps(ctx, time.Time{}, 0)
				must(t, err)
				for _, gp := range gaps {
					if mode == store.PrivacyNone && gp.Question == texts[gid] {
						continue
					}
					if strings.Contains(gp.Question, "ann's") || strings.Contains(strings.Join(gp.Variants, " "), "ann's") {
						t.Errorf("%s: the gaps still show Ann's question: %+v", gid, gp)
					}
				}
				if up, down, _ := g.Votes(ctx, "mem-"+gid); up != 0 || down != 1 {
					t.Errorf("%s: Vic's vote: %d up %d down, want it kept", gid, up, down)
				}
				ps, err := g.Phrasings(ctx)
				must(t, err)
				if mode != store.PrivacyNone && len(ps) != 0 {
					t.Errorf("%s: the phrasing taught from Ann's question is still there: %+v", gid, ps)
				}
				turns, ok, err := g.LoadConversation(ctx, "thread-"+gid)
				if err != nil || !ok || len(turns) != 1 || turns[0].Question != "vic's own follow-up" {
					t.Errorf("%s: conversation after DeleteUser: %+v %v %v, want Vic's turn only", gid, turns, ok, err)
				}
			}
		})
	}
}

func testConversationRetention(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	c := &clock{t: day0}
	s := open(t, b, store.Options{ConversationMaxAge: 24 * time.Hour, ConversationMaxTurns: 3, Now: c.now})
	g := s.Guild("g")
	for i := range 5 {
		must(t, g.AppendTurn(ctx, "t1", store.Turn{Question: string(rune('a' + i)), Answer: "x"}))
	}
	turns, ok, err := g.LoadConversation(ctx, "t1")
	if err != nil || !ok || len(turns) != 3 || turns[0].Question != "c" || turns[2].Question != "e" {
		t.Errorf("turns %+v (%v %v), want the last 3: c d e", turns, ok, err)
	}
	if _, ok, _ := g.LoadConversation(ctx, "unknown"); ok {
		t.Error("an unknown thread was found")
	}
	must(t, s.Guild("other").AppendTurn(ctx, "t2", store.Turn{Question: "q", Answer: "a"}))

	c.set(day0.Add(25 * time.Hour))
	if _, ok, _ := g.LoadConversation(ctx, "t1"); ok {
		t.Error("an expired conversation was returned")
	}
	// Appending to an expired conversation starts it afresh.
	must(t, g.AppendTurn(ctx, "t3", store.Turn{Question: "fresh", Answer: "a"}))
	if n, err := s.PruneConversations(ctx); err != nil || n != 2 {
		t.Errorf("PruneConversations: %d (%v), want the 2 expired conversations of both servers", n, err)
	}
	if turns, ok, err := g.LoadConversation(ctx, "t3"); err != nil || !ok || len(turns) != 1 {
		t.Errorf("the live conversation after pruning: %+v %v %v", turns, ok, err)
	}
	c.set(day0.Add(25*time.Hour + 10*time.Minute))
	must(t, g.AppendTurn(ctx, "t1", store.Turn{Question: "again", Answer: "a"}))
	if turns, ok, err := g.LoadConversation(ctx, "t1"); err != nil || !ok || len(turns) != 1 || turns[0].Question != "again" {
		t.Errorf("an expired thread written again: %+v %v %v, want a fresh conversation", turns, ok, err)
	}
}

// testConcurrentTurnsAllLand: twelve replies in one thread at once, after
// a first turn, leave thirteen turns (the bot's thread follow-ups arrive
// concurrently).
func testConcurrentTurnsAllLand(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	g := open(t, b, store.Options{ConversationMaxTurns: 50}).Guild("g")
	must(t, g.AppendTurn(ctx, "thread", store.Turn{Question: "first", Answer: "a"}))
	const replies = 12
	var wg sync.WaitGroup
	errs := make(chan error, replies)
	start := make(chan struct{})
	for i := range replies {
		wg.Go(func() {
			<-start
			errs <- g.AppendTurn(ctx, "thread", store.Turn{Question: fmt.Sprint("reply ", i), Answer: "a", AskedBy: fmt.Sprint("user-", i)})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	turns, ok, err := g.LoadConversation(ctx, "thread")
	if err != nil || !ok || len(turns) != replies+1 {
		t.Errorf("%d turns stored (%v %v), want %d", len(turns), ok, err, replies+1)
	}
}

func testChangesNewestFirst(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	g := open(t, b, store.Options{}).Guild("g")
	for i, d := range []string{"a.md", "b.md", "c.md"} {
		must(t, g.RecordChange(ctx, store.Change{At: day0.Add(time.Duration(i) * time.Minute), Who: "mod", Action: store.ActionAdd, Document: d}))
	}
	must(t, g.RecordChange(ctx, store.Change{At: day0.Add(time.Hour), Who: "mod2", Action: store.ActionAdd, Document: "a.md", Error: "too large"}))
	got, err := g.Changes(ctx, 2)
	if err != nil || len(got) != 2 || got[0].Error != "too large" || got[1].Document != "c.md" {
		t.Errorf("Changes(2) = %+v (%v)", got, err)
	}
	last, err := g.LastChange(ctx, store.ActionAdd)
	if err != nil || len(last) != 3 || last["a.md"].Who != "mod" {
		t.Errorf("LastChange = %+v (%v), want a.md added by mod (the failed add does not count)", last, err)
	}
}

func testModeratorRoles(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	g := open(t, b, store.Options{}).Guild("g")
	for _, step := range []struct {
		add, remove string
		want        bool
		roles       string
	}{
		{add: "200", want: true, roles: "200"},
		{add: "100", want: true, roles: "100,200"},
		{add: "100", want: false, roles: "100,200"},
		{remove: "200", want: true, roles: "100"},
		{remove: "200", want: false, roles: "100"},
	} {
		var got bool
		var err error
		if step.add != "" {
			got, err = g.AddModeratorRole(ctx, step.add, "admin")
		} else {
			got, err = g.RemoveModeratorRole(ctx, step.remove)
		}
		must(t, err)
		roles, err := g.ModeratorRoles(ctx)
		must(t, err)
		if got != step.want || strings.Join(roles, ",") != step.roles {
			t.Errorf("after %+v: %v, roles %q", step, got, roles)
		}
	}
	if _, err := g.AddModeratorRole(ctx, "", "admin"); err == nil {
		t.Error("an empty role ID was accepted")
	}
}

// testConcurrentWrites: writers from many goroutines all land instead of
// failing on a busy database (run with -race).
func testConcurrentWrites(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	g := open(t, b, store.Options{}).Guild("g")
	ctx := context.Background()
	const writers, each = 8, 25
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				id := fmt.Sprintf("%d-%d", w, i)
				if _, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: id, Question: "q"}); err != nil {
					errs <- err
					return
				}
				if err := g.RecordFeedback(ctx, store.Feedback{AnswerID: id, UserID: "u", Vote: store.VoteUp}); err != nil {
					errs <- err
					return
				}
				if _, err := g.Stats(ctx, time.Time{}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		must(t, <-errs)
	}
	st, err := g.Stats(ctx, time.Time{})
	if err != nil || st.Questions != writers*each || st.Up != writers*each {
		t.Errorf("stats %+v (%v), want %d questions and votes", st, err, writers*each)
	}
}

// testConcurrentFirstOpen: processes starting at once on a new database
// (shards of one bot) each open it, and the schema is made once.
func testConcurrentFirstOpen(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	const n = 4
	stores := make([]store.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = b.Open(t, store.Options{}) })
	}
	wg.Wait()
	versions := map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("open %d: %v", i, errs[i])
			continue
		}
		v, err := stores[i].SchemaVersion(ctx)
		must(t, err)
		versions[v] = true
		_, err = stores[i].Guild("g").RecordQuestion(ctx, store.QuestionRecord{Question: fmt.Sprint("q", i)})
		must(t, err)
		must(t, stores[i].Close())
	}
	if len(versions) != 1 {
		t.Errorf("the stores opened at once report schema versions %v, want one", versions)
	}
	s := open(t, b, store.Options{})
	if st, err := s.Guild("g").Stats(ctx, time.Time{}); err != nil || st.Questions != n {
		t.Errorf("after %d concurrent first opens: %d questions (%v), want %d", n, st.Questions, err, n)
	}
}

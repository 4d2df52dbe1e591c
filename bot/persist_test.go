package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// memoryRecords is an in-memory QuestionLog, ThreadStore and Forgetter.
type memoryRecords struct {
	mu        sync.Mutex
	questions []QuestionRecord
	threads   map[string][]answer.Turn
	loads     int
	forgotten []string
}

func newMemoryRecords() *memoryRecords { return &memoryRecords{threads: map[string][]answer.Turn{}} }

func (m *memoryRecords) RecordQuestion(_ context.Context, q QuestionRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.questions = append(m.questions, q)
	return nil
}

func (m *memoryRecords) LoadConversation(_ context.Context, id string) ([]answer.Turn, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	t, ok := m.threads[id]
	return append([]answer.Turn(nil), t...), ok, nil
}

func (m *memoryRecords) AppendTurn(_ context.Context, id, _ string, t answer.Turn) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.threads[id] = append(m.threads[id], t)
	return nil
}

func (m *memoryRecords) ForgetUser(_ context.Context, id string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forgotten = append(m.forgotten, id)
	n := 0
	kept := m.questions[:0]
	for _, q := range m.questions {
		if q.UserID == id {
			n++
			continue
		}
		kept = append(kept, q)
	}
	m.questions = kept
	return n, nil
}

// fakeReports returns fixed reports.
type fakeReports struct {
	gaps     []Gap
	stats    Stats
	endorsed []Endorsement
	since    time.Time
	calls    atomic.Int32
}

func (f *fakeReports) Endorsed(_ context.Context, since time.Time, _ int) ([]Endorsement, error) {
	return f.endorsed, nil
}

func (f *fakeReports) Gaps(_ context.Context, since time.Time, _ int) ([]Gap, error) {
	f.calls.Add(1)
	f.since = since
	return f.gaps, nil
}

func (f *fakeReports) Stats(_ context.Context, since time.Time) (Stats, error) {
	f.calls.Add(1)
	f.since = since
	return f.stats, nil
}

// TestAnswersRecorded checks that an answered question is recorded with
// the ID its vote buttons carry, so votes join it.
func TestAnswersRecorded(t *testing.T) {
	recs := newMemoryRecords()
	fb := NewMemoryFeedback()
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Questions: recs, Feedback: fb})})
	out := b.answer(context.Background(), inServer(t, b, question{Text: "How do refunds work?", Via: viaSlash, GuildID: "g1", ChannelID: "c1", UserID: "u1"}), nil, nil)
	b.answer(context.Background(), inServer(t, b, question{Text: "Is there a moon base?", Via: viaSlash, GuildID: "g1", ChannelID: "c1", UserID: "u2"}), nil, nil)
	if len(recs.questions) != 2 {
		t.Fatalf("recorded %d questions, want 2", len(recs.questions))
	}
	q := recs.questions[0]
	if q.Question != "How do refunds work?" || q.UserID != "u1" || q.GuildID != "g1" || q.ChannelID != "c1" || q.Mode != string(answer.ModeExtractive) ||
		fmt.Sprint(q.Sources) != "[refunds.md#0 digital.md#2]" || q.Refused || q.Answer != refundsAnswer.Text || q.AnswerID == "" {
		t.Errorf("recorded %+v", q)
	}
	if r := recs.questions[1]; !r.Refused || len(r.Sources) != 0 {
		t.Errorf("refusal recorded as %+v", r)
	}
	ids := customIDs(map[string]any{"components": toJSONish(out.Replies[len(out.Replies)-1].Components)})
	up := ""
	for _, id := range ids {
		if strings.HasPrefix(id, idUp) {
			up = id
		}
	}
	if strings.TrimPrefix(up, idUp) != q.AnswerID {
		t.Fatalf("button %q does not carry the recorded answer ID %q", up, q.AnswerID)
	}
	b.button(context.Background(), srvOf(t, b), up, "g1", "u3")
	if e := fb.Entries(); len(e) != 1 || e[0].AnswerID != q.AnswerID || e[0].Vote != VoteUp {
		t.Errorf("feedback %+v", e)
	}
}

// toJSONish turns components into the maps customIDs reads.
func toJSONish(cs []discordgo.MessageComponent) []any {
	var rows []any
	for _, c := range cs {
		row, ok := c.(discordgo.ActionsRow)
		if !ok {
			continue
		}
		var buttons []any
		for _, x := range row.Components {
			if btn, ok := x.(discordgo.Button); ok {
				buttons = append(buttons, map[string]any{"custom_id": btn.CustomID})
			}
		}
		rows = append(rows, map[string]any{"components": buttons})
	}
	return rows
}

// TestThreadSurvivesRestart answers a mention in a thread, then gives a
// new Bot (a restart) the same store: a reply in the thread is a
// follow-up with the conversation so far; chatter elsewhere is looked up
// once per channel, then ignored.
func TestThreadSurvivesRestart(t *testing.T) {
	recs := newMemoryRecords()
	first, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Threads: recs})})
	first.onMessage(context.Background(), &discordgo.Message{ID: "m1", GuildID: "g1", ChannelID: "c1", Content: "<@bot-1> How do refunds work?",
		Author: &discordgo.User{ID: "u1"}, Mentions: []*discordgo.User{{ID: "bot-1"}}})
	thread := ""
	for _, c := range sess.Calls() {
		if c.Method == "ChannelMessageSendComplex" && c.ChannelID != "c1" {
			thread = c.ChannelID
		}
	}
	if thread == "" {
		t.Fatal("no answer in a thread")
	}

	fa := newFakeAnswerer()
	second, sess2 := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Threads: recs, Answerer: fa})})
	second.onMessage(context.Background(), &discordgo.Message{ID: "m2", GuildID: "g1", ChannelID: thread, Content: "and for digital goods?", Author: &discordgo.User{ID: "u1"}})
	qs := fa.questions()
	want := []answer.Turn{{Question: "How do refunds work?", Answer: refundsAnswer.Text}}
	if len(qs) != 1 || fmt.Sprint(qs[0].History) != fmt.Sprint(want) {
		t.Fatalf("questions after the restart %+v, want the follow-up with history %+v", qs, want)
	}
	if n := len(sess2.Calls()); n != 1 {
		t.Errorf("%d calls after the follow-up, want the one answer", n)
	}
	if got := recs.threads[thread]; len(got) != 2 {
		t.Errorf("stored turns %+v, want 2", got)
	}

	loads := recs.loads
	for range 3 {
		second.onMessage(context.Background(), &discordgo.Message{ID: "m3", GuildID: "g1", ChannelID: "c-general", Content: "hello all", Author: &discordgo.User{ID: "u2"}})
	}
	if recs.loads-loads != 1 {
		t.Errorf("%d store lookups for 3 messages in one channel, want 1", recs.loads-loads)
	}
	if len(fa.questions()) != 1 {
		t.Error("answered channel chatter")
	}
}

func TestForgetMe(t *testing.T) {
	recs := newMemoryRecords()
	recs.questions = []QuestionRecord{{UserID: "user-bob"}, {UserID: "user-bob"}, {UserID: "user-mia"}}
	b, sess := newTestBot(t, Config{}, Deps{Forgetter: recs})
	b.onInteraction(context.Background(), &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: member,
		Data: discordgo.ApplicationCommandInteractionData{Name: cmdForget}})
	got, private := finalText(t, sess.Calls())
	if !strings.Contains(got, "Deleted 2 stored records") || !private {
		t.Errorf("reply %q (private %v)", got, private)
	}
	if fmt.Sprint(recs.forgotten) != "[user-bob]" || len(recs.questions) != 1 {
		t.Errorf("forgot %v, left %+v", recs.forgotten, recs.questions)
	}

	none, sess := newTestBot(t, Config{}, Deps{})
	none.onInteraction(context.Background(), &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: member,
		Data: discordgo.ApplicationCommandInteractionData{Name: cmdForget}})
	if got, _ := finalText(t, sess.Calls()); got != msgNothingStored {
		t.Errorf("without a store: %q", got)
	}
}

func TestReports(t *testing.T) {
	rep := &fakeReports{
		gaps: []Gap{
			{Question: "how do i reset my password", Count: 5, Refused: 5, LastAsked: time.Date(2025, 3, 10, 12, 4, 0, 0, time.UTC),
				Variants: []string{"password reset not working", "I forgot my password", "How can I reset my password", "pw reset"}},
			{Question: "Can I get a refund?", Count: 2, Refused: 1, Downvoted: 1, LastAsked: time.Date(2025, 3, 10, 12, 7, 0, 0, time.UTC)},
		},
		stats: Stats{Questions: 40, Refused: 10, Up: 3, Down: 1, MedianLatency: 42 * time.Millisecond,
			PerDay:     []DayCount{{Day: "2025-03-09", Questions: 15, Refused: 4}, {Day: "2025-03-10", Questions: 25, Refused: 6}},
			TopSources: []SourceCount{{Document: "faq.md", Count: 20}, {Document: "refunds.html", Count: 5}}},
	}
	tests := []struct {
		cmd  string
		days float64
		want []string
	}{
		{cmd: cmdGaps, days: 30, want: []string{"What the FAQ missed in the last 30 days", "1. 5 times — “how do i reset my password”",
			"refused 5, voted down 0, last asked 2025-03-10 12:04 UTC", "also asked as: “password reset not working”, “I forgot my password”, “How can I reset my password”, …",
			"2. 2 times — “Can I get a refund?”", "/corpus add"}},
		{cmd: cmdStats, want: []string{"The FAQ in the last 7 days", "Questions\n40", "Refused\n10 (25%)", "Median answer time\n42ms",
			"👍 3 / 👎 1 (75% helpful)", "`2025-03-10` 25 asked, 6 refused", "1. `faq.md` — 20 answers"}},
		{cmd: cmdGaps, days: 100000, want: []string{"last 365 days"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.cmd, tt.days), func(t *testing.T) {
			b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Reports: rep})})
			data := discordgo.ApplicationCommandInteractionData{Name: tt.cmd}
			if tt.days != 0 {
				data.Options = append(data.Options, opt(optDays, tt.days))
			}
			b.onInteraction(context.Background(), &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: moderator, Data: data})
			got, private := finalText(t, sess.Calls())
			for _, w := range tt.want {
				if !strings.Contains(got, w) || !private {
					t.Errorf("report (private %v)\n%s\nlacks %q", private, got, w)
				}
			}
		})
	}
}

// TestVoteAfterRestart: with answers recorded, a vote on an answer the bot
// no longer holds in memory (it restarted) is still recorded under the
// answer's ID; without a record of answers, the member is told it is gone.
func TestVoteAfterRestart(t *testing.T) {
	tests := []struct {
		name    string
		deps    func(fb Feedback) Deps
		want    string
		entries int
	}{
		{"recorded answers", func(fb Feedback) Deps {
			return Deps{Servers: OneServer(Server{Questions: newMemoryRecords(), Feedback: fb})}
		}, "Thanks for the feedback", 1},
		{"nothing recorded", func(fb Feedback) Deps { return Deps{Servers: OneServer(Server{Feedback: fb})} }, msgGone, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := NewMemoryFeedback()
			b, _ := newTestBot(t, Config{}, tt.deps(fb))
			r := b.button(context.Background(), srvOf(t, b), idDown+"answer-from-before", "g1", "u1")
			if got := replyText(r); !strings.Contains(got, tt.want) {
				t.Errorf("reply %q, want %q", got, tt.want)
			}
			e := fb.Entries()
			if len(e) != tt.entries || (tt.entries == 1 && (e[0].AnswerID != "answer-from-before" || e[0].Vote != VoteDown || e[0].UserID != "u1")) {
				t.Errorf("feedback %+v", e)
			}
		})
	}
}

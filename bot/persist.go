package bot

import (
	"context"
	"time"

	"github.com/faqbot/faqbot/answer"
)

// storeTimeout bounds one write or read of the bot's records. They are
// small, local SQLite statements; a store that takes longer is in trouble,
// and a question must not wait on it.
const storeTimeout = 3 * time.Second

// QuestionRecord is one answered question, as the bot records it.
type QuestionRecord struct {
	// AnswerID is the ID the answer's buttons carry, so votes join it.
	AnswerID string
	At       time.Time
	GuildID  string
	// ChannelID is where it was asked (a thread for follow-ups).
	ChannelID string
	// UserID is the asker's Discord ID; the store decides how much of it
	// to keep (plain, hashed or nothing).
	UserID   string
	Question string
	Answer   string
	// Mode is answer.ModeExtractive or answer.ModeLLM.
	Mode string
	// Sources are the cited passages' chunk IDs ("file#n").
	Sources []string
	Refused bool
	Latency time.Duration
	// Note is the answer's note, e.g. why the LLM was not used.
	Note string
}

// QuestionLog records answered questions.
type QuestionLog interface {
	RecordQuestion(ctx context.Context, q QuestionRecord) error
}

// ThreadStore keeps the conversations of the threads the bot started in
// one server.
type ThreadStore interface {
	// LoadConversation returns a thread's turns, oldest first, and whether
	// the thread is a conversation the store knows (and still keeps).
	LoadConversation(ctx context.Context, threadID string) ([]answer.Turn, bool, error)
	// AppendTurn adds a turn, asked by userID, to a thread's conversation,
	// starting it if needed. Concurrent appends must all land.
	AppendTurn(ctx context.Context, threadID, userID string, t answer.Turn) error
}

// Forgetter deletes what is stored about a member, in every server.
type Forgetter interface {
	// ForgetUser deletes userID's questions, votes and conversation turns,
	// and every copy of their words, and says how many records went.
	ForgetUser(ctx context.Context, userID string) (int, error)
}

// storeContext is the context of one store call: it keeps ctx's values
// but not its cancellation (a record of an answer delivered at shutdown is
// still worth keeping), with its own short deadline.
func storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// recordQuestion records an answered question. It runs before the answer
// is sent, so that a vote cast the moment the answer appears finds its
// question; a failure is logged and never costs the member the answer.
func (b *Bot) recordQuestion(ctx context.Context, q question, id string, a answer.Answer, latency time.Duration) {
	if q.srv.Questions == nil {
		return
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	err := q.srv.Questions.RecordQuestion(ctx, QuestionRecord{
		AnswerID: id, At: time.Now(), GuildID: q.GuildID, ChannelID: q.ChannelID, UserID: q.UserID,
		Question: a.Question, Answer: a.Text, Mode: string(a.Mode), Sources: chunkIDs(a),
		Refused: a.Refused, Latency: latency, Note: a.Note,
	})
	if err != nil {
		b.lg.Error("recording a question", "answer", id, "err", err)
	}
}

// chunkIDs are an answer's cited passages, in citation order.
func chunkIDs(a answer.Answer) []string {
	ids := make([]string, len(a.Citations))
	for i, c := range a.Citations {
		ids[i] = c.ChunkID
		if ids[i] == "" {
			ids[i] = c.Source
		}
	}
	return ids
}

// addTurn remembers a thread's new turn, asked by q's member, in memory
// and in q's server's store.
func (b *Bot) addTurn(ctx context.Context, q question, threadID string, t answer.Turn) {
	b.threads.add(q.GuildID, threadID, q.UserID, t)
	if q.srv.Threads == nil {
		return
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	if err := q.srv.Threads.AppendTurn(ctx, threadID, q.UserID, t); err != nil {
		b.lg.Error("saving a thread conversation", "guild", q.GuildID, "thread", threadID, "err", err)
	}
}

// storedHistory looks for a conversation the bot no longer has in memory
// (it restarted, or forgot the thread for newer ones) in the store, and
// brings it back into memory. Channels known not to be conversations are
// remembered, so ordinary channel chatter costs one lookup per channel.
func (b *Bot) storedHistory(ctx context.Context, srv Server, guildID, channelID string) ([]answer.Turn, bool) {
	if srv.Threads == nil || b.notThreads.has(channelID) {
		return nil, false
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	turns, ok, err := srv.Threads.LoadConversation(ctx, channelID)
	if err != nil {
		b.lg.Warn("loading a thread conversation", "guild", guildID, "channel", channelID, "err", err)
		return nil, false
	}
	if !ok {
		b.notThreads.add(channelID)
		return nil, false
	}
	b.threads.restore(guildID, channelID, turns)
	h, _ := b.threads.history(guildID, channelID)
	return h, true
}

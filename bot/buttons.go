package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faqbot/faqbot/answer"
)

const msgGone = "I no longer have that answer (it's too old, or I restarted). Ask again and I'll answer afresh."

// button handles a click on one of an answer's buttons, in the server
// srv of guildID.
func (b *Bot) button(ctx context.Context, srv Server, customID, guildID, user string) Reply {
	switch {
	case strings.HasPrefix(customID, idSources):
		a, ok := b.recent.get(strings.TrimPrefix(customID, idSources), guildID)
		if !ok {
			return notice(msgGone)
		}
		return renderSources(a)
	case strings.HasPrefix(customID, idUp):
		return b.vote(ctx, srv, strings.TrimPrefix(customID, idUp), guildID, user, VoteUp)
	case strings.HasPrefix(customID, idDown):
		return b.vote(ctx, srv, strings.TrimPrefix(customID, idDown), guildID, user, VoteDown)
	case strings.HasPrefix(customID, idSuggest):
		return b.pick(ctx, srv, strings.TrimPrefix(customID, idSuggest), guildID, user)
	}
	return notice("That button isn't mine any more; ask again and I'll answer afresh.")
}

// vote records user's vote on an answer: one per user per answer, a later
// one replacing the earlier.
func (b *Bot) vote(ctx context.Context, srv Server, id, guildID, user string, v Vote) Reply {
	prev, a, asker, ok := b.recent.vote(id, guildID, user, v)
	if !ok {
		if srv.Questions == nil || id == "" {
			return notice(msgGone)
		}
		// The answer is no longer in memory (the bot restarted, or many
		// answers came since) but it was recorded under this ID, so the
		// vote still means something: the store ties it to the question.
		a = answer.Answer{}
	}
	if prev == v {
		return notice(fmt.Sprintf("You already voted %s on this answer — thanks!", v))
	}
	sources := make([]string, len(a.Citations))
	for i, c := range a.Citations {
		sources[i] = c.ChunkID
		if sources[i] == "" {
			sources[i] = c.Source
		}
	}
	err := srv.Feedback.Record(ctx, FeedbackEntry{
		AnswerID: id, Question: a.Question, Answer: a.Text, Refused: a.Refused, Sources: sources,
		GuildID: guildID, UserID: user, AskedBy: asker, Vote: v, At: time.Now(),
	})
	if errors.Is(err, ErrUnknownAnswer) {
		return notice(msgGone)
	}
	if err != nil {
		b.lg.Error("recording feedback", "answer", id, "err", err)
		return notice("Sorry, I couldn't save your vote just now. Please try again later.")
	}
	b.lg.Info("feedback", "answer", id, "guild", guildID, "user", user, "vote", int(v), "changed", prev != 0)
	if prev != 0 {
		return notice(fmt.Sprintf("Changed your vote to %s — thanks!", v))
	}
	if v == VoteUp {
		return notice("Thanks for the feedback! 👍")
	}
	return notice("Thanks for the feedback — a moderator can use it to improve the FAQ. 👎")
}

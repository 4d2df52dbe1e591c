package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// threadArchiveMinutes is how long a question's thread stays open without
// messages: a day, Discord's default.
const threadArchiveMinutes = 1440

// maxThreadName is Discord's cap on a thread's name.
const maxThreadName = 100

// onMessage answers a message that mentions the bot, in a new thread, and
// messages in the threads it started, as follow-ups. Everything else
// (other bots, the bot itself, system messages) is ignored.
func (b *Bot) onMessage(ctx context.Context, m *discordgo.Message) {
	defer b.recoverPanic("message")
	self := b.self()
	if self == "" || m.Author == nil || m.Author.Bot || m.Author.ID == self {
		return
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return
	}
	srv, ok := b.server(ctx, m.GuildID)
	if !ok {
		return
	}
	if history, ok := b.threads.history(m.GuildID, m.ChannelID); ok {
		b.followUp(ctx, srv, m, self, history)
		return
	}
	if history, ok := b.storedHistory(ctx, srv, m.GuildID, m.ChannelID); ok {
		b.followUp(ctx, srv, m, self, history)
		return
	}
	if mentions(m, self) {
		b.mention(ctx, srv, m, self)
	}
}

// mention answers a message that mentions the bot in a thread started on
// that message; where no thread can be started (the message is already in
// a thread, or the bot lacks the permission), it replies in place.
func (b *Bot) mention(ctx context.Context, srv Server, m *discordgo.Message, self string) {
	q := b.messageQuestion(srv, m, self, viaMention, nil)
	done, ok := b.enterMessage(ctx, q, m)
	if !ok {
		return
	}
	defer done()
	channel, ref := m.ChannelID, m.SoftReference()
	thread, err := b.sess.MessageThreadStartComplex(m.ChannelID, m.ID, &discordgo.ThreadStart{
		Name:                threadName(q.Text),
		AutoArchiveDuration: threadArchiveMinutes,
	}, discordgo.WithContext(ctx))
	if err != nil {
		b.lg.Warn("starting a thread, replying in the channel instead", "guild", m.GuildID, "channel", m.ChannelID, "err", err)
	} else {
		channel, ref = thread.ID, nil
		b.threads.start(m.GuildID, thread.ID)
		b.notThreads.remove(thread.ID)
	}
	out := b.answer(ctx, q, func(pos int) {
		b.send(ctx, channel, notice(fmt.Sprintf(msgQueued, pos)), ref)
	}, nil)
	// Remember the turn before replying: a follow-up may arrive as soon
	// as the answer is visible.
	if out.Answered && thread != nil {
		b.addTurn(ctx, q, thread.ID, answer.Turn{Question: q.Text, Answer: out.Answer.Text})
	}
	ctx, cancel := finalContext(ctx)
	defer cancel()
	for n, r := range out.Replies {
		if n > 0 {
			ref = nil
		}
		b.send(ctx, channel, r, ref)
	}
}

// followUp answers a message in one of the bot's threads with the
// conversation so far.
func (b *Bot) followUp(ctx context.Context, srv Server, m *discordgo.Message, self string, history []answer.Turn) {
	q := b.messageQuestion(srv, m, self, viaThread, history)
	if strings.TrimSpace(q.Text) == "" {
		return // an image or a sticker: not a question
	}
	done, ok := b.enterMessage(ctx, q, m)
	if !ok {
		return
	}
	defer done()
	out := b.answer(ctx, q, func(pos int) {
		b.send(ctx, m.ChannelID, notice(fmt.Sprintf(msgQueued, pos)), m.SoftReference())
	}, nil)
	if out.Answered {
		b.addTurn(ctx, q, m.ChannelID, answer.Turn{Question: q.Text, Answer: out.Answer.Text})
	}
	ctx, cancel := finalContext(ctx)
	defer cancel()
	for _, r := range out.Replies {
		b.send(ctx, m.ChannelID, r, nil)
	}
}

func (b *Bot) messageQuestion(srv Server, m *discordgo.Message, self, via string, history []answer.Turn) question {
	return question{
		Text: stripMentions(m.Content, self), History: history, Via: via,
		GuildID: m.GuildID, ChannelID: m.ChannelID, UserID: m.Author.ID, srv: srv,
	}
}

// send posts r in a channel, as a reply to ref when it is not nil (a soft
// reference: the question may have been deleted meanwhile).
// Messages cannot be ephemeral, so r.Ephemeral is ignored.
func (b *Bot) send(ctx context.Context, channelID string, r Reply, ref *discordgo.MessageReference) {
	msg := r.message()
	msg.Reference = ref
	_, err := b.sess.ChannelMessageSendComplex(channelID, msg, discordgo.WithContext(ctx))
	b.logSendError("sending a message", err)
}

// mentions reports whether m mentions the user self.
func mentions(m *discordgo.Message, self string) bool {
	return slices.ContainsFunc(m.Mentions, func(u *discordgo.User) bool { return u != nil && u.ID == self })
}

// stripMentions removes the bot's own mentions (<@id> and the older <@!id>)
// from a question.
func stripMentions(content, self string) string {
	content = strings.NewReplacer("<@"+self+">", " ", "<@!"+self+">", " ").Replace(content)
	return strings.TrimSpace(content)
}

// threadName names a question's thread after the question.
func threadName(q string) string {
	name := trimLine(oneLine(q), maxThreadName)
	if name == "" {
		return "Question"
	}
	return name
}

// enterMessage starts work on a question that came as a message. When the
// bot is shutting down, or admit turns the question away, it replies in
// the channel saying why and returns false; otherwise the caller must call
// done when the answer is out.
func (b *Bot) enterMessage(ctx context.Context, q question, m *discordgo.Message) (done func(), ok bool) {
	done, ok = b.begin()
	if !ok {
		b.reject(q, "shutting_down")
		b.send(ctx, m.ChannelID, notice(msgShutdown), m.SoftReference())
		return nil, false
	}
	if r, reason, admitted := b.admit(q); !admitted {
		// A turn-away cannot be private here, and shares the channel's
		// budget with answers: each member hears it once a window, and a
		// channel only so many.
		if b.turnAways.post(q.GuildID, q.UserID, m.ChannelID, reason) {
			b.send(ctx, m.ChannelID, r, m.SoftReference())
		} else {
			b.lg.Debug("turn-away not posted again", "guild", q.GuildID, "channel", m.ChannelID, "user", q.UserID, "reason", reason)
		}
		done()
		return nil, false
	}
	return done, true
}

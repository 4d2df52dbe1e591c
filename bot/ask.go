package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faqbot/faqbot/answer"
)

// How a question reached the bot, for logs and metrics.
const (
	viaSlash   = "slash"
	viaMention = "mention"
	viaThread  = "thread"
)

// What the user reads when a question is not answered. Each says what
// happened and what to do.
const (
	msgEmpty       = "Ask me a question, e.g. `/ask question: How do refunds work?` — or mention me followed by your question."
	msgTooLong     = "That question is %d characters long; please keep it under %d."
	msgRateLimited = "You're asking faster than I can keep up — please wait %s and ask again."
	msgTimeout     = "⌛ Sorry, that took too long to answer. Please try again in a moment."
	msgError       = "😵 Sorry, something went wrong on my side while answering. Please try again; if it keeps happening, tell a moderator."
	msgShutdown    = "I'm restarting right now — please ask again in a minute."
	msgInterrupted = "I had to restart before I could finish this answer — please ask again in a minute."
	msgQueued      = "⏳ I'm busy answering other questions: yours is number %d in the queue, and the answer will appear here shortly."
	msgNoFAQ       = "📭 This server has no FAQ yet, so I have nothing to answer from. A moderator (Manage Server) can add one: `/corpus add file:` with a `.md`, `.txt` or `.html` document, and I'll answer from it at once."
)

// question is a question from any front end, with where it came from and
// the server it is answered for.
type question struct {
	Text      string
	History   []answer.Turn
	Via       string
	GuildID   string
	ChannelID string
	UserID    string
	srv       Server
}

// outcome is what answering a question produced.
type outcome struct {
	// Replies are the messages to show: one, or more for a long answer.
	Replies []Reply
	// Answer is set when the question was answered (refusals included).
	Answer   answer.Answer
	Answered bool
}

// Why admit turned a question away.
const (
	rejectEmpty       = "empty"
	rejectTooLong     = "too_long"
	rejectRateLimited = "rate_limited"
)

// admit checks a question before any work is done on it: its length and
// the user's rate. It returns the reply to send instead, why, and false,
// when the question is turned away.
func (b *Bot) admit(q question) (Reply, string, bool) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		b.reject(q, rejectEmpty)
		return notice(msgEmpty), rejectEmpty, false
	}
	if n := runeLen(text); n > b.cfg.MaxQuestionLen {
		b.reject(q, rejectTooLong)
		return notice(fmt.Sprintf(msgTooLong, n, b.cfg.MaxQuestionLen)), rejectTooLong, false
	}
	if ok, wait := b.limiter.allow(q.UserID); !ok {
		b.reject(q, rejectRateLimited)
		return notice(fmt.Sprintf(msgRateLimited, roundUp(wait))), rejectRateLimited, false
	}
	return Reply{}, "", true
}

// answer answers an admitted question within QuestionTimeout, queueing
// included. onQueued (optional) is told the question's place when it has
// to wait; onPartial (optional) receives the answer as an LLM writes it.
func (b *Bot) answer(ctx context.Context, q question, onQueued func(pos int), onPartial func(Reply)) outcome {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, b.cfg.QuestionTimeout)
	defer cancel()
	queued := false
	release, err := b.queue.acquire(ctx, func(pos int) {
		queued = true
		if onQueued != nil {
			onQueued(pos)
		}
	})
	if err != nil {
		return b.failed(q, start, fmt.Errorf("waiting in the queue: %w", err))
	}
	defer release()

	if q.srv.Answerer == nil {
		return b.failed(q, start, ErrNoFAQ)
	}
	var partial func(string)
	if onPartial != nil {
		partial = func(text string) { onPartial(renderPartial(q.Text, b.scrub.partial(text))) }
	}
	a, err := q.srv.Answerer.Stream(ctx, answer.Question{Text: q.Text, History: q.History}, partial)
	if err != nil {
		return b.failed(q, start, fmt.Errorf("answering: %w", err))
	}
	// Before anything is shown or stored.
	a = b.scrub.answer(a)
	if a.Question == "" {
		a.Question = strings.TrimSpace(q.Text)
	}
	id := b.recent.add(a, q.GuildID, q.UserID)

	latency := time.Since(start)
	b.metrics.questions.WithLabelValues(q.Via).Inc()
	b.metrics.latency.Observe(latency.Seconds())
	if a.Refused {
		b.metrics.refusals.Inc()
	}
	if a.LLMFailed {
		b.metrics.llmErrors.Inc()
	}
	b.recordQuestion(ctx, q, id, a, latency)
	sources := make([]string, len(a.Citations))
	for i, c := range a.Citations {
		sources[i] = c.Source
	}
	b.lg.Info("question answered", "via", q.Via, "guild", q.GuildID, "channel", q.ChannelID, "user", q.UserID,
		"latency", latency, "queued", queued, "mode", a.Mode, "sources", sources, "refused", a.Refused,
		"follow_up", len(q.History) > 0, "note", a.Note)
	return outcome{Replies: renderAnswer(id, a), Answer: a, Answered: true}
}

// failed turns an error from answering into the reply the user reads.
func (b *Bot) failed(q question, start time.Time, err error) outcome {
	reason, msg := "error", msgError
	switch {
	case errors.Is(err, ErrNoFAQ):
		b.reject(q, "no_faq")
		return outcome{Replies: []Reply{notice(msgNoFAQ)}}
	case errors.Is(err, answer.ErrEmptyQuestion):
		reason, msg = "empty", msgEmpty
	case errors.Is(err, context.DeadlineExceeded):
		reason, msg = "timeout", msgTimeout
	case errors.Is(err, context.Canceled):
		// Only shutdown cancels the context answers run under.
		reason, msg = "shutting_down", msgInterrupted
	}
	b.reject(q, reason)
	b.lg.Warn("question not answered", "via", q.Via, "guild", q.GuildID, "channel", q.ChannelID, "user", q.UserID,
		"latency", time.Since(start), "reason", reason, "err", err)
	return outcome{Replies: []Reply{notice(msg)}}
}

func (b *Bot) reject(q question, reason string) {
	b.metrics.rejected.WithLabelValues(reason).Inc()
	if reason != "error" && reason != "timeout" && reason != "shutting_down" {
		b.lg.Info("question turned away", "via", q.Via, "guild", q.GuildID, "channel", q.ChannelID, "user", q.UserID, "reason", reason)
	}
}

// finalContext returns a context for delivering an outcome: it outlives
// ctx's cancellation (at shutdown, the user should still read that the
// answer was interrupted) but not by long.
func finalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), restTimeout)
}

// roundUp renders a wait for people: "12 seconds", "1 minute".
func roundUp(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	switch {
	case s <= 1:
		return "a second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	case s < 120:
		return "a minute"
	default:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
}

package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// Answerer answers a question, calling onPartial with the answer text so far
// while an LLM writes it. *answer.Engine satisfies it.
type Answerer interface {
	Stream(ctx context.Context, q answer.Question, onPartial func(text string)) (answer.Answer, error)
}

var _ Answerer = (*answer.Engine)(nil)

// ReindexFunc lets a plain function be the Reindexer.
type ReindexFunc func(ctx context.Context, who string) (ReindexResult, error)

// Reindex calls f.
func (f ReindexFunc) Reindex(ctx context.Context, who string) (ReindexResult, error) {
	return f(ctx, who)
}

var _ Reindexer = ReindexFunc(nil)

// ReindexResult says what a rebuild changed.
type ReindexResult struct {
	DocumentsAdded     int
	DocumentsRemoved   int
	DocumentsChanged   int
	DocumentsUnchanged int
	PassagesAdded      int
	PassagesRemoved    int
	PassagesUnchanged  int
	// Duration is how long the rebuild took.
	Duration time.Duration
	// Skipped lists the corpus folder's files that are not loaded, each
	// as "path (reason)".
	Skipped []string
}

// Document is one corpus document as /sources lists it.
type Document struct {
	// ID is the document's ID (its file name in the corpus).
	ID    string
	Title string
	// URL links to the document, or "".
	URL string
	// Passages is how many passages the document was split into.
	Passages int
}

// Sources lists the documents of the live corpus.
type Sources interface {
	Documents(ctx context.Context) ([]Document, error)
}

// Vote is a reader's verdict on an answer.
type Vote int

// The votes the 👍 and 👎 buttons record.
const (
	VoteUp   Vote = 1
	VoteDown Vote = -1
)

// String returns the vote's emoji.
func (v Vote) String() string {
	if v == VoteUp {
		return "👍"
	}
	return "👎"
}

// FeedbackEntry is one vote on one answer. A user has at most one vote per
// answer: a later vote replaces an earlier one.
type FeedbackEntry struct {
	// AnswerID identifies the answer (the ID carried by its buttons).
	AnswerID string
	Question string
	Answer   string
	Refused  bool
	// Sources are the cited passages' chunk IDs ("file#n"), in citation
	// order.
	Sources []string
	GuildID string
	UserID  string
	Vote    Vote
	At      time.Time
}

// Feedback records votes.
type Feedback interface {
	Record(ctx context.Context, e FeedbackEntry) error
}

// Deps are the bot's collaborators. Only Answerer is required.
type Deps struct {
	Answerer Answerer
	// Sources lists the corpus for /sources; nil makes /sources say it is
	// unavailable.
	Sources Sources
	// Feedback records votes; nil keeps them in memory (NewMemoryFeedback).
	Feedback Feedback
	// Corpus changes the corpus for /corpus add, remove and list; nil makes
	// them say they are unavailable.
	Corpus Corpus
	// Reindexer rebuilds the index for /reindex, told who asked for the
	// change log; nil makes /reindex say it is unavailable.
	Reindexer Reindexer
	// Reports computes /gaps and /stats; nil makes them unavailable.
	Reports Reports
	// Questions records every answered question; nil records nothing.
	Questions QuestionLog
	// Threads keeps thread conversations beyond the bot's memory, so
	// follow-ups survive a restart; nil keeps them in memory only.
	Threads ThreadStore
	// Forgetter deletes a member's stored questions and votes for
	// /forget-me; nil makes it say nothing is stored.
	Forgetter Forgetter
	// IndexReady reports whether an index is loaded, for /healthz; nil
	// counts as loaded.
	IndexReady func() bool
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
}

// session is the part of *discordgo.Session the handlers use to reply.
type session interface {
	ApplicationCommandBulkOverwrite(appID, guildID string, cmds []*discordgo.ApplicationCommand, options ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error)
	InteractionRespond(i *discordgo.Interaction, r *discordgo.InteractionResponse, options ...discordgo.RequestOption) error
	InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, options ...discordgo.RequestOption) (*discordgo.Message, error)
	FollowupMessageCreate(i *discordgo.Interaction, wait bool, p *discordgo.WebhookParams, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ChannelMessageSendComplex(channelID string, m *discordgo.MessageSend, options ...discordgo.RequestOption) (*discordgo.Message, error)
	MessageThreadStartComplex(channelID, messageID string, t *discordgo.ThreadStart, options ...discordgo.RequestOption) (*discordgo.Channel, error)
	GuildRoles(guildID string, options ...discordgo.RequestOption) ([]*discordgo.Role, error)
}

var _ session = (*discordgo.Session)(nil)

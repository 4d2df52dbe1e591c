package bot

import (
	"context"
	"errors"
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
	// Untaught are the taught phrasings dropped because their passage is
	// gone.
	Untaught []Phrasing
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
	// AskedBy is the member who asked the question, so that their
	// request to be forgotten reaches this copy of it.
	AskedBy string
	Vote    Vote
	At      time.Time
}

// Feedback records votes.
type Feedback interface {
	// Record stores e. A vote on an answer the server never recorded, with
	// no question to tie it to, fails with ErrUnknownAnswer.
	Record(ctx context.Context, e FeedbackEntry) error
}

// ErrUnknownAnswer means a vote on an answer the server has no record of:
// one of another server's, or too old.
var ErrUnknownAnswer = errors.New("no such answer in this server")

// Server is one Discord server's part of the bot: its knowledge base (the
// server's own documents and the operator's base) and its records. The
// bot asks Servers for it with the guild ID of every interaction and
// message, and uses nothing else for that server, so one server's
// commands can only ever reach that server's documents and records.
type Server struct {
	// Answerer answers the server's questions; it returns an error
	// wrapping ErrNoFAQ when the server has nothing to answer from. Nil:
	// questions get the same "no FAQ yet" reply.
	Answerer Answerer
	// Sources lists the documents the server answers from, for /sources;
	// nil makes /sources say it is unavailable.
	Sources Sources
	// Corpus changes the server's documents for /corpus add, remove and
	// list; nil makes them say they are unavailable.
	Corpus Corpus
	// Reindexer re-reads the server's documents for /reindex, told who
	// asked for the change log; nil makes /reindex say it is unavailable.
	Reindexer Reindexer
	// Reports computes /gaps and /stats; nil makes them unavailable.
	Reports Reports
	// Questions records every answered question; nil records nothing.
	Questions QuestionLog
	// Feedback records votes; nil keeps them in the bot's memory.
	Feedback Feedback
	// Threads keeps thread conversations beyond the bot's memory, so
	// follow-ups survive a restart; nil keeps them in memory only.
	Threads ThreadStore
	// Moderators keeps the roles allowed the moderator commands, set with
	// /moderators; nil leaves only Manage Server and Config.ModeratorRoles.
	Moderators Moderators
	// SourceManager keeps the server's sources of fetched pages for
	// /corpus add url:, sources, refresh and remove source:; nil makes
	// them say they are unavailable.
	SourceManager SourceManager
	// ModeratorChannel keeps the channel set with /moderators channel,
	// where scheduled refreshes are reported; nil: no channel.
	ModeratorChannel ModeratorChannel
	// Teacher keeps the phrasings moderators taught, for /corpus teach,
	// unteach and list; nil makes teaching unavailable.
	Teacher Teacher
	// Picks records which "Did you mean…?" suggestion members picked
	// after a refusal, for /gaps; nil records nothing.
	Picks Picks
}

// Servers gives the bot the Server of a guild.
type Servers interface {
	Server(ctx context.Context, guildID string) (Server, error)
}

// ServersFunc lets a plain function be Servers.
type ServersFunc func(ctx context.Context, guildID string) (Server, error)

// Server calls f.
func (f ServersFunc) Server(ctx context.Context, guildID string) (Server, error) {
	return f(ctx, guildID)
}

// OneServer serves s in every guild: for a bot whose servers share one
// knowledge base and keep no records apart, and for tests.
func OneServer(s Server) Servers {
	return ServersFunc(func(context.Context, string) (Server, error) { return s, nil })
}

// Moderators keeps the roles whose members may use a server's moderator
// commands. store.Guild satisfies it.
type Moderators interface {
	// ModeratorRoles lists the allowed role IDs.
	ModeratorRoles(ctx context.Context) ([]string, error)
	// AddModeratorRole allows a role; false when it already was.
	AddModeratorRole(ctx context.Context, roleID, who string) (bool, error)
	// RemoveModeratorRole disallows a role; false when it was not allowed.
	RemoveModeratorRole(ctx context.Context, roleID string) (bool, error)
}

// ErrNoFAQ means a server has no documents to answer from, and no base
// corpus: its members are told how a moderator adds one.
var ErrNoFAQ = errors.New("this server has no FAQ yet")

// Deps are the bot's collaborators. Only Servers is required.
type Deps struct {
	// Servers gives each guild its knowledge base and records.
	Servers Servers
	// Forgetter deletes a member's stored questions, votes and turns in
	// every server for /forget-me; nil makes it say nothing is stored.
	Forgetter Forgetter
	// IndexReady reports whether the bot can answer, for /healthz; nil
	// counts as ready.
	IndexReady func() bool
	// DatabaseHealth reports why the database is not usable, for
	// /healthz (nil: healthy); nil checks nothing.
	DatabaseHealth func(ctx context.Context) error
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
	GuildLeave(guildID string, options ...discordgo.RequestOption) error
}

var _ session = (*discordgo.Session)(nil)

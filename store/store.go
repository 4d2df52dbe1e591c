// Package store keeps what the bot learns: the questions asked, the votes
// on answers, the corpus change log, thread conversations, each server's
// moderator roles and moderator channel, and the sources its documents
// are fetched from with what their last fetch remembers. It reports the
// gaps in a FAQ (questions refused or voted down, grouped by similarity)
// and usage statistics.
//
// Everything belongs to one Discord server. Store is the database;
// Store.Guild returns the view of one server, and every read and write
// made through that view carries the server's ID in the store itself, so
// no caller can forget it and no server's records reach another's
// reports. The operations that span servers — a member's request to be
// forgotten, retention — are on Store.
//
// SQLite (Open) is the embedded implementation; PostgreSQL (OpenPostgres)
// is for several processes sharing one database. Both are the same code
// over database/sql, with what the engines spell differently in a small
// dialect; storetest holds the suite both must pass.
package store

import (
	"context"
	"log/slog"
	"time"
)

// BaseGuild is the guild key of the operator's base knowledge base (the
// corpus every allowed server answers from): its change log lives there,
// and so do records from before per-server data that could not be tied
// to a server. Discord server IDs are never empty.
const BaseGuild = ""

// Store is the bot's database. Implementations are safe for concurrent
// use.
type Store interface {
	// Guild returns the records of one Discord server (BaseGuild for the
	// operator's base). It does no I/O.
	Guild(id string) Guild
	// Guilds lists the servers that have any records, sorted.
	Guilds(ctx context.Context) ([]string, error)
	// DeleteUser deletes everything stored about a member in every
	// server — their questions (and every copy of their text, such as
	// other members' votes on their answers and phrasings taught from
	// their questions), their votes, their picks of suggestions and their
	// turns of thread conversations — and says how many records went. It is how
	// a member's request to be forgotten is honoured.
	DeleteUser(ctx context.Context, userID string) (int, error)
	// PruneConversations deletes the conversations, in every server,
	// whose last turn is older than the retention age, and says how many
	// went.
	PruneConversations(ctx context.Context) (int, error)
	// DocumentVersions returns the version of the documents of every
	// knowledge base whose documents were ever written, by guild.
	DocumentVersions(ctx context.Context) (map[string]int64, error)
	// WatchDocuments calls changed with each knowledge base's documents'
	// version, once at the start and again whenever any process changes
	// them, until ctx ends (see sqlStore.WatchDocuments).
	WatchDocuments(ctx context.Context, every time.Duration, changed func(guild string, version int64)) error
	// SchemaVersion is the number of the last migration applied.
	SchemaVersion(ctx context.Context) (int, error)
	// Ping checks that the database answers, for health checks.
	Ping(ctx context.Context) error
	// Close closes the database.
	Close() error
}

// Guild is one server's records. Every method reads and writes only that
// server's rows.
type Guild interface {
	// ID is the server's ID.
	ID() string

	// RecordQuestion stores q and returns its row ID.
	RecordQuestion(ctx context.Context, q QuestionRecord) (int64, error)
	// RecordFeedback stores f, replacing the same member's earlier vote on
	// the same answer: one vote per member per answer, changeable. A vote
	// on an answer the server never recorded must carry its question, or
	// it fails with ErrUnknownAnswer: another server's answer ID, or a
	// made-up one, is no answer of this server's.
	RecordFeedback(ctx context.Context, f Feedback) error
	// Votes returns the 👍 and 👎 counts of one answer.
	Votes(ctx context.Context, answerID string) (up, down int, err error)
	// Gaps returns the most frequent groups of questions asked since since
	// that were refused or whose answer got more 👎 than 👍, largest group
	// first, at most limit (all when limit <= 0).
	Gaps(ctx context.Context, since time.Time, limit int) ([]Gap, error)
	// Stats computes the statistics of everything recorded since since.
	Stats(ctx context.Context, since time.Time) (Stats, error)

	// RecordChange appends c to the corpus change log.
	RecordChange(ctx context.Context, c Change) error
	// Changes returns the latest limit changes, newest first.
	Changes(ctx context.Context, limit int) ([]Change, error)
	// LastChange returns the latest successful change of each document
	// with the given action, keyed by document.
	LastChange(ctx context.Context, action Action) (map[string]Change, error)

	// LoadConversation returns a thread's turns, oldest first, and whether
	// the thread is a conversation the store keeps. A conversation past
	// the retention age counts as unknown even before it is pruned.
	LoadConversation(ctx context.Context, threadID string) ([]Turn, bool, error)
	// AppendTurn adds one turn to a thread's conversation (starting it if
	// needed, or afresh when it had expired), keeping the latest
	// Options.ConversationMaxTurns. Concurrent appends to one thread all
	// land.
	AppendTurn(ctx context.Context, threadID string, t Turn) error

	// Documents returns the server's documents and their version as of
	// one instant; those whose hash is have[name] come without content.
	Documents(ctx context.Context, have map[string]string) (DocumentSet, error)
	// DocumentsVersion returns the version of the server's knowledge
	// base: 0 when never written, one more with every change of its
	// documents or its taught phrasings (which every process searching
	// it must take in).
	DocumentsVersion(ctx context.Context) (int64, error)
	// ChangeDocuments applies a change to the server's documents in one
	// transaction and returns their version after it (unchanged when the
	// change changed nothing).
	ChangeDocuments(ctx context.Context, c DocumentChange) (int64, error)

	// ModeratorRoles lists the role IDs whose members may use the
	// server's moderator commands, sorted.
	ModeratorRoles(ctx context.Context) ([]string, error)
	// AddModeratorRole allows a role; it reports false when it already
	// was.
	AddModeratorRole(ctx context.Context, roleID, who string) (bool, error)
	// RemoveModeratorRole disallows a role; it reports false when it was
	// not allowed.
	RemoveModeratorRole(ctx context.Context, roleID string) (bool, error)

	// Teach records that a question is answered by a passage (see
	// Phrasing). Teaching words already taught, ignoring case,
	// punctuation and spacing, moves them to the new passage: it returns
	// the phrasing stored and the one replaced (ID 0 when none). It fails
	// with ErrBadPhrasing for a phrasing with no words, longer than
	// MaxPhrasingLen or with no passage, and with ErrTooManyPhrasings past
	// Options.MaxPhrasings. When a recorded question of the server has the same
	// words, its asker is kept with the phrasing so that DeleteUser
	// removes it.
	Teach(ctx context.Context, p Phrasing) (stored, replaced Phrasing, err error)
	// Phrasings lists the server's taught phrasings, oldest first.
	Phrasings(ctx context.Context) ([]Phrasing, error)
	// Unteach deletes the server's phrasings with the given IDs and
	// returns those deleted, by ID; IDs of none of the server's are
	// skipped.
	Unteach(ctx context.Context, ids ...int64) ([]Phrasing, error)
	// Relink records where a phrasing's passage is now (a reindex
	// renumbered it); false when the server has no such phrasing.
	Relink(ctx context.Context, id int64, p Passage) (bool, error)
	// RecordPick stores a member's pick of a refused answer's suggestion,
	// once per member, answer and passage. The answer must have been
	// recorded with RecordQuestion, or it fails with ErrUnknownAnswer.
	// Gaps reports the picks with the refused questions.
	RecordPick(ctx context.Context, p Pick) error
	// Endorsed returns the answered questions, voted on since since, with
	// at least EndorsedNet more 👍 than 👎 — phrasings offered to
	// moderators, never taught by votes alone — best first, at most
	// limit (all when limit <= 0), one per phrasing, leaving out those
	// already taught.
	Endorsed(ctx context.Context, since time.Time, limit int) ([]Endorsement, error)

	// ModeratorChannel is the channel the server's admins chose for the
	// bot's notes to moderators (refresh summaries), or "" for none.
	ModeratorChannel(ctx context.Context) (string, error)
	// SetModeratorChannel sets the moderator channel, noting who did;
	// "" clears it.
	SetModeratorChannel(ctx context.Context, channelID, who string) error

	// Sources lists the server's sources of fetched documents, oldest
	// first.
	Sources(ctx context.Context) ([]Source, error)
	// AddSource stores a new source and returns it with its ID; one with
	// the same Key fails with ErrSourceExists.
	AddSource(ctx context.Context, s Source) (Source, error)
	// RemoveSource deletes a source; it reports false when the server
	// has none of that ID.
	RemoveSource(ctx context.Context, id int64) (bool, error)
	// RecordSourceRefresh records the outcome of a refresh: on success
	// the new state, pages and summary; on failure only the error and the
	// time, keeping the last good state. ErrNoSource when the server no
	// longer has the source.
	RecordSourceRefresh(ctx context.Context, id int64, r SourceRefresh) error
}

// Options configure a Store. The zero value stores user IDs as given and
// keeps conversations for DefaultConversationMaxAge and
// DefaultConversationMaxTurns.
type Options struct {
	// UserIDs says how user IDs are stored: PrivacyPlain, PrivacyHashed or
	// PrivacyNone.
	UserIDs Privacy
	// Key is the secret that hashes user IDs (at least MinKeyLen bytes),
	// from a setting. When nil the key is read from KeyFile, which is
	// made on first use. Either way it is never stored in the database:
	// the database alone must not say who asked.
	Key []byte
	// KeyFile is where the key is kept when Key is nil: made with mode
	// 0600 on first use. Empty means a file named like the database with
	// the extension .key (faqbot.db → faqbot.key).
	KeyFile string
	// LegacyGuild is the server that records from before per-server data
	// belong to when they carry none (votes and conversations of a bot
	// that served one server). Empty: the one server the old questions
	// name, if they name exactly one; otherwise such records go to
	// BaseGuild, where only the operator sees them.
	LegacyGuild string
	// ConversationMaxAge drops conversations not updated for this long;
	// 0 means DefaultConversationMaxAge.
	ConversationMaxAge time.Duration
	// ConversationMaxTurns keeps only this many latest turns of a
	// conversation; 0 means DefaultConversationMaxTurns.
	ConversationMaxTurns int
	// MaxPhrasings bounds each server's taught phrasings; 0 means
	// DefaultMaxPhrasings.
	MaxPhrasings int
	// Logger receives structured logs; discarded when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil. Tests set it.
	Now func() time.Time
}

// Defaults for Options.
const (
	// DefaultConversationMaxAge: a Discord thread left alone for a month is
	// over; keeping it longer only keeps members' words longer.
	DefaultConversationMaxAge = 30 * 24 * time.Hour
	// DefaultConversationMaxTurns: follow-ups only need the last few
	// exchanges, and the prompt has a token budget anyway.
	DefaultConversationMaxTurns = 20
)

// withDefaults fills in the zero values of o.
func (o Options) withDefaults() Options {
	if o.UserIDs == "" {
		o.UserIDs = PrivacyPlain
	}
	if o.ConversationMaxAge <= 0 {
		o.ConversationMaxAge = DefaultConversationMaxAge
	}
	if o.ConversationMaxTurns <= 0 {
		o.ConversationMaxTurns = DefaultConversationMaxTurns
	}
	if o.MaxPhrasings <= 0 {
		o.MaxPhrasings = DefaultMaxPhrasings
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

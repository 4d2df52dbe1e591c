package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/ingest"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
	"github.com/faqbot/faqbot/store"
)

// changeLogTimeout bounds writing one change-log entry. It is written even
// when the command's context has ended: the change happened either way.
const changeLogTimeout = 5 * time.Second

// servers gives the bot each server's part: that server's knowledge base
// in the manager and its records in the store. Everything is keyed by the
// guild here, once; the bot's handlers never see another server's.
type servers struct {
	kbs    *kb.Manager
	db     store.Store
	answer answer.Options
	// maxUpload is the largest document accepted, in bytes.
	maxUpload int64
	// syncer keeps the servers' sources; nil: none.
	syncer *ingest.Syncer
	// noSources says moderators may not add sources
	// (FAQBOT_MAX_SOURCES=0).
	noSources bool
	lg        *slog.Logger
}

var _ bot.Servers = servers{}

// Server returns guild's part. It does no I/O: the knowledge base loads
// on its first search.
func (s servers) Server(_ context.Context, guild string) (bot.Server, error) {
	g := s.db.Guild(guild)
	docs := guildCorpus{kbs: s.kbs, log: g, guild: guild, maxUpload: s.maxUpload, lg: s.lg}
	recs := storeRecords{st: g, kbs: s.kbs}
	srv := bot.Server{
		Answerer:         answer.New(guildSearcher{s.kbs.Searcher(guild)}, s.answer),
		Sources:          docs,
		Corpus:           docs,
		Reindexer:        docs,
		Reports:          recs,
		Questions:        recs,
		Feedback:         recs,
		Threads:          recs,
		Moderators:       g,
		ModeratorChannel: channelLog{g},
		Teacher:          guildTeacher{kbs: s.kbs, log: g, guild: guild, topK: s.answer.K, lg: s.lg},
		Picks:            recs,
	}
	if s.syncer != nil {
		srv.SourceManager = guildSources{syncer: s.syncer, guild: guild, off: s.noSources,
			untaught: func(ctx context.Context, who string) []string {
				return untaughtLines(untaught(ctx, s.kbs, g, guild, who, s.lg))
			}}
	}
	return srv, nil
}

// guildSearcher is a server's searcher, saying in the bot's words when the
// server has nothing to answer from.
type guildSearcher struct{ kb.Searcher }

func (s guildSearcher) Search(ctx context.Context, query string, k int) ([]retrieval.Hit, error) {
	hits, err := s.Searcher.Search(ctx, query, k)
	if errors.Is(err, kb.ErrNoFAQ) {
		return nil, fmt.Errorf("%w: %w", bot.ErrNoFAQ, err)
	}
	return hits, err
}

// guildCorpus is a server's Corpus, Reindexer and Sources: its documents in
// the manager, with every change written to the server's change log.
type guildCorpus struct {
	kbs       *kb.Manager
	log       store.Guild
	guild     string
	maxUpload int64
	lg        *slog.Logger
}

var (
	_ bot.Corpus    = guildCorpus{}
	_ bot.Reindexer = guildCorpus{}
	_ bot.Sources   = guildCorpus{}
)

// Add saves and indexes an upload in the server's documents.
func (c guildCorpus) Add(ctx context.Context, u bot.Upload) (bot.CorpusChange, error) {
	id, nameErr := library.SanitizeName(u.Name)
	existed := false
	if nameErr == nil {
		if own, _, err := c.kbs.Documents(ctx, c.guild); err == nil {
			for _, d := range own {
				existed = existed || d.ID == id
			}
		}
	}
	doc, ch, err := c.kbs.AddDocument(ctx, c.guild, u.Name, u.Data, library.AddOptions{Replace: u.Replace, Title: u.Title, MaxSize: c.maxUpload})
	if id == "" {
		id = u.Name
	}
	c.record(ctx, store.Change{Who: u.Who, Action: store.ActionAdd, Document: id}, ch, err)
	if err != nil {
		return bot.CorpusChange{}, readOnly(err)
	}
	return bot.CorpusChange{
		Document: doc.ID, Title: doc.Title, Passages: doc.Passages, Replaced: existed,
		Embedded: ch.Embedded, Reused: ch.Reused, Took: ch.Took, Skipped: skipLines(ch.Skips),
		Untaught: untaught(ctx, c.kbs, c.log, c.guild, u.Who, c.lg),
	}, nil
}

// Remove moves one of the server's documents to its removed/ folder. A
// page of a source is not removed on its own: its source brings it back.
func (c guildCorpus) Remove(ctx context.Context, id, who string) (bot.CorpusChange, error) {
	if src := ingest.SourceOf(id); src != 0 {
		return bot.CorpusChange{}, fmt.Errorf("removing document %q: %w (source %d)", id, bot.ErrSourcePage, src)
	}
	title := ""
	if own, _, err := c.kbs.Documents(ctx, c.guild); err == nil {
		for _, d := range own {
			if d.ID == id {
				title = d.Title
			}
		}
	}
	ch, err := c.kbs.RemoveDocument(ctx, c.guild, id)
	c.record(ctx, store.Change{Who: who, Action: store.ActionRemove, Document: id}, ch, err)
	if err != nil {
		return bot.CorpusChange{}, readOnly(err)
	}
	return bot.CorpusChange{Document: id, Title: title, Embedded: ch.Embedded, Reused: ch.Reused, Took: ch.Took,
		Untaught: untaught(ctx, c.kbs, c.log, c.guild, who, c.lg)}, nil
}

// readOnly says in the bot's words that a change touched the base.
func readOnly(err error) error {
	if errors.Is(err, kb.ErrBaseDocument) {
		return fmt.Errorf("%w: %w", bot.ErrReadOnly, err)
	}
	return err
}

// List returns the server's documents, with who last added each from
// Discord, then the base's, read-only.
func (c guildCorpus) List(ctx context.Context) ([]bot.CorpusDocument, error) {
	own, base, err := c.kbs.Documents(ctx, c.guild)
	if err != nil {
		return nil, err
	}
	added, err := c.log.LastChange(ctx, store.ActionAdd)
	if err != nil {
		return nil, err
	}
	out := make([]bot.CorpusDocument, 0, len(own)+len(base))
	for _, d := range own {
		cd := bot.CorpusDocument{ID: d.ID, Title: d.Title, Passages: d.Passages, Modified: d.Modified, Size: d.Size, Source: ingest.SourceOf(d.ID)}
		if a, ok := added[d.ID]; ok {
			cd.AddedBy, cd.AddedAt = a.Who, a.At
		}
		out = append(out, cd)
	}
	for _, d := range base {
		out = append(out, bot.CorpusDocument{ID: d.ID, Title: d.Title, Passages: d.Passages, Modified: d.Modified, Size: d.Size, ReadOnly: true})
	}
	return out, nil
}

// Documents lists everything the server answers from, for /sources: its
// own documents and the base's.
func (c guildCorpus) Documents(ctx context.Context) ([]bot.Document, error) {
	own, base, err := c.kbs.Documents(ctx, c.guild)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Document, 0, len(own)+len(base))
	for _, d := range append(own, base...) {
		out = append(out, bot.Document{ID: d.ID, Title: d.Title, URL: d.URL, Passages: d.Passages})
	}
	return out, nil
}

// Reindex re-reads the server's folder for /reindex and records the
// result, even when nothing changed: a moderator asked for it.
func (c guildCorpus) Reindex(ctx context.Context, who string) (bot.ReindexResult, error) {
	ch, err := c.kbs.Refresh(ctx, c.guild)
	c.record(ctx, store.Change{Who: who, Action: store.ActionReindex}, ch, err)
	if err != nil {
		return bot.ReindexResult{}, err
	}
	res := reindexResult(ch)
	res.Untaught = untaught(ctx, c.kbs, c.log, c.guild, who, c.lg)
	return res, nil
}

// record writes a change and its result to the server's change log. A
// failure to write is logged: the change itself is done, or was refused,
// either way.
func (c guildCorpus) record(ctx context.Context, e store.Change, ch library.Change, err error) {
	e.At = time.Now()
	if err != nil {
		e.Error = err.Error()
	} else {
		e.Summary = ch.Summary()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), changeLogTimeout)
	defer cancel()
	if werr := c.log.RecordChange(ctx, e); werr != nil {
		c.lg.Error("writing the corpus change log", "guild", c.guild, "action", e.Action, "document", e.Document, "err", werr)
	}
}

// reindexResult converts a library refresh for the bot.
func reindexResult(ch library.Change) bot.ReindexResult {
	return bot.ReindexResult{
		DocumentsAdded: len(ch.DocumentsAdded), DocumentsRemoved: len(ch.DocumentsRemoved),
		DocumentsChanged: len(ch.DocumentsChanged), DocumentsUnchanged: len(ch.DocumentsUnchanged),
		PassagesAdded: ch.PassagesAdded, PassagesRemoved: ch.PassagesRemoved, PassagesUnchanged: ch.PassagesUnchanged,
		Duration: ch.Took, Skipped: skipLines(ch.Skips),
	}
}

// skipLines renders the files not loaded as "path (reason)" for the bot's
// replies.
func skipLines(skips []corpus.Skip) []string {
	out := make([]string, len(skips))
	for i, s := range skips {
		out[i] = s.Path + " (" + s.Reason + ")"
	}
	return out
}

// storeRecords is one server's memory in the store: questions, votes,
// thread conversations and the moderators' reports.
type storeRecords struct {
	st store.Guild
	// kbs names the passages of the answers Endorsed reports; nil: by ID.
	kbs *kb.Manager
}

var (
	_ bot.QuestionLog = storeRecords{}
	_ bot.Feedback    = storeRecords{}
	_ bot.ThreadStore = storeRecords{}
	_ bot.Reports     = storeRecords{}
	_ bot.Picks       = storeRecords{}
)

// RecordQuestion stores an answered question; the store applies the
// privacy setting to the user ID.
func (s storeRecords) RecordQuestion(ctx context.Context, q bot.QuestionRecord) error {
	_, err := s.st.RecordQuestion(ctx, store.QuestionRecord{
		AnswerID: q.AnswerID, At: q.At, ChannelID: q.ChannelID, UserID: q.UserID,
		Question: q.Question, Answer: q.Answer, Mode: q.Mode, Sources: q.Sources, Refused: q.Refused,
		Latency: q.Latency, Note: q.Note,
	})
	return err
}

// Record stores a vote, replacing the member's earlier vote on the answer.
func (s storeRecords) Record(ctx context.Context, e bot.FeedbackEntry) error {
	err := s.st.RecordFeedback(ctx, store.Feedback{
		AnswerID: e.AnswerID, UserID: e.UserID, Vote: store.Vote(e.Vote), Question: e.Question, AskedBy: e.AskedBy, At: e.At,
	})
	if errors.Is(err, store.ErrUnknownAnswer) {
		return fmt.Errorf("%w: %w", bot.ErrUnknownAnswer, err)
	}
	return err
}

// LoadConversation returns a thread's stored turns.
func (s storeRecords) LoadConversation(ctx context.Context, threadID string) ([]answer.Turn, bool, error) {
	turns, ok, err := s.st.LoadConversation(ctx, threadID)
	if err != nil || !ok {
		return nil, ok, err
	}
	out := make([]answer.Turn, len(turns))
	for i, t := range turns {
		out[i] = answer.Turn{Question: t.Question, Answer: t.Answer}
	}
	return out, true, nil
}

// AppendTurn stores a thread's new turn.
func (s storeRecords) AppendTurn(ctx context.Context, threadID, userID string, t answer.Turn) error {
	return s.st.AppendTurn(ctx, threadID, store.Turn{Question: t.Question, Answer: t.Answer, AskedBy: userID})
}

// Gaps is the gaps report.
func (s storeRecords) Gaps(ctx context.Context, since time.Time, limit int) ([]bot.Gap, error) {
	gaps, err := s.st.Gaps(ctx, since, limit)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Gap, len(gaps))
	for i, g := range gaps {
		out[i] = bot.Gap{Question: g.Question, Count: g.Count, Refused: g.Refused, Downvoted: g.Downvoted, Redirected: g.Redirected, LastAsked: g.LastAsked, Variants: g.Variants,
			Picked: pickedOf(g.Picked)}
	}
	return out, nil
}

// Stats are the usage statistics.
func (s storeRecords) Stats(ctx context.Context, since time.Time) (bot.Stats, error) {
	st, err := s.st.Stats(ctx, since)
	if err != nil {
		return bot.Stats{}, err
	}
	out := bot.Stats{Questions: st.Questions, Refused: st.Refused, Up: st.Up, Down: st.Down, MedianLatency: st.MedianLatency}
	for _, d := range st.PerDay {
		out.PerDay = append(out.PerDay, bot.DayCount{Day: d.Day, Questions: d.Questions, Refused: d.Refused})
	}
	for _, sc := range st.TopSources {
		out.TopSources = append(out.TopSources, bot.SourceCount{Document: sc.Document, Count: sc.Count})
	}
	return out, nil
}

// forgetter deletes a member's records in every server.
type forgetter struct{ st store.Store }

var _ bot.Forgetter = forgetter{}

// ForgetUser deletes everything stored about a member.
func (f forgetter) ForgetUser(ctx context.Context, userID string) (int, error) {
	return f.st.DeleteUser(ctx, userID)
}

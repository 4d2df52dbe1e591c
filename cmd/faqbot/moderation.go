package main

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

// changeLogTimeout bounds writing one change-log entry. It is written even
// when the command's context has ended: the change happened either way.
const changeLogTimeout = 5 * time.Second

// corpusAdmin is the bot's Corpus and Reindexer: the live library, with
// every change written to the store's change log.
type corpusAdmin struct {
	lib *library.Library
	st  *store.Store
	// maxUpload is the largest document accepted, in bytes.
	maxUpload int64
	lg        *slog.Logger
}

var (
	_ bot.Corpus    = corpusAdmin{}
	_ bot.Reindexer = corpusAdmin{}
)

// Add saves and indexes an upload.
func (c corpusAdmin) Add(ctx context.Context, u bot.Upload) (bot.CorpusChange, error) {
	id, nameErr := library.SanitizeName(u.Name)
	existed := nameErr == nil && c.has(id)
	doc, ch, err := c.lib.AddDocument(ctx, u.Name, u.Data, library.AddOptions{Replace: u.Replace, Title: u.Title, MaxSize: c.maxUpload})
	if id == "" {
		id = u.Name
	}
	c.record(ctx, store.Change{Who: u.Who, Action: store.ActionAdd, Document: id}, ch, err)
	if err != nil {
		return bot.CorpusChange{}, err
	}
	return bot.CorpusChange{
		Document: doc.ID, Title: doc.Title, Passages: doc.Passages, Replaced: existed,
		Embedded: ch.Embedded, Reused: ch.Reused, Took: ch.Took, Skipped: skipLines(ch.Skips),
	}, nil
}

// Remove moves a document to removed/ and drops its passages.
func (c corpusAdmin) Remove(ctx context.Context, id, who string) (bot.CorpusChange, error) {
	title := ""
	for _, d := range c.lib.Documents() {
		if d.ID == id {
			title = d.Title
		}
	}
	ch, err := c.lib.RemoveDocument(ctx, id)
	c.record(ctx, store.Change{Who: who, Action: store.ActionRemove, Document: id}, ch, err)
	if err != nil {
		return bot.CorpusChange{}, err
	}
	return bot.CorpusChange{Document: id, Title: title, Embedded: ch.Embedded, Reused: ch.Reused, Took: ch.Took}, nil
}

// List returns the documents with who last added each from Discord.
func (c corpusAdmin) List(ctx context.Context) ([]bot.CorpusDocument, error) {
	added, err := c.st.LastChange(ctx, store.ActionAdd)
	if err != nil {
		return nil, err
	}
	docs := c.lib.Documents()
	out := make([]bot.CorpusDocument, 0, len(docs))
	for _, d := range docs {
		cd := bot.CorpusDocument{ID: d.ID, Title: d.Title, Passages: d.Passages, Modified: d.Modified, Size: d.Size}
		if a, ok := added[d.ID]; ok {
			cd.AddedBy, cd.AddedAt = a.Who, a.At
		}
		out = append(out, cd)
	}
	return out, nil
}

// Reindex re-reads the corpus folder for /reindex and records the result,
// even when nothing changed: a moderator asked for it.
func (c corpusAdmin) Reindex(ctx context.Context, who string) (bot.ReindexResult, error) {
	ch, err := c.lib.Refresh(ctx)
	c.record(ctx, store.Change{Who: who, Action: store.ActionReindex}, ch, err)
	if err != nil {
		return bot.ReindexResult{}, err
	}
	return reindexResult(ch), nil
}

func (c corpusAdmin) has(id string) bool {
	return slices.ContainsFunc(c.lib.Documents(), func(d library.DocumentInfo) bool { return d.ID == id })
}

// record writes a change and its result to the change log. A failure to
// write is logged: the change itself is done, or was refused, either way.
func (c corpusAdmin) record(ctx context.Context, e store.Change, ch library.Change, err error) {
	e.At = time.Now()
	if err != nil {
		e.Error = err.Error()
	} else {
		e.Summary = ch.Summary()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), changeLogTimeout)
	defer cancel()
	if werr := c.st.RecordChange(ctx, e); werr != nil {
		c.lg.Error("writing the corpus change log", "action", e.Action, "document", e.Document, "err", werr)
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

// storeRecords is the bot's memory in the store: questions, votes, thread
// conversations, deletions on request, and the moderators' reports.
type storeRecords struct{ st *store.Store }

var (
	_ bot.QuestionLog = storeRecords{}
	_ bot.Feedback    = storeRecords{}
	_ bot.ThreadStore = storeRecords{}
	_ bot.Forgetter   = storeRecords{}
	_ bot.Reports     = storeRecords{}
)

// RecordQuestion stores an answered question; the store applies the
// privacy setting to the user ID.
func (s storeRecords) RecordQuestion(ctx context.Context, q bot.QuestionRecord) error {
	_, err := s.st.RecordQuestion(ctx, store.QuestionRecord{
		AnswerID: q.AnswerID, At: q.At, GuildID: q.GuildID, ChannelID: q.ChannelID, UserID: q.UserID,
		Question: q.Question, Answer: q.Answer, Mode: q.Mode, Sources: q.Sources, Refused: q.Refused,
		Latency: q.Latency, Note: q.Note,
	})
	return err
}

// Record stores a vote, replacing the member's earlier vote on the answer.
func (s storeRecords) Record(ctx context.Context, e bot.FeedbackEntry) error {
	return s.st.RecordFeedback(ctx, store.Feedback{
		AnswerID: e.AnswerID, UserID: e.UserID, Vote: store.Vote(e.Vote), Question: e.Question, At: e.At,
	})
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
func (s storeRecords) AppendTurn(ctx context.Context, threadID string, t answer.Turn) error {
	return s.st.AppendTurn(ctx, threadID, store.Turn{Question: t.Question, Answer: t.Answer})
}

// ForgetUser deletes a member's questions and votes.
func (s storeRecords) ForgetUser(ctx context.Context, userID string) (int, error) {
	return s.st.DeleteUser(ctx, userID)
}

// Gaps is the gaps report.
func (s storeRecords) Gaps(ctx context.Context, since time.Time, limit int) ([]bot.Gap, error) {
	gaps, err := s.st.Gaps(ctx, since, limit)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Gap, len(gaps))
	for i, g := range gaps {
		out[i] = bot.Gap{Question: g.Question, Count: g.Count, Refused: g.Refused, Downvoted: g.Downvoted, LastAsked: g.LastAsked, Variants: g.Variants}
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

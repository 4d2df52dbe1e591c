package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/store"
)

// choicesPeriod is how far back /corpus teach looks for questions worth
// teaching: the gaps and helpful answers of the last month.
const choicesPeriod = 30 * 24 * time.Hour

// passageChoices is how many passages the search for a question offers
// in /corpus teach's autocomplete, before those typed for.
const passageChoices = 10

// guildTeacher is a server's Teacher: its phrasings in the knowledge-base
// manager and the store, every change written to its change log.
type guildTeacher struct {
	kbs   *kb.Manager
	log   store.Guild
	guild string
	topK  int
	lg    *slog.Logger
}

var _ bot.Teacher = guildTeacher{}

// Teach teaches a phrasing from Discord, and says how the question is
// answered now (extractively: whether the relevance decision answers it
// from the passage).
func (t guildTeacher) Teach(ctx context.Context, question, passageID, who string) (bot.TeachResult, error) {
	stored, replaced, err := t.kbs.Teach(ctx, t.guild, question, passageID, who, "discord")
	if err != nil {
		return bot.TeachResult{}, teachErr(err)
	}
	recordTeaching(ctx, t.log, who, store.ActionTeach, stored, t.lg)
	res := bot.TeachResult{Phrasing: t.phrasing(kb.Taught{Phrasing: stored})}
	if replaced.ID != 0 {
		p := t.phrasing(kb.Taught{Phrasing: replaced})
		res.Replaced = &p
	}
	if c, ok, err := t.kbs.Passage(ctx, t.guild, stored.Passage.ChunkID); err == nil && ok {
		res.Phrasing.Base = t.isBase(ctx, c)
	}
	a, err := answer.New(t.kbs.Searcher(t.guild), answer.Options{K: t.topK}).Answer(ctx, answer.Question{Text: stored.Question})
	if err != nil {
		return res, nil // taught; only the check failed
	}
	if !a.Refused && len(a.Citations) > 0 {
		res.AnsweredFrom, res.AnsweredTitle = a.Citations[0].ChunkID, a.Citations[0].Title
	}
	return res, nil
}

// isBase reports whether c is a passage of the base rather than the
// server's own.
func (t guildTeacher) isBase(ctx context.Context, c corpus.Chunk) bool {
	own, _, err := t.kbs.Documents(ctx, t.guild)
	if err != nil {
		return false
	}
	for _, d := range own {
		if d.ID == c.DocID {
			return false
		}
	}
	return true
}

// teachErr says in the bot's words why teaching failed.
func teachErr(err error) error {
	switch {
	case errors.Is(err, kb.ErrNoPassage):
		return fmt.Errorf("%w: %w", bot.ErrNoPassage, err)
	case errors.Is(err, store.ErrBadPhrasing):
		return fmt.Errorf("%w: %w", bot.ErrBadPhrasing, err)
	case errors.Is(err, store.ErrTooManyPhrasings):
		return fmt.Errorf("%w: %w", bot.ErrTooManyPhrasings, err)
	}
	return err
}

// Unteach removes one phrasing.
func (t guildTeacher) Unteach(ctx context.Context, id int64, who string) (bot.Phrasing, error) {
	gone, err := t.kbs.Unteach(ctx, t.guild, id)
	if err != nil {
		return bot.Phrasing{}, err
	}
	if len(gone) == 0 {
		return bot.Phrasing{}, bot.ErrNoPhrasing
	}
	recordTeaching(ctx, t.log, who, store.ActionUnteach, gone[0], t.lg)
	return t.phrasing(kb.Taught{Phrasing: gone[0]}), nil
}

// Phrasings lists the server's phrasings, with where each passage is now.
func (t guildTeacher) Phrasings(ctx context.Context) ([]bot.Phrasing, error) {
	ts, err := t.kbs.Taught(ctx, t.guild)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Phrasing, 0, len(ts))
	for _, p := range ts {
		out = append(out, t.phrasing(p))
	}
	return out, nil
}

// DropGone drops the server's phrasings whose passage is gone (a change
// outside Discord, or to the base, removed it), into the change log as
// seen by who.
func (t guildTeacher) DropGone(ctx context.Context, who string) ([]bot.Phrasing, error) {
	gone, err := t.kbs.SyncTaught(ctx, t.guild)
	if err != nil {
		return nil, err
	}
	recordDropped(ctx, t.log, who, gone, t.lg)
	return t.phrasings(gone), nil
}

func (t guildTeacher) phrasing(p kb.Taught) bot.Phrasing {
	return bot.Phrasing{
		ID: p.ID, Question: p.Question, PassageID: p.Passage.ChunkID, Title: p.Passage.Title, Document: p.Passage.Document,
		Base: p.Base, Who: p.Who, At: p.At,
	}
}

func (t guildTeacher) phrasings(ps []store.Phrasing) []bot.Phrasing {
	out := make([]bot.Phrasing, len(ps))
	for i, p := range ps {
		out[i] = t.phrasing(kb.Taught{Phrasing: p})
	}
	return out
}

// QuestionChoices offers the questions of the server's recent gaps (and
// their other phrasings) and of the answers members voted helpful, not
// yet taught, those containing typed.
func (t guildTeacher) QuestionChoices(ctx context.Context, typed string) ([]bot.Choice, error) {
	since := time.Now().Add(-choicesPeriod)
	gaps, err := t.log.Gaps(ctx, since, 0)
	if err != nil {
		return nil, err
	}
	endorsed, err := t.log.Endorsed(ctx, since, 0)
	if err != nil {
		return nil, err
	}
	taught, err := t.log.Phrasings(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range taught {
		seen[store.NormalizePhrasing(p.Question)] = true
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	var out []bot.Choice
	add := func(q, why string) {
		k := store.NormalizePhrasing(q)
		if k == "" || seen[k] || (typed != "" && !strings.Contains(strings.ToLower(q), typed)) {
			return
		}
		seen[k] = true
		out = append(out, bot.Choice{Name: q + " — " + why, Value: strings.TrimSpace(q)})
	}
	for _, g := range gaps {
		why := gapWhy(g)
		add(g.Question, why)
		for _, v := range g.Variants {
			add(v, why)
		}
	}
	for _, e := range endorsed {
		add(e.Question, fmt.Sprintf("👍 %d", e.Up))
	}
	return out, nil
}

// gapWhy says in a few words why a gap's questions are worth teaching.
func gapWhy(g store.Gap) string {
	switch {
	case len(g.Picked) > 0:
		return "members picked “" + g.Picked[0].Passage.Title + "”"
	case g.Refused > 0:
		return fmt.Sprintf("refused %d×", g.Refused)
	}
	return fmt.Sprintf("voted down %d×", g.Downvoted)
}

// PassageChoices offers the passages for question: those members picked
// after its refusals or that answered it helpfully, then the closest by
// search, then any whose title, ID or document contains typed.
//
// It runs at every keystroke: every passage is read only when something
// is typed to match them against; the others are looked up by ID.
func (t guildTeacher) PassageChoices(ctx context.Context, question, typed string) ([]bot.Choice, error) {
	var ids []string
	if q := store.NormalizePhrasing(question); q != "" {
		since := time.Now().Add(-choicesPeriod)
		gaps, err := t.log.Gaps(ctx, since, 0)
		if err != nil {
			return nil, err
		}
		for _, g := range gaps {
			if gapHas(g, q) {
				for _, p := range g.Picked {
					ids = append(ids, p.Passage.ChunkID)
				}
			}
		}
		endorsed, err := t.log.Endorsed(ctx, since, 0)
		if err != nil {
			return nil, err
		}
		for _, e := range endorsed {
			if store.NormalizePhrasing(e.Question) == q {
				ids = append(ids, e.Sources[0])
			}
		}
		hits, err := t.kbs.Searcher(t.guild).Search(ctx, question, passageChoices)
		if err != nil && !errors.Is(err, kb.ErrNoFAQ) {
			return nil, err
		}
		for _, h := range hits {
			ids = append(ids, h.Chunk.ID)
		}
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	matches := func(c corpus.Chunk) bool { return strings.Contains(strings.ToLower(c.Title+" "+c.ID), typed) }
	var byID map[string]corpus.Chunk
	if typed != "" {
		all, err := t.kbs.Passages(ctx, t.guild)
		if err != nil {
			return nil, err
		}
		byID = make(map[string]corpus.Chunk, len(all))
		for _, c := range all {
			byID[c.ID] = c
			if matches(c) {
				ids = append(ids, c.ID)
			}
		}
	}
	seen := map[string]bool{}
	var out []bot.Choice
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, ok := byID[id]
		if byID == nil {
			var err error
			if c, ok, err = t.kbs.Passage(ctx, t.guild, id); err != nil {
				return nil, err
			}
		}
		if !ok || (typed != "" && !matches(c)) {
			continue
		}
		title := c.Title
		if strings.TrimSpace(title) == "" {
			title = c.DocTitle
		}
		out = append(out, bot.Choice{Name: title + " — " + c.ID, Value: c.ID})
	}
	return out, nil
}

// gapHas reports whether one of g's phrasings is the normalised question q.
func gapHas(g store.Gap, q string) bool {
	if store.NormalizePhrasing(g.Question) == q {
		return true
	}
	for _, v := range g.Variants {
		if store.NormalizePhrasing(v) == q {
			return true
		}
	}
	return false
}

// RecordPick records a member's pick of a refused answer's suggestion.
func (s storeRecords) RecordPick(ctx context.Context, answerID, userID string, sg answer.Suggestion) error {
	err := s.st.RecordPick(ctx, store.Pick{
		AnswerID: answerID, UserID: userID,
		Passage: store.Passage{ChunkID: sg.ChunkID, Document: sg.Source, Title: sg.Title},
	})
	if errors.Is(err, store.ErrUnknownAnswer) {
		return fmt.Errorf("%w: %w", bot.ErrUnknownAnswer, err)
	}
	return err
}

// Endorsed lists the answers several members voted helpful, each with the
// passage it led with.
func (s storeRecords) Endorsed(ctx context.Context, since time.Time, limit int) ([]bot.Endorsement, error) {
	es, err := s.st.Endorsed(ctx, since, limit)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Endorsement, len(es))
	for i, e := range es {
		out[i] = bot.Endorsement{Question: e.Question, PassageID: e.Sources[0], Up: e.Up, Down: e.Down}
		out[i].Document = e.Sources[0]
		if doc, _, ok := corpus.SplitChunkID(e.Sources[0]); ok {
			out[i].Document = doc
		}
		if s.kbs != nil {
			if c, ok, err := s.kbs.Passage(ctx, s.st.ID(), e.Sources[0]); err == nil && ok {
				out[i].Title, out[i].Document = c.Title, c.DocID
			}
		}
	}
	return out, nil
}

// pickedOf converts a gap's picks for the bot.
func pickedOf(ps []store.Picked) []bot.PickedPassage {
	out := make([]bot.PickedPassage, len(ps))
	for i, p := range ps {
		out[i] = bot.PickedPassage{PassageID: p.Passage.ChunkID, Title: p.Passage.Title, Document: p.Passage.Document, Members: p.Members}
	}
	return out
}

// untaught syncs guild's phrasings after a change by who and returns, for
// the moderator's reply, those dropped; they are written to the change
// log. A failure is logged: the change itself is done.
func untaught(ctx context.Context, kbs *kb.Manager, log store.Guild, guild, who string, lg *slog.Logger) []bot.Phrasing {
	gone, err := kbs.SyncTaught(ctx, guild)
	if err != nil {
		lg.Error("checking the taught phrasings after a change", "guild", guild, "err", err)
		return nil
	}
	recordDropped(ctx, log, who, gone, lg)
	return guildTeacher{}.phrasings(gone)
}

// untaughtLines says, a line each, which taught phrasings a change
// dropped, for the reports of sources.
func untaughtLines(ps []bot.Phrasing) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("taught phrasing “%s” dropped: its passage %s is gone", p.Question, p.PassageID)
	}
	return out
}

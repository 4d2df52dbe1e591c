package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Pick is a member's click on one of the "Did you mean…?" suggestions of
// a refused answer: the passage they meant, which is a phrasing worth
// teaching.
type Pick struct {
	// AnswerID is the refused answer's ID, as recorded with
	// RecordQuestion.
	AnswerID string
	// UserID is who picked; stored like a voter.
	UserID string
	// Passage is the suggestion picked.
	Passage Passage
	// At is when; now when zero.
	At time.Time
}

// Picked is how many members picked one passage among a gap's
// suggestions.
type Picked struct {
	Passage Passage
	// Members is how many members picked it, over the gap's questions.
	Members int
}

// RecordPick stores p: once per member, answer and passage. The answer
// must be one the server recorded, or it fails with ErrUnknownAnswer.
func (g sqlGuild) RecordPick(ctx context.Context, p Pick) error {
	s := g.s
	if p.AnswerID == "" || p.UserID == "" || p.Passage.ChunkID == "" {
		return errors.New("recording a pick: answer ID, user ID and passage are required")
	}
	if p.At.IsZero() {
		p.At = s.now()
	}
	err := s.tx(ctx, func(tx *sqlTx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM questions WHERE guild = ? AND answer_id = ?`, g.id, p.AnswerID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrUnknownAnswer
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO suggestion_picks (guild, answer_id, picker, chunk_id, document, title, picked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (guild, answer_id, picker, chunk_id) DO UPDATE SET picked_at = excluded.picked_at`,
			g.id, p.AnswerID, s.userKey(p.AnswerID, p.UserID), p.Passage.ChunkID, p.Passage.Document, p.Passage.Title, ms(p.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("recording a pick: %w", err)
	}
	return nil
}

// picksOf returns, per answer ID, the passages picked since since among
// its suggestions and by how many members.
func (g sqlGuild) picksOf(ctx context.Context, since time.Time) (map[string][]Picked, error) {
	rows, err := g.s.db.QueryContext(ctx, `SELECT answer_id, chunk_id, max(document), max(title), count(*)
		FROM suggestion_picks WHERE guild = ? AND picked_at >= ?
		GROUP BY answer_id, chunk_id ORDER BY answer_id, chunk_id`, g.id, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Picked{}
	for rows.Next() {
		var id string
		var p Picked
		if err := rows.Scan(&id, &p.Passage.ChunkID, &p.Passage.Document, &p.Passage.Title, &p.Members); err != nil {
			return nil, err
		}
		out[id] = append(out[id], p)
	}
	return out, rows.Err()
}

// mergePicks adds b's counts to a's, by passage, and orders the result
// most picked first.
func mergePicks(a, b []Picked) []Picked {
	for _, p := range b {
		i := slices.IndexFunc(a, func(q Picked) bool { return q.Passage.ChunkID == p.Passage.ChunkID })
		if i < 0 {
			a = append(a, p)
			continue
		}
		a[i].Members += p.Members
	}
	slices.SortStableFunc(a, func(x, y Picked) int { return cmp.Compare(y.Members, x.Members) })
	return a
}

// EndorsedNet is how many more members must vote an answer 👍 than 👎 for
// its question to be offered to moderators as a phrasing to keep. One
// member has one vote per answer, so no member alone can reach it; three
// is "several members", few enough that a small server gets there.
const EndorsedNet = 3

// Endorsement is an answered question that several members voted
// helpful: offered to moderators as a phrasing of the passage that
// answered it. Nothing is taught until a moderator accepts it.
type Endorsement struct {
	// AnswerID is the answer's ID.
	AnswerID string
	// Question is the question as asked.
	Question string
	// Sources are the cited passages' IDs, in citation order: the first
	// is the passage the answer led with.
	Sources []string
	// Up and Down count the votes.
	Up, Down int
	// LastVote is when the latest vote was cast.
	LastVote time.Time
}

// Endorsed returns the answered questions voted since since with at least
// EndorsedNet more 👍 than 👎, best first, at most limit (all when limit
// <= 0): one per phrasing (ignoring case and punctuation), leaving out
// phrasings already taught.
func (g sqlGuild) Endorsed(ctx context.Context, since time.Time, limit int) ([]Endorsement, error) {
	rows, err := g.s.db.QueryContext(ctx, `
		SELECT q.answer_id, q.question, q.sources,
			sum(CASE WHEN f.vote = 1 THEN 1 ELSE 0 END), sum(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END), max(f.voted_at)
		FROM questions q JOIN feedback f ON f.guild = q.guild AND f.answer_id = q.answer_id
		WHERE q.guild = ? AND q.refused = 0
		GROUP BY q.answer_id, q.question, q.sources
		HAVING sum(f.vote) >= ? AND max(f.voted_at) >= ?`, g.id, EndorsedNet, ms(since))
	if err != nil {
		return nil, fmt.Errorf("finding endorsed answers: %w", err)
	}
	var all []Endorsement
	for rows.Next() {
		var e Endorsement
		var src string
		var at int64
		if err := rows.Scan(&e.AnswerID, &e.Question, &src, &e.Up, &e.Down, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("finding endorsed answers: %w", err)
		}
		if err := json.Unmarshal([]byte(src), &e.Sources); err != nil || len(e.Sources) == 0 {
			continue // an answer citing nothing has no passage to teach
		}
		e.LastVote = fromMS(at)
		all = append(all, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("finding endorsed answers: %w", err)
	}
	taught, err := g.Phrasings(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding endorsed answers: %w", err)
	}
	seen := map[string]bool{}
	for _, p := range taught {
		seen[normalize(p.Question)] = true
	}
	slices.SortStableFunc(all, func(a, b Endorsement) int {
		if c := cmp.Compare(b.Up-b.Down, a.Up-a.Down); c != 0 {
			return c
		}
		return b.LastVote.Compare(a.LastVote)
	})
	var out []Endorsement
	for _, e := range all {
		k := normalize(e.Question)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

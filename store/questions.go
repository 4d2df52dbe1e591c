package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// QuestionRecord is one question asked and what faqbot answered. The
// server is the Guild it is recorded through.
type QuestionRecord struct {
	// AnswerID identifies the answer for votes (the ID its buttons carry).
	// Empty: the row ID, in decimal, is used.
	AnswerID string
	// At is when it was asked; now when zero.
	At        time.Time
	ChannelID string
	// UserID is stored as the privacy mode says: as is, hashed, or not.
	UserID   string
	Question string
	Answer   string
	// Mode is "extractive" or "llm".
	Mode string
	// Sources are the cited passages' IDs ("file#n"), in citation order.
	Sources []string
	Refused bool
	Latency time.Duration
	// Note is anything worth keeping, e.g. why the LLM was not used.
	Note string
}

// RecordQuestion stores q and returns its row ID.
func (g sqlGuild) RecordQuestion(ctx context.Context, q QuestionRecord) (int64, error) {
	s := g.s
	if q.At.IsZero() {
		q.At = s.now()
	}
	if q.Sources == nil {
		q.Sources = []string{}
	}
	src, err := json.Marshal(q.Sources)
	if err != nil {
		return 0, fmt.Errorf("recording a question: %w", err)
	}
	answerID := sql.NullString{String: q.AnswerID, Valid: q.AnswerID != ""}
	var id int64
	err = s.tx(ctx, func(tx *sqlTx) error {
		// RETURNING rather than LastInsertId, which PostgreSQL's driver
		// does not have.
		err := tx.QueryRowContext(ctx, `INSERT INTO questions
			(answer_id, asked_at, guild, channel, user_id, question, answer, mode, sources, refused, latency_ms, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			answerID, ms(q.At), g.id, q.ChannelID, s.userColumn(q.UserID), q.Question, q.Answer, q.Mode,
			string(src), boolInt(q.Refused), q.Latency.Milliseconds(), q.Note).Scan(&id)
		if err != nil {
			return err
		}
		if !answerID.Valid {
			_, err = tx.ExecContext(ctx, `UPDATE questions SET answer_id = ? WHERE id = ?`, strconv.FormatInt(id, 10), id)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("recording a question: %w", err)
	}
	return id, nil
}

// voteCounts are the 👍 and 👎 counts of the feedback rows selected, in
// SQL that both engines read alike (PostgreSQL cannot sum a comparison).
const voteCounts = `coalesce(sum(CASE WHEN vote = 1 THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN vote = -1 THEN 1 ELSE 0 END), 0)`

// Vote is a reader's verdict on an answer: +1 (👍) or -1 (👎).
type Vote int

// The two votes.
const (
	VoteUp   Vote = 1
	VoteDown Vote = -1
)

// Feedback is one member's vote on one answer.
type Feedback struct {
	// AnswerID is the answer's ID, as in QuestionRecord.AnswerID (or the
	// decimal row ID RecordQuestion returned).
	AnswerID string
	UserID   string
	Vote     Vote
	// Question is the question answered. It is only kept when the answer
	// was never recorded with RecordQuestion, so the gaps report can still
	// show it.
	Question string
	// AskedBy is the member who asked Question, so that their request to
	// be forgotten also clears this copy of it. Stored like UserID.
	AskedBy string
	// At is when the vote was cast; now when zero.
	At time.Time
}

// ErrBadVote means a vote other than +1 or -1.
var ErrBadVote = errors.New("vote must be +1 or -1")

// ErrUnknownAnswer means a vote on an answer the server never recorded,
// carrying no question: nothing to tie it to.
var ErrUnknownAnswer = errors.New("no such answer in this server")

// RecordFeedback stores f, replacing the same member's earlier vote on the
// same answer.
func (g sqlGuild) RecordFeedback(ctx context.Context, f Feedback) error {
	s := g.s
	if f.Vote != VoteUp && f.Vote != VoteDown {
		return fmt.Errorf("recording feedback: %w", ErrBadVote)
	}
	if f.AnswerID == "" || f.UserID == "" {
		return errors.New("recording feedback: answer ID and user ID are required")
	}
	if f.At.IsZero() {
		f.At = s.now()
	}
	err := s.tx(ctx, func(tx *sqlTx) error {
		// The question row, when there is one, already holds the text:
		// a copy with every vote would be one more thing to forget.
		var recorded int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM questions WHERE guild = ? AND answer_id = ?`, g.id, f.AnswerID).Scan(&recorded); err != nil {
			return err
		}
		question, asker := f.Question, s.userKey(f.AnswerID, f.AskedBy)
		switch {
		case recorded > 0:
			question, asker = "", ""
		case question == "":
			return ErrUnknownAnswer
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO feedback (guild, answer_id, voter, question, asker, vote, voted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (guild, answer_id, voter) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at,
				question = CASE WHEN excluded.question = '' THEN feedback.question ELSE excluded.question END,
				asker = CASE WHEN excluded.question = '' THEN feedback.asker ELSE excluded.asker END`,
			g.id, f.AnswerID, s.userKey(f.AnswerID, f.UserID), question, asker, int(f.Vote), ms(f.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("recording feedback: %w", err)
	}
	return nil
}

// Votes returns the 👍 and 👎 counts of one answer.
func (g sqlGuild) Votes(ctx context.Context, answerID string) (up, down int, err error) {
	err = g.s.db.QueryRowContext(ctx, `SELECT `+voteCounts+`
		FROM feedback WHERE guild = ? AND answer_id = ?`, g.id, answerID).Scan(&up, &down)
	if err != nil {
		return 0, 0, fmt.Errorf("counting votes: %w", err)
	}
	return up, down, nil
}

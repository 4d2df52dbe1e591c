package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Turn is one exchange of a thread conversation.
type Turn struct {
	Question string
	Answer   string
	// At is when the question was answered; now when zero.
	At time.Time
	// AskedBy is the member who asked, stored as the privacy mode says so
	// that their turns can be deleted on request. It is only written:
	// LoadConversation leaves it empty.
	AskedBy string
}

// AppendTurn adds one turn to a thread's conversation. The turn is a row
// of its own, so appends to one thread never overwrite each other; the
// expired turns of the thread and those beyond the latest
// ConversationMaxTurns go in the same transaction.
func (g sqlGuild) AppendTurn(ctx context.Context, threadID string, t Turn) error {
	if threadID == "" {
		return errors.New("saving a conversation turn: empty thread ID")
	}
	s := g.s
	now := s.now()
	if t.At.IsZero() {
		t.At = now
	}
	err := s.tx(ctx, func(tx *sqlTx) error {
		// A conversation that had expired starts afresh rather than
		// coming back to life with its old turns.
		if _, err := tx.ExecContext(ctx, `DELETE FROM conversation_turns WHERE guild = ? AND thread_id = ?
			AND (SELECT max(at) FROM conversation_turns WHERE guild = ? AND thread_id = ?) < ?`,
			g.id, threadID, g.id, threadID, ms(now.Add(-s.opts.ConversationMaxAge))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversation_turns (guild, thread_id, asked_by, question, answer, at)
			VALUES (?, ?, ?, ?, ?, ?)`, g.id, threadID, s.userKey(threadID, t.AskedBy), t.Question, t.Answer, ms(t.At)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM conversation_turns WHERE guild = ?1 AND thread_id = ?2 AND seq NOT IN
			(SELECT seq FROM conversation_turns WHERE guild = ?1 AND thread_id = ?2 ORDER BY seq DESC LIMIT ?3)`,
			g.id, threadID, s.opts.ConversationMaxTurns)
		return err
	})
	if err != nil {
		return fmt.Errorf("saving a conversation turn: %w", err)
	}
	return nil
}

// LoadConversation returns a thread's turns, oldest first, and whether the
// thread is known.
func (g sqlGuild) LoadConversation(ctx context.Context, threadID string) ([]Turn, bool, error) {
	s := g.s
	rows, err := s.db.QueryContext(ctx, `SELECT question, answer, at FROM conversation_turns
		WHERE guild = ? AND thread_id = ? ORDER BY seq`, g.id, threadID)
	if err != nil {
		return nil, false, fmt.Errorf("loading a conversation: %w", err)
	}
	defer rows.Close()
	var turns []Turn
	var last time.Time
	for rows.Next() {
		var t Turn
		var at int64
		if err := rows.Scan(&t.Question, &t.Answer, &at); err != nil {
			return nil, false, fmt.Errorf("loading a conversation: %w", err)
		}
		t.At = fromMS(at)
		if t.At.After(last) {
			last = t.At
		}
		turns = append(turns, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("loading a conversation: %w", err)
	}
	if len(turns) == 0 || last.Before(s.now().Add(-s.opts.ConversationMaxAge)) {
		return nil, false, nil
	}
	if n := s.opts.ConversationMaxTurns; len(turns) > n {
		turns = turns[len(turns)-n:]
	}
	return turns, true, nil
}

// PruneConversations deletes the conversations whose last turn is past the
// retention age, in every server, and says how many went.
func (s *sqlStore) PruneConversations(ctx context.Context) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sqlTx) error {
		cutoff := ms(s.now().Add(-s.opts.ConversationMaxAge))
		const expired = `SELECT guild, thread_id FROM conversation_turns GROUP BY guild, thread_id HAVING max(at) < ?`
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+expired+`) expired`, cutoff).Scan(&n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM conversation_turns WHERE (guild, thread_id) IN (`+expired+`)`, cutoff)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pruning conversations: %w", err)
	}
	return n, nil
}

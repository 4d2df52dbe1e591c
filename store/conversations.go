package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Turn is one exchange of a thread conversation.
type Turn struct {
	Question string `json:"q"`
	Answer   string `json:"a"`
	// At is when the question was answered.
	At time.Time `json:"at,omitzero"`
}

// SaveConversation stores the turns of a thread, keeping only the latest
// Options.ConversationMaxTurns, and prunes conversations older than
// Options.ConversationMaxAge, in the same transaction.
func (s *Store) SaveConversation(ctx context.Context, threadID string, turns []Turn) error {
	if threadID == "" {
		return errors.New("saving a conversation: empty thread ID")
	}
	if n := s.opts.ConversationMaxTurns; len(turns) > n {
		turns = turns[len(turns)-n:]
	}
	b, err := json.Marshal(turns)
	if err != nil {
		return fmt.Errorf("saving a conversation: %w", err)
	}
	now := s.now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (thread_id, turns, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (thread_id) DO UPDATE SET turns = excluded.turns, updated_at = excluded.updated_at`,
			threadID, string(b), ms(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE updated_at < ?`, ms(now.Add(-s.opts.ConversationMaxAge)))
		return err
	})
	if err != nil {
		return fmt.Errorf("saving a conversation: %w", err)
	}
	return nil
}

// AppendTurn adds one turn to a thread's conversation (starting it if
// needed), with the limits of SaveConversation.
func (s *Store) AppendTurn(ctx context.Context, threadID string, t Turn) error {
	if t.At.IsZero() {
		t.At = s.now()
	}
	// The read and the write are not one transaction: a thread's turns
	// come from one asker at a time through the bot's per-thread queue,
	// and holding the write lock across the read would gain nothing.
	turns, _, err := s.LoadConversation(ctx, threadID)
	if err != nil {
		return err
	}
	return s.SaveConversation(ctx, threadID, append(turns, t))
}

// LoadConversation returns a thread's turns, oldest first, and whether the
// thread is known. A conversation past the retention age counts as unknown
// even before it is pruned.
func (s *Store) LoadConversation(ctx context.Context, threadID string) ([]Turn, bool, error) {
	var raw string
	var updated int64
	err := s.db.QueryRowContext(ctx, `SELECT turns, updated_at FROM conversations WHERE thread_id = ?`, threadID).Scan(&raw, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("loading a conversation: %w", err)
	}
	if fromMS(updated).Before(s.now().Add(-s.opts.ConversationMaxAge)) {
		return nil, false, nil
	}
	var turns []Turn
	if err := json.Unmarshal([]byte(raw), &turns); err != nil {
		return nil, false, fmt.Errorf("loading a conversation: %w", err)
	}
	return turns, true, nil
}

// PruneConversations deletes conversations past the retention age and
// says how many went. SaveConversation also prunes; call this from a
// daily timer when conversations are rarely written.
func (s *Store) PruneConversations(ctx context.Context) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE updated_at < ?`, ms(s.now().Add(-s.opts.ConversationMaxAge)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pruning conversations: %w", err)
	}
	return int(n), nil
}

package bot

import (
	"context"
	"sync"
)

// maxMemoryFeedback bounds MemoryFeedback; the oldest votes go first.
const maxMemoryFeedback = 10000

// MemoryFeedback is a Feedback kept in memory, for running without a
// database. It keeps one vote per user per answer, the latest.
type MemoryFeedback struct {
	mu      sync.Mutex
	entries map[feedbackKey]FeedbackEntry
	order   []feedbackKey // oldest first; may hold keys already replaced
}

type feedbackKey struct{ answerID, userID string }

// NewMemoryFeedback returns an empty MemoryFeedback.
func NewMemoryFeedback() *MemoryFeedback {
	return &MemoryFeedback{entries: make(map[feedbackKey]FeedbackEntry)}
}

// Record stores e, replacing the user's earlier vote on the same answer.
func (m *MemoryFeedback) Record(_ context.Context, e FeedbackEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := feedbackKey{e.AnswerID, e.UserID}
	if _, ok := m.entries[k]; !ok {
		m.order = append(m.order, k)
	}
	m.entries[k] = e
	for len(m.order) > maxMemoryFeedback {
		delete(m.entries, m.order[0])
		m.order = m.order[1:]
	}
	return nil
}

// Entries returns the votes kept, oldest first.
func (m *MemoryFeedback) Entries() []FeedbackEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]FeedbackEntry, 0, len(m.order))
	for _, k := range m.order {
		out = append(out, m.entries[k])
	}
	return out
}

var _ Feedback = (*MemoryFeedback)(nil)

package bot

import (
	"slices"
	"sync"

	"github.com/faqbot/faqbot/answer"
)

// Bounds on conversation memory. Six turns is more context than a
// follow-up needs and keeps an LLM prompt small; 256 threads is several
// days of a busy server's questions (threads archive after a day anyway).
const (
	maxThreadTurns = 6
	maxThreads     = 256
)

// conversations remembers the questions and answers of the threads the bot
// started, so a reply there is a follow-up.
type conversations struct {
	mu       sync.Mutex
	maxTurns int
	max      int
	tick     uint64
	byID     map[string]*conversation
}

type conversation struct {
	turns []answer.Turn
	used  uint64 // tick of the last use, for evicting the least recent
}

func newConversations(maxTurns, max int) *conversations {
	return &conversations{maxTurns: maxTurns, max: max, byID: make(map[string]*conversation)}
}

// start begins remembering the thread with the given ID.
func (c *conversations) start(threadID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	c.byID[threadID] = &conversation{used: c.tick}
	if len(c.byID) <= c.max {
		return
	}
	oldest, oldestUsed := "", uint64(0)
	for id, conv := range c.byID {
		if oldest == "" || conv.used < oldestUsed {
			oldest, oldestUsed = id, conv.used
		}
	}
	delete(c.byID, oldest)
}

// history returns a copy of the thread's turns, oldest first, and whether
// the thread is one the bot remembers.
func (c *conversations) history(threadID string) ([]answer.Turn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.byID[threadID]
	if !ok {
		return nil, false
	}
	c.tick++
	conv.used = c.tick
	return slices.Clone(conv.turns), true
}

// add appends a turn to a remembered thread, dropping the oldest beyond
// the bound.
func (c *conversations) add(threadID string, t answer.Turn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.byID[threadID]
	if !ok {
		return
	}
	conv.turns = append(conv.turns, t)
	if n := len(conv.turns) - c.maxTurns; n > 0 {
		conv.turns = slices.Delete(conv.turns, 0, n)
	}
}

// restore remembers a thread with the given turns (the latest maxTurns),
// as loaded from the store.
func (c *conversations) restore(threadID string, turns []answer.Turn) {
	c.start(threadID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if conv, ok := c.byID[threadID]; ok {
		conv.turns = slices.Clone(turns[max(0, len(turns)-c.maxTurns):])
	}
}

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
// started, by server and thread, so a reply there is a follow-up.
type conversations struct {
	mu       sync.Mutex
	maxTurns int
	max      int
	tick     uint64
	byID     map[threadKey]*conversation
}

// threadKey names a thread in a server: a thread of one server is never
// found from another's events.
type threadKey struct{ guild, thread string }

type conversation struct {
	turns  []answer.Turn
	askers []string // who asked each turn, for /forget-me
	used   uint64   // tick of the last use, for evicting the least recent
}

func newConversations(maxTurns, max int) *conversations {
	return &conversations{maxTurns: maxTurns, max: max, byID: make(map[threadKey]*conversation)}
}

// start begins remembering a thread.
func (c *conversations) start(guild, thread string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startLocked(threadKey{guild, thread})
}

func (c *conversations) startLocked(k threadKey) *conversation {
	c.tick++
	conv := &conversation{used: c.tick}
	c.byID[k] = conv
	if len(c.byID) <= c.max {
		return conv
	}
	var oldest threadKey
	oldestUsed := uint64(0)
	for id, conv := range c.byID {
		if oldestUsed == 0 || conv.used < oldestUsed {
			oldest, oldestUsed = id, conv.used
		}
	}
	delete(c.byID, oldest)
	return conv
}

// history returns a copy of the thread's turns, oldest first, and whether
// the thread is one the bot remembers.
func (c *conversations) history(guild, thread string) ([]answer.Turn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.byID[threadKey{guild, thread}]
	if !ok {
		return nil, false
	}
	c.tick++
	conv.used = c.tick
	return slices.Clone(conv.turns), true
}

// add appends a turn asked by user to a remembered thread, dropping the
// oldest beyond the bound.
func (c *conversations) add(guild, thread, user string, t answer.Turn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.byID[threadKey{guild, thread}]
	if !ok {
		return
	}
	conv.turns = append(conv.turns, t)
	conv.askers = append(conv.askers, user)
	if n := len(conv.turns) - c.maxTurns; n > 0 {
		conv.turns = slices.Delete(conv.turns, 0, n)
		conv.askers = slices.Delete(conv.askers, 0, n)
	}
}

// restore remembers a thread with the given turns (the latest maxTurns),
// as loaded from the store. Who asked them is not known, nor needed: the
// store deletes a member's turns itself.
func (c *conversations) restore(guild, thread string, turns []answer.Turn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv := c.startLocked(threadKey{guild, thread})
	conv.turns = slices.Clone(turns[max(0, len(turns)-c.maxTurns):])
	conv.askers = make([]string, len(conv.turns))
}

// forget drops the turns user asked, in every thread.
func (c *conversations) forget(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conv := range c.byID {
		for i := len(conv.turns) - 1; i >= 0; i-- {
			if conv.askers[i] == user {
				conv.turns = slices.Delete(conv.turns, i, i+1)
				conv.askers = slices.Delete(conv.askers, i, i+1)
			}
		}
	}
}

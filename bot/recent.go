package bot

import (
	"crypto/rand"
	"sync"

	"github.com/faqbot/faqbot/answer"
)

// maxRecentAnswers bounds the answers kept for their buttons. A button on
// an older answer gets a polite "too old" reply; 500 answers with their
// passages take a few megabytes.
const maxRecentAnswers = 500

// recentAnswers keeps the latest answers so that their buttons can find
// them again, with the votes cast on each.
type recentAnswers struct {
	mu    sync.Mutex
	max   int
	byID  map[string]*recentAnswer
	order []string // oldest first
}

type recentAnswer struct {
	a       answer.Answer
	guildID string
	asker   string          // who asked, for /forget-me and vote records
	votes   map[string]Vote // by user ID
}

func newRecentAnswers(max int) *recentAnswers {
	return &recentAnswers{max: max, byID: make(map[string]*recentAnswer)}
}

// add stores a, asked by asker in guildID, and returns its ID. IDs are
// random rather than counted so that a button from before a restart cannot
// find a different answer.
func (r *recentAnswers) add(a answer.Answer, guildID, asker string) string {
	id := rand.Text()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID[id] = &recentAnswer{a: a, guildID: guildID, asker: asker, votes: make(map[string]Vote)}
	r.order = append(r.order, id)
	for len(r.order) > r.max {
		delete(r.byID, r.order[0])
		r.order = r.order[1:]
	}
	return id
}

// get returns the answer with the given ID given in guildID: an answer
// of another server is not found.
func (r *recentAnswers) get(id, guildID string) (answer.Answer, bool) {
	a, _, ok := r.entry(id, guildID)
	return a, ok
}

// entry returns the answer with the given ID given in guildID, as get
// does, and who asked it.
func (r *recentAnswers) entry(id, guildID string) (a answer.Answer, asker string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.byID[id]
	if !ok || e.guildID != guildID {
		return answer.Answer{}, "", false
	}
	return e.a, e.asker, true
}

// vote records user's vote on the answer with the given ID given in
// guildID and returns the vote it replaces (0 when none), the answer and
// who asked it.
func (r *recentAnswers) vote(id, guildID, user string, v Vote) (prev Vote, a answer.Answer, asker string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.byID[id]
	if !ok || e.guildID != guildID {
		return 0, answer.Answer{}, "", false
	}
	prev = e.votes[user]
	e.votes[user] = v
	return prev, e.a, e.asker, true
}

// forget drops the answers user asked for (their question is in them)
// and the votes user cast.
func (r *recentAnswers) forget(user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.order[:0]
	for _, id := range r.order {
		e, ok := r.byID[id]
		if !ok {
			continue
		}
		if e.asker == user {
			delete(r.byID, id)
			continue
		}
		delete(e.votes, user)
		kept = append(kept, id)
	}
	r.order = kept
}

package bot

import "sync"

// maxNotThreads bounds the channels remembered as not being conversations.
// When full the set starts afresh: forgetting costs one store lookup per
// channel, not a wrong answer.
const maxNotThreads = 4096

// channelSet is a bounded set of channel IDs, safe for concurrent use.
type channelSet struct {
	mu  sync.Mutex
	max int
	ids map[string]struct{}
}

func newChannelSet(max int) *channelSet {
	return &channelSet{max: max, ids: make(map[string]struct{})}
}

func (s *channelSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ids[id]
	return ok
}

func (s *channelSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) >= s.max {
		clear(s.ids)
	}
	s.ids[id] = struct{}{}
}

func (s *channelSet) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ids, id)
}

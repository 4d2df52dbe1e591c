package bot

import (
	"sync"
	"time"
)

// Bounds on the turn-aways posted in reply to questions sent as messages
// (mentions, thread follow-ups), which cannot be ephemeral and share the
// channel's message budget with the answers: Discord allows about five
// messages per channel per five seconds, so a flood answered message for
// message would delay or drop other members' answers.
const (
	// turnAwayWindow: a member is told why their message was turned away
	// once per reason in this window; their further messages are dropped
	// quietly. It matches the rate limit's period.
	turnAwayWindow = time.Minute
	// channelTurnAways per channelWindow is the most a channel gets,
	// whoever floods it: two of Discord's five slots, leaving three for
	// answers.
	channelTurnAways = 2
	channelWindow    = 5 * time.Second
	// maxTurnAwayKeys bounds the memory of who was told; past it, entries
	// older than the window are dropped.
	maxTurnAwayKeys = 10000
)

// turnAways decides which turn-aways of message questions are posted.
type turnAways struct {
	mu       sync.Mutex
	now      func() time.Time
	told     map[string]time.Time   // guild/user/reason -> when told
	channels map[string][]time.Time // channel -> recent turn-aways
}

func newTurnAways(now func() time.Time) *turnAways {
	return &turnAways{now: now, told: make(map[string]time.Time), channels: make(map[string][]time.Time)}
}

// post reports whether to post a turn-away for reason to user of guild in
// channel, and if so counts it.
func (t *turnAways) post(guild, user, channel, reason string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	key := guild + "/" + user + "/" + reason
	if at, ok := t.told[key]; ok && now.Sub(at) < turnAwayWindow {
		return false
	}
	recent := t.channels[channel][:0]
	for _, at := range t.channels[channel] {
		if now.Sub(at) < channelWindow {
			recent = append(recent, at)
		}
	}
	if len(recent) >= channelTurnAways {
		t.channels[channel] = recent
		return false
	}
	t.channels[channel] = append(recent, now)
	t.told[key] = now
	if len(t.told) > maxTurnAwayKeys {
		for k, at := range t.told {
			if now.Sub(at) >= turnAwayWindow {
				delete(t.told, k)
			}
		}
		for c, ats := range t.channels {
			if len(ats) == 0 || now.Sub(ats[len(ats)-1]) >= channelWindow {
				delete(t.channels, c)
			}
		}
	}
	return true
}

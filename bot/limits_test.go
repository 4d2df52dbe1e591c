package bot

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faqbot/faqbot/answer"
)

func TestRateLimiter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newRateLimiter(3, func() time.Time { return now })
	tests := []struct {
		advance  time.Duration
		user     string
		want     bool
		wantWait time.Duration
	}{
		{user: "a", want: true},
		{user: "a", want: true},
		{user: "a", want: true},
		{user: "a", want: false, wantWait: 20 * time.Second}, // burst spent; one token per 20 s
		{user: "b", want: true},                              // buckets are per user
		{advance: 10 * time.Second, user: "a", want: false, wantWait: 10 * time.Second},
		{advance: 10 * time.Second, user: "a", want: true},
		{user: "a", want: false, wantWait: 20 * time.Second},
	}
	for i, tt := range tests {
		now = now.Add(tt.advance)
		ok, wait := l.allow(tt.user)
		if ok != tt.want || wait.Round(time.Millisecond) != tt.wantWait {
			t.Errorf("step %d: allow(%s) = %v, %v; want %v, %v", i, tt.user, ok, wait, tt.want, tt.wantWait)
		}
	}
}

func TestQueueFIFO(t *testing.T) {
	var depths []int
	q := newQueue(1, func(n int) { depths = append(depths, n) })
	ctx := context.Background()
	hold, err := q.acquire(ctx, func(int) { t.Error("the first question was queued") })
	if err != nil {
		t.Fatal(err)
	}

	// Three waiters, the middle one giving up.
	got := make(chan string, 3)
	queued := make(chan int)
	cancelCtx, cancel := context.WithCancel(ctx)
	wait := func(ctx context.Context, name string) {
		release, err := q.acquire(ctx, func(pos int) { queued <- pos })
		if err != nil {
			got <- name + " gave up"
			return
		}
		got <- name
		release()
		release() // twice is harmless
	}
	go wait(ctx, "first")
	if pos := <-queued; pos != 1 {
		t.Errorf("first queued at %d", pos)
	}
	go wait(cancelCtx, "second")
	if pos := <-queued; pos != 2 {
		t.Errorf("second queued at %d", pos)
	}
	go wait(ctx, "third")
	if pos := <-queued; pos != 3 {
		t.Errorf("third queued at %d", pos)
	}
	cancel()
	if g := <-got; g != "second gave up" {
		t.Errorf("got %q, want the second to give up", g)
	}
	hold()
	for _, want := range []string{"first", "third"} {
		if g := <-got; g != want {
			t.Errorf("got %q, want %q", g, want)
		}
	}
	q.mu.Lock() // depth is reported under q.mu
	d := fmt.Sprint(depths)
	q.mu.Unlock()
	if d != "[1 2 3 2 1 0]" {
		t.Errorf("queue depths %v", d)
	}
	// The slot is free again.
	if _, err := q.acquire(ctx, func(int) { t.Error("queued on a free slot") }); err != nil {
		t.Fatal(err)
	}
}

func TestQueueTimeout(t *testing.T) {
	q := newQueue(1, nil)
	if _, err := q.acquire(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := q.acquire(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline error", err)
	}
}

func TestThrottle(t *testing.T) {
	sent := make(chan string, 10)
	tick := make(chan time.Time)
	th := newThrottleWithClock(time.Second, func(r Reply) { sent <- r.Content }, func(time.Duration) <-chan time.Time { return tick })

	th.update(Reply{Content: "a"})
	if got := <-sent; got != "a" {
		t.Errorf("first update: sent %q", got)
	}
	th.update(Reply{Content: "ab"})
	th.update(Reply{Content: "abc"})
	select {
	case got := <-sent:
		t.Errorf("sent %q before the interval passed", got)
	default:
	}
	tick <- time.Time{} // the interval passes: the latest goes out
	if got := <-sent; got != "abc" {
		t.Errorf("after the interval: sent %q, want the latest", got)
	}
	th.update(Reply{Content: "abcd"}) // pending when stopped: dropped
	th.stop()
	close(sent)
	for got := range sent {
		t.Errorf("sent %q after stop", got)
	}
}

func TestConversations(t *testing.T) {
	c := newConversations(2, 2)
	c.start("g1", "t1")
	for i := range 3 {
		c.add("g1", "t1", fmt.Sprint("u", i), turn(i))
	}
	if h, _ := c.history("g1", "t1"); fmt.Sprint(h) != fmt.Sprint([]answer.Turn{turn(1), turn(2)}) {
		t.Errorf("history %v, want the last two turns", h)
	}
	if _, ok := c.history("g2", "t1"); ok {
		t.Error("another server found the thread")
	}
	c.forget("u1")
	if h, _ := c.history("g1", "t1"); fmt.Sprint(h) != fmt.Sprint([]answer.Turn{turn(2)}) {
		t.Errorf("history %v after forgetting u1, want u2's turn only", h)
	}
	c.start("g1", "t2")
	c.history("g1", "t1") // t1 is now the most recently used
	c.start("g1", "t3")   // evicts t2
	for id, want := range map[string]bool{"t1": true, "t2": false, "t3": true, "t4": false} {
		if _, ok := c.history("g1", id); ok != want {
			t.Errorf("thread %s remembered = %v, want %v", id, ok, want)
		}
	}
	c.add("g1", "unknown", "u", turn(0)) // ignored
}

func turn(i int) answer.Turn {
	return answer.Turn{Question: fmt.Sprint("q", i), Answer: fmt.Sprint("a", i)}
}

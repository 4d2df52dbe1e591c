package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/store"
)

// TestConcurrentThreadReplies: twelve members reply at once in a thread
// the bot started; after the answers, its conversation holds all thirteen
// turns (the question and the twelve replies), none lost to another's
// write.
func TestConcurrentThreadReplies(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	s := serveWith(t, map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"), "FAQBOT_MAX_CONCURRENT": "12"})
	thread, _ := s.mentionIn(t, "guild-1", "chan-1", "m-start", memberA, "How long did the talks in Florida last?")
	posts := func() int {
		n := 0
		for _, r := range s.fake.Requests() {
			if r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/"+thread+"/messages" && strings.Contains(string(r.Body), `"embeds":[{`) {
				n++
			}
		}
		return n
	}
	if _, err := s.fake.WaitFor(s.ctx, func(discordtest.Request) bool { return posts() == 1 }); err != nil {
		t.Fatal(err)
	}
	const replies = 12
	var wg sync.WaitGroup
	for i := range replies {
		wg.Go(func() {
			_ = s.fake.Dispatch(s.ctx, "MESSAGE_CREATE", s.fake.MessageCreate(discordtest.Message{
				ID: fmt.Sprint("m-reply-", i), GuildID: "guild-1", ChannelID: thread,
				Author: discordtest.Member{ID: fmt.Sprint("user-r", i), Username: fmt.Sprint("r", i)}, Content: fmt.Sprintf("and what about point %d?", i),
			}))
		})
	}
	wg.Wait()
	if _, err := s.fake.WaitFor(s.ctx, func(discordtest.Request) bool { return posts() == 1+replies }); err != nil {
		t.Fatalf("answers: %d of %d: %v", posts(), 1+replies, err)
	}
	s.stop()
	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	turns, ok, err := db.Guild("guild-1").LoadConversation(context.Background(), thread)
	if err != nil || !ok || len(turns) != 1+replies {
		t.Errorf("the thread's conversation holds %d turns (%v %v), want %d", len(turns), ok, err, 1+replies)
	}
}

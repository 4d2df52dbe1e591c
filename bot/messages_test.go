package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

func TestOnMessage(t *testing.T) {
	user := &discordgo.User{ID: "u1", Username: "ada"}
	self := &discordgo.User{ID: "bot-1", Username: "faqbot", Bot: true}
	msg := func(channel, content string, author *discordgo.User, mentions ...*discordgo.User) *discordgo.Message {
		return &discordgo.Message{ID: "m-" + content, GuildID: "g1", ChannelID: channel, Content: content, Author: author, Mentions: mentions}
	}
	tests := []struct {
		name string
		msg  *discordgo.Message
		// want lists the calls: method and channel.
		want     []string
		wantText string
	}{
		{name: "mention starts a thread", msg: msg("c1", "<@bot-1> How do refunds work?", user, self),
			want:     []string{"MessageThreadStartComplex c1", "ChannelMessageSendComplex thread-rec-1"},
			wantText: "Refunds are issued"},
		{name: "old-style mention", msg: msg("c1", "<@!bot-1> how do refunds work?", user, self),
			want: []string{"MessageThreadStartComplex c1", "ChannelMessageSendComplex thread-rec-1"}},
		{name: "empty mention gets help", msg: msg("c1", "<@bot-1>", user, self),
			want: []string{"ChannelMessageSendComplex c1"}, wantText: "Ask me a question"},
		{name: "no mention", msg: msg("c1", "How do refunds work?", user)},
		{name: "another bot", msg: msg("c1", "<@bot-1> How do refunds work?", &discordgo.User{ID: "b2", Bot: true}, self)},
		{name: "itself", msg: msg("c1", "<@bot-1> How do refunds work?", self, self)},
		{name: "system message", msg: func() *discordgo.Message {
			m := msg("c1", "<@bot-1> How do refunds work?", user, self)
			m.Type = discordgo.MessageTypeThreadCreated
			return m
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, sess := newTestBot(t, Config{}, Deps{})
			b.onMessage(context.Background(), tt.msg)
			var got []string
			for _, c := range sess.Calls() {
				got = append(got, c.Method+" "+c.ChannelID)
				if c.Message != nil && (c.Message.AllowedMentions == nil || c.Message.AllowedMentions.Parse == nil || len(c.Message.AllowedMentions.Parse) != 0) {
					t.Errorf("message without allowed mentions parsing nothing: %+v", c.Message.AllowedMentions)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("calls %q, want %q", got, tt.want)
			}
			if tt.wantText != "" {
				last := sess.Calls()[len(sess.Calls())-1]
				if text := callJSON(t, last); !strings.Contains(text, tt.wantText) {
					t.Errorf("last message %s lacks %q", text, tt.wantText)
				}
			}
		})
	}
}

func TestThreadFollowUp(t *testing.T) {
	fa := newFakeAnswerer()
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Answerer: fa})})
	user := &discordgo.User{ID: "u1"}
	self := &discordgo.User{ID: "bot-1", Bot: true}
	ctx := context.Background()

	b.onMessage(ctx, &discordgo.Message{ID: "m1", GuildID: "g1", ChannelID: "c1", Content: "<@bot-1> How do refunds work?", Author: user, Mentions: []*discordgo.User{self}})
	thread := sess.Calls()[1].ChannelID
	b.onMessage(ctx, &discordgo.Message{ID: "m2", GuildID: "g1", ChannelID: thread, Content: "and for digital goods?", Author: user})
	b.onMessage(ctx, &discordgo.Message{ID: "m3", GuildID: "g1", ChannelID: thread, Content: "a bot talking", Author: &discordgo.User{ID: "b2", Bot: true}})
	b.onMessage(ctx, &discordgo.Message{ID: "m4", GuildID: "g1", ChannelID: "elsewhere", Content: "and for digital goods?", Author: user})

	qs := fa.questions()
	if len(qs) != 2 {
		t.Fatalf("answerer got %d questions, want 2: %+v", len(qs), qs)
	}
	want := []answer.Turn{{Question: "How do refunds work?", Answer: refundsAnswer.Text}}
	if fmt.Sprint(qs[1].History) != fmt.Sprint(want) {
		t.Errorf("follow-up history %+v, want %+v", qs[1].History, want)
	}
	last := sess.Calls()[len(sess.Calls())-1]
	if last.ChannelID != thread || !strings.Contains(callJSON(t, last), "Digital goods can be refunded") {
		t.Errorf("follow-up answered in %s with %s", last.ChannelID, callJSON(t, last))
	}
}

package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

func TestAdmit(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		asked  int // questions the user asked before
		want   string
		wantOK bool
		maxLen int
		perMin int
	}{
		{name: "ok", text: "How do refunds work?", wantOK: true},
		{name: "empty", text: "  \n ", want: msgEmpty},
		{name: "too long", text: strings.Repeat("é", 11), maxLen: 10, want: fmt.Sprintf(msgTooLong, 11, 10)},
		{name: "at the length limit", text: strings.Repeat("é", 10), maxLen: 10, wantOK: true},
		{name: "rate limited", text: "again?", asked: 2, perMin: 2, want: fmt.Sprintf(msgRateLimited, "30 seconds")},
		{name: "within the rate", text: "again?", asked: 1, perMin: 2, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newTestBot(t, Config{MaxQuestionLen: tt.maxLen, RatePerMinute: tt.perMin}, Deps{})
			now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
			b.limiter.now = func() time.Time { return now }
			q := question{Text: tt.text, UserID: "u1", Via: viaSlash}
			for range tt.asked {
				if _, _, ok := b.admit(q); !ok {
					t.Fatal("an earlier question was turned away")
				}
			}
			r, _, ok := b.admit(q)
			if ok != tt.wantOK {
				t.Fatalf("admit(%q) ok = %v, want %v (reply %q)", tt.text, ok, tt.wantOK, r.Content)
			}
			if ok {
				return
			}
			if r.Content != tt.want || !r.Ephemeral {
				t.Errorf("admit(%q) = %q (ephemeral %v), want ephemeral %q", tt.text, r.Content, r.Ephemeral, tt.want)
			}
		})
	}
}

func TestAnswer(t *testing.T) {
	noted := refundsAnswer
	noted.Note = "The LLM is unavailable, so this answer quotes the documents."
	ungrounded := answer.Answer{Text: "Probably yes.", Mode: answer.ModeLLM}
	tests := []struct {
		name        string
		text        string
		answer      *answer.Answer
		block       bool
		wantDesc    string
		wantFields  []string
		wantButtons []string
		wantFooter  string
		wantContent string
	}{
		{
			name: "answered", text: "How do refunds work?",
			wantDesc:    refundsAnswer.Text,
			wantFields:  []string{"Sources: [1] [Refund policy](https://example.com/refunds) — `refunds.md`\n[2] Digital goods — `digital.md`"},
			wantButtons: []string{idSources, idUp, idDown},
		},
		{
			name: "refused", text: "What is the meaning of life?",
			wantDesc:    answer.RefusalText,
			wantButtons: []string{idUp, idDown},
		},
		{
			name: "note in the footer", text: "noted?", answer: &noted,
			wantDesc:    refundsAnswer.Text,
			wantFields:  []string{"Sources: [1] [Refund policy](https://example.com/refunds) — `refunds.md`\n[2] Digital goods — `digital.md`"},
			wantButtons: []string{idSources, idUp, idDown},
			wantFooter:  noted.Note,
		},
		{
			name: "ungrounded LLM answer", text: "ungrounded?", answer: &ungrounded,
			wantDesc:    "Probably yes.",
			wantButtons: []string{idUp, idDown},
			wantFooter:  ungroundedNote,
		},
		{name: "timeout", text: "slow?", block: true, wantContent: msgTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeAnswerer()
			if tt.answer != nil {
				fa.add(tt.text, *tt.answer)
			}
			if tt.block {
				fa.block(tt.text)
			}
			b, _ := newTestBot(t, Config{QuestionTimeout: 20 * time.Millisecond}, Deps{Servers: OneServer(Server{Answerer: fa})})
			out := b.answer(context.Background(), inServer(t, b, question{Text: tt.text, Via: viaSlash, UserID: "u1"}), nil, nil)
			if len(out.Replies) != 1 {
				t.Fatalf("got %d replies, want 1", len(out.Replies))
			}
			r := out.Replies[0]
			if tt.wantContent != "" {
				if r.Content != tt.wantContent || len(r.Embeds) != 0 || out.Answered {
					t.Errorf("got content %q, %d embeds, answered %v; want %q alone", r.Content, len(r.Embeds), out.Answered, tt.wantContent)
				}
				return
			}
			e := r.Embeds[0]
			if e.Title != tt.text || e.Description != tt.wantDesc {
				t.Errorf("got title %q, description %q; want %q, %q", e.Title, e.Description, tt.text, tt.wantDesc)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Name+": "+f.Value)
			}
			if fmt.Sprint(fields) != fmt.Sprint(tt.wantFields) {
				t.Errorf("got fields %q, want %q", fields, tt.wantFields)
			}
			footer := ""
			if e.Footer != nil {
				footer = e.Footer.Text
			}
			if footer != tt.wantFooter {
				t.Errorf("got footer %q, want %q", footer, tt.wantFooter)
			}
			if got := buttonPrefixes(r.Components); fmt.Sprint(got) != fmt.Sprint(tt.wantButtons) {
				t.Errorf("got buttons %q, want %q", got, tt.wantButtons)
			}
		})
	}
}

// buttonPrefixes returns the custom ID prefixes of the buttons, checking
// that they all carry the same answer ID.
func buttonPrefixes(rows []discordgo.MessageComponent) []string {
	var out []string
	for _, row := range rows {
		for _, c := range row.(discordgo.ActionsRow).Components {
			id := c.(discordgo.Button).CustomID
			out = append(out, id[:strings.LastIndexByte(id, ':')+1])
		}
	}
	return out
}

func TestAnswerStreamsPartials(t *testing.T) {
	fa := newFakeAnswerer()
	steps := fa.stream("How do refunds work?")
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Answerer: fa})})
	partials := make(chan Reply)
	done := make(chan outcome)
	go func() {
		done <- b.answer(context.Background(), inServer(t, b, question{Text: "How do refunds work?", UserID: "u1"}), nil, func(r Reply) { partials <- r })
	}()
	for _, step := range []string{"Refunds are", " issued"} {
		steps <- step
		r := <-partials
		if d := r.Embeds[0].Description; !strings.HasSuffix(d, step+" ▌") || r.Embeds[0].Footer.Text != writingFooter || len(r.Components) != 0 {
			t.Errorf("partial %q: got description %q, footer %+v, %d components", step, d, r.Embeds[0].Footer, len(r.Components))
		}
	}
	close(steps)
	out := <-done
	if got := out.Replies[0].Embeds[0].Description; got != refundsAnswer.Text {
		t.Errorf("final description %q, want %q", got, refundsAnswer.Text)
	}
}

func TestAnswerQueues(t *testing.T) {
	fa := newFakeAnswerer()
	fa.started = make(chan answer.Question)
	steps := fa.stream("first?")
	b, _ := newTestBot(t, Config{MaxConcurrent: 1}, Deps{Servers: OneServer(Server{Answerer: fa})})
	first := make(chan outcome)
	go func() {
		first <- b.answer(context.Background(), inServer(t, b, question{Text: "first?", UserID: "u1"}), nil, nil)
	}()
	<-fa.started // first holds the only slot

	positions := make(chan int, 1)
	second := make(chan outcome)
	go func() {
		second <- b.answer(context.Background(), inServer(t, b, question{Text: "How do refunds work?", UserID: "u2"}), func(pos int) { positions <- pos }, nil)
	}()
	if pos := <-positions; pos != 1 {
		t.Errorf("queued at position %d, want 1", pos)
	}
	close(steps)
	<-first
	<-fa.started
	if out := <-second; !out.Answered {
		t.Errorf("the queued question was not answered: %+v", out.Replies)
	}
}

package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// embedSize counts the characters Discord counts towards an embed's 6,000.
func embedSize(e *discordgo.MessageEmbed) int {
	n := runeLen(e.Title) + runeLen(e.Description)
	for _, f := range e.Fields {
		n += runeLen(f.Name) + runeLen(f.Value)
	}
	if e.Footer != nil {
		n += runeLen(e.Footer.Text)
	}
	return n
}

func checkLimits(t *testing.T, r Reply) {
	t.Helper()
	if n := runeLen(r.Content); n > maxContent {
		t.Errorf("content has %d characters", n)
	}
	total := 0
	for _, e := range r.Embeds {
		total += embedSize(e)
		if n := runeLen(e.Description); n > maxDescription {
			t.Errorf("description has %d characters", n)
		}
		if n := runeLen(e.Title); n > maxTitle {
			t.Errorf("title has %d characters", n)
		}
		if len(e.Fields) > maxFields {
			t.Errorf("%d fields", len(e.Fields))
		}
		for _, f := range e.Fields {
			if n := runeLen(f.Value); n > maxFieldValue {
				t.Errorf("field %q has %d characters", f.Name, n)
			}
			if n := runeLen(f.Name); n > maxFieldName {
				t.Errorf("field name has %d characters", n)
			}
		}
	}
	if total > maxEmbedTotal {
		t.Errorf("embeds total %d characters", total)
	}
}

func TestRenderLimits(t *testing.T) {
	var many []answer.Citation
	for n := 1; n <= 30; n++ {
		many = append(many, answer.Citation{
			N: n, Source: fmt.Sprintf("doc-%02d-with-a-rather-long-file-name.md", n),
			DocTitle: strings.Repeat("Long title ", 20), URL: "https://example.com/" + strings.Repeat("x", 200),
			Passage: strings.Repeat("A passage sentence [3] with words. ", 100),
		})
	}
	sentence := "This sentence cites a source [1] and goes on. "
	tests := []struct {
		name      string
		answer    answer.Answer
		wantParts int
	}{
		{name: "long answer", answer: answer.Answer{Question: "q", Text: strings.Repeat(sentence, 300), Citations: many[:2], Grounded: true}, wantParts: 4},
		{name: "huge answer is trimmed", answer: answer.Answer{Question: "q", Text: strings.Repeat(sentence, 3000), Citations: many[:2], Grounded: true}, wantParts: 1 + maxContinuations},
		{name: "many long citations", answer: answer.Answer{Question: strings.Repeat("why ", 200), Text: sentence, Citations: many, Note: strings.Repeat("note ", 600), Grounded: true}, wantParts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replies := renderAnswer("id", tt.answer)
			if len(replies) != tt.wantParts {
				t.Errorf("got %d parts, want %d", len(replies), tt.wantParts)
			}
			for i, r := range replies {
				checkLimits(t, r)
				if d := r.Embeds[0].Description; strings.Count(d, "[1") != strings.Count(d, "[1]") {
					t.Errorf("part %d cuts a citation: …%s", i, d[max(0, len(d)-40):])
				}
				if hasButtons := len(r.Components) > 0; hasButtons != (i == len(replies)-1) {
					t.Errorf("part %d has buttons = %v", i, hasButtons)
				}
			}
			if !strings.Contains(replies[len(replies)-1].Embeds[0].Fields[0].Value, "[1] ") {
				t.Errorf("sources field %q", replies[len(replies)-1].Embeds[0].Fields[0].Value)
			}
			checkLimits(t, renderSources(tt.answer))
		})
	}
}

func TestSourcesField(t *testing.T) {
	tests := []struct {
		name string
		c    answer.Citation
		want string
	}{
		{name: "link", c: answer.Citation{N: 1, Source: "a.md", DocTitle: "Refunds [EU]", URL: "https://x.test/a_(b)"},
			want: "[1] [Refunds (EU)](https://x.test/a_%28b%29) — `a.md`"},
		{name: "no link for other schemes", c: answer.Citation{N: 2, Source: "b`c.md", Title: "Passage", URL: "javascript:alert(1)"},
			want: "[2] Passage — `b'c.md`"},
		{name: "untitled", c: answer.Citation{N: 3, Source: "c.md"}, want: "[3] c.md — `c.md`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sourcesField([]answer.Citation{tt.c}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Several passages of one document share its line in the Sources field,
// with all their numbers, instead of repeating title and file.
func TestSourcesFieldGroupsPassagesOfOneDocument(t *testing.T) {
	faq := func(n int, entry, url string) answer.Citation {
		return answer.Citation{N: n, Source: "faq.html", DocTitle: "Go FAQ", Title: entry, URL: url}
	}
	tests := []struct {
		name string
		cs   []answer.Citation
		want string
	}{
		{"three passages of one file", []answer.Citation{faq(1, "Why?", ""), faq(2, "How?", ""), faq(3, "When?", "")},
			"[1][2][3] Go FAQ — `faq.html`"},
		{"in the order each document is first cited", []answer.Citation{
			faq(1, "Why?", ""), {N: 2, Source: "refunds.md", DocTitle: "Refunds"}, faq(3, "When?", ""),
		}, "[1][3] Go FAQ — `faq.html`\n[2] Refunds — `refunds.md`"},
		{"anchors of one page link the page", []answer.Citation{
			faq(1, "Why?", "https://go.dev/doc/faq#why"), faq(2, "How?", "https://go.dev/doc/faq#how"),
		}, "[1][2] [Go FAQ](https://go.dev/doc/faq) — `faq.html`"},
		{"one anchor and no link", []answer.Citation{faq(1, "Why?", "https://go.dev/doc/faq#why"), faq(2, "How?", "")},
			"[1][2] [Go FAQ](https://go.dev/doc/faq) — `faq.html`"},
		{"the same link stays whole", []answer.Citation{faq(1, "Why?", "https://go.dev/doc/faq#why"), faq(2, "Why, again?", "https://go.dev/doc/faq#why")},
			"[1][2] [Go FAQ](https://go.dev/doc/faq#why) — `faq.html`"},
		{"two pages of one file lose the link", []answer.Citation{faq(1, "Why?", "https://a.test/x"), faq(2, "How?", "https://b.test/y")},
			"[1][2] Go FAQ — `faq.html`"},
		{"same title, different files", []answer.Citation{
			{N: 1, Source: "en/faq.md", DocTitle: "FAQ"}, {N: 2, Source: "de/faq.md", DocTitle: "FAQ"},
		}, "[1] FAQ — `en/faq.md`\n[2] FAQ — `de/faq.md`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sourcesField(tt.cs); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestAnswerTime(t *testing.T) {
	tests := []struct {
		n      int
		median time.Duration
		want   string
	}{
		{0, 0, "–"},
		{3, 0, "under 1ms"},
		{3, 400 * time.Microsecond, "under 1ms"},
		{3, 42 * time.Millisecond, "42ms"},
		{3, 1423 * time.Millisecond, "1.4s"},
	}
	for _, tt := range tests {
		if got := answerTime(tt.n, tt.median); got != tt.want {
			t.Errorf("answerTime(%d, %v) = %q, want %q", tt.n, tt.median, got, tt.want)
		}
	}
}

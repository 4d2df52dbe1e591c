package bot

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// fakePicks records picks.
type fakePicks struct {
	mu    sync.Mutex
	picks []string
}

func (f *fakePicks) RecordPick(_ context.Context, answerID, userID string, s answer.Suggestion) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.picks = append(f.picks, answerID+" "+userID+" "+s.ChunkID)
	return nil
}

// refusedWithSuggestions is a refusal offering three entries, one with a
// title too long for a button and one that tries to ping everyone.
var refusedWithSuggestions = answer.Answer{
	Question: "are xray clients ok", Text: answer.RefusalText, Refused: true, Mode: answer.ModeExtractive, Grounded: true,
	Suggestions: []answer.Suggestion{
		{Source: "rules.md", ChunkID: "rules.md#0", Title: "Are client modifications that reveal hidden ores allowed?", Passage: "No. Cheat clients are banned on sight.", URL: "https://example.com/rules#ores"},
		{Source: "rules.md", ChunkID: "rules.md#4", Title: strings.Repeat("Which resource packs and shaders may I use ", 4) + "?", Passage: "Any pack that does not reveal ores."},
		{Source: "events.md", ChunkID: "events.md#1", Title: "@everyone when are events?", Passage: "Saturdays at 18:00 UTC."},
	},
}

// TestRefusalOffersSuggestions: a refusal says the FAQ does not cover the
// question, lists the closest entries and offers one button each (labels
// within Discord's limit), beside the vote buttons; it cites nothing.
func TestRefusalOffersSuggestions(t *testing.T) {
	replies := renderAnswer("ans1", refusedWithSuggestions)
	if len(replies) != 1 {
		t.Fatalf("%d messages, want 1", len(replies))
	}
	r := replies[0]
	desc := r.Embeds[0].Description
	if !strings.HasPrefix(desc, answer.RefusalText) || !strings.Contains(desc, "Did you mean") ||
		!strings.Contains(desc, "[Are client modifications that reveal hidden ores allowed?](https://example.com/rules#ores) — `rules.md`") {
		t.Errorf("description %q", desc)
	}
	if len(r.Embeds[0].Fields) != 0 {
		t.Errorf("a refusal shows fields %+v: suggestions are not sources", r.Embeds[0].Fields)
	}
	if len(r.Components) != 2 {
		t.Fatalf("%d rows of buttons, want the suggestions' and the votes'", len(r.Components))
	}
	row := r.Components[0].(discordgo.ActionsRow)
	if len(row.Components) != 3 {
		t.Fatalf("%d suggestion buttons, want 3", len(row.Components))
	}
	for n, c := range row.Components {
		bt := c.(discordgo.Button)
		if runeLen(bt.Label) > maxButtonLabel || !strings.HasPrefix(bt.Label, string(rune('1'+n))+". ") || bt.CustomID != idSuggest+"ans1:"+string(rune('0'+n)) {
			t.Errorf("button %d: %q %q", n, bt.Label, bt.CustomID)
		}
	}
	if answered := renderAnswer("ans2", refundsAnswer)[0]; len(answered.Components) != 1 {
		t.Errorf("an answer has %d rows of buttons, want only its own", len(answered.Components))
	}
}

// TestPickSuggestion: a click answers the member's question from the
// picked passage, privately, as a new answer with its own vote buttons,
// and records the pick; a click on another server's answer, an unknown
// answer or a suggestion it never had finds nothing.
func TestPickSuggestion(t *testing.T) {
	picks := &fakePicks{}
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Picks: picks, Feedback: NewMemoryFeedback()})})
	id := b.recent.add(refusedWithSuggestions, "g1", "asker")
	other := b.recent.add(refusedWithSuggestions, "g2", "asker")
	srv := srvOf(t, b)

	r := b.button(context.Background(), srv, idSuggest+id+":0", "g1", "clicker")
	got := replyText(r)
	if !r.Ephemeral || !strings.Contains(got, "banned on sight") || !strings.Contains(got, "rules.md") || !strings.Contains(got, "picked this entry") {
		t.Errorf("reply %q (ephemeral %v), want the entry's answer, privately, saying it was picked", got, r.Ephemeral)
	}
	var voteID string
	for _, row := range r.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			if bt := c.(discordgo.Button); strings.HasPrefix(bt.CustomID, idUp) {
				voteID = strings.TrimPrefix(bt.CustomID, idUp)
			}
		}
	}
	if a, ok := b.recent.get(voteID, "g1"); !ok || a.Refused || a.Question != "are xray clients ok" {
		t.Errorf("the picked answer is not kept for its buttons: %+v %v", a, ok)
	}
	if got := replyText(b.button(context.Background(), srv, idUp+voteID, "g1", "clicker")); !strings.Contains(got, "Thanks") {
		t.Errorf("vote on the picked answer: %q", got)
	}
	if strings.Join(picks.picks, ",") != id+" clicker rules.md#0" {
		t.Errorf("picks recorded %q", picks.picks)
	}
	for _, bad := range []string{idSuggest + other + ":0", idSuggest + "nope:0", idSuggest + id + ":3", idSuggest + id + ":-1", idSuggest + id} {
		if got := replyText(b.button(context.Background(), srv, bad, "g1", "clicker")); !strings.Contains(got, msgGone) {
			t.Errorf("%s: %q, want %q", bad, got, msgGone)
		}
	}
	if len(picks.picks) != 1 {
		t.Errorf("bad clicks recorded picks: %q", picks.picks)
	}
	// /forget-me reaches the picked answer: it holds the asker's question.
	b.recent.forget("asker")
	if _, ok := b.recent.get(voteID, "g1"); ok {
		t.Error("the asker's picked answer outlived /forget-me")
	}
}

// tentativeWithAlternatives is an answer quoted from a passage that holds
// only part of the question, offering two other entries.
var tentativeWithAlternatives = answer.Answer{
	Question: "can i use a minimap", Text: "Client mods that only change how the game looks are allowed. [1]", Mode: answer.ModeExtractive, Grounded: true,
	Citations: []answer.Citation{{N: 1, Source: "rules.md", ChunkID: "rules.md#2", Title: "Which client mods are allowed?", Snippet: "Client mods that only change how the game looks are allowed."}},
	Tentative: true, Note: "The FAQ may not answer this exactly: this is the closest passage it has.",
	Alternatives: []answer.Suggestion{
		{Source: "rules.md", ChunkID: "rules.md#0", Title: "Are client modifications that reveal hidden ores allowed?", Passage: "No. Cheat clients are banned on sight. Minimaps without cave view are fine."},
		{Source: "technical-help.md", ChunkID: "technical-help.md#3", Title: "Which mods does the server need?", Passage: "None: the server is vanilla."},
	},
}

// TestTentativeAnswerOffersAlternatives: a tentative answer keeps its text,
// sources and note, and offers the other close entries as a list and one
// button each; a click answers from that entry and records the pick, as a
// refusal's suggestion does.
func TestTentativeAnswerOffersAlternatives(t *testing.T) {
	replies := renderAnswer("ans1", tentativeWithAlternatives)
	r := replies[len(replies)-1]
	e := r.Embeds[0]
	if !strings.HasPrefix(replies[0].Embeds[0].Description, tentativeWithAlternatives.Text) ||
		!strings.Contains(e.Description, alternativesIntro) || strings.Contains(e.Description, suggestionsIntro) ||
		!strings.Contains(e.Description, "2. Which mods does the server need? — `technical-help.md`") {
		t.Errorf("description %q", e.Description)
	}
	if len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Value, "rules.md") || e.Footer == nil || !strings.Contains(e.Footer.Text, "may not answer this exactly") {
		t.Errorf("fields %+v, footer %+v: want the sources and the tentative note", e.Fields, e.Footer)
	}
	if len(r.Components) != 2 || len(r.Components[0].(discordgo.ActionsRow).Components) != 2 {
		t.Fatalf("components %+v, want a row of two alternatives and the answer's own row", r.Components)
	}

	picks := &fakePicks{}
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Picks: picks, Feedback: NewMemoryFeedback()})})
	id := b.recent.add(tentativeWithAlternatives, "g1", "asker")
	srv := srvOf(t, b)
	got := replyText(b.button(context.Background(), srv, idSuggest+id+":0", "g1", "clicker"))
	if !strings.Contains(got, "Minimaps without cave view are fine") || !strings.Contains(got, "picked this entry") {
		t.Errorf("reply %q, want the picked entry's answer", got)
	}
	if strings.Join(picks.picks, ",") != id+" clicker rules.md#0" {
		t.Errorf("picks recorded %q", picks.picks)
	}
	if got := replyText(b.button(context.Background(), srv, idSuggest+id+":2", "g1", "clicker")); !strings.Contains(got, msgGone) {
		t.Errorf("a third alternative it never had: %q", got)
	}
}

package retrieval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

// gameFAQ is a small game-server FAQ written the way such FAQs are:
// hyphenated terms, numbers with units, British spelling.
func gameFAQ() []corpus.Chunk {
	return []corpus.Chunk{
		chunk("rules#1", "Is X-ray allowed?", "No. X-ray texture packs and ore finders count as cheating: a first offence is a 7-day ban."),
		chunk("events#1", "How does the sign-up for tournaments work?", "Sign-ups open a week before each tournament in the events channel; teams of 3 people."),
		chunk("events#2", "Can I organise my own event?", "Yes: post a proposal in event-proposals at least 7 days ahead and a staff member will help."),
		chunk("tech#1", "How much memory does the modpack need?", "Give the game at least 6 GB of RAM; 8 GB if you use shaders."),
		chunk("tech#2", "Why does it say I'm not whitelisted?", "Your account must be verified first: link it with /link in the verify channel."),
		chunk("mod#1", "How do I appeal a ban?", "Open a ticket in support-tickets. Bans are reviewed within 48 hours."),
		chunk("mod#2", "What counts as griefing?", "Breaking, taking or changing anything that is not yours without permission."),
		chunk("ranks#1", "How do I receive the veteran rank?", "Veteran is given after 100 hours of playtime, counted automatically."),
		chunk("world#1", "Is there a loadout for new players?", "New players get a starter loadout: a stone sword, bread and a bed."),
	}
}

// slotWords renders an analysed question for comparison: each slot as its
// alternatives' terms, e.g. "xray|x+ray".
func slotWords(q query) []string {
	var out []string
	for _, s := range q.slots {
		var alts []string
		for _, a := range s.alts {
			alts = append(alts, strings.Join(a.terms, "+"))
		}
		out = append(out, strings.Join(alts, "|"))
	}
	return out
}

func TestAnalyzeQuery(t *testing.T) {
	lex, err := buildBM25(context.Background(), gameFAQ())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, q string
		want    []string
	}{
		{"joined form of a hyphenated word", "is xray allowed or nah", []string{"xray", "allow"}},
		{"hyphenated as the corpus writes it", "is x-ray ok", []string{"ray|xray"}},
		{"two words the corpus writes as one", "how do i sign up", []string{"sign|signup"}},
		{"joined word the corpus hyphenates", "when does signup close", []string{"signup", "close"}},
		{"joined word the corpus writes apart", "whats in the load-out", []string{"load|loadout"}},
		{"chat shorthand spelled out", "how many ppl per tourny rn pls", []string{"peopl|ppl", "per", "tournament|tourni"}},
		{"shorthand for nothing leaves nothing", "u r pls lol", nil},
		{"slip the stemmer fixes", "my account isnt verifyed", []string{"account", "verifi"}},
		{"slip corrected to a corpus word", "how do i recieve veteran", []string{"reciev|receiv", "veteran"}},
		{"short words are not corrected", "world seed", []string{"world", "seed"}},
		{"number and unit joined", "is 6gb enough", []string{"6gb|6+gb", "enough"}},
		{"unit spelled out", "wait 48hrs", []string{"wait", "48hrs|48+hour"}},
		{"other national spelling", "can i organize an event", []string{"organ|organis", "event"}},
		{"prefix of the opposite", "how do i get unbanned", []string{"get", "unban|ban"}},
		{"repeated word counts once", "ban ban ban", []string{"ban"}},
		{"fillers dropped", "can you please tell me about griefing", []string{"grief"}},
		{"contraction without its apostrophe", "theres a loadout right", []string{"loadout", "right"}},
		{"contraction leaves only stop words", "whens it", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slotWords(analyzeQuery(tt.q, lex, nil)); !slices.Equal(got, tt.want) {
				t.Errorf("analyzeQuery(%q) = %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

// TestMembersWordsFindTheEntry checks the general rules end to end: each
// question, typed as members type, finds its entry first and is answered.
func TestMembersWordsFindTheEntry(t *testing.T) {
	ix := mustBuild(t, gameFAQ(), NewHashEmbedder(0))
	tests := []struct{ q, want string }{
		{"is xray allowed or nah", "rules#1"},
		{"when does tourny signup open", "events#1"},
		{"can i organize my own event", "events#2"},
		{"is 6gb of ram enough", "tech#1"},
		{"says im not whitelisted, account isnt verifyed", "tech#2"},
		{"how do i get unbanned", "mod#1"},
		{"how many hrs for veteran", "ranks#1"},
		{"what's in the starter load-out", "world#1"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			hits, err := ix.Search(context.Background(), tt.q, 3)
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(hits)
			if len(hits) == 0 || hits[0].Chunk.ID != tt.want || d.Verdict != Answer {
				t.Errorf("top %v, verdict %s (margin %+.2f); want %s answered%s", ids(hits), d.Verdict, d.Margin, tt.want, describe(hits))
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"reciev", "receiv", 2, 1}, // adjacent swap
		{"tournment", "tournament", 2, 1},
		{"pasword", "password", 2, 1},
		{"abc", "abc", 1, 0},
		{"kitten", "sitting", 1, 2}, // over the bound: max+1
		{"", "ab", 2, 2},
	}
	for _, tt := range tests {
		if got := editDistance([]rune(tt.a), []rune(tt.b), tt.max); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

func TestSpellOut(t *testing.T) {
	tests := []struct{ in, want string }{
		{"is the server down rn?", "is the server down now?"},
		{"how many ppl r in a team", "how many people are in a team"},
		{"nothing to change here", "nothing to change here"},
	}
	for _, tt := range tests {
		if got := spellOut(tt.in); got != tt.want {
			t.Errorf("spellOut(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fakeExpander proposes fixed expansions, recording what it was asked.
type fakeExpander struct {
	name  string
	exps  []Expansion
	words []string
}

func (f *fakeExpander) Name() string { return f.name }

func (f *fakeExpander) Expand(words []string, inCorpus func(string) bool) []Expansion {
	f.words = words
	var out []Expansion
	for _, e := range f.exps {
		ok := true
		for _, t := range e.Terms {
			ok = ok && inCorpus(t)
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

// TestExpansionsWeighBelowTheMembersWords: an expansion lets a passage
// that uses another word match, for less than the member's own word, and a
// name of several words is one slot.
func TestExpansionsWeighBelowTheMembersWords(t *testing.T) {
	cs := []corpus.Chunk{
		chunk("own", "Refunds", "A refund is paid within 14 days."),
		chunk("syn", "Money back", "We reimburse members within 14 days."),
		chunk("usa", "Shipping", "We ship to America and Canada."),
	}
	ix := mustBuild(t, cs, NewHashEmbedder(0))
	exp := &fakeExpander{exps: []Expansion{
		{Terms: []string{"reimburs"}, From: "refund", Weight: 0.95}, // capped at maxExpandCredit
		{Terms: []string{"america"}, From: "united states", Weight: 0.6},
		{Terms: []string{"nowher"}, From: "refund", Weight: 0.6}, // not in the corpus
	}}
	hits, err := ix.SearchWith(context.Background(), "refund", 3, SearchOptions{Expander: exp})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(exp.words, []string{"refund"}) {
		t.Errorf("expander asked for %q, want the question's words", exp.words)
	}
	if len(hits) < 2 || hits[0].Chunk.ID != "own" || hits[1].Chunk.ID != "syn" {
		t.Fatalf("hits %v, want the member's word first, then the expansion%s", ids(hits), describe(hits))
	}
	if c := hits[1].Coverage; c != maxExpandCredit {
		t.Errorf("expansion coverage %.2f, want the capped credit %.2f", c, maxExpandCredit)
	}
	q := analyzeQuery("do you ship to the united states", ix.lex, exp)
	if got, want := slotWords(q), []string{"ship", "unit+state|america"}; !slices.Equal(got, want) {
		t.Errorf("slots %q, want %q", got, want)
	}
	hits, err = ix.SearchWith(context.Background(), "do you ship to the united states", 1, SearchOptions{Expander: exp})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "usa" || hits[0].Coverage < 0.5 {
		t.Errorf("hits %v, want the passage naming America covering the question%s", ids(hits), describe(hits))
	}
}

func ExampleIndex_SearchWith() {
	ix, _ := Build(context.Background(), gameFAQ(), NewHashEmbedder(0), BuildOptions{})
	hits, _ := ix.SearchWith(context.Background(), "is xray allowed or nah", 1, SearchOptions{})
	fmt.Println(hits[0].Chunk.Title, Decide(hits).Verdict)
	// Output: Is X-ray allowed? answer
}

// TestSplitJoined checks which joined words are read as two corpus words:
// a trailing particle may drop ("signup"), a leading stop word may not
// ("nobody" is not about a body).
func TestSplitJoined(t *testing.T) {
	lex, err := buildBM25(context.Background(), []corpus.Chunk{
		chunk("a#1", "Sign in", "Sign the form, load the body, draw a line, then walk out."),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		word string
		want []string // nil: not split
	}{
		{"signup", []string{"sign"}},
		{"walkout", []string{"walk"}},
		{"signform", []string{"sign", "form"}},
		{"nobody", nil},
		{"download", nil},
		{"online", nil},
		{"sign", nil}, // too short to split
	}
	for _, tt := range tests {
		got, ok := splitJoined(tt.word, lex)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("splitJoined(%q) = %q, %v; want %q", tt.word, got, ok, tt.want)
		}
	}
}

// TestAnalyze checks what `ask --explain` shows of a question: the words
// that count, each with its share of the question's weight, and whether
// the corpus uses it. A word the corpus never uses weighs most.
func TestAnalyze(t *testing.T) {
	ix := mustBuild(t, gameFAQ(), NewHashEmbedder(0))
	tests := []struct {
		q         string
		words     []string
		notCorpus []string
	}{
		{"is xray allowed or nah", []string{"xray", "allowed"}, nil},
		{"can i teleport with xray", []string{"teleport", "xray"}, []string{"teleport"}},
		{"u r pls lol", nil, nil},
	}
	for _, tt := range tests {
		got, err := ix.Analyze(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		var words, missing []string
		var sum, most float64
		heaviest := ""
		for _, qt := range got {
			words = append(words, qt.Word)
			if !qt.InCorpus {
				missing = append(missing, qt.Word)
			}
			if len(qt.Terms) == 0 || qt.Share <= 0 {
				t.Errorf("%q: word %q has terms %q, share %v", tt.q, qt.Word, qt.Terms, qt.Share)
			}
			sum += qt.Share
			if qt.Share > most {
				most, heaviest = qt.Share, qt.Word
			}
		}
		slices.Sort(words)
		want := slices.Sorted(slices.Values(tt.words))
		if !slices.Equal(words, want) || !slices.Equal(missing, tt.notCorpus) {
			t.Errorf("Analyze(%q): words %q, not in the corpus %q; want %q, %q", tt.q, words, missing, want, tt.notCorpus)
		}
		if len(got) > 0 && math.Abs(sum-1) > 1e-9 {
			t.Errorf("Analyze(%q): shares sum to %v, want 1", tt.q, sum)
		}
		if len(tt.notCorpus) > 0 && heaviest != tt.notCorpus[0] {
			t.Errorf("Analyze(%q): heaviest word %q, want %q, which the corpus never uses", tt.q, heaviest, tt.notCorpus[0])
		}
	}
}

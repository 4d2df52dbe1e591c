package answer

import (
	"reflect"
	"strings"
	"testing"
)

func TestFinalText(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		n         int // sources in the prompt
		want      string
		wantCited []int
		refused   bool
	}{
		{"none", "Visas take ten days.", 3, "Visas take ten days.", nil, false},
		{"in order", "Ten days [1]. Fee 80 euros [2].", 3, "Ten days [1]. Fee 80 euros [2].", []int{1, 2}, false},
		{"out of order renumbered", "Fee 80 euros [3]. Ten days [1].", 3, "Fee 80 euros [1]. Ten days [2].", []int{3, 1}, false},
		{"repeated keeps its number", "A [2]. B [1]. C [2].", 2, "A [1]. B [2]. C [1].", []int{2, 1}, false},
		{"invalid dropped with its space", "Ten days [7]. Fee [0] 80 euros [2].", 3, "Ten days. Fee 80 euros [1].", []int{2}, false},
		{"only invalid", "Ten days [4].", 3, "Ten days.", nil, false},
		{"adjacent", "Ten days [1][3].", 3, "Ten days [1][2].", []int{1, 3}, false},
		{"adjacent with space", "Ten days [3] [1].", 3, "Ten days [1] [2].", []int{3, 1}, false},
		{"list with space", "Ten days [1, 2].", 3, "Ten days [1][2].", []int{1, 2}, false},
		{"list without space", "Ten days [2,1].", 3, "Ten days [1][2].", []int{2, 1}, false},
		{"semicolons", "Ten days [1; 3].", 3, "Ten days [1][2].", []int{1, 3}, false},
		{"list with an invalid number", "Ten days [1, 9].", 3, "Ten days [1].", []int{1}, false},
		{"range", "Ten days [1-3].", 3, "Ten days [1][2][3].", []int{1, 2, 3}, false},
		{"en dash range", "Ten days [2–3].", 3, "Ten days [1][2].", []int{2, 3}, false},
		{"backwards range is prose", "See [3-1].", 3, "See [3-1].", nil, false},
		{"duplicate in a run", "Ten days [1][1] and [1, 1].", 3, "Ten days [1] and [1].", []int{1}, false},
		{"not markers", "Use [brackets] and [] and [ ] and [1a].", 3, "Use [brackets] and [] and [ ] and [1a].", nil, false},
		{"code span", "Write `a[1]` in code [2].", 3, "Write `a[1]` in code [1].", []int{2}, false},
		{"unclosed at end", "Ten days [1", 3, "Ten days [1", nil, false},
		{"year in brackets dropped", "Founded [2023] in Paris [1].", 3, "Founded in Paris [1].", []int{1}, false},
		{"leading and trailing space", "  \n Ten days [1].  \n", 1, "Ten days [1].", []int{1}, false},
		{"dont know phrase", "I don't know based on the FAQ.", 3, "", nil, true},
		{"dont know curly apostrophe", "I don’t know based on the FAQ.", 3, "", nil, true},
		{"paraphrase", "The sources do not mention the fee for children. Sorry!", 3, "", nil, true},
		{"cannot find", "I couldn't find that in the sources.", 3, "", nil, true},
		{"refusal with a dropped marker", "I don't know [9].", 3, "", nil, true},
		{"hedge then cited answer", "I don't know the exact date. The office opened in 1990 [2].", 3, "I don't know the exact date. The office opened in 1990 [1].", []int{2}, false},
		{"cited first sentence", "I do not know the fee, but visas take ten days [1].", 3, "I do not know the fee, but visas take ten days [1].", []int{1}, false},
		{"refusal later is not a refusal", "Visas take ten days. I don't know based on the FAQ.", 3, "Visas take ten days. I don't know based on the FAQ.", nil, false},

		// Citation styles models bring from elsewhere.
		{"source word", "Ten days [Source 2]. Fee [source: 1].", 3, "Ten days [1]. Fee [2].", []int{2, 1}, false},
		{"plural source list", "Ten days [Sources 1, 3].", 3, "Ten days [1][2].", []int{1, 3}, false},
		{"source word repeated", "Ten days [Source 1, Source 3].", 3, "Ten days [1][2].", []int{1, 3}, false},
		{"and", "Ten days [1 and 3].", 3, "Ten days [1][2].", []int{1, 3}, false},
		{"parenthesised source", "Ten days (source 2). Fee (Sources 1 & 3).", 3, "Ten days [1]. Fee [2][3].", []int{2, 1, 3}, false},
		{"another language", "Zehn Tage (Quelle 2). Dix jours [source 1 et 3].", 3, "Zehn Tage [1]. Dix jours [2][3].", []int{2, 1, 3}, false},
		{"footnote and hash", "Ten days [^2]. Fee [#1].", 3, "Ten days [1]. Fee [2].", []int{2, 1}, false},
		{"invalid source word dropped", "Ten days [Source 7].", 3, "Ten days.", nil, false},
		{"parentheses without a source word are prose", "Steps: (1) apply (see 2) and (3) pay.", 3, "Steps: (1) apply (see 2) and (3) pay.", nil, false},
		{"other bracketed words are prose", "Press [Enter 2] or [Step 1] or [a and b].", 3, "Press [Enter 2] or [Step 1] or [a and b].", nil, false},
		{"version numbers are prose", "Needs [1.2] and (source 1.2).", 3, "Needs [1.2] and (source 1.2).", nil, false},

		// The refusal marker, in any language.
		{"marker", "NOT_IN_FAQ", 3, "", nil, true},
		{"marker with emphasis", "**NOT_IN_FAQ**", 3, "", nil, true},
		{"marker then explanation", "NOT_IN_FAQ — la FAQ ne parle pas des chats.", 3, "", nil, true},
		{"explanation then marker", "La FAQ ne dit rien sur les chats. NOT_IN_FAQ", 3, "", nil, true},
		{"marker drifted", "Not in the FAQ.", 3, "", nil, true},
		{"marker lowercase", "not_in_faq", 3, "", nil, true},
		{"marker opening a cited reply", "NOT_IN_FAQ, but fees are 80 euros [1].", 3, "", nil, true},
		{"marker after a cited answer is removed", "Visas take ten days [2]. NOT_IN_FAQ", 3, "Visas take ten days [1].", []int{2}, false},
		{"marker inside a cited answer is removed", "Visas take ten days [2] NOT_IN_FAQ and cost 80 euros [1].", 3, "Visas take ten days [1] and cost 80 euros [2].", []int{2, 1}, false},
		{"french sentence alone is an uncited answer", "Je ne sais pas d'après la FAQ.", 3, "Je ne sais pas d'après la FAQ.", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := finalText(tt.raw, tt.n)
			if got.refused != tt.refused || got.text != tt.want || !reflect.DeepEqual(got.cited, tt.wantCited) {
				t.Errorf("finalText(%q) = %q cited %v refused %v; want %q cited %v refused %v",
					tt.raw, got.text, got.cited, got.refused, tt.want, tt.wantCited, tt.refused)
			}
			checkPrefixes(t, tt.raw, tt.n)
		})
	}
}

// checkPrefixes streams raw one byte at a time and checks that every
// partial text extends the one before and is a prefix of the final text.
func checkPrefixes(t *testing.T, raw string, n int) {
	t.Helper()
	final := finalText(raw, n)
	prev := ""
	for k := 0; k <= len(raw); k++ {
		p := partialText(raw[:k], n)
		if !strings.HasPrefix(p, prev) {
			t.Fatalf("partial after %d bytes %q does not extend %q", k, p, prev)
		}
		if final.refused && p != "" {
			t.Fatalf("partial %q shown for an answer that ends as a refusal", p)
		}
		if !strings.HasPrefix(final.text, p) {
			t.Fatalf("partial after %d bytes %q is not a prefix of the final %q", k, p, final.text)
		}
		prev = p
	}
}

func TestPartialText(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"", ""},
		{"Visas take", ""},            // first sentence not complete yet
		{"Visas take ten days [", ""}, // same
		{"Visas take ten days [3]. The fee", "Visas take ten days [1]. The fee"},
		{"Visas take ten days [3]. The fee [", "Visas take ten days [1]. The fee"},  // open marker held back
		{"Visas take ten days [3]. The fee [2", "Visas take ten days [1]. The fee"}, // still open
		{"Visas take ten days [3]. The fee [9", "Visas take ten days [1]. The fee"}, // may be dropped
		{"Visas take ten days [3]. The fee   ", "Visas take ten days [1]. The fee"}, // trailing space held back
		{"Visas take ten days [3]. The fee [2] is", "Visas take ten days [1]. The fee [2] is"},
		{"I don't know based on the FAQ. ", ""},
		{"I don't know based on the FAQ. But", ""},
		{"Line one\nLine two", ""}, // uncited: it may yet end in the refusal marker
		{"Line one [1]\nLine two", "Line one [1]\nLine two"},
		{"Ten days [1]. Fee [2]. NOT_I", "Ten days [1]. Fee [2]."},      // may be the marker
		{"Ten days [1]. NOT_IN_FAQ and more", "Ten days [1]. and more"}, // the marker is removed
		{"Ten days [1]. NOT_ICE", "Ten days [1]. NOT_ICE"},
		{"NOT_IN_FAQ [1]. More.", ""},
	}
	for _, tt := range tests {
		if got := partialText(tt.raw, 3); got != tt.want {
			t.Errorf("partialText(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestPartialTextLongAnswers(t *testing.T) {
	raw := strings.Repeat("Visas are processed by the consulate in order of arrival [2] ", 8) + "and fees vary [1-2], see `x[1]` [5]. Done [1]."
	checkPrefixes(t, raw, 2)
	cut := "Ten days – ”quoted” [1]. Fee — 80 € [2–3]."
	checkPrefixes(t, cut, 3)
}

func FuzzCitationPrefixes(f *testing.F) {
	for _, s := range []string{"Ten days [1]. Fee [2, 3].", "I don't know [1", "a `[1]` b [1-2] c [9] d.", "Yes [1]\n[2] no",
		"Fee (source 1). Ten days [Sources 2 and 3].", "Fee [1]. NOT_IN_FAQ then", "NOT_IN_FAQ [1]"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, raw string, n int) {
		if n < 0 || n > 30 || len(raw) > 400 {
			return
		}
		checkPrefixes(t, raw, n)
	})
}

func TestCleanRewrite(t *testing.T) {
	tests := []struct{ in, want string }{
		{"What about Russia's visa rules?", "What about Russia's visa rules?"},
		{"Standalone question: Does Russia need a visa?", "Does Russia need a visa?"},
		{`"Does Russia need a visa?"`, "Does Russia need a visa?"},
		{"**Rewritten question:** Does Russia need a visa?\n\nThis keeps the topic.", "Does Russia need a visa?"},
		{"Sure! Here is the rewritten question:\n“Does Russia need a visa?”", "Does Russia need a visa?"},
		{"  \n", ""},
	}
	for _, tt := range tests {
		if got := cleanRewrite(tt.in); got != tt.want {
			t.Errorf("cleanRewrite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWithoutReasoning(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Plain answer [1].", "Plain answer [1]."},
		{"<think>The user asks about [3]...</think>\n\nThe answer [1].", "The answer [1]."},
		{"  <think>still thinking", ""},
		{"<think></think>Answer.", "Answer."},
		{"An answer mentioning <think> later.", "An answer mentioning <think> later."},
	}
	for _, tt := range tests {
		if got := withoutReasoning(tt.in); got != tt.want {
			t.Errorf("withoutReasoning(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

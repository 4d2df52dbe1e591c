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
		{"Line one\nLine two", "Line one\nLine two"},
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
	for _, s := range []string{"Ten days [1]. Fee [2, 3].", "I don't know [1", "a `[1]` b [1-2] c [9] d.", "Yes [1]\n[2] no"} {
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

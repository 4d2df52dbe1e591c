package answer

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "One thing. Another thing! A third? Yes.", []string{"One thing.", "Another thing!", "A third?", "Yes."}},
		{"abbreviation", "The U.S. Secretary spoke. Mr. Smith agreed.", []string{"The U.S. Secretary spoke.", "Mr. Smith agreed."}},
		{"initial", "Alexander V. Khrushchev received him. Then he left.", []string{"Alexander V. Khrushchev received him.", "Then he left."}},
		{"decimal", "It costs $2.6 billion. That is a lot.", []string{"It costs $2.6 billion.", "That is a lot."}},
		{"quote", `He said, "There will be no change." Then he left.`, []string{`He said, "There will be no change."`, "Then he left."}},
		{"lowercase after period", "See e.g. the docs. ok then", []string{"See e.g. the docs. ok then"}},
		{"inside quotes", "“There will be no change. There will be no change,” he said. Then he left.", []string{"“There will be no change. There will be no change,” he said.", "Then he left."}},
		{"straight quotes", `He said "Stop. Now." Then he left.`, []string{`He said "Stop. Now."`, "Then he left."}},
		{"unclosed quote", "“It never closes. But this is one line", []string{"“It never closes. But this is one line"}},
		{"stray quote", "“" + strings.Repeat("word ", 100) + "end. Next sentence.", []string{"“" + strings.Repeat("word ", 100) + "end.", "Next sentence."}},
		{"lines", "First line\nSecond line. Third.", []string{"First line", "Second line.", "Third."}},
		{"empty", "  \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitSentences(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitSentences(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

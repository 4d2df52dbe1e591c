package answer

import (
	"reflect"
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

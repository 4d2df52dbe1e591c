package config

import (
	"slices"
	"testing"
)

func TestUnknownNames(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  []Unknown
	}{
		{"known and foreign names pass", []string{"FAQBOT_TOP_K", "PATH", "OPENAI_API_KEY", "HOME", "DISCORD_TOKN"}, nil},
		{"dropped underscore", []string{"FAQBOT_TOPK"}, []Unknown{{"FAQBOT_TOPK", "FAQBOT_TOP_K"}}},
		{"swapped letters", []string{"FAQBOT_LOG_LEVLE"}, []Unknown{{"FAQBOT_LOG_LEVLE", "FAQBOT_LOG_LEVEL"}}},
		{"prefix added to a foreign setting", []string{"FAQBOT_DISCORD_TOKEN"}, []Unknown{{"FAQBOT_DISCORD_TOKEN", "DISCORD_TOKEN"}}},
		{"nothing close", []string{"FAQBOT_COLOUR"}, []Unknown{{"FAQBOT_COLOUR", ""}}},
		{"sorted, each once", []string{"FAQBOT_ZZZ", "FAQBOT_TOPK", "FAQBOT_ZZZ"}, []Unknown{{"FAQBOT_TOPK", "FAQBOT_TOP_K"}, {"FAQBOT_ZZZ", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnknownNames(tt.names); !slices.Equal(got, tt.want) {
				t.Errorf("UnknownNames(%q) = %+v, want %+v", tt.names, got, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"TOPK", "TOP_K", 1}, {"LEVLE", "LEVEL", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

package main

import (
	"strings"
	"testing"
)

// Members' words, not the corpus's: with the built-in word table (the
// default), questions worded the member's way are answered from the
// passage that answers them, offline.
func TestSynonymsBridgeMembersWords(t *testing.T) {
	tests := []struct {
		question string
		source   []string // file-name prefixes, any of them
	}{
		// The text says the United States suspended aid to Ukraine.
		{"Why did America pause some of its aid to Kyiv?", []string{"000"}},
		// The FAQ entry says "non-interference" in "electoral processes".
		{"Does the department meddle in other countries' elections?", []string{"000"}},
		// The story says the US ambassador delivered the response.
		{"who handed the American written reply to the Russian Foreign Ministry?", []string{"001", "003"}},
	}
	// One index for the three questions: built once, loaded twice.
	env := map[string]string{"FAQBOT_INDEX_DIR": t.TempDir(), "FAQBOT_DATA_DIR": t.TempDir()}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			got, out := askJSONOf(t, env, tt.question)
			if got.Refused || len(got.Citations) == 0 {
				t.Fatalf("refused, want an answer from %v: %s", tt.source, out)
			}
			top := got.Citations[0].Source
			ok := false
			for _, p := range tt.source {
				ok = ok || strings.HasPrefix(top, p)
			}
			if !ok {
				t.Errorf("top source %s, want one of %v: %s", top, tt.source, out)
			}
		})
	}
}

// faqbot index says whether questions are widened, and with which table;
// FAQBOT_SYNONYMS=0 turns it off.
func TestIndexReportsSynonyms(t *testing.T) {
	for _, tt := range []struct{ setting, want string }{
		{"1", "questions widened with related words (lexicon/"},
		{"0", "questions not widened with related words"},
	} {
		out, errs, code := runCLI(t, map[string]string{"FAQBOT_SYNONYMS": tt.setting}, "index")
		if code != 0 {
			t.Fatalf("FAQBOT_SYNONYMS=%s: exit %d, stderr:\n%s", tt.setting, code, errs)
		}
		if !strings.Contains(out, tt.want) {
			t.Errorf("FAQBOT_SYNONYMS=%s: index output lacks %q:\n%s", tt.setting, tt.want, out)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// faqbot eval reports the questions that share at most one content word
// with the passage that answers them as their own group, and how many
// words each question shares.
func TestEvalReportsFewSharedWordsGroup(t *testing.T) {
	set := filepath.Join(t.TempDir(), "set.jsonl")
	lines := `{"question": "how long did the talks in florida last?", "sources": ["002"], "facts": [["four hours"]]}
{"question": "does washington want a truce or not", "sources": ["000", "004"], "facts": [["ceasefire"]]}
{"question": "what is a good recipe for sourdough bread?", "refuse": true}
`
	if err := os.WriteFile(set, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, nil, "eval", "-v", "--questions", set)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for _, want := range []string{
		"sharing <= 1 content word with the answer (1 questions)",
		`"how long did the talks in florida last?" (shares 3 content words with its answer)`,
		`"does washington want a truce or not" (shares 0 content words with its answer)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
}

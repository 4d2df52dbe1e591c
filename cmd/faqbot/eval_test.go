package main

import (
	"os"
	"path/filepath"
	"regexp"
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
		"sharing <= 1 content word with the answer (1 question)",
		`"how long did the talks in florida last?" (shares 3 content words with its answer)`,
		`"does washington want a truce or not" (shares 0 content words with its answer)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
}

// A question set run against a corpus its sources do not name scores 0%;
// eval says why on stderr, naming the sources, and -v marks the questions
// that passed "ok" instead of ending their line in a bare ": ".
func TestEvalWarnsWhenSourcesMatchNoDocument(t *testing.T) {
	tests := []struct {
		name  string
		lines string
		warn  string // "" for no warning
	}{
		{"right corpus", `{"question": "how long did the talks in florida last?", "sources": ["002"], "facts": [["four hours"]]}
{"question": "what is a good recipe for sourdough bread?", "refuse": true}
`, ""},
		{"wrong corpus", `{"question": "why doesn't go have exceptions?", "sources": ["faq.html"]}
{"question": "how do I install go?", "sources": ["doc/install", "faq.html"]}
{"question": "what is a good recipe for sourdough bread?", "refuse": true}
`, `faqbot: warning: no source named in SET matches a document of this corpus ("faq.html", "doc/install"): is --corpus the folder the set was written for? Every answerable question will count as a miss.`},
		{"one misspelled source", `{"question": "how long did the talks in florida last?", "sources": ["002"], "facts": [["four hours"]]}
{"question": "who is the ukrainian negotiator?", "sources": ["02_"]}
`, `faqbot: warning: 1 source named in SET matches no document of this corpus ("02_"); 1 of 2 answerable questions name no source that does and will count as misses.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := filepath.Join(t.TempDir(), "set.jsonl")
			if err := os.WriteFile(set, []byte(tt.lines), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errs, code := runCLI(t, nil, "eval", "-v", "--questions", set)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errs)
			}
			want := strings.ReplaceAll(tt.warn, "SET", set)
			if got := strings.TrimSpace(errs); got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "- line ") && strings.HasSuffix(line, ": ") {
					t.Errorf("a result line ends in a bare colon: %q", line)
				}
			}
			if tt.warn == "" && !strings.Contains(out, "last?\" (shares 3 content words with its answer): ok (answered, margin +") {
				t.Errorf("-v does not mark the passing question ok:\n%s", out)
			}
		})
	}
}

// faqbot eval says which relevance threshold would have decided the set
// best, and what it would have refused; set with --min-relevance, that
// threshold refuses exactly what eval said it would, and eval then finds
// nothing better.
func TestEvalSuggestsTheThresholdItMeasured(t *testing.T) {
	set := filepath.Join("..", "..", "testdata", "eval", "shipped.jsonl")
	idx := filepath.Join(t.TempDir(), "index")
	env := map[string]string{"FAQBOT_INDEX_DIR": idx}
	out, errs, code := runCLI(t, env, "eval", "--questions", set)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	now := regexp.MustCompile(`Relevance threshold ([0-9.]+) refused ([0-9.]+%) of the off-topic questions and ([0-9.]+%) of the answerable ones\.`)
	best := regexp.MustCompile(`would have decided it best: ([0-9.]+%) of the off-topic questions refused, ([0-9.]+%) of the answerable ones\.\n.*--min-relevance ([0-9.]+),`)
	m := now.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("eval output lacks the threshold in force:\n%s", out)
	}
	// The line agrees with the report's own refusal figures.
	for _, want := range []string{"refusal accuracy (unanswerable refused)  " + m[2], "false refusals (answerable refused)  " + m[3]} {
		if !strings.Contains(regexp.MustCompile(` {2,}`).ReplaceAllString(out, "  "), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	b := best.FindStringSubmatch(out)
	if b == nil {
		if !strings.Contains(out, "No other threshold decides this set better.") {
			t.Fatalf("eval output neither suggests a threshold nor says none is better:\n%s", out)
		}
		return
	}
	out2, errs, code := runCLI(t, env, "eval", "--questions", set, "--min-relevance", b[3])
	if code != 0 {
		t.Fatalf("exit %d with --min-relevance %s, stderr:\n%s", code, b[3], errs)
	}
	m2 := now.FindStringSubmatch(out2)
	if m2 == nil || m2[1] != b[3] || m2[2] != b[1] || m2[3] != b[2] {
		t.Errorf("with --min-relevance %s eval says %q, want off-topic %s and answerable %s refused", b[3], m2, b[1], b[2])
	}
	if !strings.Contains(out2, "No other threshold decides this set better.") {
		t.Errorf("at the suggested threshold eval still suggests another:\n%s", out2)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// gameCorpus writes a small game-server FAQ to a temporary folder.
func gameCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	faq := "# Rules FAQ\n\n## Is X-ray allowed?\n\nNo. X-ray packs and ore finders count as cheating: a first offence is a 7-day ban.\n\n" +
		"## How do I sign up for the tournament?\n\nSign-ups open a week before each tournament in the events channel.\n\n" +
		"## How do I appeal a ban?\n\nOpen a ticket in support-tickets. Bans are reviewed within 48 hours.\n"
	if err := os.WriteFile(filepath.Join(dir, "rules.md"), []byte(faq), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestIndexPrintsCalibration: faqbot index shows the two groups of scores
// and the threshold it measured.
func TestIndexPrintsCalibration(t *testing.T) {
	dir := gameCorpus(t)
	out, errs, code := runCLI(t, nil, "index", "--corpus", dir)
	if code != 0 {
		t.Fatalf("index: exit %d\n%s", code, errs)
	}
	for _, re := range []string{
		`Relevance:  threshold \d\.\d{3} \(calibrated\)`,
		`off-topic questions  n=\d+ .*median \d\.\d\d .*max \d\.\d\d`,
		`answerable questions n=\d+ .*median \d\.\d\d`,
		`cosine: `,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("index output lacks %s:\n%s", re, out)
		}
	}
}

// TestMinRelevanceSetting: FAQBOT_MIN_RELEVANCE and --min-relevance
// override the calibrated threshold, the flag over the environment, and a
// bad value is a clear error.
func TestMinRelevanceSetting(t *testing.T) {
	dir := gameCorpus(t)
	const q = "is xray allowed or nah"
	ask := func(env map[string]string, args ...string) askJSON {
		t.Helper()
		out, errs, code := runCLI(t, env, append([]string{"ask", "--json", "--corpus", dir}, append(args, q)...)...)
		if code != 0 {
			t.Fatalf("ask %v: exit %d\n%s", args, code, errs)
		}
		var a askJSON
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("bad JSON: %v\n%s", err, out)
		}
		return a
	}
	idx := filepath.Join(t.TempDir(), "idx")
	if a := ask(map[string]string{"FAQBOT_INDEX_DIR": idx}); a.Refused {
		t.Fatalf("calibrated: refused %q", q)
	}
	// Nothing reaches a relevance of 5: every question is refused.
	if a := ask(map[string]string{"FAQBOT_INDEX_DIR": idx, "FAQBOT_MIN_RELEVANCE": "5"}); !a.Refused {
		t.Errorf("FAQBOT_MIN_RELEVANCE=5: answered %q", q)
	}
	if a := ask(map[string]string{"FAQBOT_INDEX_DIR": idx, "FAQBOT_MIN_RELEVANCE": "5"}, "--min-relevance", "0"); a.Refused {
		t.Errorf("--min-relevance 0 over FAQBOT_MIN_RELEVANCE=5: refused %q", q)
	}
	if a := ask(map[string]string{"FAQBOT_INDEX_DIR": idx}, "--min-relevance", "5"); !a.Refused {
		t.Errorf("--min-relevance 5: answered %q", q)
	}

	_, errs, code := runCLI(t, map[string]string{"FAQBOT_INDEX_DIR": idx}, "ask", "--explain", "--corpus", dir, "--min-relevance", "0.8", q)
	if code != 0 || !strings.Contains(errs, "relevance threshold 0.800 (set by FAQBOT_MIN_RELEVANCE; calibrated ") {
		t.Errorf("ask --explain with an override: exit %d\n%s", code, errs)
	}

	_, errs, code = runCLI(t, map[string]string{"FAQBOT_MIN_RELEVANCE": "lots"}, "ask", q)
	if code == 0 || !strings.Contains(errs, "FAQBOT_MIN_RELEVANCE") {
		t.Errorf("bad FAQBOT_MIN_RELEVANCE: exit %d\n%s", code, errs)
	}
	_, errs, code = runCLI(t, nil, "ask", "--min-relevance", "-1", q)
	if code != 2 || !strings.Contains(errs, "min-relevance") {
		t.Errorf("bad --min-relevance: exit %d\n%s", code, errs)
	}
}

// TestEvalPrintsCalibrationAndMargins: faqbot eval says which calibration
// it used and, per question, how far the decision was from going the other
// way.
func TestEvalPrintsCalibrationAndMargins(t *testing.T) {
	dir := gameCorpus(t)
	set := filepath.Join(t.TempDir(), "set.jsonl")
	lines := `{"question": "is xray allowed or nah", "sources": ["rules.md"], "title": "Is X-ray allowed?", "facts": [["7-day ban"]]}
{"question": "what's the best pizza topping?", "refuse": true}
`
	if err := os.WriteFile(set, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, nil, "eval", "--corpus", dir, "--questions", set, "-v")
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, errs)
	}
	for _, re := range []string{
		`Relevance:  threshold \d\.\d{3} \(calibrated\)`,
		`off-topic questions  n=\d+`,
		`line 1 "is xray allowed or nah"( \(shares \d content words? with its answer\))?: ok \(answered, margin \+\d\.\d{3}\)`,
		`line 2 "what's the best pizza topping\?": ok \(refused, margin -\d\.\d{3}\)`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("eval output lacks %s:\n%s", re, out)
		}
	}
}

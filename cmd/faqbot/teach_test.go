package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// teachFAQ is a small corpus whose entries a member's words miss.
const teachFAQ = `# Server rules

## Are client modifications that reveal hidden ores allowed?

No. Cheat clients and resource packs that show ores through walls are banned on sight.

## When does the resource world regenerate?

On the first Sunday of every month at 18:00 UTC.
`

// TestTeachFromTheCommandLine: a question the FAQ's words miss is refused
// with suggestions; `faqbot teach` without a passage lists the closest
// ones, with one teaches it, and `faqbot ask` then answers it from that
// passage; --list shows it, --remove removes it, and `faqbot index` after
// the passage went drops it and says so.
func TestTeachFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	corpusDir := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpusDir, "rules.md"), []byte(teachFAQ), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FAQBOT_CORPUS_DIR": corpusDir, "FAQBOT_INDEX_DIR": filepath.Join(dir, "index"), "FAQBOT_DATA_DIR": filepath.Join(dir, "data")}
	const q = "is xray ok or nah"
	ask := func() askJSON {
		t.Helper()
		got, _ := askJSONOf(t, env, q)
		return got
	}
	before := ask()
	if !before.Refused || len(before.Citations) != 0 {
		t.Fatalf("before teaching: %+v, want a refusal: the test needs a question the FAQ's words miss", before)
	}

	out, errs, code := runCLI(t, env, "teach", q)
	if code != 2 || !strings.Contains(out, "rules.md#") || !strings.Contains(errs, "--passage") {
		t.Fatalf("teach without a passage: exit %d, stdout:\n%s\nstderr:\n%s\nwant the closest passages and a usage error", code, out, errs)
	}
	id := regexp.MustCompile(`rules\.md#\d+`).FindString(out)
	if !strings.Contains(out, id+"  ") {
		t.Fatalf("no passage ID listed:\n%s", out)
	}
	// The entry about ores: the line naming it.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "hidden ores") {
			id = strings.Fields(line)[0]
		}
	}
	if _, errs, code := runCLI(t, env, "teach", "--passage", "rules.md#99", q); code != 2 || !strings.Contains(errs, "no passage") {
		t.Errorf("teaching an unknown passage: exit %d, %s", code, errs)
	}
	out, errs, code = runCLI(t, env, "teach", "--passage", id, q)
	if code != 0 || !strings.Contains(out, "Taught in the base corpus") || !strings.Contains(out, "answered from that passage") {
		t.Fatalf("teach: exit %d\n%s%s", code, out, errs)
	}
	after := ask()
	if after.Refused || len(after.Citations) == 0 || after.Citations[0].Source != "rules.md" || !strings.Contains(after.Answer, "banned") {
		t.Errorf("after teaching: %+v, want the answer from the ores entry", after)
	}
	if out, _, _ := runCLI(t, env, "teach", "--list"); !strings.Contains(out, "#1 ") || !strings.Contains(out, q) || !strings.Contains(out, id) {
		t.Errorf("teach --list:\n%s", out)
	}
	if _, errs, code := runCLI(t, env, "teach", "--remove", "1"); code != 0 {
		t.Fatalf("teach --remove: exit %d %s", code, errs)
	}
	if got := ask(); !got.Refused {
		t.Errorf("after removing the phrasing: %+v, want a refusal again", got)
	}

	// Taught again, then the entry goes: the next index drops it.
	if _, errs, code := runCLI(t, env, "teach", "--passage", id, q); code != 0 {
		t.Fatalf("teach: %s", errs)
	}
	other := strings.Replace(teachFAQ, "## Are client modifications that reveal hidden ores allowed?\n\nNo. Cheat clients and resource packs that show ores through walls are banned on sight.\n\n", "", 1)
	if err := os.WriteFile(filepath.Join(corpusDir, "rules.md"), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCLI(t, env, "index")
	if code != 0 || !strings.Contains(out, "Dropped 1 taught phrasing") || !strings.Contains(out, q) {
		t.Errorf("index after the entry went: exit %d\n%s%s\nwant the phrasing reported dropped", code, out, errs)
	}
	if out, _, _ := runCLI(t, env, "teach", "--list"); !strings.Contains(out, "Nothing is taught") {
		t.Errorf("teach --list after the drop:\n%s", out)
	}
}

// TestAskJSONSuggestions: `ask --json` keeps a refusal a refusal (refused,
// no citations) and adds the closest entry as a suggestion; an answer, and
// a question nothing is near, carry "suggestions": [].
func TestAskJSONSuggestions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.md"), []byte(teachFAQ), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		question string
		refused  bool
		want     []suggestionJSON
	}{
		{"can hacks find ores", true, []suggestionJSON{{Title: "Are client modifications that reveal hidden ores allowed?", Source: "rules.md"}}},
		{"when does the resource world regenerate?", false, []suggestionJSON{}},
		{"what is a good recipe for sourdough bread?", true, []suggestionJSON{}},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			got, out := askJSONOf(t, nil, "--corpus", dir, tt.question)
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &raw); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if _, ok := raw["suggestions"]; !ok {
				t.Errorf("no suggestions field: %s", out)
			}
			if got.Refused != tt.refused {
				t.Fatalf("refused %v, want %v: %s", got.Refused, tt.refused, out)
			}
			if got.Refused && len(got.Citations) != 0 {
				t.Errorf("a refusal cites %d sources: %s", len(got.Citations), out)
			}
			if !reflect.DeepEqual(got.Suggestions, tt.want) {
				t.Errorf("suggestions %+v, want %+v", got.Suggestions, tt.want)
			}
		})
	}
}

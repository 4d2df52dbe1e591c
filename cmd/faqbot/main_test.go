package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// runCLI runs the command in-process with an environment holding only env
// (plus a per-test index folder), and returns stdout, stderr and the exit
// status main would use.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["FAQBOT_INDEX_DIR"]; !ok {
		env["FAQBOT_INDEX_DIR"] = filepath.Join(t.TempDir(), "index")
	}
	// Never the default ./data: serve would seed a corpus and a database
	// into the package folder, and other commands would then read them.
	if _, ok := env["FAQBOT_DATA_DIR"]; !ok {
		env["FAQBOT_DATA_DIR"] = filepath.Join(t.TempDir(), "data")
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// askJSONOf runs `faqbot ask --json args...` with env and returns the
// decoded answer and the raw output, failing the test on a non-zero exit
// or output that is not the answer's JSON.
func askJSONOf(t *testing.T, env map[string]string, args ...string) (askJSON, string) {
	t.Helper()
	out, errs, code := runCLI(t, env, append([]string{"ask", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("ask %q: exit %d, stderr:\n%s", args, code, errs)
	}
	var got askJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("ask %q: bad JSON: %v\n%s", args, err, out)
	}
	return got, out
}

func TestAskJSONContract(t *testing.T) {
	out, errs, code := runCLI(t, nil, "ask", "--json", "Who delivered the US written response to Russia?")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", out)
	}
	for _, k := range []string{"question", "answer", "refused", "mode", "citations", "tentative", "alternatives"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, out)
		}
	}
	var got askJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Refused || got.Mode != "extractive" || len(got.Citations) == 0 {
		t.Fatalf("got refused=%v mode=%q %d citations; want an extractive answer with citations:\n%s", got.Refused, got.Mode, len(got.Citations), out)
	}
	if !strings.Contains(got.Answer, "Sullivan") {
		t.Errorf("answer %q does not name the ambassador", got.Answer)
	}
	for i, c := range got.Citations {
		if c.N != i+1 || c.Source == "" || c.Title == "" || c.Snippet == "" || c.Score <= 0 {
			t.Errorf("citation %d incomplete: %+v", i, c)
		}
		if !strings.Contains(got.Answer, "["+strconv.Itoa(c.N)+"]") {
			t.Errorf("citation [%d] listed but not used in the answer %q", c.N, got.Answer)
		}
	}
}

// An answer from a passage that holds only part of the question is given
// and marked, in the JSON and in the text a member reads, with the other
// close entries when there are any; a confident one is not. On the shipped
// corpus, "hand over land" is the closest the FAQ comes to the question
// (the passage says "cede some territory"), while the Florida talks are
// answered in the question's own words; on the Cinderbrook FAQ no entry is
// about a creative world, and the build contest is another close one.
func TestAskMarksTentativeAnswers(t *testing.T) {
	cinderbrook := filepath.Join("..", "..", "testdata", "corpora", "cinderbrook")
	tests := []struct {
		corpus, question string
		tentative        bool
		alternative      string // a title among the alternatives; "" for none
	}{
		{"", "will kyiv have to hand over land for a deal", true, ""},
		{"", "how long did the talks in Florida last?", false, ""},
		{cinderbrook, "is there a creative world where i can test builds first", true, "How does the build contest work?"},
	}
	const mark = "The FAQ may not answer this exactly"
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			env := map[string]string{"FAQBOT_INDEX_DIR": filepath.Join(t.TempDir(), "index")}
			if tt.corpus != "" {
				env["FAQBOT_CORPUS_DIR"] = tt.corpus
			}
			got, out := askJSONOf(t, env, tt.question)
			if got.Refused || len(got.Citations) == 0 {
				t.Fatalf("want an answer with sources, got %s", out)
			}
			if got.Tentative != tt.tentative || strings.Contains(got.Note, mark) != tt.tentative {
				t.Errorf("tentative %v, note %q; want tentative %v with the note saying so", got.Tentative, got.Note, tt.tentative)
			}
			var alts []string
			for _, a := range got.Alternatives {
				alts = append(alts, a.Title)
				for _, c := range got.Citations {
					if a.Title == c.Title && a.Source == c.Source {
						t.Errorf("alternative %+v is a source", a)
					}
				}
			}
			if tt.alternative != "" && !slices.Contains(alts, tt.alternative) || !tt.tentative && len(alts) > 0 {
				t.Errorf("alternatives %q, want %q among them only with a tentative answer", alts, tt.alternative)
			}
			text, errs, code := runCLI(t, env, "ask", tt.question)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errs)
			}
			if strings.Contains(text, mark) != tt.tentative {
				t.Errorf("the printed answer shows the mark: %v, want %v:\n%s", strings.Contains(text, mark), tt.tentative, text)
			}
			if tt.alternative != "" && !strings.Contains(text, "Not what you asked? Other close entries:\n  - "+tt.alternative) {
				t.Errorf("the printed answer does not list %q:\n%s", tt.alternative, text)
			}
		})
	}
}

func TestAskRefusesOffTopic(t *testing.T) {
	got, out := askJSONOf(t, nil, "what is a good recipe for sourdough bread?")
	if !got.Refused || len(got.Citations) != 0 {
		t.Errorf("got refused=%v with %d citations, want a refusal citing nothing: %s", got.Refused, len(got.Citations), out)
	}
}

func TestAskHumanOutput(t *testing.T) {
	out, errs, code := runCLI(t, nil, "ask", "how", "long", "did", "the", "talks", "in", "Florida", "last?")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, "four hours") || !strings.Contains(out, "Sources:") || !strings.Contains(out, "[1]") {
		t.Errorf("output lacks the answer or its sources:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"ask without question", []string{"ask"}, 2, "needs a question"},
		{"ask blank question", []string{"ask", "  "}, 2, "needs a question"},
		{"bad k", []string{"ask", "-k", "0", "x"}, 2, "-k"},
		{"unknown flag", []string{"ask", "--nope", "x"}, 2, "nope"},
		{"missing corpus", []string{"ask", "--corpus", "/does/not/exist", "x"}, 1, "corpus"},
		{"eval without file", []string{"eval"}, 2, "--questions"},
		{"index extra arg", []string{"index", "extra"}, 2, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errs)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q does not mention %q", errs, tt.want)
			}
			if strings.Contains(errs, "goroutine ") || strings.Contains(errs, "panic") {
				t.Errorf("stderr shows a crash:\n%s", errs)
			}
			if tt.code != 0 && out != "" {
				t.Errorf("stdout should be empty on error, got %q", out)
			}
		})
	}
}

func TestAskBadSettingIsOneLine(t *testing.T) {
	_, errs, code := runCLI(t, map[string]string{"FAQBOT_TOP_K": "lots"}, "ask", "x")
	if code != 1 || !strings.Contains(errs, "FAQBOT_TOP_K") {
		t.Errorf("exit %d, stderr %q; want 1 and the setting named", code, errs)
	}
}

func TestCustomCorpusAndIndexReuse(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pets.md", "# Pet policy\n\n## Can I bring my dog to the office?\n\nDogs are welcome on Fridays if they are house-trained and stay on a leash.\n\n## Are cats allowed?\n\nCats are not allowed because of allergies among the staff.\n")
	idx := filepath.Join(t.TempDir(), "idx")
	env := map[string]string{"FAQBOT_INDEX_DIR": idx}
	out, errs, code := runCLI(t, env, "index", "--corpus", dir)
	if code != 0 {
		t.Fatalf("index: exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, "Corpus:     1 document, ") {
		t.Errorf("index output:\n%s", out)
	}
	got, _ := askJSONOf(t, env, "--corpus", dir, "can I bring my dog to work?")
	if got.Refused || len(got.Citations) == 0 || got.Citations[0].Title != "Can I bring my dog to the office?" {
		t.Fatalf("want the dog entry as the top source, got %+v", got)
	}
	// A changed document makes the saved index stale: it is rebuilt.
	write("pets.md", "# Pet policy\n\n## Can I bring my dog to the office?\n\nDogs are no longer allowed in the office.\n")
	out, errs, code = runCLI(t, env, "ask", "--json", "--corpus", dir, "can I bring my dog to work?")
	if code != 0 || !strings.Contains(out, "no longer allowed") {
		t.Errorf("after the edit: exit %d, out %s\n%s", code, out, errs)
	}
}

func TestSettingsPrintsExample(t *testing.T) {
	out, _, code := runCLI(t, nil, "settings")
	want, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != string(want) {
		t.Errorf("faqbot settings differs from .env.example (exit %d)", code)
	}
}

func TestEmbedDimensionsSizeTheBuiltInEmbedder(t *testing.T) {
	out, errs, code := runCLI(t, map[string]string{"FAQBOT_EMBED_DIMENSIONS": "256"}, "index")
	if code != 0 || !strings.Contains(out, "hash-v1-256, 256 dimensions") {
		t.Errorf("exit %d, output:\n%s\n%s", code, out, errs)
	}
}

// TestAskShowsSourceLinks checks the links a member sees, on the CLI and
// in `ask --json`: a page URL from FAQBOT_SOURCE_URL with the heading's
// anchor; and that changing the setting relinks a saved index.
func TestAskShowsSourceLinks(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "office"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := "---\ntitle: Pet policy\n---\n\n<Note>Read this before your first week.</Note>\n\n## Can I bring my dog to the office?\n\nDogs are welcome on Fridays if they are house-trained and stay on a leash.\n"
	if err := os.WriteFile(filepath.Join(dir, "office", "pets.mdx"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FAQBOT_INDEX_DIR": filepath.Join(t.TempDir(), "idx"), "FAQBOT_SOURCE_URL": "https://handbook.example/{path}"}
	const want = "https://handbook.example/office/pets#can-i-bring-my-dog-to-the-office"
	got, _ := askJSONOf(t, env, "--corpus", dir, "can I bring my dog to work?")
	if len(got.Citations) == 0 || got.Citations[0].URL != want {
		t.Fatalf("citations %+v, want the first to link to %s", got.Citations, want)
	}
	out, _, _ := runCLI(t, env, "ask", "--corpus", dir, "can I bring my dog to work?")
	if !strings.Contains(out, want) {
		t.Errorf("the CLI answer does not show the link:\n%s", out)
	}
	env["FAQBOT_SOURCE_URL"] = "https://intranet.example/docs/{path}"
	out, _, _ = runCLI(t, env, "ask", "--json", "--corpus", dir, "can I bring my dog to work?")
	if !strings.Contains(out, "https://intranet.example/docs/office/pets#can-i-bring-my-dog-to-the-office") {
		t.Errorf("after changing FAQBOT_SOURCE_URL the saved index still links elsewhere:\n%s", out)
	}
}

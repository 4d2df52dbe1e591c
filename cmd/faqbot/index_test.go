package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An index that cannot be saved (the index path is a file) still answers,
// but `faqbot index`, whose job is to save it, exits 1 and says why.
func TestIndexFailsWhenTheIndexCannotBeSaved(t *testing.T) {
	file := filepath.Join(t.TempDir(), "index")
	if err := os.WriteFile(file, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FAQBOT_INDEX_DIR": file}
	out, errs, code := runCLI(t, env, "index")
	if code != 1 {
		t.Errorf("index: exit %d, want 1", code)
	}
	if !strings.Contains(out, "NOT SAVED") {
		t.Errorf("the Index line does not say the index is not saved:\n%s", out)
	}
	last := errs[strings.LastIndex(strings.TrimSuffix(errs, "\n"), "\n")+1:]
	if !strings.HasPrefix(last, "faqbot: the index is not saved") || !strings.Contains(last, file) {
		t.Errorf("stderr does not end with the reason naming %s:\n%s", file, errs)
	}
	// ask still answers, from an index kept in memory.
	if _, errs, code := runCLI(t, env, "ask", "how long did the talks in Florida last?"); code != 0 {
		t.Errorf("ask: exit %d, want 0 (the index works from memory):\n%s", code, errs)
	}
}

// The index report counts in words that agree with the number.
func TestIndexReportCountsInTheRightNumber(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "faq.md", "# Pets\n\n## Can I bring my dog?\n\nDogs are welcome on Fridays.\n")
	out, errs, code := runCLI(t, nil, "index", "--corpus", dir)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	for _, want := range []string{"Corpus:     1 document, 1 passage\n", "; 1 passage embedded, 0 reused, in ", "Duplicates: 0 near-duplicate document pairs, 0 passages marked as duplicates\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// A skipped file is reported once: `faqbot index` lists it in its report,
// so it does not also warn about it, while a command with no such list
// (ask) still warns, as serve's log does.
func TestSkippedFileReportedOnce(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "faq.md", "# Pets\n\n## Can I bring my dog?\n\nDogs are welcome on Fridays.\n")
	writeFile(t, dir, "empty.md", "")
	const listed = "Skipped:    empty.md (empty)\n"
	tests := []struct {
		args     []string
		listed   int // times the report lists the skip
		warnings int // times stderr warns of it
	}{
		{[]string{"index", "--corpus", dir}, 1, 0},
		{[]string{"ask", "--corpus", dir, "can I bring my dog?"}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			out, errs, code := runCLI(t, nil, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, errs)
			}
			if got := strings.Count(out, listed); got != tt.listed {
				t.Errorf("stdout lists the skip %d times, want %d:\n%s", got, tt.listed, out)
			}
			if got := strings.Count(errs, "empty.md"); got != tt.warnings {
				t.Errorf("stderr names the skipped file %d times, want %d:\n%s", got, tt.warnings, errs)
			}
		})
	}
}

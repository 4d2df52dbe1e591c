package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/llm/llmtest"
)

// watchdog bounds a call that must end on its own (its own deadline is far
// shorter): a hang fails the test instead of blocking the whole run. It is
// a liveness check, not a timing assertion.
const watchdog = 60 * time.Second

// runCLIBounded is runCLI that fails the test if the command does not
// return within the watchdog, and reports how long it took.
func runCLIBounded(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int, took time.Duration) {
	t.Helper()
	type result struct {
		out, errs string
		code      int
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		out, errs, code := runCLI(t, env, args...)
		done <- result{out, errs, code}
	}()
	select {
	case r := <-done:
		return r.out, r.errs, r.code, time.Since(start)
	case <-time.After(watchdog):
		t.Fatalf("faqbot %s did not return within %v", strings.Join(args, " "), watchdog)
		return "", "", 0, 0
	}
}

// TestAskLLMFaults drives `faqbot ask` against a model that fails in the
// ways real servers do: each ends within FAQBOT_LLM_TIMEOUT (1 s here) or
// the client's retry limits, with an extractive answer and a note saying
// why, and the key never shown.
func TestAskLLMFaults(t *testing.T) {
	tests := []struct {
		name  string
		reply llmtest.Reply
		note  string // a word the note must contain, or ""
	}{
		{"endless stream", llmtest.Endless("and again ", 5*time.Millisecond), "too long"},
		{"never answers", llmtest.Hang(), "too long"},
		{"rate limited for two minutes", llmtest.RateLimited("120"), "rate"},
		{"garbage stream", llmtest.StreamEvents("not json at all", `{"choices": [{"delta": {"content": 42}}]}`), ""},
		{"HTML page with 200", llmtest.Text(200, "<html><body>Welcome to nginx!</body></html>"), ""},
		{"empty completion", llmtest.Stream(), ""},
		{"only invented citations", llmtest.Stream("[7][8]"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t, tt.reply)
			env := llmEnv(srv.URL())
			env["FAQBOT_LLM_TIMEOUT"] = "1s"
			out, errs, code, took := runCLIBounded(t, env, "ask", "--json", "how long did the talks in Florida last?")
			t.Logf("answered in %v after %d model requests", took.Round(time.Millisecond), len(srv.Requests()))
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errs)
			}
			got := checkOneJSON(t, out)
			if got.Mode != "extractive" || got.Note == "" || !strings.Contains(got.Answer, "four hours") {
				t.Errorf("got %+v; want an extractive answer with a note", got)
			}
			if tt.note != "" && !strings.Contains(strings.ToLower(got.Note), tt.note) {
				t.Errorf("note %q does not mention %q", got.Note, tt.note)
			}
			if strings.Contains(out+errs, canaryKey) {
				t.Error("the API key appears in the output")
			}
		})
	}
}

// TestAskReadOnlyIndexDir answers with the index folder unwritable: the
// index is built in memory, the answer is given, and stderr says the
// index could not be saved.
func TestAskReadOnlyIndexDir(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root ignores permission bits; a read-only bind is not available
		// without mounts, so use a path under a regular file instead,
		// which no user can create.
		t.Log("running as root: using an index folder below a regular file")
	}
	parent := t.TempDir()
	idx := filepath.Join(parent, "ro", "index")
	if os.Geteuid() == 0 {
		if err := os.WriteFile(filepath.Join(parent, "ro"), []byte("a file, not a folder"), 0o444); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := os.Mkdir(filepath.Join(parent, "ro"), 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(parent, "ro"), 0o755) })
	}
	out, errs, code := runCLI(t, map[string]string{"FAQBOT_INDEX_DIR": idx}, "ask", "--json", "how long did the talks in Florida last?")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if got := checkOneJSON(t, out); !strings.Contains(got.Answer, "four hours") {
		t.Errorf("answer %q", got.Answer)
	}
	if !strings.Contains(errs, "index not saved") {
		t.Errorf("stderr does not warn that the index was not saved:\n%s", errs)
	}
	t.Logf("stderr: %s", strings.TrimSpace(errs))
}

// TestAskDiskFull saves the index onto a 64 KiB tmpfs, which fills up:
// the question is answered from memory with a warning, and a later run
// with room loads nothing half-written. It needs root (to mount); without
// it the test is skipped.
func TestAskDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	idx := filepath.Join(dir, "index")
	env := map[string]string{"FAQBOT_INDEX_DIR": idx}
	out, errs, code := runCLI(t, env, "ask", "--json", "how long did the talks in Florida last?")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if got := checkOneJSON(t, out); !strings.Contains(got.Answer, "four hours") {
		t.Errorf("answer %q", got.Answer)
	}
	if !strings.Contains(errs, "index not saved") || !strings.Contains(errs, "no space left") {
		t.Errorf("stderr does not warn that the disk is full:\n%s", errs)
	}
	t.Logf("stderr: %s", strings.TrimSpace(errs))
	// Nothing half-written is mistaken for an index: the next run
	// rebuilds (and warns again) rather than loading garbage.
	out, errs, code = runCLI(t, env, "ask", "--json", "how long did the talks in Florida last?")
	if code != 0 || !strings.Contains(out, "four hours") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(errs, "unusable") {
		t.Logf("second run found leftovers and rebuilt: %s", strings.TrimSpace(errs))
	}
}

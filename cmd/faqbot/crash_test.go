package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faqbot/faqbot/llm/llmtest"
)

// helperEnv marks the re-executed test binary that plays faqbot.
const helperEnv = "FAQBOT_TEST_HELPER_PROCESS"

// TestHelperProcess is not a test: crash tests run the test binary again
// with helperEnv set, and this runs faqbot with the arguments after "--",
// exactly as main does, so that the child can be killed like the real
// process.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for the crash tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	err := run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

// child is faqbot running as a separate process.
type child struct {
	cmd    *exec.Cmd
	lines  chan string // stderr, line by line
	stdout strings.Builder
}

// startChild starts faqbot args in a process of its own, with only env
// (plus PATH and HOME) in its environment and an empty working folder, so
// that no .env or developer setting leaks in.
func startChild(t testing.TB, env map[string]string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{helperEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, lines: make(chan string, 1000)}
	cmd.Stdout = &c.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return c
}

// waitLine returns the first stderr line containing s, failing the test
// if the child's stderr ends first or ctx is done.
func (c *child) waitLine(t testing.TB, ctx context.Context, s string) string {
	t.Helper()
	var seen []string
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("stderr ended before %q:\n%s", s, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, s) {
				return l
			}
		case <-ctx.Done():
			t.Fatalf("no %q on stderr: %v\n%s", s, ctx.Err(), strings.Join(seen, "\n"))
		}
	}
}

// finish waits for the child to exit and returns its stdout, stderr and
// exit code.
func (c *child) finish(t testing.TB) (string, string, int) {
	t.Helper()
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return c.stdout.String(), strings.Join(rest, "\n"), c.cmd.ProcessState.ExitCode()
}

// crashWords vary the generated documents, so that they are not all
// near-duplicates of each other.
var crashWords = strings.Fields("passport visa luggage refund ticket seat meal pet child insurance baggage " +
	"transfer hotel train ferry border customs vaccine deposit invoice receipt upgrade lounge delay storm " +
	"cancellation voucher allowance wheelchair stroller bicycle surfboard instrument medicine charger")

// writeFAQ writes n small FAQ documents named prefix-i.md into dir.
func writeFAQ(t *testing.T, dir, prefix string, n int) {
	t.Helper()
	w := func(k int) string { return crashWords[k%len(crashWords)] }
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "# %s handbook, part %d: %s and %s\n\n", prefix, i, w(i), w(i*7+3))
		for q := range 4 {
			k := i*4 + q
			fmt.Fprintf(&b, "## How does %s rule %d-%d about %s work?\n\n", prefix, i, q, w(k*5+1))
			fmt.Fprintf(&b, "Rule %d-%d of the %s handbook says that %s requests with a %s are answered within %d days by the %s desk, unless a %s or %s is involved. Exceptions need a written note about the %s.\n\n",
				i, q, prefix, w(k), w(k*3+2), i+q+1, w(k*11+4), w(k*13+5), w(k*17+6), w(k*19+7))
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%03d.md", prefix, i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKilledWhileIndexing kills faqbot with SIGKILL while it embeds a
// changed corpus (the embedding server holds the request, so the kill
// lands mid-embedding every time), then checks the previous index: it
// still loads as saved, untouched, for the corpus it was built from, and
// the changed corpus is indexed and answered on the next start.
func TestKilledWhileIndexing(t *testing.T) {
	var hold atomic.Bool
	held := make(chan struct{}, 10)
	embed := llmtest.Embeddings(64)
	srv := llmtest.NewServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			llmtest.Stream("Rule 2-1 requests are answered within 4 days [1].")(w, r, body)
			return
		}
		if hold.Load() {
			held <- struct{}{}
			<-r.Context().Done() // until the client goes away
			return
		}
		embed(w, r, body)
	})
	corpusDir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	writeFAQ(t, corpusDir, "travel", 12)
	env := map[string]string{
		"OPENAI_BASE_URL": srv.URL(), "OPENAI_API_KEY": canaryKey, "FAQBOT_EMBED_MODEL": "test-embed",
		// A set dimension skips the start-up probe, so the only embedding
		// requests are the passages'.
		"FAQBOT_EMBED_DIMENSIONS": "64",
		"FAQBOT_INDEX_DIR":        idx, "FAQBOT_LOG_LEVEL": "info",
	}
	// Generous: the deadline only bounds a hang, and CI's 2 cores may be
	// busy with every other package's tests at once.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// A first, complete run saves the index.
	out, errs, code := startChild(t, env, "index", "--corpus", corpusDir).finish(t)
	if code != 0 || !strings.Contains(out, "rebuilt") {
		t.Fatalf("first index: exit %d\n%s\n%s", code, out, errs)
	}
	before := snapshot(t, idx)

	// The corpus changes; the rebuild is killed while it embeds.
	writeFAQ(t, corpusDir, "visa", 6)
	hold.Store(true)
	c := startChild(t, env, "index", "--corpus", corpusDir)
	c.waitLine(t, ctx, "rebuilding index")
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the rebuild never asked for embeddings")
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _, _ = c.finish(t)
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not killed", c.cmd.ProcessState)
	}
	hold.Store(false)
	if after := snapshot(t, idx); after != before {
		t.Errorf("the saved index changed under a killed rebuild:\nbefore %s\nafter  %s", before, after)
	}

	// The previous corpus loads the saved index as it is.
	for _, f := range mustGlob(t, filepath.Join(corpusDir, "visa-*.md")) {
		os.Rename(f, f+".off") // unsupported extension: not loaded
	}
	out, errs, code = startChild(t, env, "index", "--corpus", corpusDir).finish(t)
	if code != 0 || !strings.Contains(out, "loaded in") {
		t.Fatalf("after the kill, the saved index was not loaded as is: exit %d\n%s\n%s", code, out, errs)
	}
	// The changed corpus is indexed on the next start and answered.
	for _, f := range mustGlob(t, filepath.Join(corpusDir, "visa-*.md.off")) {
		os.Rename(f, strings.TrimSuffix(f, ".off"))
	}
	out, errs, code = startChild(t, env, "ask", "--json", "--corpus", corpusDir, "how fast are visa rule 2-1 requests answered?").finish(t)
	if code != 0 {
		t.Fatalf("ask after the kill: exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, `"answer"`) || strings.Contains(out+errs, canaryKey) {
		t.Errorf("ask after the kill:\n%s\n%s", out, errs)
	}
}

// TestKilledAnywhereWhileIndexing is the opt-in soak of the crash test:
// FAQBOT_CRASH_LOOPS=N runs N rebuilds of a large generated corpus with the
// built-in embedder and kills each at a random moment after it starts
// (during load, embedding or save), then checks that the folder holds
// either the previous index, loaded as is, or nothing that loads wrongly.
//
//	FAQBOT_CRASH_LOOPS=20 go test ./cmd/faqbot -run TestKilledAnywhereWhileIndexing -v
func TestKilledAnywhereWhileIndexing(t *testing.T) {
	loops, _ := strconv.Atoi(os.Getenv("FAQBOT_CRASH_LOOPS"))
	if loops <= 0 {
		t.Skip("set FAQBOT_CRASH_LOOPS=N to kill N rebuilds at random moments")
	}
	corpusDir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	const docs = 1000
	writeFAQ(t, corpusDir, "travel0", docs)
	env := map[string]string{"FAQBOT_INDEX_DIR": idx, "FAQBOT_LOG_LEVEL": "info"}
	// The first run measures how long building and saving take after
	// "rebuilding index": the window the kills are spread over.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first := startChild(t, env, "index", "--corpus", corpusDir)
	first.waitLine(t, ctx, "rebuilding index")
	start := time.Now()
	_, errs, code := first.finish(t)
	window := time.Since(start)
	if code != 0 {
		t.Fatalf("first index: exit %d\n%s", code, errs)
	}
	t.Logf("first run: %d documents built and saved in %v after \"rebuilding index\"", docs, window.Round(time.Millisecond))
	killedAt := map[string]int{}
	for n := range loops {
		// Every document changes, so every run re-embeds everything.
		old, cur := fmt.Sprintf("travel%d", n%2), fmt.Sprintf("travel%d", 1-n%2)
		writeFAQ(t, corpusDir, cur, docs)
		olds, _ := filepath.Glob(filepath.Join(corpusDir, old+"-*.md"))
		for _, f := range olds {
			os.Remove(f)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c := startChild(t, env, "index", "--corpus", corpusDir)
		c.waitLine(t, ctx, "rebuilding index")
		// A random kill point in the first half of a build and save: this is
		// fault injection, not a wait.
		time.Sleep(time.Duration(rand.Int64N(int64(window) / 2)))
		c.cmd.Process.Signal(syscall.SIGKILL)
		_, rest, _ := c.finish(t)
		cancel()
		phase := "building or saving"
		if strings.Contains(rest, "index built") {
			phase = "finished"
		}
		killedAt[phase]++
		// Whatever the folder holds now must load or be rebuilt cleanly:
		// the previous corpus's index as saved, or the new one complete.
		out, errs, code := startChild(t, env, "index", "--corpus", corpusDir).finish(t)
		if code != 0 || strings.Contains(errs, "panic") {
			t.Fatalf("run %d after the kill: exit %d\n%s\n%s", n, code, out, errs)
		}
		switch {
		case strings.Contains(errs, "unusable"):
			killedAt["next run: leftovers unusable, rebuilt"]++
			t.Logf("run %d: %s", n, errs)
		case strings.Contains(out, "loaded in"):
			killedAt["next run: new index loaded as saved"]++
		default:
			killedAt["next run: previous index found, rebuilt"]++
		}
	}
	t.Logf("kills: %v", killedAt)
}

// snapshot describes the files of dir: names, sizes and modification
// times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !d.IsDir() {
			fmt.Fprintf(&b, "%s:%d:%d ", strings.TrimPrefix(p, dir), info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("glob %s: %v (%d matches)", pattern, err, len(m))
	}
	return m
}

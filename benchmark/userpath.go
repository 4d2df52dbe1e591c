package benchmark

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// The user-path measurement runs the faqbot binary as a user does, on
// files on disk: `faqbot index` from nothing and again with nothing
// changed, cold `faqbot ask` processes, a page added and the next cold
// ask, and `faqbot serve` against a fake Discord — its start-up until the
// slash commands are registered, and a refresh (SIGHUP, the path of
// /reindex and the watcher) after one document changed. Beside them, a
// naive bot that rescans every file for every question, timed in this
// process. Corpora are generated Markdown documents (WriteDocs) at
// several sizes and real folders given by the caller, copied first so
// that adding a page does not touch the original.

// UserPathOptions say what to measure.
type UserPathOptions struct {
	// Exe is the faqbot binary.
	Exe string
	// ExeArgs go before every command's arguments and ExeEnv into every
	// process's environment: for tests that run faqbot as a re-executed
	// test binary.
	ExeArgs, ExeEnv []string
	// Docs are the sizes of the generated corpora, in documents.
	Docs []int
	// Real are folders of real corpora to measure too.
	Real []string
	// ColdRuns is the number of cold asks per corpus.
	ColdRuns int
	// Serve measures serve's start-up and a refresh.
	Serve bool
	// Seed picks the generated documents.
	Seed uint64
	// TempDir holds the corpora and indexes; "" means the system's.
	TempDir string
}

// DefaultUserDocs are the generated corpus sizes `faqbot bench` measures.
func DefaultUserDocs() []int { return []int{1_000, 10_000, 50_000} }

// Proc is one run of a faqbot process.
type Proc struct {
	// Wall is its wall time and CPU the processor time it used (user and
	// system, all threads): on a shared machine wall time includes
	// waiting for a core, CPU time does not. MaxRSS is its peak resident
	// memory (from the kernel's accounting of the child; 0 where
	// unknown).
	Wall, CPU time.Duration
	MaxRSS    int64
}

// UserPathResult is what one corpus cost.
type UserPathResult struct {
	// Name names the corpus; Generated says it was made by WriteDocs.
	Name      string
	Generated bool
	// Docs, Passages and Bytes are its documents, passages and the size
	// of its files.
	Docs, Passages int
	Bytes          int64
	// Index is `faqbot index` from nothing; Read and Dedupe the parts of
	// it its log reports (reading, parsing, embedding and writing the
	// index; finding near-duplicates). Again is `faqbot index` with
	// nothing changed.
	Index         Proc
	Read, Dedupe  time.Duration
	Again         Proc
	Cold          Summary
	ColdCPU       Summary
	ColdRSS       int64
	Added         Proc
	AddedSeen     bool
	Ready         time.Duration
	ReadyRSS      int64
	Refresh       time.Duration
	RefreshTook   time.Duration
	ServePeakRSS  int64
	Naive         Summary
	Pairs         int
	Planted       int
	PlantedFound  int
	DupPassages   int
	ServeMeasured bool
}

// UserPathReport is the result of a run.
type UserPathReport struct {
	Machine  Machine
	Options  UserPathOptions
	Started  time.Time
	Duration time.Duration
	// LoadBefore and LoadAfter are the machine's load averages (1 minute)
	// when the run started and ended: the machine is shared, and this
	// says how much.
	LoadBefore, LoadAfter string
	Results               []UserPathResult
}

// RunUserPath measures every corpus o names, logging progress to lg.
func RunUserPath(ctx context.Context, lg *slog.Logger, o UserPathOptions) (*UserPathReport, error) {
	r := &UserPathReport{Machine: ThisMachine(), Options: o, Started: time.Now(), LoadBefore: loadAverage()}
	if o.ColdRuns < 1 {
		o.ColdRuns = 1
	}
	tmp, err := os.MkdirTemp(o.TempDir, "faqbot-bench-user-")
	if err != nil {
		return nil, fmt.Errorf("benchmarking the user path: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, real := range o.Real {
		name := filepath.Base(filepath.Clean(real))
		dir := filepath.Join(tmp, "real-"+name)
		lg.Info("copying a real corpus", "from", real)
		n, bytes, err := copyCorpus(real, dir)
		if err != nil {
			return nil, fmt.Errorf("benchmarking %s: %w", real, err)
		}
		c := DocCorpus{Dir: dir, Docs: n, Bytes: bytes, Questions: realQuestions}
		res, err := measureCorpus(ctx, lg, o, name, c, filepath.Join(tmp, "index-"+name))
		if err != nil {
			return nil, fmt.Errorf("benchmarking %s: %w", real, err)
		}
		r.Results = append(r.Results, res)
		os.RemoveAll(dir)
	}
	for _, n := range o.Docs {
		dir := filepath.Join(tmp, fmt.Sprintf("docs-%d", n))
		lg.Info("writing generated documents", "documents", n)
		c, err := WriteDocs(dir, n, o.Seed)
		if err != nil {
			return nil, err
		}
		res, err := measureCorpus(ctx, lg, o, fmt.Sprintf("generated, %s documents", count(n)), c, filepath.Join(tmp, fmt.Sprintf("index-%d", n)))
		if err != nil {
			return nil, fmt.Errorf("benchmarking %d generated documents: %w", n, err)
		}
		res.Generated = true
		r.Results = append(r.Results, res)
		os.RemoveAll(dir)
		os.RemoveAll(filepath.Join(tmp, fmt.Sprintf("index-%d", n)))
	}
	r.LoadAfter = loadAverage()
	r.Duration = time.Since(r.Started)
	return r, nil
}

// realQuestions are asked of real corpora: what members of a tools or
// docs community ask.
var realQuestions = []string{
	"how do I extract a tar archive?", "how do I list files by size?", "how can I see disk usage?",
	"how do I undo the last commit?", "how do I get started?", "what is the limit?",
}

// measureCorpus runs every measurement on one corpus.
func measureCorpus(ctx context.Context, lg *slog.Logger, o UserPathOptions, name string, c DocCorpus, idx string) (UserPathResult, error) {
	res := UserPathResult{Name: name, Docs: c.Docs, Bytes: c.Bytes}
	for _, p := range c.Planted {
		if p != "" {
			res.Planted++
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(idx), "home-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "FAQBOT_LOG_FORMAT=json", "FAQBOT_LOG_LEVEL=info",
		"FAQBOT_DATA_DIR=" + filepath.Join(work, "data")}, o.ExeEnv...)
	run := func(args ...string) (Proc, string, string, error) {
		return runProc(ctx, o.Exe, work, env, append(append([]string(nil), o.ExeArgs...), args...)...)
	}

	lg.Info("faqbot index, from nothing", "corpus", name)
	p, _, logs, err := run("index", "--corpus", c.Dir, "--index", idx)
	if err != nil {
		return res, err
	}
	res.Index = p
	res.Read = logDuration(logs, "corpus read and indexed")
	res.Dedupe = logDuration(logs, "near-duplicates found")
	if res.Again, _, _, err = run("index", "--corpus", c.Dir, "--index", idx); err != nil {
		return res, err
	}

	// What the index holds, read from its folder in this process (not
	// timed): its passages and the near-duplicate pairs `faqbot index`
	// saved, against the planted ones. Nothing is examined again, and the
	// index is not opened as a library: one opened with other options than
	// faqbot's (no word expander) would be calibrated again and saved, and
	// the first cold ask would then pay to calibrate it back.
	dups, passages, err := library.SavedDuplicates(idx)
	if err != nil {
		return res, fmt.Errorf("reading the index built: %w", err)
	}
	res.Passages, res.Pairs, res.DupPassages = passages, len(dups.Documents), dups.Passages
	found := map[string]bool{}
	for _, d := range dups.Documents {
		found[d.A+" ~ "+d.B], found[d.B+" ~ "+d.A] = true, true
	}
	for _, pl := range c.Planted {
		if found[pl] {
			res.PlantedFound++
		}
	}

	lg.Info("cold faqbot ask", "corpus", name, "runs", o.ColdRuns)
	var cold, coldCPU []time.Duration
	var rss []int64
	for i := range o.ColdRuns {
		q := c.Questions[i%len(c.Questions)]
		p, _, _, err := run("ask", "--json", "--corpus", c.Dir, "--index", idx, q)
		if err != nil {
			return res, err
		}
		cold = append(cold, p.Wall)
		coldCPU = append(coldCPU, p.CPU)
		rss = append(rss, p.MaxRSS)
	}
	res.Cold, res.ColdCPU, res.ColdRSS = Summarize(cold), Summarize(coldCPU), Median(rss)

	lg.Info("a page added, then a cold faqbot ask", "corpus", name)
	page, body, question := newPage(c.Docs, o.Seed)
	if err := os.WriteFile(filepath.Join(c.Dir, page), []byte(body), 0o644); err != nil {
		return res, err
	}
	p, out, _, err := run("ask", "--json", "--corpus", c.Dir, "--index", idx, question)
	if err != nil {
		return res, err
	}
	res.Added = p
	var ans struct {
		Citations []struct {
			Source string `json:"source"`
		} `json:"citations"`
	}
	if json.Unmarshal([]byte(out), &ans) == nil {
		for _, ci := range ans.Citations {
			res.AddedSeen = res.AddedSeen || ci.Source == page
		}
	}

	res.Naive = naiveRescan(c.Dir, c.Questions)

	if o.Serve {
		lg.Info("faqbot serve: start-up and a refresh", "corpus", name)
		if err := measureServe(ctx, &res, o, c, idx, work, env); err != nil {
			return res, err
		}
	}
	return res, nil
}

// runProc runs exe with args in dir and returns its wall time and peak
// memory, its stdout and its stderr. A non-zero exit is an error quoting
// stderr's end.
func runProc(ctx context.Context, exe, dir string, env []string, args ...string) (Proc, string, string, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	ownPeak()
	start := time.Now()
	err := cmd.Run()
	p := Proc{Wall: time.Since(start)}
	if cmd.ProcessState != nil {
		p.MaxRSS, p.CPU = maxRSS(cmd.ProcessState), cpuTime(cmd.ProcessState)
	}
	if err != nil {
		tail := errs.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return p, out.String(), errs.String(), fmt.Errorf("running faqbot %s: %w\n%s", strings.Join(args, " "), err, tail)
	}
	return p, out.String(), errs.String(), nil
}

// logDuration finds the JSON log line with message msg and returns its
// "took" (slog writes a duration as nanoseconds).
func logDuration(logs, msg string) time.Duration {
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil || m["msg"] != msg {
			continue
		}
		if t, ok := m["took"].(float64); ok {
			return time.Duration(t)
		}
	}
	return 0
}

// measureServe starts `faqbot serve` against a fake Discord, times its
// start-up until the slash commands are registered (the index opened and
// the gateway connected), changes one document, sends SIGHUP and times
// the refresh until its log line, then stops it.
func measureServe(ctx context.Context, res *UserPathResult, o UserPathOptions, c DocCorpus, idx, work string, env []string) error {
	var cl cleanups
	defer cl.run()
	fake := discordtest.New(&cl)
	env = append(env, "DISCORD_TOKEN=bench-token", "DISCORD_GUILD_ID=guild-1", "FAQBOT_DISCORD_API_URL="+fake.URL,
		"FAQBOT_CORPUS_DIR="+c.Dir, "FAQBOT_INDEX_DIR="+idx)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.Exe, append(append([]string(nil), o.ExeArgs...), "serve")...)
	cmd.Dir, cmd.Env = work, env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	lines := make(chan string, 256)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting faqbot serve: %w", err)
	}
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody is waiting for this one
			}
		}
	}()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	defer stop()
	commands := fmt.Sprintf("%s/applications/%s/guilds/guild-1/commands", discordtest.APIPrefix, fake.AppID)
	if _, err := fake.WaitFor(ctx, func(r discordtest.Request) bool { return r.Method == "PUT" && r.Path == commands }); err != nil {
		return fmt.Errorf("faqbot serve never registered its commands: %w", err)
	}
	res.Ready = time.Since(start)
	res.ReadyRSS = procStatus(cmd.Process.Pid, "VmRSS")

	// One document changes; SIGHUP refreshes as /reindex does.
	target := firstDoc(c.Dir)
	if target == "" {
		return errors.New("no document to change")
	}
	f, err := os.OpenFile(target, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\n\nOne more paragraph, added to time a refresh after a change to one document of the corpus.\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for len(lines) > 0 {
		<-lines // what serve logged before the change
	}
	t0 := time.Now()
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return err
	}
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return errors.New("faqbot serve ended before the refresh was logged")
			}
			if !strings.Contains(l, `"corpus refreshed"`) {
				continue
			}
			res.Refresh = time.Since(t0)
			res.RefreshTook = logDuration(l, "corpus refreshed")
			res.ServePeakRSS = procStatus(cmd.Process.Pid, "VmHWM")
			res.ServeMeasured = true
			return nil
		case <-ctx.Done():
			return fmt.Errorf("waiting for the refresh: %w", ctx.Err())
		}
	}
}

// cleanups collects what discordtest.New hands over for the end.
type cleanups []func()

func (c *cleanups) Cleanup(f func()) { *c = append(*c, f) }

func (c *cleanups) run() {
	for i := len(*c) - 1; i >= 0; i-- {
		(*c)[i]()
	}
}

// firstDoc returns the first supported file of dir, by name.
func firstDoc(dir string) string {
	var out string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && corpus.Supported(d.Name()) {
			out = p
			return fs.SkipAll
		}
		return nil
	})
	return out
}

// procStatus reads a memory field (in kB) of /proc/PID/status as bytes;
// 0 where there is no /proc.
func procStatus(pid int, field string) int64 {
	v := procField(fmt.Sprintf("/proc/%d/status", pid), field)
	var kb int64
	fmt.Sscanf(v, "%d", &kb)
	return kb * 1024
}

// loadAverage is the machine's one-minute load average, or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// naiveRescan times a bot with no index: for every question it reads every
// file of the folder and picks the one where the question's words occur
// most often. It is the baseline the users compared with.
func naiveRescan(dir string, questions []string) Summary {
	var ds []time.Duration
	for _, q := range questions[:min(len(questions), 5)] {
		words := corpus.Terms(q)
		start := time.Now()
		best, bestN := "", -1
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !corpus.Supported(d.Name()) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			text := strings.ToLower(string(b))
			n := 0
			for _, w := range words {
				n += strings.Count(text, w)
			}
			if n > bestN {
				best, bestN = p, n
			}
			return nil
		})
		_ = best
		ds = append(ds, time.Since(start))
	}
	return Summarize(ds)
}

// copyCorpus copies the supported files of src into dst and returns how
// many there were and their size.
func copyCorpus(src, dst string) (int, int64, error) {
	n := 0
	var bytes int64
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		w, err := io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if corpus.Supported(d.Name()) {
			n++
			bytes += w
		}
		return err
	})
	return n, bytes, err
}

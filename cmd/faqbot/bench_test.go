package main

import (
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/benchmark"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// TestBenchSmoke runs a tiny bench end to end: the numbers are not
// checked (timings are never pass/fail), only that every section is
// reported and the chart is well-formed.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several small indexes")
	}
	svg := filepath.Join(t.TempDir(), "bench.svg")
	out, errs, code := runCLI(t, map[string]string{"FAQBOT_LOG_LEVEL": "warn"},
		"bench", "--user-path=false", "--sizes", "200", "--reps", "1", "--queries", "5", "--cold-runs", "0", "--plot", svg)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for _, want := range []string{"### Query latency", "| 200 | 512 |", "| 200 | 1536 |", "hash-v1-512", "random-1536",
		"in-process answer", "cold `faqbot ask` process | not measured", "Prompt tokens per LLM answer", "### Budgets"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(svg)
	if err != nil {
		t.Fatalf("no chart: %v", err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	for {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
	}
}

// TestBenchUsage: every bad invocation is refused with its own message.
// Each case checks the message: run from this test binary, bench refuses
// anything that gets past the flags (the user-path guard), so an exit code
// alone would pass with any one check removed.
func TestBenchUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"bad size", []string{"bench", "--sizes", "10,abc"}, "--sizes wants whole numbers"},
		{"size too small", []string{"bench", "--sizes", "5"}, "--sizes wants whole numbers"},
		{"zero reps", []string{"bench", "--reps", "0"}, "--reps and --queries must be at least 1"},
		{"argument", []string{"bench", "extra"}, "bench takes no arguments"},
		{"missing question set", []string{"bench", "--questions", "nope.jsonl"}, "reading the question set"},
		{"bad document count", []string{"bench", "--docs", "ten"}, "--docs wants whole numbers"},
		{"real corpus missing", []string{"bench", "--real", "no/such/folder"}, "--real: no/such/folder is not a folder"},
		{"user path from a test binary", []string{"bench", "--docs", "10", "--real", ".", "--in-process=false"}, "this is a test binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := runCLI(t, nil, tt.args...)
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, want an error saying %q; stderr:\n%s", code, tt.want, errs)
			}
		})
	}
}

// TestBenchUserPath runs the user-path measurement on a small generated
// corpus and a copy of the shipped one, with this test binary playing
// faqbot: every process the measurement starts (index, ask, serve against
// a fake Discord) must run, the page added must be found, and the planted
// near-duplicate must be. Timings are not checked.
func TestBenchUserPath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs faqbot processes")
	}
	real := t.TempDir()
	if _, err := library.SeedDir(filepath.Join(real, "shipped"), corpus.Default()); err != nil {
		t.Fatal(err)
	}
	o := benchmark.UserPathOptions{
		Exe: os.Args[0], ExeArgs: []string{"-test.run=^TestHelperProcess$", "--"}, ExeEnv: []string{helperEnv + "=1"},
		Docs: []int{201}, Real: []string{filepath.Join(real, "shipped")}, ColdRuns: 2, Serve: true, Seed: 1, TempDir: t.TempDir(),
	}
	rep, err := benchmark.RunUserPath(t.Context(), slog.New(slog.NewTextHandler(t.Output(), nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 {
		t.Fatalf("%d results, want 2", len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Passages == 0 || r.Cold.N != 2 || !r.AddedSeen || !r.ServeMeasured || r.Ready <= 0 || r.Refresh <= 0 {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if g := rep.Results[1]; g.Planted != 1 || g.PlantedFound != 1 {
		t.Errorf("generated corpus: planted copies %d, found %d", g.Planted, g.PlantedFound)
	}
	if s := rep.Results[0]; s.Pairs != 1 {
		t.Errorf("shipped corpus: %d near-duplicate pairs, want the translated story", s.Pairs)
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### On the user's path", "| shipped |", "| generated, 201 documents |", "### Budgets", "shipped: `faqbot serve` ready"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

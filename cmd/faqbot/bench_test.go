package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		"bench", "--sizes", "200", "--reps", "1", "--queries", "5", "--cold-runs", "0", "--plot", svg)
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

func TestBenchUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"bad size", []string{"bench", "--sizes", "10,abc"}},
		{"size too small", []string{"bench", "--sizes", "5"}},
		{"zero reps", []string{"bench", "--reps", "0"}},
		{"argument", []string{"bench", "extra"}},
		{"missing question set", []string{"bench", "--questions", "nope.jsonl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := runCLI(t, nil, tt.args...)
			if code == 0 {
				t.Errorf("exit 0, want an error; stderr:\n%s", errs)
			}
		})
	}
}

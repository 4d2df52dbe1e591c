package benchmark

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sampleReport is a fixed report covering every row and budget.
func sampleReport() *Report {
	sum := func(p50, p95 time.Duration) Summary { return Summary{N: 30, P50: p50, P95: p95, Mean: p50, Max: p95} }
	r := &Report{
		Machine: Machine{OS: "linux", Arch: "amd64", CPU: "Test CPU <fast> & cheap", NumCPU: 2, GOMAXPROCS: 2, GoVersion: "go1.26"},
		Options: Options{Sizes: []int{1000, 100_000}, Dims: []int{512, 1536}, Reps: 3, Queries: 30, Seed: 1, QuestionsFrom: "q.jsonl"},
		Started: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Duration: 95 * time.Second,
		Ask:    AskResult{Questions: 40, InProcess: sum(400*time.Microsecond, 900*time.Microsecond), Cold: sum(30*time.Millisecond, 40*time.Millisecond), ColdFirst: 60 * time.Millisecond},
		Tokens: TokenResult{Answers: 29, Refused: 11, Mean: 790, Max: 1140, ContextTokens: 1200, K: 5},
	}
	for _, n := range []int{1000, 100_000} {
		for _, dim := range []int{512, 1536} {
			f := time.Duration(n/1000*dim/512) * 100 * time.Microsecond
			r.Scale = append(r.Scale, ScaleResult{Passages: n, Dim: dim, Embedder: "e",
				Hybrid: sum(f*13/10, f*2), Chromem: sum(f*12/10, f*19/10), Floor: sum(f/3, f/2),
				Build: time.Duration(n) * 80 * time.Microsecond, BuildRate: 12500, Save: time.Second, Load: 600 * time.Millisecond,
				FileBytes: int64(n) * int64(dim) * 5, RSS: int64(n) * int64(dim) * 6, Heap: int64(n) * int64(dim) * 5, RawBytes: int64(n) * int64(dim*4+700)})
		}
	}
	return r
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Machine: linux/amd64, Test CPU <fast> & cheap, 2 cores",
		"| passages | dims | hybrid p50 |",
		"| 100,000 | 1536 | 39.0 | 60.0 | 36.0 | 57.0 | 10.0 | 15.0 | 3.90× | 3.60× | 1.08× |",
		"| 1,000 | 512 | e | 80.0 ms | 12,500 | 1.00 s | 600 ms |",
		"| in-process answer (retrieval + extractive), ms | 0.400 | 0.900 | 0.900 | 30 |",
		"mean 790, max 1140 over 29 answers (11 questions refused",
		"| hybrid retrieval vs chromem-go query, p50, 100k passages (built-in embedder) | ≤ 1.15× | 1.08× (13.0 vs 12.0 ms) | yes |",
		"| 100k passages indexed, built-in embedder | < 60 s | 8.0 s | yes |",
		"| prompt tokens per answer, default settings (max) | < 1,500 | 1140 (mean 790) | yes |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	// Every table row has as many cells as its header.
	var cols int
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(line, "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row has %d cells, header %d: %s", n-1, cols-1, line)
		}
	}
}

func TestBudgetsUnmeasured(t *testing.T) {
	r := sampleReport()
	r.Scale = r.Scale[:2] // 1,000 passages only
	r.Ask.Cold = Summary{}
	for _, b := range r.Budgets() {
		if strings.Contains(b.Name, "100k") && !strings.Contains(b.Name, "1,536") && b.Measured {
			t.Errorf("%q measured without a 100k corpus", b.Name)
		}
		if strings.Contains(b.Name, "cold") && b.Measured {
			t.Errorf("cold budget measured without cold runs")
		}
	}
}

func TestWriteSVGWellFormed(t *testing.T) {
	for name, r := range map[string]*Report{"full": sampleReport(), "empty": {}, "one point": {Scale: sampleReport().Scale[:1]}} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.WriteSVG(&b); err != nil {
				t.Fatal(err)
			}
			dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
			var root string
			lines := 0
			for {
				tok, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed XML: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok {
					if root == "" {
						root = se.Name.Local
						if se.Name.Space != "http://www.w3.org/2000/svg" {
							t.Errorf("root namespace %q", se.Name.Space)
						}
					}
					if se.Name.Local == "polyline" {
						lines++
					}
				}
			}
			if root != "svg" {
				t.Errorf("root element %q, want svg", root)
			}
			checkBounds(t, b.String())
			if want := 6 * len(r.dims()); lines != want {
				t.Errorf("%d lines drawn, want %d", lines, want)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   int
	}{
		{1, 10, 4},        // 1 2 5 10
		{100, 100000, 10}, // three decades: 1, 2, 5 of each and the top
		{0.01, 1000, 6},   // five decades: powers of ten only
	}
	for _, tt := range tests {
		if got := ticks(tt.lo, tt.hi); len(got) != tt.want {
			t.Errorf("ticks(%v, %v) = %v, want %d ticks", tt.lo, tt.hi, got, tt.want)
		}
	}
}

// checkBounds fails if any coordinate in svg lies outside the canvas.
func checkBounds(t *testing.T, svg string) {
	t.Helper()
	num := `(-?[0-9.]+)`
	for _, m := range regexp.MustCompile(`\b(x|x1|x2|cx)="`+num+`"`).FindAllStringSubmatch(svg, -1) {
		if v, _ := strconv.ParseFloat(m[2], 64); v < 0 || v > chartW {
			t.Errorf("%s=%v outside 0..%d", m[1], v, chartW)
		}
	}
	for _, m := range regexp.MustCompile(`\b(y|y1|y2|cy)="`+num+`"`).FindAllStringSubmatch(svg, -1) {
		if v, _ := strconv.ParseFloat(m[2], 64); v < 0 || v > chartH {
			t.Errorf("%s=%v outside 0..%d", m[1], v, chartH)
		}
	}
	for _, m := range regexp.MustCompile(`points="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		for _, p := range strings.Fields(m[1]) {
			xs, ys, _ := strings.Cut(p, ",")
			x, _ := strconv.ParseFloat(xs, 64)
			y, _ := strconv.ParseFloat(ys, 64)
			if x < 0 || x > chartW || y < 0 || y > chartH {
				t.Errorf("point %s outside %dx%d", p, chartW, chartH)
			}
		}
	}
}

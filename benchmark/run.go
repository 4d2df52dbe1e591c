package benchmark

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/faqbot/faqbot/retrieval"
)

// Options say what to measure.
type Options struct {
	// Sizes are the synthetic corpus sizes, in passages.
	Sizes []int
	// Dims are the vector sizes: retrieval.DefaultHashDim is measured with
	// the built-in embedder, others with a RandomEmbedder.
	Dims []int
	// Reps repeats every timed step (saves, loads, query passes, in-process
	// answers); medians and percentiles are over all samples.
	Reps int
	// Queries is the number of synthetic queries per corpus.
	Queries int
	// Seed picks the synthetic corpora and queries.
	Seed uint64
	// Questions are asked of the shipped corpus, in-process and to the fake
	// LLM; QuestionsFrom says where they came from, for the report.
	Questions     []string
	QuestionsFrom string
	// Exe is the faqbot binary to time as a cold process, ColdRuns times
	// (after one run that builds the index); "" or 0 skips it.
	Exe      string
	ColdRuns int
	// TempDir holds the saved indexes; "" means the system's.
	TempDir string
}

// DefaultSizes are the corpus sizes `faqbot bench` measures unless told
// otherwise.
func DefaultSizes() []int { return []int{1_000, 10_000, 100_000} }

// DefaultDims are the vector sizes `faqbot bench` measures unless told
// otherwise: the built-in embedder's, and that of common API embeddings
// (OpenAI's text-embedding-3-small and ada-002).
func DefaultDims() []int { return []int{retrieval.DefaultHashDim, 1536} }

// Report is the result of a run.
type Report struct {
	Machine  Machine
	Options  Options
	Started  time.Time
	Duration time.Duration
	// Scale has one result per size and dim, sizes ascending, dims in the
	// order of Options.Dims.
	Scale  []ScaleResult
	Ask    AskResult
	Tokens TokenResult
}

// Run measures everything Options ask for, logging progress to lg.
func Run(ctx context.Context, lg *slog.Logger, o Options) (*Report, error) {
	if o.Reps < 1 {
		o.Reps = 1
	}
	if o.Queries < 1 {
		o.Queries = 1
	}
	r := &Report{Machine: ThisMachine(), Options: o, Started: time.Now()}
	tmp, err := os.MkdirTemp(o.TempDir, "faqbot-bench-")
	if err != nil {
		return nil, fmt.Errorf("benchmarking: %w", err)
	}
	defer os.RemoveAll(tmp)

	for _, n := range o.Sizes {
		chunks := Corpus(n, o.Seed)
		for _, dim := range o.Dims {
			res, err := measureScale(ctx, lg, chunks, dim, o, filepath.Join(tmp, fmt.Sprintf("index-%d-%d", n, dim)))
			if err != nil {
				return nil, fmt.Errorf("benchmarking %d passages of %d dims: %w", n, dim, err)
			}
			lg.Info("measured", "passages", n, "dim", dim, "hybrid_p50", res.Hybrid.P50, "chromem_p50", res.Chromem.P50,
				"floor_p50", res.Floor.P50, "build", res.Build, "load", res.Load)
			r.Scale = append(r.Scale, res)
		}
	}

	lg.Info("answering on the shipped corpus", "questions", len(o.Questions))
	ix, err := shippedIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("benchmarking answers: %w", err)
	}
	r.Ask.Questions = len(o.Questions)
	if r.Ask.InProcess, err = measureInProcess(ctx, ix, o.Questions, o.Reps); err != nil {
		return nil, fmt.Errorf("benchmarking answers: %w", err)
	}
	if o.Exe != "" && o.ColdRuns > 0 && len(o.Questions) > 0 {
		lg.Info("timing cold processes", "exe", o.Exe, "runs", o.ColdRuns)
		if r.Ask.ColdFirst, r.Ask.Cold, err = measureCold(ctx, o.Exe, o.ColdRuns, o.Questions[0]); err != nil {
			return nil, fmt.Errorf("benchmarking cold answers: %w", err)
		}
	}
	lg.Info("counting prompt tokens against the fake LLM server")
	if r.Tokens, err = measureTokens(ctx, ix, o.Questions); err != nil {
		return nil, fmt.Errorf("benchmarking prompt tokens: %w", err)
	}
	r.Duration = time.Since(r.Started)
	return r, nil
}

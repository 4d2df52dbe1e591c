package benchmark

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// AskResult is the end-to-end latency of answering on the shipped corpus.
type AskResult struct {
	// Questions is how many questions were asked per repetition.
	Questions int
	// InProcess is answer.Engine.Answer (retrieval, relevance decision,
	// extractive answer), one sample per question and repetition.
	InProcess Summary
	// Cold is `faqbot ask QUESTION` as a new process with the index
	// already saved, one sample per run; ColdFirst is the first run, which
	// built and saved the index. Zero when not measured.
	Cold      Summary
	ColdFirst time.Duration
}

// shippedIndex builds the index of the corpus embedded in the binary.
func shippedIndex(ctx context.Context) (*retrieval.Index, error) {
	set, err := corpus.Build(ctx, corpus.Default(), nil, corpus.DefaultSplitOptions())
	if err != nil {
		return nil, fmt.Errorf("loading the shipped corpus: %w", err)
	}
	ix, err := retrieval.Build(ctx, set.Chunks, retrieval.NewHashEmbedder(retrieval.DefaultHashDim), retrieval.BuildOptions{})
	if err != nil {
		return nil, fmt.Errorf("indexing the shipped corpus: %w", err)
	}
	return ix, nil
}

// measureInProcess answers every question reps times with an extractive
// engine over ix.
func measureInProcess(ctx context.Context, ix *retrieval.Index, questions []string, reps int) (Summary, error) {
	e := answer.New(ix, answer.Options{})
	for _, q := range questions { // warm-up
		if _, err := e.Answer(ctx, answer.Question{Text: q}); err != nil {
			return Summary{}, fmt.Errorf("answering %q: %w", q, err)
		}
	}
	var ds []time.Duration
	for range reps {
		for _, q := range questions {
			start := time.Now()
			if _, err := e.Answer(ctx, answer.Question{Text: q}); err != nil {
				return Summary{}, fmt.Errorf("answering %q: %w", q, err)
			}
			ds = append(ds, time.Since(start))
		}
	}
	return Summarize(ds), nil
}

// measureCold runs `exe ask --index DIR QUESTION` runs+1 times, the first
// building the index, and returns the first run's time and the summary of
// the others. The child runs in an empty folder with an environment of
// PATH and HOME only, so that no .env file or API key of the caller turns
// it into an LLM client.
func measureCold(ctx context.Context, exe string, runs int, question string) (first time.Duration, cold Summary, err error) {
	work, err := os.MkdirTemp("", "faqbot-bench-cold-")
	if err != nil {
		return 0, Summary{}, err
	}
	defer os.RemoveAll(work)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work}
	var ds []time.Duration
	for i := range runs + 1 {
		cmd := exec.CommandContext(ctx, exe, "ask", "--index", work+"/index", question)
		cmd.Dir, cmd.Env = work, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return 0, Summary{}, fmt.Errorf("running %s ask: %w\n%s", exe, err, out)
		}
		if i == 0 {
			first = d
			continue
		}
		ds = append(ds, d)
	}
	return first, Summarize(ds), nil
}

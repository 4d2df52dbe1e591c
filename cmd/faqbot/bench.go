package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/faqbot/faqbot/benchmark"
	"github.com/faqbot/faqbot/evalset"
)

// defaultBenchQuestions is the shipped question set, used by bench when
// it is run from the repository root.
const defaultBenchQuestions = "testdata/eval/questions.jsonl"

// defaultBenchReal is the real corpus the user-path measurement includes
// when bench runs from a checkout beside the shared evaluation corpora.
const defaultBenchReal = "../shared/eval-corpora/tldr-common"

// fallbackBenchQuestions are asked when the question set is not at hand
// (bench run from another folder): a few answerable questions and one
// refusal, so that both paths are timed.
func fallbackBenchQuestions() []string {
	return []string{
		"who delivered the US written response to Moscow?",
		"What weapons has the State Department approved for Ukraine?",
		"how long did the talks in Florida last?",
		"What did the US say about NATO's open-door policy?",
		"what is a good recipe for sourdough bread?",
	}
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("bench", "bench [--docs 1000,10000,50000] [--real DIR,...] [--sizes 1000,10000,100000] [--dims 512,1536] [--reps N] [--queries N] [--plot FILE.svg]", e.stderr)
	docs := fs.String("docs", joinInts(benchmark.DefaultUserDocs()), "user path: generated corpora, in documents, comma-separated (0: none)")
	real := fs.String("real", "", "user path: folders of real corpora to measure too, comma-separated (default: "+defaultBenchReal+" if present)")
	serve := fs.Bool("serve", true, "user path: also time serve's start-up and a refresh against a fake Discord")
	inProcess := fs.Bool("in-process", true, "also run the in-process measurements of synthetic passages (--sizes, --dims)")
	userPath := fs.Bool("user-path", true, "run the user-path measurements (--docs, --real)")
	sizes := fs.String("sizes", joinInts(benchmark.DefaultSizes()), "synthetic corpus sizes, in passages, comma-separated")
	dims := fs.String("dims", joinInts(benchmark.DefaultDims()), "vector sizes, comma-separated: 512 uses the built-in embedder, others random unit vectors")
	reps := fs.Int("reps", 3, "repetitions of every timed step")
	queries := fs.Int("queries", 30, "synthetic queries per corpus, each timed once per repetition")
	coldRuns := fs.Int("cold-runs", 5, "cold faqbot ask processes to time (0: skip)")
	questions := fs.String("questions", "", "question set for the shipped-corpus measurements (default: "+defaultBenchQuestions+" if present)")
	plot := fs.String("plot", "", "also draw the results as an SVG chart to this file")
	seed := fs.Uint64("seed", 1, "seed of the synthetic corpora and queries")
	tenancy := fs.Bool("tenancy", false, "instead, measure many servers' knowledge bases: memory, first question after eviction, refresh isolation")
	def := benchmark.DefaultTenancy()
	servers := fs.String("servers", fmt.Sprintf("%d,%d", def.Small, def.Large), "with --tenancy: how many small and large servers")
	budget := fs.Int("budget-mb", 0, "with --tenancy: the memory budget of the eviction pass, in MiB (0: a third of everything loaded)")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("bench takes no arguments, got %q", pos[0])
	}
	if *tenancy {
		n, err := intList("--servers", *servers, 0)
		if err != nil || len(n) != 2 || n[0] < 2 || n[1] < 1 || *budget < 0 {
			return usagef("--servers wants two numbers, small (at least 2) and large (at least 1), e.g. 1000,20; --budget-mb at least 0")
		}
		def.Small, def.Large, def.BudgetMB, def.Seed = n[0], n[1], *budget, *seed
		_, lg, err := e.setup(nil, false)
		if err != nil {
			return err
		}
		rep, err := benchmark.RunTenancy(ctx, lg, def)
		if err != nil {
			return err
		}
		return rep.WriteMarkdown(e.stdout)
	}
	// Every flag is checked before anything runs: the user path alone
	// takes minutes.
	o := benchmark.Options{Reps: *reps, Queries: *queries, Seed: *seed, ColdRuns: *coldRuns}
	if o.Sizes, err = intList("--sizes", *sizes, 10); err != nil {
		return err
	}
	if o.Dims, err = intList("--dims", *dims, 2); err != nil {
		return err
	}
	if *reps < 1 || *queries < 1 || *coldRuns < 0 {
		return usagef("--reps and --queries must be at least 1, --cold-runs at least 0")
	}
	if o.Questions, o.QuestionsFrom, err = benchQuestions(*questions); err != nil {
		return err
	}
	var uo benchmark.UserPathOptions
	if *userPath {
		if uo, err = userPathOptions(*docs, *real, *serve, *coldRuns, *seed); err != nil {
			return err
		}
	}
	if o.ColdRuns > 0 || *userPath {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding the faqbot binary to run: %w", err)
		}
		if *userPath && strings.HasSuffix(exe, ".test") {
			// A test binary run as faqbot would run the tests again, and
			// each of those the bench: a test must pass --user-path=false
			// or run benchmark.RunUserPath with a helper process itself.
			return errors.New("bench: the user path runs this binary as faqbot, and this is a test binary")
		}
		uo.Exe = exe
		if o.ColdRuns > 0 {
			o.Exe = exe
		}
	}
	if !*userPath && !*inProcess {
		return nil
	}
	_, lg, err := e.setup(nil, false)
	if err != nil {
		return err
	}
	if *userPath {
		rep, err := benchmark.RunUserPath(ctx, lg, uo)
		if err != nil {
			return err
		}
		if err := rep.WriteMarkdown(e.stdout); err != nil {
			return err
		}
		if !*inProcess {
			return nil
		}
		fmt.Fprint(e.stdout, "\n## In-process measurements (synthetic passages handed to the index; not the user's path)\n\n")
	}
	rep, err := benchmark.Run(ctx, lg, o)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(e.stdout); err != nil {
		return err
	}
	if *plot != "" {
		f, err := os.Create(*plot)
		if err != nil {
			return fmt.Errorf("writing the chart: %w", err)
		}
		if err := rep.WriteSVG(f); err != nil {
			f.Close()
			return fmt.Errorf("writing the chart: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing the chart: %w", err)
		}
	}
	return nil
}

// userPathOptions checks the user-path flags.
func userPathOptions(docs, real string, serve bool, coldRuns int, seed uint64) (benchmark.UserPathOptions, error) {
	o := benchmark.UserPathOptions{Serve: serve, ColdRuns: max(coldRuns, 7), Seed: seed}
	if d := strings.TrimSpace(docs); d != "0" && d != "" {
		ns, err := intList("--docs", docs, 1)
		if err != nil {
			return o, err
		}
		o.Docs = ns
	}
	switch {
	case real != "":
		for _, d := range strings.Split(real, ",") {
			if d = strings.TrimSpace(d); d != "" {
				o.Real = append(o.Real, d)
			}
		}
	default:
		if fi, err := os.Stat(defaultBenchReal); err == nil && fi.IsDir() {
			o.Real = []string{defaultBenchReal}
		}
	}
	for _, d := range o.Real {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return o, usagef("--real: %s is not a folder", d)
		}
	}
	return o, nil
}

// joinInts writes ns comma-separated, as intList reads them.
func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// intList parses a comma-separated list of whole numbers of at least lo.
func intList(flagName, v string, lo int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < lo {
			return nil, usagef("%s wants whole numbers of at least %d, separated by commas; got %q", flagName, lo, v)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchQuestions reads the question texts of a question set: the one
// named, else the shipped set when it is at hand, else a built-in few.
func benchQuestions(path string) ([]string, string, error) {
	name := path
	if name == "" {
		name = defaultBenchQuestions
	}
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) && path == "" {
		return fallbackBenchQuestions(), "a built-in list", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading the question set: %w", err)
	}
	defer f.Close()
	qs, err := evalset.Read(f)
	if err != nil {
		return nil, "", fmt.Errorf("reading the question set %s: %w", name, err)
	}
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Question
	}
	if len(out) == 0 {
		return nil, "", usagef("the question set %s holds no questions", name)
	}
	return out, name, nil
}

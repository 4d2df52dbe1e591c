// Command faqbot answers questions from a FAQ corpus with cited sources, on
// the command line and as a Discord bot.
//
// Usage:
//
//	faqbot ask [--json] [--explain] [--corpus DIR] [--index DIR] [--min-relevance X] [-k N] QUESTION
//	faqbot index [--corpus DIR] [--index DIR] [--min-relevance X]
//	faqbot eval --questions FILE.jsonl [--corpus DIR] [--index DIR] [--min-relevance X] [-k N] [-v]
//	faqbot serve [--corpus DIR] [--index DIR]
//	faqbot source add|list|refresh|remove [--guild ID] ...
//	faqbot teach [--guild ID] --passage ID QUESTION
//	faqbot migrate to-postgres|to-sqlite
//	faqbot settings
//
// Run `faqbot help` for every command, and `faqbot COMMAND -h` for one
// command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// faqbot's peak memory is its heap while it reads a corpus or updates
	// an index (the near-duplicate state, the shards being rebuilt), on top
	// of the mapped index; the collector's default target lets the heap
	// grow to twice what is live before it collects. Half that margin
	// costs some processor time and keeps the peak of index, ask and serve
	// within three times the corpus's text at 10,000 documents (README,
	// speed). GOGC, when set, is the operator's choice.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, os.Environ()...)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError marks a mistake in the command line; it exits with status 2,
// the message on one line and a hint on the next.
type usageError struct {
	msg string
	// hint says where to look; empty means "Run 'faqbot help' for usage."
	hint string
}

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// errSilent is returned when the command already told the user what went
// wrong and only the exit status is left to set.
var errSilent = errors.New("failed")

func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errSilent):
		return 1
	case errors.As(err, &ue):
		hint := ue.hint
		if hint == "" {
			hint = "Run 'faqbot help' for usage."
		}
		fmt.Fprintf(stderr, "faqbot: %s\n%s\n", ue.msg, hint)
		return 2
	default:
		fmt.Fprintf(stderr, "faqbot: %s\n", err)
		return 1
	}
}

// command is one subcommand: its one-line summary for help, and its body.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"ask":      {"answer one question with cited sources", runAsk},
		"index":    {"build or refresh the index of the corpus", runIndex},
		"eval":     {"score answers against a question set", runEval},
		"serve":    {"run the Discord bot", runServe},
		"gaps":     {"show the questions members could not get answered, grouped", runGaps},
		"teach":    {"teach that a member's question is answered by a passage; list or remove what is taught", runTeach},
		"migrate":  {"move the data between the SQLite data folder and a shared PostgreSQL", runMigrate},
		"settings": {"print every setting with its default (the .env.example)", runSettings},
		"notices":  {"print the licence notices of the data built into faqbot (WordNet 3.0)", runNotices},
		"bench":    {"measure the user's path (index, cold ask, serve, refresh) and latency, memory and prompt tokens at scale", runBench},
		"source":   {"add, list, refresh or remove the web pages, sitemaps and Git folders fetched into a corpus", runSource},
	}
}

// run is main without the process: everything it touches comes in as a
// parameter, so tests call it directly. getenv reads the environment;
// environ, when given, lists it as KEY=VALUE (os.Environ), so that a
// misspelled FAQBOT_ name there is reported rather than ignored.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, environ ...string) error {
	e := &env{getenv: getenv, environ: environ, stdin: stdin, stdout: stdout, stderr: stderr}
	if isTerminal(stderr) {
		e.status = newStatusLine(stderr)
		e.stderr = e.status
	}
	return e.run(ctx, args)
}

// run runs the command args in e.
func (e *env) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		printHelp(e.stderr)
		return usagef("no command given")
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		printHelp(e.stdout)
		return nil
	}
	cmd, ok := commands()[name]
	if !ok {
		return usagef("unknown command %q", name)
	}
	return cmd.run(ctx, e, rest)
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `faqbot answers questions from a FAQ corpus and shows where every answer comes from.

Usage:
  faqbot ask [--json] [--explain] [--corpus DIR] [--index DIR] [--min-relevance X] [-k N] QUESTION
  faqbot index [--corpus DIR] [--index DIR] [--min-relevance X]
  faqbot eval --questions FILE.jsonl [--corpus DIR] [--index DIR] [--min-relevance X] [-k N] [-v]
  faqbot serve [--corpus DIR] [--index DIR]
  faqbot gaps [--days N] [--limit N] [--guild ID]
  faqbot source add [--guild ID] [--kind KIND] [--branch B] [--folder F] [--link URL] URL
  faqbot source list [--guild ID] [--json]
  faqbot source refresh [--guild ID] [ID]
  faqbot source remove ID
  faqbot teach [--guild ID] --passage ID QUESTION | --list | --remove N[,N…]
  faqbot migrate to-postgres|to-sqlite
  faqbot settings
  faqbot notices
  faqbot bench [--docs 1000,10000,50000] [--real DIR,...] [--sizes 1000,10000,100000] [--dims 512,1536] [--reps N] [--queries N] [--plot FILE.svg]

Commands:
`)
	for _, name := range []string{"ask", "index", "eval", "serve", "gaps", "source", "teach", "migrate", "settings", "notices", "bench"} {
		fmt.Fprintf(w, "  %-9s %s\n", name, commands()[name].summary)
	}
	fmt.Fprint(w, `
Run 'faqbot COMMAND -h' for a command's flags. Settings come from flags, then
the environment, then a .env file in the working directory; 'faqbot settings'
lists them all.
`)
}

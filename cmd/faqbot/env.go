package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
)

// env is what a subcommand may touch of the outside world.
type env struct {
	getenv func(string) string
	// environ is the environment as KEY=VALUE, for warnings about names
	// that are no setting; nil skips them.
	environ []string
	// status is the status line at the bottom of stderr when it is a
	// terminal (stderr then writes through it), else nil.
	status *statusLine
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// now and until are the clock of serve's source schedule (see
	// ingest.Options); the real one when nil. Tests drive the schedule
	// through them.
	now   func() time.Time
	until func(time.Time) <-chan time.Time
}

// setup loads the settings (flags over environment over .env over
// defaults) and makes the logger. One-shot commands pass quiet: unless the
// log level is set, only warnings reach the terminal, where the answer is
// what the user came for.
func (e *env) setup(f *indexFlags, quiet bool) (config.Config, *slog.Logger, error) {
	dotenv, err := config.ReadDotenv(".env")
	if err != nil {
		return config.Config{}, nil, err
	}
	cfg, err := config.Load(e.getenv, dotenv)
	if err != nil {
		return config.Config{}, nil, err
	}
	if quiet && e.getenv("FAQBOT_LOG_LEVEL") == "" && dotenv["FAQBOT_LOG_LEVEL"] == "" {
		cfg.LogLevel = "warn"
	}
	if f != nil {
		if err := f.apply(&cfg); err != nil {
			return config.Config{}, nil, err
		}
	}
	useDataCorpus(&cfg)
	lg := newLogger(cfg, e.stderr)
	warnUnknownSettings(lg, e.environ, dotenv)
	return cfg, lg, nil
}

// warnUnknownSettings warns about every FAQBOT_ name in the environment or
// the .env file that is no setting: a misspelled FAQBOT_TOPK would
// otherwise leave the default in force without a word.
func warnUnknownSettings(lg *slog.Logger, environ []string, dotenv map[string]string) {
	names := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	report := func(where string, unknown []config.Unknown) {
		for _, u := range unknown {
			args := []any{"name", u.Name, "in", where}
			if u.DidYouMean != "" {
				args = append(args, "did_you_mean", u.DidYouMean)
			}
			lg.Warn("unknown setting ignored; faqbot settings lists them all", args...)
		}
	}
	report("environment", config.UnknownNames(names))
	report(".env", config.UnknownNames(slices.Collect(maps.Keys(dotenv))))
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// isTerminal reports whether w is a terminal, where progress bars are
// wanted; pipes and files get none.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// stack is everything a question needs: the corpus and its index (a
// library that can be refreshed) and the answer engine over it.
type stack struct {
	lib    *library.Library
	engine *answer.Engine
	// answer are the engine's options, for the engines of other
	// knowledge bases (serve's servers).
	answer answer.Options
	emb    retrieval.Embedder
	// exp widens questions (FAQBOT_SYNONYMS), for the libraries of other
	// knowledge bases too; nil: off.
	exp retrieval.Expander
	dir string
}

// indexDir is where the index of the configured corpus is saved: the
// setting, or a folder per corpus under the user's cache directory so two
// corpora never overwrite each other's index.
func indexDir(cfg config.Config) string {
	if cfg.IndexDir != "" {
		return cfg.IndexDir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	key := "default"
	if cfg.CorpusDir != "" {
		abs, err := filepath.Abs(cfg.CorpusDir)
		if err != nil {
			abs = cfg.CorpusDir
		}
		sum := sha256.Sum256([]byte(abs))
		key = filepath.Base(abs) + "-" + hex.EncodeToString(sum[:6])
	}
	return filepath.Join(base, "faqbot", "index", key)
}

// openStack loads the corpus, opens (or builds) its index and makes the
// answer engine. With progress set, and stderr a terminal, a status line
// says what it is doing and draws a bar while passages are embedded. tune, when given, adjusts the library's
// options (serve sets its watch report).
func openStack(ctx context.Context, e *env, cfg config.Config, lg *slog.Logger, progress bool, tune ...func(*library.Options)) (*stack, error) {
	m, err := newModels(ctx, cfg, indexDir(cfg), lg)
	if err != nil {
		return nil, err
	}
	// A corpus folder is opened (through an os.Root) and checked by the
	// library; with none, the embedded corpus answers.
	exp, err := newExpander(cfg.Synonyms)
	if err != nil {
		return nil, err
	}
	opts := library.Options{Dir: cfg.CorpusDir, IndexDir: indexDir(cfg), Embedder: m.emb, Logger: lg, MinRelevance: cfg.MinRelevance, Expander: exp}
	opts.Split = corpus.DefaultSplitOptions()
	opts.Split.SourceURL = cfg.SourceURL
	name := cfg.CorpusDir
	if name == "" {
		opts.Corpus, name = corpus.Default(), "embedded corpus"
	}
	if progress && e.status != nil {
		// Reading, cleaning and splitting take seconds on a large corpus
		// before any passage is embedded: say so rather than sit silent.
		e.status.Set(fmt.Sprintf("indexing %s: reading and cleaning the documents…", name))
		defer e.status.Set("")
		opts.Progress = e.status.Bar("indexing " + name + ": embedding")
	}
	for _, f := range tune {
		f(&opts)
	}
	lib, err := library.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	ao := answer.Options{K: cfg.TopK, Chat: m.chat, Logger: lg, LLM: m.llm}
	return &stack{lib: lib, engine: answer.New(lib, ao), answer: ao, emb: m.emb, exp: exp, dir: opts.IndexDir}, nil
}

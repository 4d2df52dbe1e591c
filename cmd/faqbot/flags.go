package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/faqbot/faqbot/config"
)

// indexFlags are the corpus and index flags shared by ask, index, eval and
// serve. Unset flags leave the environment's value in place.
type indexFlags struct {
	corpus string
	index  string
	k      int
	kSet   bool
}

func (f *indexFlags) register(fs *flag.FlagSet, withK bool) {
	fs.StringVar(&f.corpus, "corpus", "", "folder of .txt, .md, .mdx, .rst and .html documents (default: the embedded corpus; env FAQBOT_CORPUS_DIR)")
	fs.StringVar(&f.index, "index", "", "folder for the saved index (default: under the user cache dir; env FAQBOT_INDEX_DIR)")
	if withK {
		fs.Func("k", "passages to retrieve, 1-20 (default 5; env FAQBOT_TOP_K)", func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 20 {
				return fmt.Errorf("want a whole number from 1 to 20")
			}
			f.k, f.kSet = n, true
			return nil
		})
	}
}

// apply lets flags override the settings loaded from the environment.
func (f *indexFlags) apply(cfg *config.Config) error {
	if f.corpus != "" {
		cfg.CorpusDir = f.corpus
	}
	if f.index != "" {
		cfg.IndexDir = f.index
	}
	if f.kSet {
		cfg.TopK = f.k
	}
	return nil
}

// newFlagSet returns a FlagSet that reports errors instead of exiting, with
// usage text that starts with the command's synopsis.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: faqbot %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseCommand parses a subcommand's flags. Commands that take no
// positional arguments pass name, and a stray argument is a usage error.
// After -h it returns flag.ErrHelp, which exits 0.
func parseCommand(fs *flag.FlagSet, args []string, noArgs string) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if noArgs != "" && len(pos) > 0 {
		return nil, usagef("%s takes no arguments besides flags, got %q", noArgs, pos[0])
	}
	return pos, nil
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments, so `faqbot ask "why?" --json` works as users type it.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usageError{strings.TrimSpace(err.Error())}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

package main

import (
	"errors"
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
	corpus    string
	index     string
	k         int
	kSet      bool
	minRel    float64
	minRelSet bool
}

func (f *indexFlags) register(fs *flag.FlagSet, withK bool) {
	fs.StringVar(&f.corpus, "corpus", "", "folder of .txt, .md, .mdx, .rst and .html documents (default: the embedded corpus; env FAQBOT_CORPUS_DIR)")
	fs.StringVar(&f.index, "index", "", "folder for the saved index (default: under the user cache dir; env FAQBOT_INDEX_DIR)")
	fs.Func("min-relevance", "relevance needed to answer, overriding the calibrated threshold (default: calibrated; env FAQBOT_MIN_RELEVANCE)", func(v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x > 10 || x != x {
			return fmt.Errorf("want a number from 0 to 10 (0: the calibrated threshold)")
		}
		f.minRel, f.minRelSet = x, true
		return nil
	})
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
	if f.minRelSet {
		cfg.MinRelevance = f.minRel
	}
	return nil
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
// It prints nothing itself: parseInterspersed turns a bad flag into one
// line and a hint, and -h prints the synopsis and the flags on out.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: faqbot %s\n", synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			return
		}
		fmt.Fprint(out, "\nFlags:\n")
		fs.SetOutput(out)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
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
		return nil, usageError{msg: fmt.Sprintf("%s takes no arguments besides flags, got %q", noArgs, pos[0]), hint: flagsHint(fs)}
	}
	return pos, nil
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments, so `faqbot ask "why?" --json` works as users type it.
//
// The flag package calls Usage after every parse error as well as for -h,
// which printed the whole flag list between two copies of the error. Usage
// is silenced while parsing and called only when -h asked for it; an error
// becomes one line naming the command, with a hint to run its -h.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			return nil, usageError{msg: fs.Name() + ": " + flagError(err), hint: flagsHint(fs)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagError rewords the flag package's errors where they read oddly:
// "flag provided but not defined: -nope" says less than "unknown flag".
func flagError(err error) string {
	msg := strings.TrimSpace(err.Error())
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag " + name
	}
	return msg
}

// flagsHint points at the command's own flag list.
func flagsHint(fs *flag.FlagSet) string {
	return fmt.Sprintf("Run 'faqbot %s -h' for its flags.", fs.Name())
}

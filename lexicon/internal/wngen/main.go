// Command wngen builds the lexicon's word table from the WordNet 3.0
// database files (Debian's wordnet-base installs them in
// /usr/share/wordnet) and the hand-written supplement. It runs under
// `go generate ./lexicon`; its output is committed, so building faqbot needs
// neither WordNet nor this program.
//
// Usage:
//
//	wngen -wordnet DIR -supplement FILE -notice FILE -o FILE
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/faqbot/faqbot/lexicon/internal/table"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wngen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("wngen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("wordnet", "/usr/share/wordnet", "folder of the WordNet database files (index.*, data.*, *.exc, cntlist.rev)")
	supp := fs.String("supplement", "", "hand-written supplement (optional)")
	notice := fs.String("notice", "", "licence notice to store in the table (required)")
	out := fs.String("o", "", "table file to write (required)")
	show := fs.String("show", "", "comma-separated words whose links to print after writing, to review a change")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *notice == "" {
		return errors.New("-o and -notice are required")
	}
	if _, err := os.Stat(filepath.Join(*dir, "data.noun")); err != nil {
		return fmt.Errorf("no WordNet database in %s (apt-get install wordnet-base): %w", *dir, err)
	}
	text, err := os.ReadFile(*notice)
	if err != nil {
		return fmt.Errorf("reading the notice: %w", err)
	}
	var gs []group
	if *supp != "" {
		if gs, err = readSupplement(*supp); err != nil {
			return err
		}
	}
	data, n, err := generate(*dir, gs, string(text))
	if err != nil {
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	fmt.Fprintf(stderr, "wngen: %d words with links, %d bytes -> %s\n", n, len(data), *out)
	if *show != "" {
		t, err := table.Open(data)
		if err != nil {
			return err
		}
		for _, w := range strings.Split(*show, ",") {
			ls, _ := t.Lookup(w)
			fmt.Fprintf(stderr, "%s:", w)
			for _, l := range ls {
				fmt.Fprintf(stderr, " %s(%s %.2f)", l.To, l.Rel, l.Weight)
			}
			fmt.Fprintln(stderr)
		}
	}
	return nil
}

// generate builds the table's bytes from the database in dir and the
// supplement's groups, and says how many words have links.
func generate(dir string, gs []group, notice string) ([]byte, int, error) {
	wn, err := readWordNet(dir)
	if err != nil {
		return nil, 0, err
	}
	if err := wn.applySame(gs); err != nil {
		return nil, 0, err
	}
	entries := newBuilder(wn, gs).build()
	var buf bytes.Buffer
	if err := table.Write(&buf, notice, entries); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), len(entries), nil
}

package main

import (
	"context"
	"fmt"

	"github.com/faqbot/faqbot/lexicon"
)

// runNotices prints the licence notices of the data built into the binary.
// WordNet's licence asks that its notice appear on every copy of the
// database, and the binary is one: the Docker image holds nothing else.
func runNotices(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("notices", "notices", e.stderr)
	if _, err := parseCommand(fs, args, "notices"); err != nil {
		return err
	}
	tab, err := lexicon.WordNet()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "faqbot carries a word table built from WordNet 3.0 (lexicon/wordnet.bin); its notice follows.\n\n%s", tab.Notice())
	return err
}

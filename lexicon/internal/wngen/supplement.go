package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// group is one line of the supplement: words that stand for one another.
type group struct {
	kind  string // "same" or "body"
	words []string
	line  int
}

// readSupplement reads the hand-written supplement (see lexicon/supplement.txt
// for the format): lines "same: a | b | c" and "body: a | b | c"; # starts
// a comment.
func readSupplement(path string) ([]group, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading supplement: %w", err)
	}
	defer f.Close()
	return parseSupplement(f, path)
}

func parseSupplement(r io.Reader, name string) ([]group, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading supplement: %w", err)
	}
	var gs []group
	for n, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kind, rest, ok := strings.Cut(line, ":")
		kind = strings.TrimSpace(kind)
		if !ok || (kind != "same" && kind != "body") {
			return nil, fmt.Errorf("%s:%d: want \"same: a | b\" or \"body: a | b\", got %q", name, n+1, line)
		}
		g := group{kind: kind, line: n + 1}
		for _, w := range strings.Split(rest, "|") {
			w = strings.Join(strings.Fields(strings.ToLower(w)), " ")
			if w == "" {
				return nil, fmt.Errorf("%s:%d: empty word", name, n+1)
			}
			if !slices.Contains(g.words, w) {
				g.words = append(g.words, w)
			}
		}
		if len(g.words) < 2 {
			return nil, fmt.Errorf("%s:%d: a group needs at least two words", name, n+1)
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// applySame adds each "same" group's words that WordNet lacks to the
// synsets shared by all of the group's words WordNet knows, so a current
// spelling ("kyiv") inherits everything the old one ("kiev") relates to.
// A group must name at least one known word, and its known words must
// share a synset: naming a word WordNet knows only in the intended sense
// picks the sense ("türkiye | republic of turkey", not "| turkey").
func (wn *wordnet) applySame(gs []group) error {
	for _, g := range gs {
		if g.kind != "same" {
			continue
		}
		var shared []synsetID
		known := 0
		for _, w := range g.words {
			ss := wn.senses[w]
			if len(ss) == 0 {
				continue
			}
			var ids []synsetID
			for _, s := range ss {
				ids = append(ids, s.syn)
			}
			if known == 0 {
				shared = ids
			} else {
				shared = slices.DeleteFunc(shared, func(id synsetID) bool { return !slices.Contains(ids, id) })
			}
			known++
		}
		if known == 0 {
			return fmt.Errorf("supplement line %d: WordNet knows none of %q", g.line, g.words)
		}
		if len(shared) == 0 {
			return fmt.Errorf("supplement line %d: %q share no WordNet sense", g.line, g.words)
		}
		for _, w := range g.words {
			if len(wn.senses[w]) > 0 {
				continue
			}
			for i, id := range shared {
				wn.synsets[id].words = append(wn.synsets[id].words, w)
				wn.senses[w] = append(wn.senses[w], sense{syn: id, rank: i + 1})
			}
		}
	}
	return nil
}

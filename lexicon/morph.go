package lexicon

import (
	"slices"
	"strings"
)

// detachments are WordNet's rules for the base form of a regular
// inflection (morphy(7WN)): noun plurals, verb forms, comparatives. A
// candidate counts only if the table knows it, which is what keeps "bus"
// from becoming "bu". Irregular forms (ran, children, better) are in the
// table itself, as Inflection links.
var detachments = [...]struct{ suffix, ending string }{
	// nouns
	{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"},
	// verbs ("s", "ies" as for nouns)
	{"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""},
	// adjectives
	{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"},
}

// readings returns what the table may know a lowercase word as: the word
// itself, if the table has it, and its base forms, by WordNet's rules for
// regular inflections and from the table's Inflection links for irregular
// ones. A multi-word name is reduced by its last word ("foreign
// ministries" -> "foreign ministry"). A regular base form of a word that
// has meanings of its own weighs ambiguousBase ("news" is a word, not
// only the plural of "new"); an irregular one weighs what its link says.
func (t *Table) readings(w string) []reading {
	var out []reading
	own := false
	for _, r := range t.Lookup(w) {
		if r.Rel == Inflection {
			out = append(out, reading{r.Word, r.Weight})
		} else {
			own = true
		}
	}
	if own {
		out = append(out, reading{w, 1})
	}
	bw := 1.0
	if own {
		bw = ambiguousBase
	}
	head, last := "", w
	if i := strings.LastIndexByte(w, ' '); i >= 0 {
		head, last = w[:i+1], w[i+1:]
	}
	for _, d := range detachments {
		if len(last) <= len(d.suffix)+1 || !strings.HasSuffix(last, d.suffix) {
			continue
		}
		b := head + last[:len(last)-len(d.suffix)] + d.ending
		if !slices.ContainsFunc(out, func(r reading) bool { return r.word == b }) && t.Has(b) {
			out = append(out, reading{b, bw})
		}
	}
	return out
}

// reading is one word the table may know a question's word as, with how
// likely that reading is.
type reading struct {
	word   string
	weight float64
}

package lexicon

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// MaxWeight is the most an expansion term weighs, where a member's own
// word weighs 1. The table cannot know which sense the member meant nor
// which the corpus uses, so even a synonym in the word's dominant sense is
// a guess, and must not count as much as the word itself: a passage with
// the member's words outranks one with their synonyms.
const MaxWeight = 0.6

// MinWeight is the least an expansion term weighs; weaker ones are
// dropped. With MaxWeight this keeps a link of table weight 1/12 or more:
// a word's rare senses, and the long tail of loosely related words, add
// nothing but noise and work.
const MinWeight = 0.05

// maxPerWord bounds the expansion terms of one of the member's words (the
// strongest are kept), so a word with dozens of senses cannot flood a
// question with weak terms.
const maxPerWord = 8

// maxStemLoss is the most bytes the analyser may strip from a one-word
// expansion. The stemmer strips stacked suffixes, and the shorter the stem
// the more unrelated words share it: "laterality" (related to "handed")
// becomes "later", "international" becomes "intern". An expansion is a
// guess already; one through a stem shared with unrelated words is noise.
const maxStemLoss = 4

// maxPhrase is the most words of a multi-word name matched in a question
// ("united states of america").
const maxPhrase = 4

// ambiguousBase is the weight of a regular base form when the word is in
// the table itself: "news" is a word, not only the plural of "new".
const ambiguousBase = 0.5

// notExpanded are words a question uses far more often in another sense
// than the one the table knows, which the analyser keeps: "us" is almost
// always the pronoun, but lowercased it is also "U.S.", so it would expand
// into America in every "can you tell us".
var notExpanded = map[string]bool{"us": true}

// Expansion is one term a question is expanded with.
type Expansion struct {
	// Terms are the analysed terms of the related word: one, or several
	// for a multi-word name ("united states" -> unit, state), which
	// matches only where all of them occur.
	Terms []string
	// Word is the related word as the table has it.
	Word string
	// From is the member's word it was found for, or the member's words
	// of a multi-word name joined by single spaces ("united states").
	From string
	// Rel is how Word relates to From.
	Rel Relation
	// Weight, in [MinWeight, MaxWeight], is what the term counts for
	// where a member's own word counts 1.
	Weight float64
}

// Expander expands questions into related words of a corpus. It is safe
// for concurrent use.
type Expander struct {
	table   *Table
	analyze func(string) []string

	// memo caches analyze: a question's related words run to hundreds,
	// and stemming them all again for every question is most of the cost.
	mu   sync.Mutex
	memo map[string][]string
}

// maxMemo bounds the memo; past it, the memo is dropped and refilled.
const maxMemo = 50_000

// terms is analyze(w), memoised.
func (e *Expander) terms(w string) []string {
	e.mu.Lock()
	ts, ok := e.memo[w]
	e.mu.Unlock()
	if ok {
		return ts
	}
	ts = e.analyze(w)
	e.mu.Lock()
	if len(e.memo) >= maxMemo {
		clear(e.memo)
	}
	e.memo[w] = ts
	e.mu.Unlock()
	return ts
}

// expandVersion is bumped whenever Expand's rules or constants change, so
// that Name changes with them.
const expandVersion = 1

// Name identifies the expander: its table and its rules. An index
// calibrated with one expander is calibrated again for another.
func (e *Expander) Name() string {
	return fmt.Sprintf("lexicon/%d table %s", expandVersion, e.table.Sum())
}

// NewExpander returns an expander over table t. analyze must be the
// analyser the corpus was indexed with (corpus.Terms): it turns a word into
// the terms the index holds, and decides which words are stop words.
func NewExpander(t *Table, analyze func(string) []string) *Expander {
	return &Expander{table: t, analyze: analyze, memo: map[string][]string{}}
}

// Expand returns the expansion terms of a question, strongest first.
// words are the question's words in order, lowercase and unstemmed
// (corpus.Words); inCorpus reports whether the corpus contains an analysed
// term. Only related words all of whose terms the corpus contains are
// returned, so expansion can only strengthen passages about what the
// member asked, never bring in words the corpus does not use; a related
// word whose terms are all the member's own is left out, its weight
// already counted in full. When several of the member's words lead to the
// same term, the strongest link counts.
func (e *Expander) Expand(words []string, inCorpus func(term string) bool) []Expansion {
	own := map[string]bool{}
	for _, w := range words {
		for _, t := range e.terms(w) {
			own[t] = true
		}
	}
	best := map[string]Expansion{} // by terms, space-joined
	for _, u := range e.units(words) {
		var found []Expansion
		seen := map[string]int{}
		consider := func(word string, rel Relation, w float64) {
			terms, ok := e.corpusTerms(word, own, inCorpus)
			if !ok {
				return
			}
			w *= MaxWeight
			if w < MinWeight {
				return
			}
			key := strings.Join(terms, " ")
			if i, ok := seen[key]; ok {
				if w > found[i].Weight {
					found[i] = Expansion{Terms: terms, Word: word, From: u.from, Rel: rel, Weight: w}
				}
				return
			}
			seen[key] = len(found)
			found = append(found, Expansion{Terms: terms, Word: word, From: u.from, Rel: rel, Weight: w})
		}
		for _, b := range e.table.readings(u.key) {
			if b.word != u.key {
				consider(b.word, Inflection, b.weight)
			}
			for _, r := range e.table.Lookup(b.word) {
				consider(r.Word, r.Rel, b.weight*r.Weight)
			}
		}
		slices.SortFunc(found, byWeight)
		if len(found) > maxPerWord {
			found = found[:maxPerWord]
		}
		for _, x := range found {
			key := strings.Join(x.Terms, " ")
			if old, ok := best[key]; !ok || x.Weight > old.Weight {
				best[key] = x
			}
		}
	}
	out := make([]Expansion, 0, len(best))
	for _, x := range best {
		x.Terms = slices.Clone(x.Terms) // the memo's slice stays the memo's
		out = append(out, x)
	}
	slices.SortFunc(out, byWeight)
	return out
}

// corpusTerms analyses a related word into the terms the corpus must
// contain, and reports whether it is a usable expansion: the corpus has all
// its terms and at least one is not the member's own. A hyphenated word is
// tried joined ("cease-fire" as the corpus's "ceasefire"), then as words.
func (e *Expander) corpusTerms(word string, own map[string]bool, inCorpus func(string) bool) ([]string, bool) {
	forms := []string{word}
	if strings.Contains(word, "-") {
		forms = []string{strings.ReplaceAll(word, "-", ""), strings.ReplaceAll(word, "-", " ")}
	}
next:
	for _, f := range forms {
		terms := e.terms(f)
		// A multi-word name that the analyser reduces to one term
		// ("the states" -> state, "step in" -> step) has lost what made
		// it mean anything.
		multi := strings.Contains(f, " ")
		if len(terms) == 0 || (multi && len(terms) < 2) || (!multi && len(f)-len(terms[0]) > maxStemLoss) {
			continue
		}
		novel := false
		for _, t := range terms {
			if !inCorpus(t) {
				continue next
			}
			novel = novel || !own[t]
		}
		if novel {
			return terms, true
		}
	}
	return nil, false
}

// byWeight orders expansions strongest first, then by word, so results
// are reproducible.
func byWeight(a, b Expansion) int {
	if c := cmp.Compare(b.Weight, a.Weight); c != 0 {
		return c
	}
	return cmp.Compare(a.Word, b.Word)
}

// unit is what the table is asked about: a word or a multi-word name of
// the question.
type unit struct {
	key  string // as the table writes it ("cease-fire")
	from string // the member's words, joined by spaces ("cease fire")
}

// units splits a question's words into what the table is asked about:
// multi-word names it knows ("united states", longest first), and the
// remaining words that carry content (the analyser keeps them) and are not
// in notExpanded.
func (e *Expander) units(words []string) []unit {
	var out []unit
	for i := 0; i < len(words); {
		n := 1
		for k := min(maxPhrase, len(words)-i); k >= 2; k-- {
			from := strings.Join(words[i:i+k], " ")
			key := from
			if len(e.table.readings(key)) == 0 {
				// WordNet writes some compounds with hyphens ("cease-fire").
				if key = strings.Join(words[i:i+k], "-"); len(e.table.readings(key)) == 0 {
					continue
				}
			}
			n = k
			out = append(out, unit{key, from})
			break
		}
		if n == 1 && !notExpanded[words[i]] && len(e.terms(words[i])) > 0 {
			out = append(out, unit{words[i], words[i]})
		}
		i += n
	}
	return out
}

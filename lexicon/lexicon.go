// Package lexicon bridges the words members use and the words a FAQ uses,
// offline: "Why did America pause its aid to Kyiv?" against a text that
// says the United States suspended aid to Ukraine.
//
// Its knowledge is a word table generated from WordNet 3.0 (Princeton
// University; see WORDNET-LICENSE) and a small hand-written supplement of
// current place names (supplement.txt), embedded in the binary. For every
// word it lists related words — synonyms, derived forms (reply/response),
// the noun an adjective pertains to (American/America), irregular forms
// (ran/run), a broader verb (meddle/interfere), a capital and its country
// (Moscow/Russia) — each weighted by how common the senses that relate them
// are, so that a word's rare senses contribute little.
//
// An Expander turns a question's words into weighted expansion terms for
// retrieval, below the member's own words and only into terms the corpus
// contains.
package lexicon

import (
	_ "embed"
	"fmt"

	"github.com/faqbot/faqbot/lexicon/internal/table"
)

// wordnetTable is the generated table (see generate.go). It is read in
// place, never written.
//
//go:embed wordnet.bin
var wordnetTable []byte

// Relation says how a related word relates to the word it was found for.
type Relation = table.Relation

// The relations of the table.
const (
	// Synonym: the two words share a sense.
	Synonym = table.Synonym
	// Derivation: a derivationally related form (reply/response).
	Derivation = table.Derivation
	// Pertainym: an adjective and the noun it pertains to (American/America).
	Pertainym = table.Pertainym
	// Inflection: an inflected form and its base form (ran/run, elections/election).
	Inflection = table.Inflection
	// Place: names of the same place or body used for one another (Moscow/Russia).
	Place = table.Place
	// Broader: a more general word for the same action (meddle/interfere).
	Broader = table.Broader
	// Spelling: another spelling or current name of the same thing (Kyiv/Kiev).
	Spelling = table.Spelling
)

// Related is one word related to another in the table.
type Related struct {
	// Word is the related word: lowercase, a multi-word name with single
	// spaces ("united states").
	Word string
	// Rel is the relation of the strongest path between the two words.
	Rel Relation
	// Weight in (0, 1] is how likely the first word means what Word
	// means, summed over its senses by how common each is.
	Weight float64
}

// Table is a word table. It is immutable and safe for concurrent use.
type Table struct {
	t *table.Table
}

// WordNet returns the embedded table built from WordNet 3.0 and the
// supplement. Opening it reads only its header, so calling it per use is
// cheap.
func WordNet() (*Table, error) {
	t, err := Open(wordnetTable)
	if err != nil {
		return nil, fmt.Errorf("opening the embedded word table: %w", err)
	}
	return t, nil
}

// Open opens a table written by the generator. data is used in place and
// must not change afterwards.
func Open(data []byte) (*Table, error) {
	t, err := table.Open(data)
	if err != nil {
		return nil, err
	}
	return &Table{t: t}, nil
}

// Notice is the licence notice of the data the table was built from; it
// travels with every copy of the table.
func (t *Table) Notice() string { return t.t.Notice() }

// Sum identifies the table's content (16 hex digits of its SHA-256).
func (t *Table) Sum() string { return t.t.Sum() }

// Len is the number of words in the table.
func (t *Table) Len() int { return t.t.Len() }

// Has reports whether the table knows word (lowercase, words separated by
// single spaces).
func (t *Table) Has(word string) bool { return t.t.Has(word) }

// Lookup returns the words related to word, strongest first. It does not
// reduce an inflected form to its base (see Expander for that).
func (t *Table) Lookup(word string) []Related {
	ls, _ := t.t.Lookup(word)
	out := make([]Related, len(ls))
	for i, l := range ls {
		out[i] = Related{Word: l.To, Rel: l.Rel, Weight: l.Weight}
	}
	return out
}

// validate reads the whole table (for tests).
func (t *Table) validate() error { return t.t.Validate() }

package answer

import (
	"strings"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// MaxSuggestions is how many passages a refusal offers ("Did you
// mean…?"): enough to cover the likely readings of a question, few
// enough to read at a glance and to fit one row of buttons.
const MaxSuggestions = 3

// Suggestion is a passage offered with a refusal: close enough to the
// question to be plausibly what the member meant, not close enough to
// answer from unasked. It carries the passage, so that a front end can
// answer from it when the member picks it (see FromSuggestion).
type Suggestion struct {
	// Source is the document ID (the corpus file name).
	Source string
	// ChunkID is the passage's ID.
	ChunkID string
	// Title is the passage title (the FAQ question, or the section or
	// document title).
	Title string
	// DocTitle is the document's title.
	DocTitle string
	// URL links to the passage or its document, or "".
	URL string
	// Passage is the full passage text.
	Passage string
	// Score is the passage's retrieval score.
	Score float64
}

// Label is what a member reads for the suggestion: its title, or its
// document's when it has none.
func (s Suggestion) Label() string { return label(s.Title, s.DocTitle, s.Source) }

// label is the first of a passage's title, its document's title and its
// document ID that is not blank.
func label(title, docTitle, source string) string {
	for _, t := range []string{title, docTitle, source} {
		if t = strings.TrimSpace(t); t != "" {
			return t
		}
	}
	return "untitled"
}

// offerKey identifies what a member reads as one choice: two passages of
// one entry or section are one.
func offerKey(source, label string) string { return strings.ToLower(source + "\x00" + label) }

// suggestions are the passages a refusal offers: the hits rated at least
// plausibly relevant (the decision's level below answering, so nothing
// is offered for a question the FAQ has nothing near), in retrieval's
// order, one per title, at most MaxSuggestions. They never turn a
// refusal into an answer.
func (e *Engine) suggestions(hits []retrieval.Hit) []Suggestion {
	return e.offers(hits, MaxSuggestions)
}

// offers are the hits rated at least plausibly relevant, in retrieval's
// order, one per entry or section, at most limit.
func (e *Engine) offers(hits []retrieval.Hit, limit int) []Suggestion {
	_, near := e.judge(hits, plausible)
	var out []Suggestion
	seen := map[string]bool{}
	for _, h := range near {
		s := Suggestion{
			Source: h.Chunk.DocID, ChunkID: h.Chunk.ID, Title: h.Chunk.Title, DocTitle: h.Chunk.DocTitle,
			URL: h.Chunk.URL, Passage: h.Chunk.Text, Score: h.Score,
		}
		key := offerKey(s.Source, s.Label())
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, s)
		if len(out) == limit {
			break
		}
	}
	return out
}

// MaxAlternatives is how many other passages a tentative answer offers:
// fewer than a refusal's suggestions, since the answer itself is the first
// reading.
const MaxAlternatives = 2

// alternatives are the passages a tentative answer offers besides its
// sources: the suggestions a refusal of the same hits would offer, less
// the passages and entries the answer cites, at most MaxAlternatives.
func (e *Engine) alternatives(hits []retrieval.Hit, cited []Citation) []Suggestion {
	citedKey := map[string]bool{}
	for _, c := range cited {
		citedKey[c.ChunkID] = true
		citedKey[offerKey(c.Source, label(c.Title, c.DocTitle, c.Source))] = true
	}
	var out []Suggestion
	for _, s := range e.offers(hits, len(hits)) {
		if citedKey[s.ChunkID] || citedKey[offerKey(s.Source, s.Label())] {
			continue
		}
		out = append(out, s)
		if len(out) == MaxAlternatives {
			break
		}
	}
	return out
}

// FromSuggestion answers question from the passage of s, which the member
// picked among a refusal's suggestions: an extractive answer citing that
// passage alone, composed as if the passage's title had been asked (the
// member's own words missed it).
func FromSuggestion(question string, s Suggestion) Answer {
	c := corpus.Chunk{ID: s.ChunkID, DocID: s.Source, DocTitle: s.DocTitle, Title: s.Title, Text: s.Passage, URL: s.URL}
	query := s.Title
	if strings.TrimSpace(query) == "" {
		query = question
	}
	a := extractive(question, query, []retrieval.Hit{{Chunk: c, Score: s.Score}}, nil)
	a.Question = question
	return a
}

package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/faqbot/faqbot/corpus"
)

// Alias is a question taught to stand for one passage of an index: a
// member's words that the passage's own did not reach, which a moderator
// said it answers.
type Alias struct {
	// ChunkID is the passage's ID.
	ChunkID string
	// Text is the question as taught.
	Text string
}

// Aliases are taught questions made ready to search one index with: each
// analysed into terms, and embedded as its passage titled with the taught
// question. A search given them (SearchOptions.Aliases) scores every
// passage also as if its title were each of its aliases and keeps the
// better: a question worded like an alias finds the passage as a question
// worded like its title would, on the index's own scale, so the relevance
// decision treats taught and written wording alike. Aliases are immutable
// and tied to the index they were made for.
type Aliases struct {
	ix    *Index
	items []alias
}

// alias is one prepared Alias.
type alias struct {
	text  string
	d     int32    // the passage's position in the index
	terms []string // corpus.Terms of the text, as titles are analysed
	vec   []float32
	key   string // what the vector was embedded from, hashed, for reuse
}

// Len is how many aliases are ready to search with.
func (a *Aliases) Len() int {
	if a == nil {
		return 0
	}
	return len(a.items)
}

// For reports whether a was made for ix.
func (a *Aliases) For(ix *Index) bool { return a != nil && a.ix == ix }

// Aliases prepares as for searching ix. Aliases of passages ix does not
// hold are returned in missing, not prepared. Vectors of reuse (aliases
// made earlier with the same embedder, for this index or an older one)
// are reused where the alias and its passage's text are unchanged, so
// that teaching one more question embeds one text.
func (ix *Index) Aliases(ctx context.Context, as []Alias, reuse *Aliases) (ready *Aliases, missing []Alias, err error) {
	ready = &Aliases{ix: ix}
	old := map[string][]float32{}
	if reuse != nil && reuse.ix != nil && reuse.ix.emb.Name() == ix.emb.Name() {
		for _, a := range reuse.items {
			old[a.key] = a.vec
		}
	}
	var texts []string
	var todo []int
	for _, a := range as {
		d, ok := ix.find(a.ChunkID)
		if !ok {
			missing = append(missing, a)
			continue
		}
		c := ix.chunkAt(d)
		text := passageText(corpus.Chunk{Title: a.Text, Text: c.Text})
		sum := sha256.Sum256([]byte(text))
		it := alias{text: a.Text, d: d, terms: corpus.Terms(a.Text), key: hex.EncodeToString(sum[:])}
		if v, ok := old[it.key]; ok {
			it.vec = v
		} else {
			texts = append(texts, text)
			todo = append(todo, len(ready.items))
		}
		ready.items = append(ready.items, it)
	}
	if len(texts) == 0 {
		return ready, missing, nil
	}
	vecs, err := ix.emb.Embed(ctx, texts)
	if err != nil {
		return nil, nil, fmt.Errorf("embedding taught questions: %w", err)
	}
	if len(vecs) != len(texts) {
		return nil, nil, fmt.Errorf("embedding taught questions: got %d vectors for %d: %w", len(vecs), len(texts), ErrBadVector)
	}
	for j, i := range todo {
		zero, err := checkVector(vecs[j], ix.emb.Dim())
		if err != nil {
			return nil, nil, fmt.Errorf("embedding taught questions: %w", err)
		}
		if !zero {
			ready.items[i].vec = vecs[j]
		}
	}
	return ready, missing, nil
}

// aliasHits scores the passages of a's aliases for the query whose lexical
// scores are s and vector qv (nil: none), one hit per alias that shares
// anything with the query. Each is the passage's hit with the alias as
// its title: coverage and title coverage from the alias's words, the
// cosine with the passage titled by the alias, and the passage's own BM25
// share. Hit.Score is left to the caller, as for candidates.
func (ix *Index) aliasHits(a *Aliases, s *lexScores, qv []float32, lexicalOnly bool) []numbered {
	if !a.For(ix) {
		return nil
	}
	var out []numbered
	for _, it := range a.items {
		h := Hit{
			Chunk:       ix.chunkAt(it.d),
			Lexical:     s.lexical(it.d),
			Coverage:    s.titleCoverage(it.terms),
			LexicalOnly: lexicalOnly,
			Taught:      it.text,
		}
		h.TitleCoverage = h.Coverage
		if qv != nil && it.vec != nil {
			h.Vector = dot(qv, it.vec)
		}
		if h.Coverage > 0 || h.Vector > 0 {
			out = append(out, numbered{h, it.d})
		}
	}
	return out
}

package retrieval

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/faqbot/faqbot/corpus"
)

// maxCachedWords bounds an analyser's memo. A real corpus has tens of
// thousands of distinct words; past this, the memo is dropped and refilled
// rather than grown without limit by, say, a corpus of hex strings.
const maxCachedWords = 200_000

// analyzer applies corpus.Terms one word at a time and memoises the result
// (and, for the embedder, the word's hashed character n-grams). Stemming is
// most of the cost of indexing, and a corpus repeats a few thousand words
// over and over. corpus.Terms stays the one definition of a term: a test
// checks that terms gives exactly what corpus.Terms gives.
//
// An analyzer is not safe for concurrent use; each worker has its own.
type analyzer struct {
	words map[string]*wordInfo
}

// wordInfo is what the analyser knows about one word.
type wordInfo struct {
	terms []string // corpus.Terms of the word: nil for a stop word
	grams []uint64 // hashed character n-grams (see ngramHashes)
	done  bool     // grams computed
}

func newAnalyzer() *analyzer {
	return &analyzer{words: make(map[string]*wordInfo, 4096)}
}

// word returns the memo of one lowercase word.
func (a *analyzer) word(w string) *wordInfo {
	if wi, ok := a.words[w]; ok {
		return wi
	}
	if len(a.words) >= maxCachedWords {
		clear(a.words)
	}
	wi := &wordInfo{terms: corpus.Terms(w)}
	a.words[w] = wi
	return wi
}

// terms is corpus.Terms(text), memoised per word.
func (a *analyzer) terms(text string, out []string) []string {
	for _, w := range corpus.Words(text) {
		out = append(out, a.word(w).terms...)
	}
	return out
}

// analyzerProbe exercises the analyser's choices: stop words, stemming,
// possessives, digits, hyphens, case and non-Latin script.
const analyzerProbe = "What were the U.S. negotiators' positions on Ukraine's security guarantees? " +
	"Talks in Istanbul and Geneva, the 28-point plan, NATO's open-door policy; Зеленський said: running, ran, runs. " +
	"Why won't they publish it? It doesn't matter, e.g. to the U.K."

// lexicalRecipe names what this package adds to corpus.Terms when it
// indexes a passage (joined forms of hyphenated words, see passageTerms).
// Change it when that changes: it is part of the analyser fingerprint, so
// saved postings made the old way are rebuilt.
const lexicalRecipe = "compounds-v1"

// analyzerFingerprint summarises how corpus.Terms analyses text. It is
// saved in the manifest: saved BM25 postings and hash-embedder vectors are
// only valid for the analyser that made them, and that analyser lives in
// another package that can change without this one noticing.
func analyzerFingerprint() string {
	sum := sha256.Sum256([]byte(lexicalRecipe + "\x00" + strings.Join(corpus.Terms(analyzerProbe), " ")))
	return hex.EncodeToString(sum[:8])
}

package corpus

import (
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// Terms splits text into lowercase, stemmed content words: stop words,
// punctuation and one-letter tokens are dropped, and English words are
// reduced to their Snowball stem so that "negotiations" and "negotiate"
// meet. It is the one analyser shared by near-duplicate detection, BM25 and
// the built-in embedder, so the three agree on what a word is.
func Terms(text string) []string {
	var out []string
	for _, w := range Words(text) {
		if english.IsStopWord(w) || contractionStubs[w] {
			continue
		}
		out = append(out, Stem(w))
	}
	return out
}

// contractionStubs are what Words leaves of negative contractions ("won't"
// gives "won"): stop words in all but spelling, and "won" would otherwise
// match victories.
var contractionStubs = map[string]bool{
	"don": true, "won": true, "isn": true, "doesn": true, "didn": true, "wouldn": true, "shouldn": true,
	"couldn": true, "aren": true, "wasn": true, "weren": true, "hasn": true, "haven": true, "hadn": true,
	"ain": true, "shan": true, "mustn": true, "needn": true, "mightn": true,
}

// Words splits text into lowercase words without stemming or dropping stop
// words. Letters and digits form words; an apostrophe inside a word is kept
// out ("Russia's" gives "russia"), and a word is cut at any other rune.
func Words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			w := b.String()
			b.Reset()
			if len([]rune(w)) > 1 || unicode.IsDigit([]rune(w)[0]) {
				out = append(out, w)
			}
		}
	}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if b.Len() == 0 {
			if word, n := acronym(rs[i:]); n > 0 {
				out = append(out, word)
				i += n - 1
				continue
			}
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0:
			// Drop a possessive or contraction tail: "Russia's" -> "russia",
			// "don't" -> "don" (a stop-word-like stub either way).
			flush()
			for i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
				i++
			}
		default:
			flush()
		}
	}
	flush()
	return out
}

// acronym recognises a dotted acronym at the start of rs ("U.S.", "U.K.",
// "e.g.") and returns it as one word ("us") with the number of runes it
// spans, or 0 when rs does not start with one. Without this "U.S." would
// fall apart into one-letter tokens and never meet "US".
func acronym(rs []rune) (string, int) {
	var letters []rune
	i := 0
	for i+1 < len(rs) && unicode.IsLetter(rs[i]) && rs[i+1] == '.' {
		letters = append(letters, unicode.ToLower(rs[i]))
		i += 2
	}
	if len(letters) < 2 || (i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))) {
		return "", 0
	}
	return string(letters), i
}

// Stem reduces one lowercase word to its English Snowball stem. Words with
// digits or non-Latin letters are returned unchanged.
func Stem(w string) string {
	for _, r := range w {
		if r > unicode.MaxLatin1 || unicode.IsDigit(r) {
			return w
		}
	}
	return english.Stem(w, true)
}

package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"

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
// out ("Russia's" gives "russia"), and a word is cut at any other rune. A
// dotted acronym ("U.S.") is one word ("us").
//
// It is the inner loop of analysis (BM25, the built-in embedder and
// near-duplicate detection each run it over every passage), so it walks
// the string in place: a word already in lower case is a substring of
// text, not a copy.
func Words(text string) []string {
	var out []string
	start, lower := -1, true // the current word's first byte; whether it needs no lowering
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		if !lower {
			w = strings.ToLower(w)
		}
		r, n := utf8.DecodeRuneInString(w)
		if n < len(w) || unicode.IsDigit(r) {
			out = append(out, w)
		}
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if start < 0 && i+n < len(text) && text[i+n] == '.' {
			if word, m := acronymAt(text, i); m > 0 {
				out = append(out, word)
				i += m
				continue
			}
		}
		switch {
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || '0' <= r && r <= '9'):
			if start < 0 {
				start, lower = i, true
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start, lower = i, true
			}
			if unicode.ToLower(r) != r {
				lower = false
			}
		case (r == '\'' || r == '’') && start >= 0:
			// Drop a possessive or contraction tail: "Russia's" -> "russia",
			// "don't" -> "don" (a stop-word-like stub either way).
			flush(i)
			for i += n; i < len(text); {
				r, n := utf8.DecodeRuneInString(text[i:])
				if !unicode.IsLetter(r) {
					break
				}
				i += n
			}
			continue
		default:
			flush(i)
		}
		i += n
	}
	flush(len(text))
	return out
}

// acronymAt recognises a dotted acronym at byte i of text ("U.S.", "U.K.",
// "e.g.") and returns it as one word ("us") with the bytes it spans, or 0
// when text does not have one there. Without this "U.S." would fall apart
// into one-letter tokens and never meet "US".
func acronymAt(text string, i int) (string, int) {
	var letters []rune
	j := i
	for j < len(text) {
		r, n := utf8.DecodeRuneInString(text[j:])
		if !unicode.IsLetter(r) || j+n >= len(text) || text[j+n] != '.' {
			break
		}
		letters = append(letters, unicode.ToLower(r))
		j += n + 1
	}
	if len(letters) < 2 {
		return "", 0
	}
	if j < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[j:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return "", 0
		}
	}
	return string(letters), j - i
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

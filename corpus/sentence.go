package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxAbbrevLen bounds how far back a full stop looks for the word it ends,
// which keeps sentence splitting linear on text without spaces.
const maxAbbrevLen = 12

// sentenceEnds returns the byte offsets at which the sentences of s end
// (after closing quotes), the last one being len(s) when s does not end
// with a boundary. A boundary is sentence punctuation followed by space and
// an upper-case letter, digit, quote or bracket, except after common
// abbreviations and initials ("U.S.", "Mr.", "Alexander V. Khrushchev");
// a line break is always a boundary. It runs in linear time.
func sentenceEnds(s string) []int {
	var ends []int
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == '\n' {
			ends = append(ends, i-n)
			continue
		}
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
		}
		end := i
		for end < len(s) {
			c, m := utf8.DecodeRuneInString(s[end:])
			if !strings.ContainsRune("\"'”’)]»", c) {
				break
			}
			end += m
		}
		j := end
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j == end && j < len(s) && s[j] != '\n' {
			continue // "3.5", "e.g.x", "U.S.-led"
		}
		if j < len(s) && s[j] != '\n' {
			next, _ := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsUpper(next) && !unicode.IsDigit(next) && !strings.ContainsRune("\"'“‘([", next) {
				continue
			}
		}
		if r == '.' && isAbbrev(s[:i-n]) {
			continue
		}
		ends = append(ends, end)
		i = end
	}
	if len(ends) == 0 || ends[len(ends)-1] < len(strings.TrimRight(s, " \n")) {
		ends = append(ends, len(s))
	}
	return ends
}

// isAbbrev reports whether the word at the end of s, before a full stop,
// is an abbreviation or an initial rather than the end of a sentence.
func isAbbrev(s string) bool {
	start := len(s)
	for start > 0 && len(s)-start < maxAbbrevLen && s[start-1] != ' ' && s[start-1] != '\n' {
		start--
	}
	w := strings.TrimLeft(s[start:], "\"'“‘([")
	if w == "" {
		return false
	}
	if utf8.RuneCountInString(w) == 1 {
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsUpper(r) // an initial: "V. Khrushchev"
	}
	if strings.Contains(w, ".") {
		return true // "U.S", "e.g", "a.m"
	}
	switch strings.ToLower(w) {
	case "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co",
		"corp", "gen", "gov", "sen", "rep", "lt", "col", "capt", "sgt", "vol", "fig",
		"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"approx", "dept", "mt", "ft", "rev", "hon", "pres":
		return true
	}
	return false
}

// sentences splits s into its sentences, trimmed.
func sentences(s string) []string {
	var out []string
	start := 0
	for _, end := range sentenceEnds(s) {
		if t := strings.TrimSpace(s[start:end]); t != "" {
			out = append(out, t)
		}
		start = end
	}
	return out
}

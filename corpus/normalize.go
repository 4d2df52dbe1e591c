package corpus

import (
	"strings"
	"unicode"
)

// normalizeText makes line ends "\n", turns no-break and other odd spaces
// into plain spaces and drops zero-width characters, soft hyphens, control
// characters and replacement characters: scraped pages are full of them and
// they would otherwise split words or defeat the cleaning patterns.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n':
			return r
		case '\r', '\u2028', '\u2029', '\f', '\v':
			return '\n'
		case '\t':
			return ' '
		case '\u00AD', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\uFFFD':
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// collapseSpace trims s and turns each run of white space into one space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// wordCount counts the space-separated words of s.
func wordCount(s string) int {
	return len(strings.Fields(s))
}

// runeLen is the length of s in characters.
func runeLen(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// endsSentence reports whether s ends with sentence punctuation, perhaps
// followed by closing quotes or brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, "\"'”’)]»")
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") ||
		strings.HasSuffix(s, "?") || strings.HasSuffix(s, "…") ||
		strings.HasSuffix(s, "。") || strings.HasSuffix(s, "！") || strings.HasSuffix(s, "？")
}

// isQuoted reports whether s is wrapped in quotation marks.
func isQuoted(s string) bool {
	return (strings.HasPrefix(s, "\"") || strings.HasPrefix(s, "“")) &&
		(strings.HasSuffix(s, "\"") || strings.HasSuffix(s, "”"))
}

// firstUpper reports whether s starts with an upper-case letter or a digit.
func firstUpper(s string) bool {
	for _, r := range s {
		return unicode.IsUpper(r) || unicode.IsDigit(r)
	}
	return false
}

package answer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a period that does not end a sentence. Tokens with
// an inner period ("U.S.", "e.g.") and single capital initials ("V.") are
// recognised without being listed.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true,
	"jr": true, "sr": true, "gen": true, "col": true, "lt": true, "sgt": true,
	"gov": true, "sen": true, "rep": true, "no": true, "vs": true, "approx": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "fig": true,
}

// splitSentences splits text into sentences, keeping each sentence's own
// punctuation and quotes. Line breaks always end a sentence: passages keep
// paragraphs and list items on their own lines.
func splitSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		out = append(out, splitLine(line)...)
	}
	return out
}

func splitLine(line string) []string {
	var out []string
	start := 0
	quoted := 0 // open quotation marks: a sentence inside a quote does not end the outer one
	openedAt := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		if d := quoteDepth(r, quoted); d != quoted {
			if quoted == 0 {
				openedAt = i
			}
			quoted = d
		}
		if quoted > 0 && i-openedAt > maxQuoteBytes {
			quoted = 0 // a stray quote mark in scraped text, not a quotation
		}
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		end := i
		// Closing quotes and brackets belong to the sentence they close.
		depth := quoted
		for end < len(line) {
			c, sz := utf8.DecodeRuneInString(line[end:])
			if !strings.ContainsRune(`"'”’)]»`, c) {
				break
			}
			depth = quoteDepth(c, depth)
			end += sz
		}
		if end >= len(line) || depth > 0 {
			continue
		}
		next, _ := utf8.DecodeRuneInString(line[end:])
		if !unicode.IsSpace(next) {
			continue
		}
		rest := strings.TrimLeftFunc(line[end:], unicode.IsSpace)
		if rest == "" {
			break
		}
		first, _ := utf8.DecodeRuneInString(rest)
		if !(unicode.IsUpper(first) || unicode.IsDigit(first) || strings.ContainsRune(`"“‘'(`, first)) {
			continue
		}
		if r == '.' && isAbbreviation(line[start:i-1]) {
			continue
		}
		if s := strings.TrimSpace(line[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
		i = end
		quoted = 0
	}
	if s := strings.TrimSpace(line[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// maxQuoteBytes is the longest quotation kept in one sentence: past it, an
// opening mark is taken for a stray one that is never closed.
const maxQuoteBytes = 400

// quoteDepth follows double quotation marks: curly ones open and close,
// a straight one toggles. Single quotes are left out, since apostrophes
// look the same.
func quoteDepth(r rune, depth int) int {
	switch r {
	case '“', '«':
		return depth + 1
	case '”', '»':
		return max(depth-1, 0)
	case '"':
		if depth > 0 {
			return depth - 1
		}
		return 1
	}
	return depth
}

// isAbbreviation reports whether the word just before a period (the end of
// before) is an abbreviation or an initial rather than a sentence's end.
func isAbbreviation(before string) bool {
	j := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == '"' })
	word := before[j+1:]
	if word == "" {
		return false
	}
	if strings.Contains(word, ".") {
		return true // U.S. / e.g. / a.m.
	}
	if utf8.RuneCountInString(word) == 1 && unicode.IsUpper([]rune(word)[0]) {
		return true // an initial: Alexander V. Khrushchev
	}
	return abbreviations[strings.ToLower(word)]
}

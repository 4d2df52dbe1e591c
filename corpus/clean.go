package corpus

import (
	"strings"
	"unicode"
)

const (
	// proseWords: a paragraph of at least this many words that ends a
	// sentence is prose, not a label or a teaser headline.
	proseWords = 12
	// footerMinBody: a strong footer label ("Related Articles", "Leave a
	// Reply") cuts the rest of the page once this many characters of body
	// precede it; an author box or comment form never opens a page.
	footerMinBody = 200
)

// cleanBlocks drops chrome from blocks and returns what is left with the
// first date found on a line of its own (dates lines are removed too).
func cleanBlocks(in []block) ([]block, string) {
	date := ""
	out := make([]block, 0, len(in))
	markers := make([]tailKind, 0, len(in))
	for _, b := range in {
		if b.kind == kindCode {
			if strings.TrimSpace(b.text) != "" {
				out = append(out, b)
				markers = append(markers, tailNone)
			}
			continue
		}
		b.text = collapseSpace(b.text)
		if b.kind == kindPara && isCaption(b.text, strings.ToLower(b.text)) {
			continue // before stripInline, which would cut the credit that marks it
		}
		if b.kind == kindPara {
			b.text = stripInline(b.text)
		}
		if b.text == "" {
			continue
		}
		if d, ok := dateLine(b.text); ok {
			if date == "" {
				date = d
			}
			continue
		}
		chrome := isChromeLine(b.text)
		if b.kind == kindHeading {
			chrome = isChromeHeading(b.text)
		}
		if chrome {
			if t := tailMarker(chromeKey(b.text)); t != tailNone {
				// Keep the marker for now: cutTail needs to see where it was.
				out = append(out, b)
				markers = append(markers, t)
			}
			continue
		}
		out = append(out, b)
		markers = append(markers, tailNone)
	}
	out = cutTail(out, markers)
	return dropBios(out), date
}

// cutTail removes footer markers, and everything after one when it is
// plainly a footer: after a strong marker once a body precedes it, after any
// marker when no prose follows.
func cutTail(blocks []block, markers []tailKind) []block {
	before := 0
	out := blocks[:0:0]
	for i, b := range blocks {
		if markers[i] == tailNone {
			out = append(out, b)
			before += len(b.text)
			continue
		}
		if markers[i] == tailStrong && before >= footerMinBody || !hasProse(blocks[i+1:], markers[i+1:]) {
			return out
		}
		if markers[i] == tailStrong && chromeKey(b.text) == "about the author" && i+1 < len(blocks) {
			// An author box high on the page: drop its one paragraph.
			markers[i+1] = tailWeak
		}
	}
	return out
}

// hasProse reports whether any unmarked block is a prose paragraph.
func hasProse(blocks []block, markers []tailKind) bool {
	for i, b := range blocks {
		if markers[i] == tailNone && isProse(b) {
			return true
		}
	}
	return false
}

// isProse reports whether b is a paragraph of running text.
func isProse(b block) bool {
	return b.kind == kindPara && endsSentence(b.text) && wordCount(b.text) >= proseWords
}

// dropBios removes author bios: a tagline bio in quotes ("Introvert. Avid
// gamer. Web scholar.") or a "<Name> is a writer …" paragraph, each with
// the name line above it.
func dropBios(blocks []block) []block {
	out := blocks[:0:0]
	for i, b := range blocks {
		name := ""
		if i > 0 && blocks[i-1].kind == kindPara && isNameLine(blocks[i-1].text) {
			name = blocks[i-1].text
		}
		if b.kind == kindPara && (isTagline(b.text, name != "") || name != "" && isNameBio(b.text, name)) {
			if name != "" && len(out) > 0 {
				out = out[:len(out)-1]
			}
			continue
		}
		out = append(out, b)
	}
	return out
}

// isNameLine reports whether s looks like a person's name on its own line:
// two to four capitalised words and nothing else.
func isNameLine(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 4 || len(s) > 40 {
		return false
	}
	for _, w := range words {
		if !firstUpper(w) || strings.IndexFunc(w, func(r rune) bool {
			return !unicode.IsLetter(r) && !strings.ContainsRune(".'’-", r)
		}) >= 0 {
			return false
		}
	}
	return true
}

// isTagline reports whether s is a tagline bio: three or more fragments of
// a few words each ("Introvert. Avid gamer. Wannabe beer advocate."), in
// quotes or right under a name.
func isTagline(s string, afterName bool) bool {
	if !isQuoted(s) && !afterName {
		return false
	}
	inner := strings.Trim(s, "\"“”")
	frags := strings.FieldsFunc(inner, func(r rune) bool { return r == '.' || r == '!' || r == '|' })
	if len(frags) < 3 || wordCount(inner) > 40 {
		return false
	}
	for _, f := range frags {
		if n := wordCount(f); n == 0 || n > 5 {
			return false
		}
	}
	return true
}

// isNameBio reports whether s is a short bio that opens with the name on
// the line above: "Jane Doe is a freelance writer who …".
func isNameBio(s, name string) bool {
	if len(s) > 500 || !strings.HasPrefix(s, name) {
		return false
	}
	rest := strings.ToLower(s[len(name):])
	return strings.HasPrefix(rest, " is a ") || strings.HasPrefix(rest, " is an ") ||
		strings.HasPrefix(rest, " writes ") || strings.HasPrefix(rest, " has been ")
}

package bot

import (
	"strings"
	"unicode/utf8"
)

// Discord's size limits, in characters (counted here as Unicode code points).
const (
	maxContent     = 2000 // message content
	maxDescription = 4096 // embed description
	maxEmbedTotal  = 6000 // all text of the embeds of one message
	maxFieldValue  = 1024
	maxFieldName   = 256
	maxFields      = 25
	maxTitle       = 256
	maxFooter      = 2048
)

// minSplitLimit is the smallest limit Split honours: below it a reopened
// code fence ("```" + a language + newline) and its closing fence would
// leave no room for text.
const minSplitLimit = 64

// maxFenceInfo caps the language carried over when a code block is
// reopened, so a long info string cannot eat a part's budget.
const maxFenceInfo = 16

const fence = "```"

// closeFence is appended to a part that ends inside a code block.
const closeFence = "\n" + fence

// Split cuts text into parts of at most limit characters for Discord,
// preferring paragraph breaks, then line breaks, then spaces, so words stay
// whole; a [n] citation marker is never cut. A part that ends inside a ```
// code block is closed with a fence and the next part reopens it with the
// same language. Only a word longer than a whole part is cut mid-word.
// Limits below minSplitLimit are raised to it.
func Split(text string, limit int) []string {
	limit = max(limit, minSplitLimit)
	var parts []string
	reopen := "" // the fence line that opens the next part, e.g. "```go"
	rest := text
	for {
		prefix := ""
		if reopen != "" {
			prefix = reopen + "\n"
		}
		if fits(rest, limit-runeLen(prefix)) {
			if len(parts) > 0 {
				rest = strings.TrimRight(rest, " \t\r\n")
			}
			return append(parts, prefix+rest)
		}
		// Always reserve room for a closing fence: whether one is needed
		// is only known once the cut is chosen.
		budget := limit - runeLen(prefix) - runeLen(closeFence)
		cut := cutPoint(rest, budget)
		piece := strings.TrimRight(rest[:cut], " \t\r\n")
		if strings.TrimSpace(piece) == "" {
			// Only blank space before the cut: drop it rather than send
			// an empty part.
			rest = strings.TrimLeft(rest[cut:], " \t\r\n")
			if rest == "" {
				if len(parts) == 0 {
					return []string{""}
				}
				return parts
			}
			continue
		}
		open, info := fenceState(prefix + piece)
		if open {
			piece += closeFence
			reopen = fence + info
		} else {
			reopen = ""
		}
		parts = append(parts, prefix+piece)
		rest = rest[cut:]
		if open {
			// Keep indentation inside code; drop only the line break.
			rest = strings.TrimLeft(rest, "\r\n")
		} else {
			rest = strings.TrimLeft(rest, " \t\r\n")
		}
		if strings.TrimSpace(rest) == "" {
			return parts
		}
	}
}

// Trim shortens text to at most limit characters with the rules of Split,
// marking a cut with an ellipsis.
func Trim(text string, limit int) string {
	if runeLen(text) <= limit {
		return text
	}
	const ellipsis = " …"
	if limit-runeLen(ellipsis) < minSplitLimit {
		// Too short for Split's fence handling: cut at the last space.
		cut := strings.TrimRightFunc(text[:byteOffset(text, limit-1)], func(r rune) bool { return r != ' ' })
		if strings.TrimSpace(cut) == "" {
			cut = text[:byteOffset(text, limit-1)]
		}
		return strings.TrimRight(cut, " ") + "…"
	}
	return Split(text, limit-runeLen(ellipsis))[0] + ellipsis
}

// trimLine shortens one line of plain text (a thread or choice name, an
// embed title) to at most limit characters, cutting at a space and
// marking the cut with an ellipsis. Unlike Trim it knows no Markdown:
// Trim closes a code fence it cuts through on a new line, which would put
// a line break and a stray "```" in a thread name (found by
// TestHostileQuestionsDiscord).
func trimLine(text string, limit int) string {
	if runeLen(text) <= limit {
		return text
	}
	cut := strings.TrimRightFunc(text[:byteOffset(text, limit-1)], func(r rune) bool { return r != ' ' })
	if strings.TrimSpace(cut) == "" {
		cut = text[:byteOffset(text, limit-1)]
	}
	return strings.TrimRight(cut, " ") + "…"
}

// cutPoint returns the byte offset at which to end the next part of s, which
// is longer than budget characters: the last paragraph break, line break or
// space within budget (breaks in the first half are passed over for a
// space, so parts stay reasonably full), else a hard cut that avoids
// splitting a rune, a citation marker or a run of backticks. It is always
// greater than zero.
func cutPoint(s string, budget int) int {
	end := byteOffset(s, budget)
	window := s[:end]
	half := len(window) / 2
	if i := strings.LastIndex(window, "\n\n"); i >= half && i > 0 {
		return i
	}
	if i := strings.LastIndexByte(window, '\n'); i >= half && i > 0 {
		return i
	}
	if i := strings.LastIndexAny(window, " \t"); i > 0 {
		return i
	}
	if i := strings.LastIndexByte(window, '\n'); i > 0 {
		return i
	}
	return hardCut(s, end)
}

// hardCut moves a cut at end back so it does not fall inside a [n] marker
// or a run of backticks, unless that would leave nothing.
func hardCut(s string, end int) int {
	c := end
	// Inside a marker: "[12" before the cut and "3]" or "]" after it.
	if open := strings.LastIndexByte(s[:c], '['); open >= 0 && c-open <= 4 {
		if m := markerAt(s, open); m > c {
			c = open
		}
	}
	for c > 0 && c < len(s) && s[c] == '`' && s[c-1] == '`' {
		c--
	}
	if c == 0 {
		return end
	}
	return c
}

// markerAt returns the end offset of the citation marker starting at i, or
// -1 when there is none.
func markerAt(s string, i int) int {
	if i >= len(s) || s[i] != '[' {
		return -1
	}
	j := i + 1
	for j < len(s) && j-i <= maxMarkerDigits && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i+1 || j >= len(s) || s[j] != ']' {
		return -1
	}
	return j + 1
}

// maxMarkerDigits bounds the digits of a citation marker: answers cite a
// handful of passages, so "[1234]" is not a citation.
const maxMarkerDigits = 3

// fenceState reports whether s ends inside a ``` code block, Discord-style
// (every ``` toggles), and the language of the block that is open.
func fenceState(s string) (open bool, info string) {
	for {
		i := strings.Index(s, fence)
		if i < 0 {
			return open, info
		}
		s = s[i+len(fence):]
		open = !open
		info = ""
		if open {
			info = fenceInfo(s)
		}
	}
}

// fenceInfo returns the language word that follows an opening fence, if it
// is short and alone on its line.
func fenceInfo(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if line == "" || utf8.RuneCountInString(line) > maxFenceInfo {
		return ""
	}
	for _, r := range line {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-#._", r)
		if !ok {
			return ""
		}
	}
	return line
}

// byteOffset returns the byte offset just after the first n runes of s (or
// len(s)).
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// fits reports whether s has at most n runes, looking at no more than n+1
// of them: Split calls it once per part, and counting the whole remainder
// each time would make long texts quadratic.
func fits(s string, n int) bool {
	return byteOffset(s, n) == len(s)
}

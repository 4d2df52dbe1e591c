package corpus

import (
	"regexp"
	"strings"
	"unicode"
)

const (
	// wrapMin and wrapMax bound the width of hard-wrapped plain text: a
	// block whose lines all fit and mostly reach near the widest one was
	// wrapped by an editor, and its lines are joined back into paragraphs.
	wrapMin = 40
	wrapMax = 100
	// wrapShare is the share of lines (all but the last) that must reach
	// wrapFill of the widest line for a block to count as hard-wrapped.
	wrapShare = 0.6
	wrapFill  = 0.6
)

// reListItem is the start of a list item in plain text or Markdown.
var reListItem = regexp.MustCompile(`^(?:[-*+•]\s+|\d{1,3}[.)]\s+)`)

// textBlocks reads plain text: blank lines separate blocks; inside a block
// each line is a paragraph (scraped text puts one paragraph per line),
// unless the block is hard-wrapped, in which case lines are joined.
func textBlocks(text string) []block {
	var out []block
	lines := strings.Split(normalizeText(text), "\n")
	var run []string
	flush := func() {
		if isHardWrapped(run) {
			for _, p := range joinWrapped(run) {
				out = append(out, block{kind: kindPara, text: p})
			}
		} else {
			for i, l := range run {
				// A line that breaks off mid-sentence and a next line that
				// starts in lower case are one wrapped paragraph.
				if i > 0 && continues(run[i-1], l) {
					out[len(out)-1].text += " " + l
					continue
				}
				out = append(out, block{kind: kindPara, text: l})
			}
		}
		run = run[:0]
	}
	for _, l := range lines {
		l = collapseSpace(l)
		if l == "" {
			flush()
			continue
		}
		run = append(run, l)
	}
	flush()
	return out
}

// isHardWrapped reports whether the lines of a block were wrapped at a
// fixed width rather than being one paragraph each.
func isHardWrapped(lines []string) bool {
	if len(lines) < 3 {
		return false
	}
	widest := 0
	for _, l := range lines {
		widest = max(widest, runeLen(l))
	}
	if widest < wrapMin || widest > wrapMax {
		return false
	}
	full, open := 0, 0
	for _, l := range lines[:len(lines)-1] {
		if float64(runeLen(l)) >= wrapFill*float64(widest) {
			full++
		}
		if !endsSentence(l) {
			open++
		}
	}
	n := float64(len(lines) - 1)
	return float64(full) >= wrapShare*n && float64(open) >= 0.5*n
}

// joinWrapped joins hard-wrapped lines into paragraphs. A paragraph ends
// at a short line that finishes a sentence, at a question line, or before
// a list item.
func joinWrapped(lines []string) []string {
	widest := 0
	for _, l := range lines {
		widest = max(widest, runeLen(l))
	}
	var out []string
	var cur []string
	for _, l := range lines {
		if len(cur) > 0 && reListItem.MatchString(l) {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
		cur = append(cur, l)
		short := float64(runeLen(l)) < 0.8*float64(widest)
		if short && endsSentence(l) || isQuestion(l) && len(cur) == 1 || strings.HasSuffix(l, ":") && short {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// continues reports whether next carries on the sentence that prev broke
// off: prev does not end a sentence or a label, and next starts in lower
// case.
func continues(prev, next string) bool {
	if endsSentence(prev) || strings.HasSuffix(prev, ":") {
		return false
	}
	for _, r := range next {
		return unicode.IsLower(r)
	}
	return false
}

package corpus

import (
	"regexp"
	"strings"
)

const (
	// maxQuestionLen is the longest paragraph taken for an FAQ question;
	// longer lines ending in "?" are prose that happens to ask something.
	maxQuestionLen = 200
	// maxTitleLen is the longest line taken for a headline.
	maxTitleLen = 200
	// leadBlocks is how far into a document the headline is looked for.
	leadBlocks = 8
	// questionParaShare: question paragraphs make a document an FAQ only
	// when there are at least two and at least one per this many other
	// paragraphs; a news story with a rhetorical question stays an article.
	questionParaShare = 8
	// faqHeadingShare: when at least this share of the headings at one
	// level ask a question (and at least minFAQEntries do), every heading at
	// that level is an FAQ entry, phrased as a question or not.
	faqHeadingShare = 0.5
	minFAQEntries   = 3
)

var (
	reQPrefix   = regexp.MustCompile(`^(?:Q|Question)\s*\d*\s*[:.)]\s+`)
	reAPrefix   = regexp.MustCompile(`^(?:A|Answer)\s*:\s*`)
	reFAQTitle  = regexp.MustCompile(`(?i)\bFAQs?\b|frequently asked|questions and answers|\bQ\s*&\s*A\b`)
	reSiteTitle = regexp.MustCompile(`\s+[|–—-]\s+[^|–—-]{1,40}$`)
)

// findTitle picks the document's headline and returns the blocks without
// it. Breadcrumbs and one- or two-word section labels above the headline
// are dropped. A known title (front matter) wins; then a leading level-1
// heading; then, for HTML, the page <title>; then a headline-shaped first
// line. A document that opens straight into prose is titled by its first
// sentence, which stays in the text.
func findTitle(blocks []block, m meta) (string, []block) {
	title := m.title
	if title == "" && m.html {
		for k, b := range blocks {
			if b.kind == kindHeading && b.level == 1 {
				title = b.text
				blocks = append(blocks[:k:k], blocks[k+1:]...)
				break
			}
		}
	}
	i := 0
	for ; i < len(blocks) && i < leadBlocks; i++ {
		b := blocks[i]
		if b.kind == kindPara && (isBreadcrumb(b.text) || title == "" && isSectionLabel(b.text)) {
			continue
		}
		if title != "" && strings.EqualFold(b.text, title) {
			continue
		}
		if title == "" && b.kind == kindHeading && b.level == 1 {
			title = b.text
			i++
		} else if title == "" && m.weakTitle == "" && b.kind == kindPara && isHeadline(b.text) {
			title = b.text
			i++
		}
		break
	}
	rest := blocks[i:]
	if len(rest) == 0 && i > 0 && title != "" && m.title == "" && blocks[i-1].kind == kindPara {
		// A document of one paragraph: it is its own title and its text.
		rest = blocks[i-1:]
	}
	if title == "" && m.weakTitle != "" {
		title = reSiteTitle.ReplaceAllString(m.weakTitle, "")
	}
	if title == "" {
		for _, b := range rest {
			if b.kind != kindCode {
				title = firstSentence(b.text)
				break
			}
		}
	}
	return title, rest
}

// isBreadcrumb reports whether s is a navigation trail: "News / Foreign
// Policy / Russia", "Home > Help > Billing".
func isBreadcrumb(s string) bool {
	if len(s) > 120 {
		return false
	}
	for _, sep := range []string{" / ", " > ", " » ", " › ", " → ", " | ", " :: "} {
		parts := strings.Split(s, sep)
		if len(parts) < 2 {
			continue
		}
		ok := true
		for _, p := range parts {
			if n := wordCount(p); n == 0 || n > 4 || endsSentence(p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// isSectionLabel reports whether s is a site-section label above a
// headline ("Politics", "Top Stories").
func isSectionLabel(s string) bool {
	return wordCount(s) <= 2 && len(s) <= 24 && !endsSentence(s) && !strings.HasSuffix(s, ":")
}

// isHeadline reports whether s is shaped like a headline: one line of a few
// words that does not end like a sentence or ask a question.
func isHeadline(s string) bool {
	if runeLen(s) > maxTitleLen || wordCount(s) < 3 || isQuestion(s) {
		return false
	}
	return !endsSentence(s) && !strings.HasSuffix(s, ":") && !strings.HasSuffix(s, ",") &&
		!strings.HasSuffix(s, ";")
}

// firstSentence returns the first sentence of s without its full stop,
// cut at a word boundary if it is very long.
func firstSentence(s string) string {
	if ends := sentenceEnds(s); len(ends) > 0 {
		s = s[:ends[0]]
	}
	s = strings.TrimSpace(s)
	if runeLen(s) > 120 {
		rs := []rune(s)[:120]
		if i := strings.LastIndex(string(rs), " "); i > 60 {
			s = string(rs)[:i] + "…"
		} else {
			s = string(rs) + "…"
		}
	}
	return strings.TrimSuffix(s, ".")
}

// promoteHeadings turns the short standalone lines of plain text into
// headings: a line of a few words, not a sentence, between a finished
// paragraph and a long one.
func promoteHeadings(blocks []block) []block {
	for i, b := range blocks {
		if b.kind != kindPara || i+1 >= len(blocks) || blocks[i+1].kind != kindPara {
			continue
		}
		if i > 0 && !(blocks[i-1].kind == kindPara && endsSentence(blocks[i-1].text)) {
			continue
		}
		n := wordCount(b.text)
		if n < 2 || n > 12 || runeLen(b.text) > 80 || endsSentence(b.text) || !firstUpper(b.text) ||
			strings.ContainsAny(b.text[len(b.text)-1:], ":,;") || !isProse(blocks[i+1]) {
			continue
		}
		blocks[i].kind, blocks[i].level = kindHeading, 2
	}
	return blocks
}

// isQuestion reports whether s asks a question: it ends with "?" or starts
// with "Q:".
func isQuestion(s string) bool {
	return strings.HasSuffix(strings.TrimRight(s, " \"'”’)»*_"), "?") || reQPrefix.MatchString(s)
}

// isFAQTitle reports whether a title announces an FAQ.
func isFAQTitle(title string) bool { return reFAQTitle.MatchString(title) }

// structure groups cleaned blocks into sections: FAQ entries (a question
// heading or question paragraph and the answer under it) and runs of
// article paragraphs under their heading. faqTitle says the title
// announces an FAQ, so the entry-level headings are entries even when they
// are not phrased as questions.
func structure(blocks []block, faqTitle bool) []Section {
	entryLevel := faqEntryLevel(blocks, faqTitle)
	questionParas := questionParagraphs(blocks)

	var out []Section
	var cur Section
	curLevel := 0 // level of the heading that opened cur; 7 for a paragraph question
	// group is the latest plain heading: the topic FAQ entries below it
	// belong to ("Origins" above "What is the purpose of the project?").
	group, groupLevel := "", 0
	flush := func() {
		if len(cur.Paragraphs) > 0 {
			if cur.Question != "" {
				cur.Paragraphs[0] = reAPrefix.ReplaceAllString(cur.Paragraphs[0], "")
			}
			out = append(out, cur)
		}
		cur = Section{}
	}
	for i, b := range blocks {
		switch {
		case b.kind == kindHeading && (b.level == entryLevel || isQuestion(b.text)):
			flush()
			cur = Section{Question: reQPrefix.ReplaceAllString(b.text, ""), URL: anchorURL(b.anchor)}
			if groupLevel < b.level {
				cur.Heading = group
			}
			curLevel = b.level
		case b.kind == kindHeading && cur.Question != "" && b.level > curLevel:
			// A sub-heading inside an answer is part of the answer.
			cur.Paragraphs = append(cur.Paragraphs, b.text)
		case b.kind == kindHeading:
			flush()
			cur = Section{Heading: b.text, URL: anchorURL(b.anchor)}
			curLevel = b.level
			group, groupLevel = b.text, b.level
		case questionParas[i]:
			flush()
			cur = Section{Question: reQPrefix.ReplaceAllString(b.text, ""), Heading: group}
			curLevel = 7
		default:
			cur.Paragraphs = append(cur.Paragraphs, b.paragraph())
		}
	}
	flush()
	return out
}

// faqEntryLevel finds the heading level whose headings are FAQ entries, or
// 0 when the headings are not an FAQ's.
func faqEntryLevel(blocks []block, faqTitle bool) int {
	var all, questions [7]int
	for _, b := range blocks {
		if b.kind == kindHeading && b.level >= 1 && b.level <= 6 {
			all[b.level]++
			if isQuestion(b.text) {
				questions[b.level]++
			}
		}
	}
	best := 0
	for l := 1; l <= 6; l++ {
		if questions[l] > questions[best] {
			best = l
		}
	}
	if best > 0 && questions[best] >= minFAQEntries && float64(questions[best]) >= faqHeadingShare*float64(all[best]) {
		return best
	}
	if faqTitle {
		// An FAQ whose entries are not phrased as questions: the deepest
		// level with several headings holds the entries.
		for l := 6; l >= 1; l-- {
			if all[l] >= minFAQEntries {
				return l
			}
		}
	}
	return 0
}

// questionParagraphs marks the paragraphs that open FAQ entries: short
// lines asking a question and followed by an answer, when there are enough
// of them for the document to be an FAQ (see questionParaShare).
func questionParagraphs(blocks []block) map[int]bool {
	marks := map[int]bool{}
	others := 0
	for i, b := range blocks {
		if b.kind != kindPara {
			continue
		}
		if isQuestionPara(b.text) && i+1 < len(blocks) && blocks[i+1].kind != kindHeading &&
			!isQuestionPara(blocks[i+1].text) {
			marks[i] = true
		} else {
			others++
		}
	}
	if len(marks) == 0 {
		return marks
	}
	prefixed := false
	for i := range marks {
		if reQPrefix.MatchString(blocks[i].text) {
			prefixed = true
		}
	}
	if !prefixed && (len(marks) < 2 || len(marks)*questionParaShare < others) {
		return map[int]bool{}
	}
	return marks
}

// isQuestionPara reports whether a paragraph can be an FAQ question:
// short, asking, and not a quotation ("“Why not?” he asked" is speech).
func isQuestionPara(s string) bool {
	return runeLen(s) <= maxQuestionLen && isQuestion(s) &&
		!strings.HasPrefix(s, "\"") && !strings.HasPrefix(s, "“")
}

// anchorURL turns an HTML id into a fragment link.
func anchorURL(id string) string {
	if id == "" {
		return ""
	}
	return "#" + id
}

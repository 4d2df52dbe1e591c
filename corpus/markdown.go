package corpus

import (
	"html"
	"regexp"
	"strings"
)

var (
	reATXHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	reSetext     = regexp.MustCompile(`^(?:={2,}|-{2,})\s*$`)
	reFence      = regexp.MustCompile("^(`{3,}|~{3,})")
	reRefDef     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*\S+`)
	reTableRule  = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$`)
	reFrontKey   = regexp.MustCompile(`(?i)^(title|description|summary|date|url|canonical|canonical_url|permalink|slug)\s*[:=]\s*(.*)$`)
	reHTMLTag    = regexp.MustCompile(`<[^>]{0,500}>`)
	reHTMLCmt    = regexp.MustCompile(`(?s)<!--.*?-->`)
	reMDImage    = regexp.MustCompile(`!\[[^\]]*\]\([^)]*\)`)
	reMDLink     = regexp.MustCompile(`\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	reMDRefLink  = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	reAutoLink   = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	reMDStrong   = regexp.MustCompile(`(\*\*|__)(\S(?:.*?\S)?)(\*\*|__)`)
	reMDEmph     = regexp.MustCompile(`(^|[\s(])[*_](\S(?:[^*_]*?\S)?)[*_]([\s).,;:!?]|$)`)
	reMDStrike   = regexp.MustCompile(`~~(.+?)~~`)
	reMDEscape   = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!|>~])`)
)

// markdownBlocks reads Markdown: front matter gives the title,
// description, date and link, headings structure the text, fenced and
// indented code is kept verbatim, list items stay list items, each table
// row becomes one line naming its columns, and inline syntax is stripped
// to the words a reader sees. mdx says the text comes from MDX, where
// indentation is layout inside components and never makes code.
func markdownBlocks(text string, mdx bool) ([]block, meta) {
	lines := strings.Split(normalizeText(text), "\n")
	var m meta
	lines, m = frontMatter(lines)
	if mdx {
		lines = strings.Split(mdxToMarkdown(strings.Join(lines, "\n")), "\n")
	} else {
		lines = strings.Split(reHTMLCmt.ReplaceAllString(strings.Join(lines, "\n"), ""), "\n")
	}
	var out []block
	if m.description != "" {
		out = append(out, block{kind: kindPara, text: m.description})
	}
	var para []string
	listPara := false
	flush := func() {
		if len(para) > 0 {
			out = append(out, block{kind: kindPara, text: mdText(strings.Join(para, " ")), list: listPara})
			para = para[:0]
		}
		listPara = false
	}
	fence, fenceIndent, lang := "", 0, ""
	var code []string
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		line := strings.TrimSpace(raw)
		if fence != "" {
			if strings.HasPrefix(line, fence) && strings.Trim(line, fence[:1]) == "" {
				out = append(out, block{kind: kindCode, text: strings.Join(code, "\n"), lang: lang})
				fence, code = "", nil
			} else {
				code = append(code, strings.TrimRight(dedent(raw, fenceIndent), " "))
			}
			continue
		}
		switch {
		case line == "":
			flush()
		case reFence.MatchString(line):
			flush()
			fence = reFence.FindString(line)
			fenceIndent = len(raw) - len(strings.TrimLeft(raw, " "))
			lang = fenceLang(line[len(fence):])
		case !mdx && len(para) == 0 && (strings.HasPrefix(raw, "    ") || strings.HasPrefix(raw, "\t")) &&
			(len(out) == 0 || i == 0 || strings.TrimSpace(lines[i-1]) == ""):
			// Indented code: gather the indented lines that follow.
			j := i
			var c []string
			for ; j < len(lines) && (strings.HasPrefix(lines[j], "    ") || strings.TrimSpace(lines[j]) == ""); j++ {
				c = append(c, strings.TrimPrefix(lines[j], "    "))
			}
			out = append(out, block{kind: kindCode, text: strings.TrimRight(strings.Join(c, "\n"), "\n ")})
			i = j - 1
		case reATXHeading.MatchString(line):
			flush()
			h := reATXHeading.FindStringSubmatch(line)
			out = append(out, mdHeading(len(h[1]), h[2]))
		case reSetext.MatchString(line) && len(para) == 1 && !listPara:
			level := 2
			if line[0] == '=' {
				level = 1
			}
			out = append(out, mdHeading(level, para[0]))
			para = para[:0]
		case isTableStart(lines, i):
			flush()
			n, rows := tableRows(lines[i:])
			out = append(out, rows...)
			i += n - 1
		case reRefDef.MatchString(raw), reTableRule.MatchString(line):
			// Link definitions and stray table rules carry no prose.
		case strings.HasPrefix(line, "|"):
			// A table without a header row: each row is a line of cells.
			flush()
			out = append(out, block{kind: kindPara, text: mdText(strings.Join(splitRow(line), " | ")), list: true})
		case reListItem.MatchString(line):
			flush()
			item := line
			if loc := reListItem.FindStringIndex(line); loc != nil && !isDigit(line[0]) {
				item = line[loc[1]:]
			}
			para = append(para, item)
			listPara = true
		case strings.HasPrefix(line, ">"):
			para = append(para, strings.TrimSpace(strings.TrimLeft(line, "> ")))
		default:
			para = append(para, line)
		}
	}
	if fence != "" && len(code) > 0 {
		out = append(out, block{kind: kindCode, text: strings.Join(code, "\n"), lang: lang})
	}
	flush()
	if len(out) == 0 || len(out) == 1 && m.description != "" {
		for _, f := range m.fallback {
			out = append(out, block{kind: kindPara, text: f})
		}
	}
	return out, m
}

// mdHeading makes a heading block with the anchor a docs site gives it:
// an explicit "{#id}", or the slug of its text.
func mdHeading(level int, raw string) block {
	anchor := ""
	if m := reHeadingID.FindStringSubmatch(raw); m != nil {
		anchor, raw = m[1], raw[:len(raw)-len(m[0])]
	}
	text := mdInline(raw)
	if anchor == "" {
		anchor = slugAnchor(text)
	}
	return block{kind: kindHeading, level: level, text: text, anchor: anchor}
}

// dedent removes up to n leading spaces from line: the indentation of the
// fence that opened a code block (inside a list item or an MDX component)
// is layout, not part of the code.
func dedent(line string, n int) string {
	i := 0
	for i < n && i < len(line) && line[i] == ' ' {
		i++
	}
	return line[i:]
}

// fenceLang is the language named after a code fence ("```bash title" gives
// "bash"), kept so that Discord can highlight the code.
func fenceLang(info string) string {
	f := strings.Fields(info)
	if len(f) == 0 {
		return ""
	}
	l := strings.Trim(f[0], "{}.")
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '_' || r == '#') {
			return ""
		}
	}
	return strings.ToLower(l)
}

// mdInline strips inline Markdown from a title or heading: as mdText,
// but code spans lose their backticks.
func mdInline(s string) string { return inlineMarkdown(s, false) }

// mdText strips inline Markdown from running text: images go, links keep
// their text (and their URL when the text is only "here" or the URL
// itself), emphasis and escapes keep their content, inline HTML tags go
// and entities are decoded. Code spans are kept as written, backticks
// and all, so an answer can show `sync={false}` as code; nothing inside
// them is taken for markup.
func mdText(s string) string { return inlineMarkdown(s, true) }

func inlineMarkdown(s string, keepCode bool) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(inlineProse(s))
			break
		}
		n := runLen(s[i:], '`')
		end := strings.Index(s[i+n:], s[i:i+n])
		if end < 0 {
			b.WriteString(inlineProse(s[:i+n]))
			s = s[i+n:]
			continue
		}
		b.WriteString(inlineProse(s[:i]))
		code := s[i+n : i+n+end]
		if keepCode {
			b.WriteString(s[i : i+n+end+n])
		} else {
			b.WriteString(strings.TrimSpace(code))
		}
		s = s[i+n+end+n:]
	}
	return collapseSpace(b.String())
}

// inlineProse strips the inline Markdown of text outside code spans.
func inlineProse(s string) string {
	s = reMDImage.ReplaceAllString(s, "")
	s = reMDLink.ReplaceAllStringFunc(s, func(l string) string {
		m := reMDLink.FindStringSubmatch(l)
		text, url := strings.TrimSpace(m[1]), m[2]
		switch strings.ToLower(text) {
		case "", "here", "link", "this", "this link", "click here":
			if strings.HasPrefix(url, "http") {
				return url
			}
		}
		return text
	})
	s = reMDRefLink.ReplaceAllString(s, "$1")
	s = reAutoLink.ReplaceAllString(s, "$1")
	// The emphasis patterns are the slowest here (a lazy match tried at
	// every position) and need a * or _ to match at all.
	if strings.ContainsAny(s, "*_") {
		s = reMDStrong.ReplaceAllString(s, "$2")
		s = reMDEmph.ReplaceAllString(s, "$1$2$3")
	}
	s = reMDStrike.ReplaceAllString(s, "$1")
	s = reHTMLTag.ReplaceAllString(s, "")
	s = reMDEscape.ReplaceAllString(s, "$1")
	return html.UnescapeString(s)
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

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
	reFrontKey   = regexp.MustCompile(`(?i)^(title|date|url|canonical|canonical_url|permalink)\s*[:=]\s*(.*)$`)
	reHTMLTag    = regexp.MustCompile(`<[^>]{0,500}>`)
	reHTMLCmt    = regexp.MustCompile(`(?s)<!--.*?-->`)
	reMDImage    = regexp.MustCompile(`!\[[^\]]*\]\([^)]*\)`)
	reMDLink     = regexp.MustCompile(`\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	reMDRefLink  = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	reAutoLink   = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	reMDCode     = regexp.MustCompile("`+([^`]*)`+")
	reMDStrong   = regexp.MustCompile(`(\*\*|__)(\S(?:.*?\S)?)(\*\*|__)`)
	reMDEmph     = regexp.MustCompile(`(^|[\s(])[*_](\S(?:[^*_]*?\S)?)[*_]([\s).,;:!?]|$)`)
	reMDStrike   = regexp.MustCompile(`~~(.+?)~~`)
	reMDEscape   = regexp.MustCompile(`\\([\\` + "`" + `*_{}\[\]()#+\-.!|>~])`)
)

// markdownBlocks reads Markdown: front matter gives the title and date,
// headings structure the text, fenced and indented code is kept verbatim,
// list items and table rows become paragraphs, and inline syntax is
// stripped to the words a reader sees.
func markdownBlocks(text string) ([]block, meta) {
	lines := strings.Split(normalizeText(reHTMLCmt.ReplaceAllString(text, "")), "\n")
	var m meta
	lines, m = frontMatter(lines)
	var out []block
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, block{kind: kindPara, text: mdInline(strings.Join(para, " "))})
			para = para[:0]
		}
	}
	fence := ""
	var code []string
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		line := strings.TrimSpace(raw)
		if fence != "" {
			if strings.HasPrefix(line, fence) {
				out = append(out, block{kind: kindCode, text: strings.Join(code, "\n")})
				fence, code = "", nil
			} else {
				code = append(code, strings.TrimRight(raw, " "))
			}
			continue
		}
		switch {
		case line == "":
			flush()
		case reFence.MatchString(line):
			flush()
			fence = reFence.FindString(line)
		case len(para) == 0 && (strings.HasPrefix(raw, "    ") || strings.HasPrefix(raw, "\t")) &&
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
			out = append(out, block{kind: kindHeading, level: len(h[1]), text: mdInline(h[2])})
		case reSetext.MatchString(line) && len(para) == 1:
			level := 2
			if line[0] == '=' {
				level = 1
			}
			out = append(out, block{kind: kindHeading, level: level, text: mdInline(para[0])})
			para = para[:0]
		case reRefDef.MatchString(raw), reTableRule.MatchString(line):
			// Link definitions and table rules carry no prose.
		case strings.HasPrefix(line, "|"):
			flush()
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for k := range cells {
				cells[k] = strings.TrimSpace(cells[k])
			}
			out = append(out, block{kind: kindPara, text: mdInline(strings.Join(cells, " | "))})
		case reListItem.MatchString(line):
			flush()
			item := line
			if loc := reListItem.FindStringIndex(line); loc != nil && !isDigit(line[0]) {
				item = line[loc[1]:]
			}
			para = append(para, item)
		case strings.HasPrefix(line, ">"):
			para = append(para, strings.TrimSpace(strings.TrimLeft(line, "> ")))
		default:
			para = append(para, line)
		}
	}
	if fence != "" && len(code) > 0 {
		out = append(out, block{kind: kindCode, text: strings.Join(code, "\n")})
	}
	flush()
	return out, m
}

// frontMatter strips YAML (---) or TOML (+++) front matter and reads its
// title, date and URL.
func frontMatter(lines []string) ([]string, meta) {
	var m meta
	if len(lines) == 0 {
		return lines, m
	}
	delim := strings.TrimSpace(lines[0])
	if delim != "---" && delim != "+++" {
		return lines, m
	}
	for i := 1; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == delim {
			return lines[i+1:], m
		}
		kv := reFrontKey.FindStringSubmatch(line)
		if kv == nil {
			continue
		}
		v := strings.Trim(strings.TrimSpace(kv[2]), `"'`)
		switch strings.ToLower(kv[1]) {
		case "title":
			m.title = v
		case "date":
			m.date = parseDateAttr(v)
		default:
			if strings.HasPrefix(v, "http") {
				m.url = v
			}
		}
	}
	return lines, meta{} // no closing delimiter: not front matter
}

// mdInline strips inline Markdown: images go, links keep their text (and
// their URL when the text is only "here" or the URL itself), code spans,
// emphasis and escapes keep their content, inline HTML tags go and
// entities are decoded.
func mdInline(s string) string {
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
	s = reMDCode.ReplaceAllString(s, "$1")
	s = reMDStrong.ReplaceAllString(s, "$2")
	s = reMDEmph.ReplaceAllString(s, "$1$2$3")
	s = reMDStrike.ReplaceAllString(s, "$1")
	s = reHTMLTag.ReplaceAllString(s, "")
	s = reMDEscape.ReplaceAllString(s, "$1")
	return collapseSpace(html.UnescapeString(s))
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

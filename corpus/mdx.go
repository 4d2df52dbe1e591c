package corpus

import (
	"regexp"
	"strconv"
	"strings"
)

// MDX is Markdown with JSX: docs sites (Mintlify, Docusaurus, Nextra)
// write callouts, tabs, accordions, cards and steps as components, import
// them at the top and sometimes define them inline with export. A member
// reads what those components render, so mdxToMarkdown turns the file into
// the Markdown a reader would see: import and export statements and JSX
// comments go, components are unwrapped to their text, and the titles
// they carry in attributes become headings (accordions, changelog updates),
// numbered items (steps) or labels (tabs, cards, fields). Media and
// self-closing tags go. Code — fenced blocks and `code spans` — is never
// touched, so an example of a component stays an example.

// mdxDropped are elements dropped with everything inside them: media and
// drawings have no words a member could ask about.
var mdxDropped = map[string]bool{
	"svg": true, "video": true, "audio": true, "iframe": true, "script": true, "style": true,
	"object": true, "picture": true, "canvas": true, "img": true, "source": true, "track": true,
	"math": true, "head": true, "title": true, "button": true, "input": true, "form": true,
	"select": true, "textarea": true,
}

// mdxCallouts are components whose children are the text, with no title.
var mdxHeadingTags = map[string]int{"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

// mdxInline are HTML elements that sit inside a line of text.
var mdxInline = map[string]bool{
	"a": true, "span": true, "strong": true, "em": true, "b": true, "i": true, "u": true, "code": true,
	"kbd": true, "sub": true, "sup": true, "small": true, "mark": true, "abbr": true, "s": true,
	"del": true, "ins": true, "q": true, "cite": true, "var": true, "samp": true, "time": true,
	"Tooltip": true, "Badge": true, "Icon": true,
}

var (
	reMDXImport = regexp.MustCompile(`^import\s+(?:[\w*{]|["'])`)
	reMDXExport = regexp.MustCompile(`^export\s+(?:const|let|var|default|function|async|class|\{|\*)`)
	reATXLevel  = regexp.MustCompile(`^(#{1,6})\s`)
)

// mdxToMarkdown converts MDX source (without its front matter) to
// Markdown.
func mdxToMarkdown(s string) string {
	c := &mdxConverter{src: s, lastLevel: 1}
	c.run()
	return c.out.String()
}

// mdxConverter is one conversion's state.
type mdxConverter struct {
	src string
	out strings.Builder
	// lastLevel is the level of the latest Markdown heading, so that an
	// accordion's title becomes a heading just below it.
	lastLevel int
	// steps counts the <Step>s of each open <Steps>.
	steps []int
	// open is the stack of open component names, to close what each
	// opened (a label's paragraph, a heading's section).
	open []string
}

func (c *mdxConverter) run() {
	s := c.src
	for i := 0; i < len(s); {
		if i == 0 || s[i-1] == '\n' {
			if n := c.lineStart(i); n > i {
				i = n
				continue
			}
		}
		switch {
		case strings.HasPrefix(s[i:], "{/*"):
			if end := strings.Index(s[i:], "*/}"); end >= 0 {
				i += end + 3
				continue
			}
		case strings.HasPrefix(s[i:], "<!--"):
			if end := strings.Index(s[i:], "-->"); end >= 0 {
				i += end + 3
				continue
			}
		case s[i] == '`':
			n := runLen(s[i:], '`')
			if end := strings.Index(s[i+n:], s[i:i+n]); end >= 0 && !strings.Contains(s[i+n:i+n+end], "\n\n") {
				c.out.WriteString(s[i : i+n+end+n])
				i += n + end + n
				continue
			}
			c.out.WriteString(s[i : i+n])
			i += n
			continue
		case s[i] == '<':
			if t, ok := parseTag(s, i); ok {
				i = c.tag(t)
				continue
			}
		}
		c.out.WriteByte(s[i])
		i++
	}
}

// lineStart handles what can only open a line — a code fence (copied
// verbatim to its end), an import or export statement (dropped) — and
// notes Markdown headings. It returns where to carry on, i when the line
// needs no special handling.
func (c *mdxConverter) lineStart(i int) int {
	s := c.src
	line := s[i:]
	if nl := strings.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	trimmed := strings.TrimLeft(line, " \t")
	if m := reFence.FindString(trimmed); m != "" {
		// Copy the fenced block whole: it ends at a line holding only a
		// fence of the same character at least as long, or at the end.
		j := i + len(line)
		for j < len(s) {
			j++ // past '\n'
			next := s[j:]
			if nl := strings.IndexByte(next, '\n'); nl >= 0 {
				next = next[:nl]
			}
			t := strings.TrimSpace(next)
			j += len(next)
			if strings.HasPrefix(t, m) && strings.Trim(t, m[:1]) == "" {
				break
			}
		}
		c.out.WriteString(s[i:min(j, len(s))])
		return min(j, len(s))
	}
	if line == trimmed && (reMDXImport.MatchString(line) && (strings.Contains(line, " from ") || strings.Contains(line, "{") || strings.HasPrefix(line, `import "`) || strings.HasPrefix(line, "import '")) || reMDXExport.MatchString(line)) {
		return skipStatement(s, i)
	}
	if m := reATXLevel.FindStringSubmatch(trimmed); m != nil {
		c.lastLevel = len(m[1])
	}
	return i
}

// skipStatement returns the end of the JavaScript statement starting at
// i: the first line end where every bracket opened since i is closed and
// the line does not leave an expression open. A statement that never
// closes ends at the next blank line, so a stray "export" cannot swallow
// the page.
func skipStatement(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			depth--
		case '"', '`':
			if end := strings.IndexByte(s[j+1:], s[j]); end >= 0 {
				j += end + 1
			}
		case '\n':
			if depth <= 0 {
				prev := strings.TrimRight(s[i:j], " \t")
				if !strings.HasSuffix(prev, "=") && !strings.HasSuffix(prev, "=>") && !strings.HasSuffix(prev, ",") {
					return j + 1
				}
			}
		}
	}
	if depth <= 0 {
		return len(s)
	}
	if blank := strings.Index(s[i:], "\n\n"); blank >= 0 {
		return i + blank + 2
	}
	return len(s)
}

// runLen counts the leading bytes of s equal to b.
func runLen(s string, b byte) int {
	n := 0
	for n < len(s) && s[n] == b {
		n++
	}
	return n
}

// jsxTag is one parsed tag.
type jsxTag struct {
	name        string
	attrs       map[string]string
	closing     bool
	selfClosing bool
	start, end  int // byte offsets of "<" and just past ">"
	// alone says the tag has nothing but white space beside it on its
	// line(s): a block, not an inline element.
	alone bool
}

// tag writes what t becomes and returns where to carry on.
func (c *mdxConverter) tag(t jsxTag) int {
	base := t.name
	if k := strings.IndexByte(base, '.'); k >= 0 {
		base = base[:k] // Tree.Folder, Color.Item
	}
	switch {
	case mdxDropped[strings.ToLower(t.name)]:
		if t.selfClosing || t.closing {
			return t.end
		}
		return skipElement(c.src, t)
	case t.name == "br":
		c.out.WriteString(" ")
		return t.end
	case t.name == "hr":
		c.out.WriteString("\n\n")
		return t.end
	case t.selfClosing:
		return t.end
	case mdxHeadingTags[t.name] > 0 && !t.closing:
		end := closeOf(c.src, t)
		if end < 0 {
			return t.end
		}
		text := collapseSpace(reHTMLTag.ReplaceAllString(c.src[t.end:end], ""))
		level := mdxHeadingTags[t.name]
		if text != "" {
			c.out.WriteString("\n\n" + strings.Repeat("#", level) + " " + text + "\n\n")
			c.lastLevel = level
		}
		return end + len("</"+t.name+">")
	case t.closing:
		c.close(base)
		return t.end
	}
	c.openTag(base, t)
	return t.end
}

// openTag writes what an opening component tag becomes.
func (c *mdxConverter) openTag(base string, t jsxTag) {
	c.open = append(c.open, base)
	title := firstAttr(t.attrs, "title", "label", "name", "headline")
	switch base {
	case "Accordion", "Update":
		level := min(c.lastLevel+1, 6)
		if title != "" {
			c.out.WriteString("\n\n" + strings.Repeat("#", level) + " " + title + "\n\n")
		} else {
			c.out.WriteString("\n\n")
		}
		if d := t.attrs["description"]; d != "" {
			c.out.WriteString(d + "\n\n")
		}
	case "Steps":
		c.steps = append(c.steps, 0)
		c.out.WriteString("\n\n")
	case "Step":
		n := 1
		if k := len(c.steps); k > 0 {
			c.steps[k-1]++
			n = c.steps[k-1]
		}
		c.out.WriteString("\n\n")
		if title != "" {
			c.out.WriteString(strconv.Itoa(n) + ". " + title + "\n\n")
		}
	case "ResponseField", "ParamField", "Field":
		name := firstAttr(t.attrs, "name", "path", "query", "body", "header", "cookie")
		var info []string
		if ty := t.attrs["type"]; ty != "" {
			info = append(info, ty)
		}
		if _, ok := t.attrs["required"]; ok {
			info = append(info, "required")
		}
		if d := t.attrs["default"]; d != "" {
			info = append(info, "default "+d)
		}
		label := name
		if len(info) > 0 {
			label += " (" + strings.Join(info, ", ") + ")"
		}
		c.out.WriteString("\n\n")
		if label != "" {
			// The description follows on the next line and joins it.
			c.out.WriteString(label + ": ")
		}
	case "Card", "Tab", "Expandable", "Tile", "Panel", "Column", "Prompt", "Frame", "View":
		c.out.WriteString("\n\n")
		if title == "" {
			title = t.attrs["description"]
		}
		if title != "" && base != "Frame" {
			c.out.WriteString(label(title))
			if base == "Tab" || base == "Expandable" {
				c.out.WriteString("\n\n")
			} else {
				c.out.WriteString(" ")
			}
		}
	default:
		if mdxInline[t.name] || mdxInline[base] || !t.alone {
			return
		}
		c.out.WriteString("\n\n")
	}
}

// close writes what a closing tag becomes.
func (c *mdxConverter) close(base string) {
	for k := len(c.open) - 1; k >= 0; k-- {
		if c.open[k] == base {
			c.open = c.open[:k]
			break
		}
	}
	if base == "Steps" && len(c.steps) > 0 {
		c.steps = c.steps[:len(c.steps)-1]
	}
	if mdxInline[base] {
		return
	}
	c.out.WriteString("\n\n")
}

// label makes a component's title read as the label of what follows it.
func label(title string) string {
	if strings.ContainsAny(title[len(title)-1:], ".:?!") {
		return title
	}
	return title + ":"
}

// firstAttr returns the first non-empty value among attrs' keys.
func firstAttr(attrs map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(attrs[k]); v != "" {
			return collapseSpace(v)
		}
	}
	return ""
}

// maxTagLen bounds how far a tag is scanned for its ">", so that a stray
// "<" in prose costs little.
const maxTagLen = 4000

// parseTag parses a JSX or HTML tag starting at s[i] == '<'. Attribute
// values may be "strings", 'strings' or {expressions}, whose string
// literals are taken as the value. ok is false when s[i:] is not a tag
// ("a < b", "<5 minutes").
func parseTag(s string, i int) (jsxTag, bool) {
	t := jsxTag{start: i, attrs: map[string]string{}}
	j := i + 1
	if j < len(s) && s[j] == '/' {
		t.closing = true
		j++
	}
	k := j
	for k < len(s) && (isNameByte(s[k]) || k > j && (s[k] == '.' || s[k] == '-' || s[k] == ':')) {
		k++
	}
	if k == j && !(k < len(s) && s[k] == '>') {
		return t, false // not a tag; "<>" is a fragment
	}
	if k > j && !isLetter(s[j]) {
		return t, false
	}
	t.name = s[j:k]
	limit := min(len(s), i+maxTagLen)
	for j = k; j < limit; {
		switch ch := s[j]; {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			j++
		case ch == '>':
			t.end = j + 1
			t.alone = aloneOnLine(s, t.start, t.end)
			return t, true
		case ch == '/' && j+1 < len(s) && s[j+1] == '>':
			t.selfClosing = true
			t.end = j + 2
			t.alone = aloneOnLine(s, t.start, t.end)
			return t, true
		case ch == '{':
			end := matchBrace(s, j, limit)
			if end < 0 {
				return t, false
			}
			j = end // a spread: {...props}
		case isNameByte(ch) || ch == '@' || ch == ':':
			a := j
			for j < limit && (isNameByte(s[j]) || strings.IndexByte("-:.@", s[j]) >= 0) {
				j++
			}
			key := s[a:j]
			for j < limit && s[j] == ' ' {
				j++
			}
			if j >= limit || s[j] != '=' {
				t.attrs[key] = ""
				continue
			}
			j++
			for j < limit && s[j] == ' ' {
				j++
			}
			if j >= limit {
				return t, false
			}
			switch s[j] {
			case '"', '\'':
				end := strings.IndexByte(s[j+1:limit], s[j])
				if end < 0 {
					return t, false
				}
				t.attrs[key] = s[j+1 : j+1+end]
				j += end + 2
			case '{':
				end := matchBrace(s, j, limit)
				if end < 0 {
					return t, false
				}
				t.attrs[key] = exprString(s[j+1 : end-1])
				j = end
			default:
				return t, false
			}
		default:
			return t, false
		}
	}
	return t, false
}

// matchBrace returns the offset just past the "}" closing the "{" at
// s[i], skipping string literals, or -1.
func matchBrace(s string, i, limit int) int {
	depth := 0
	for j := i; j < limit; j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j + 1
			}
		case '"', '\'', '`':
			end := strings.IndexByte(s[j+1:limit], s[j])
			if end < 0 {
				return -1
			}
			j += end + 1
		}
	}
	return -1
}

// exprString returns the string literal a JSX expression attribute holds
// ({"Title"}, {`Title`}), or "" for any other expression.
func exprString(e string) string {
	e = strings.TrimSpace(e)
	if len(e) >= 2 && strings.IndexByte("\"'`", e[0]) >= 0 && e[len(e)-1] == e[0] &&
		!strings.ContainsRune(e[1:len(e)-1], rune(e[0])) && !strings.Contains(e, "${") {
		return e[1 : len(e)-1]
	}
	return ""
}

// aloneOnLine reports whether only white space surrounds s[start:end] on
// its lines.
func aloneOnLine(s string, start, end int) bool {
	for k := start - 1; k >= 0 && s[k] != '\n'; k-- {
		if s[k] != ' ' && s[k] != '\t' {
			return false
		}
	}
	for k := end; k < len(s) && s[k] != '\n'; k++ {
		if s[k] != ' ' && s[k] != '\t' && s[k] != '\r' {
			return false
		}
	}
	return true
}

// closeOf returns the offset of the tag closing the element t opens, or
// -1; elements of the same name nested inside are skipped.
func closeOf(s string, t jsxTag) int {
	depth := 1
	for j := t.end; j < len(s); {
		k := strings.IndexByte(s[j:], '<')
		if k < 0 {
			return -1
		}
		j += k
		u, ok := parseTag(s, j)
		if !ok {
			j++
			continue
		}
		if u.name == t.name && !u.selfClosing {
			if u.closing {
				depth--
				if depth == 0 {
					return j
				}
			} else {
				depth++
			}
		}
		j = u.end
	}
	return -1
}

// skipElement returns the offset just past the element t opens, its
// content included; an element never closed ends with its own tag.
func skipElement(s string, t jsxTag) int {
	end := closeOf(s, t)
	if end < 0 {
		return t.end
	}
	u, _ := parseTag(s, end)
	return u.end
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func isNameByte(b byte) bool { return isLetter(b) || b >= '0' && b <= '9' || b == '_' }

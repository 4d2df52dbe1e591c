package corpus

import (
	"regexp"
	"strconv"
	"strings"
)

// reStructuredText, as Sphinx projects write it: section titles are lines
// underlined (and sometimes overlined) with punctuation, the level given
// by the order in which each style first appears; directives (".. note::",
// ".. code-block:: python") hold indented bodies; "::" ends a paragraph
// that introduces a literal block; roles (:ref:`text <target>`) and inline
// markup wrap words. FAQ pages are sections titled with questions, or
// definition lists whose terms are questions; both come out as question
// headings that the FAQ detection recognises.

var (
	reRSTDirective = regexp.MustCompile(`^\.\.\s+([A-Za-z][\w:.-]*)::\s*(.*)$`)
	reRSTTarget    = regexp.MustCompile(`^\.\.\s+_([^:]+):\s*(\S*)$`)
	reRSTSubst     = regexp.MustCompile(`^\.\.\s+\|[^|]+\|`)
	reRSTField     = regexp.MustCompile(`^:([\w -]+):\s*(.*)$`)
	reRSTRole      = regexp.MustCompile(`:[\w:+-]+:` + "`" + `([^` + "`" + `]+)` + "`")
	reRSTLink      = regexp.MustCompile("`" + `([^` + "`" + `<]+?)\s*<[^>` + "`" + `]+>` + "`" + `__?`)
	reRSTRef       = regexp.MustCompile("`" + `([^` + "`" + `]+)` + "`" + `__?`)
	reRSTLiteral   = regexp.MustCompile("``" + `(.+?)` + "``")
	reRSTStrong    = regexp.MustCompile(`\*\*(\S(?:.*?\S)?)\*\*`)
	reRSTEmph      = regexp.MustCompile(`(^|[\s(])\*(\S(?:[^*]*?\S)?)\*([\s).,;:!?]|$)`)
	reRSTWordRef   = regexp.MustCompile(`\b([\w-]+)__?(\W|$)`)
	reRSTSubstRef  = regexp.MustCompile(`\|([^|\s][^|]*)\|`)
	reRSTGridRule  = regexp.MustCompile(`^\+[-=+]+\+$`)
	reRSTSimpleTbl = regexp.MustCompile(`^=+(?:\s+=+)+$`)
	reRSTEnum      = regexp.MustCompile(`^(?:#|\d{1,3}|[a-zA-Z])[.)]\s+`)
)

// rstDropped are directives whose body is no reading matter.
var rstDropped = map[string]bool{
	"toctree": true, "contents": true, "index": true, "meta": true, "raw": true, "include": true,
	"image": true, "figure": true, "highlight": true, "only": false, "sectnum": true, "autosummary": true,
	"literalinclude": true, "graphviz": true, "tabularcolumns": true, "currentmodule": true,
	"module": true, "default-role": true, "role": true, "csv-table": false, "spelling:word-list": true,
	"sectionauthor": true, "moduleauthor": true, "codeauthor": true, "comment": true, "rubric": false,
}

// rstCode are directives whose body is code.
var rstCode = map[string]bool{"code-block": true, "code": true, "sourcecode": true, "parsed-literal": true, "doctest": true, "prompt": true}

// rstBlocks reads reStructuredText into blocks.
func rstBlocks(text string) ([]block, meta) {
	lines := strings.Split(normalizeText(text), "\n")
	r := &rstReader{lines: lines, styles: map[string]int{}}
	r.read(0, len(lines), 0)
	r.flush()
	return r.out, r.m
}

// rstReader is one document's reading state.
type rstReader struct {
	lines  []string
	out    []block
	m      meta
	para   []string
	list   bool
	styles map[string]int // section adornment style -> level
	anchor string         // a target label waiting for the next title
}

// flush ends the current paragraph.
func (r *rstReader) flush() {
	if len(r.para) > 0 {
		r.out = append(r.out, block{kind: kindPara, text: rstText(strings.Join(r.para, " ")), list: r.list})
	}
	r.para, r.list = r.para[:0], false
}

// read reads lines[from:to], whose text is indented by indent.
func (r *rstReader) read(from, to, indent int) {
	for i := from; i < to; i++ {
		raw := r.lines[i]
		line := strings.TrimSpace(raw)
		if line == "" {
			r.flush()
			continue
		}
		// Section title: text underlined (optionally overlined).
		if indent == 0 && i+1 < to {
			if n, ok := r.title(i, to); ok {
				i += n - 1
				continue
			}
		}
		if isAdornment(line) && len(line) >= 4 && len(r.para) == 0 {
			continue // a transition
		}
		if strings.HasPrefix(line, "..") {
			r.flush()
			i = r.explicit(i, to, line) - 1
			continue
		}
		if reRSTGridRule.MatchString(line) || reRSTSimpleTbl.MatchString(line) {
			r.flush()
			i = r.table(i, to) - 1
			continue
		}
		if len(r.para) == 0 && (reListItem.MatchString(line) || reRSTEnum.MatchString(line)) {
			item := line
			if loc := reListItem.FindStringIndex(line); loc != nil && !isDigit(line[0]) {
				item = line[loc[1]:]
			} else if strings.HasPrefix(line, "#.") {
				item = strings.TrimSpace(line[2:])
			}
			r.para = append(r.para, item)
			r.list = true
			continue
		}
		if len(r.para) > 0 && reListItem.MatchString(line) && r.list {
			r.flush()
			i--
			continue
		}
		// A definition list term: an unindented line with an indented
		// body right under it. A term asking a question is an FAQ entry.
		if len(r.para) == 0 && i+1 < to && indentOf(r.lines[i+1]) > indentOf(raw) && strings.TrimSpace(r.lines[i+1]) != "" &&
			!strings.HasSuffix(line, "::") && !reRSTField.MatchString(line) {
			end := r.indented(i+1, to, indentOf(raw)+1)
			if isQuestion(line) {
				r.out = append(r.out, block{kind: kindHeading, level: r.entryLevel(), text: rstInline(line)})
			} else {
				r.out = append(r.out, block{kind: kindPara, text: label(rstInline(line))})
			}
			r.read(i+1, end, indentOf(r.lines[i+1]))
			r.flush()
			i = end - 1
			continue
		}
		if f := reRSTField.FindStringSubmatch(line); f != nil && len(r.para) == 0 && len(r.out) == 0 {
			// Docinfo fields at the top (":date: 2024-01-02", ":orphan:");
			// ":url:" or ":canonical:" is the page's link, as in Markdown
			// front matter (a fetched Git file carries its link so).
			switch v := strings.TrimSpace(f[2]); strings.ToLower(f[1]) {
			case "date":
				r.m.date = parseDateAttr(v)
			case "url", "canonical":
				if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
					r.m.url = v
				}
			}
			continue
		}
		r.para = append(r.para, line)
		if strings.HasSuffix(line, "::") {
			// "Example::" introduces a literal block: the paragraph ends
			// with one colon ("Example:"), or none when "::" stood alone.
			last := len(r.para) - 1
			r.para[last] = strings.TrimSpace(strings.TrimSuffix(r.para[last], "::"))
			if r.para[last] == "" {
				r.para = r.para[:last]
			} else if !strings.HasSuffix(r.para[last], ":") {
				r.para[last] += ":"
			}
			r.flush()
			j := i + 1
			for j < to && strings.TrimSpace(r.lines[j]) == "" {
				j++
			}
			if j < to && indentOf(r.lines[j]) > indentOf(raw) {
				end := r.indented(j, to, indentOf(raw)+1)
				r.code(j, end, "")
				i = end - 1
			}
		}
	}
}

// title reads a section title at lines[i] and returns how many lines it
// took; ok is false when there is none.
func (r *rstReader) title(i, to int) (int, bool) {
	line := strings.TrimSpace(r.lines[i])
	over := ""
	text, under := "", ""
	n := 0
	switch {
	case isAdornment(line) && i+2 < to && isAdornment(strings.TrimSpace(r.lines[i+2])) &&
		strings.TrimSpace(r.lines[i+1]) != "" && strings.TrimSpace(r.lines[i+2])[0] == line[0]:
		over, text, under, n = line, strings.TrimSpace(r.lines[i+1]), strings.TrimSpace(r.lines[i+2]), 3
	case len(r.para) == 0 && !isAdornment(line) && isAdornment(strings.TrimSpace(r.lines[i+1])) &&
		runeLen(strings.TrimSpace(r.lines[i+1])) >= min(runeLen(line), 4) && indentOf(r.lines[i+1]) == 0:
		text, under, n = line, strings.TrimSpace(r.lines[i+1]), 2
	default:
		return 0, false
	}
	style := under[:1]
	if over != "" {
		style = over[:1] + style
	}
	level, ok := r.styles[style]
	if !ok {
		level = min(len(r.styles)+1, 6)
		r.styles[style] = level
	}
	r.flush()
	anchor := r.anchor
	if anchor == "" {
		anchor = rstAnchor(rstInline(text)) // Sphinx's id for a section
	}
	r.out = append(r.out, block{kind: kindHeading, level: level, text: rstInline(text), anchor: anchor})
	r.anchor = ""
	return n, true
}

// entryLevel is the heading level for a definition-list question: one
// below the deepest section level seen.
func (r *rstReader) entryLevel() int {
	return min(len(r.styles)+1, 6)
}

// explicit reads an explicit markup block at lines[i] (a directive, a
// target, a substitution or a comment) and returns where it ends.
func (r *rstReader) explicit(i, to int, line string) int {
	end := r.indented(i+1, to, indentOf(r.lines[i])+1)
	if t := reRSTTarget.FindStringSubmatch(line); t != nil {
		if t[2] == "" {
			r.anchor = rstAnchor(t[1])
		}
		return end
	}
	if reRSTSubst.MatchString(line) {
		return end
	}
	d := reRSTDirective.FindStringSubmatch(line)
	if d == nil {
		return end // a comment
	}
	name := strings.ToLower(d[1])
	if k := strings.LastIndexByte(name, ':'); k >= 0 {
		name = name[k+1:] // "py:function" and the like: a domain's directive
	}
	// The body starts after the directive's options (":linenos:").
	body := i + 1
	for body < end && reRSTField.MatchString(strings.TrimSpace(r.lines[body])) {
		body++
	}
	switch {
	case rstDropped[name]:
	case rstCode[name]:
		r.code(body, end, strings.TrimSpace(d[2]))
	case name == "rubric" || name == "topic" || name == "sidebar":
		if t := strings.TrimSpace(d[2]); t != "" {
			r.out = append(r.out, block{kind: kindHeading, level: r.entryLevel(), text: rstInline(t)})
		}
		r.read(body, end, indentOf(r.lines[min(body, len(r.lines)-1)]))
		r.flush()
	default:
		// Admonitions (note, warning, tip, versionadded…) and anything
		// else: the argument, then the body as text.
		if t := strings.TrimSpace(d[2]); t != "" && name != "only" {
			r.para = append(r.para, t)
		}
		r.read(body, end, 1)
		r.flush()
	}
	return end
}

// indented returns the end of the block of lines from i that are blank or
// indented at least min columns.
func (r *rstReader) indented(i, to, min int) int {
	end := i
	for j := i; j < to; j++ {
		if strings.TrimSpace(r.lines[j]) == "" {
			continue
		}
		if indentOf(r.lines[j]) < min {
			break
		}
		end = j + 1
	}
	return max(end, i)
}

// code adds lines[from:to] as a code block, dedented.
func (r *rstReader) code(from, to int, lang string) {
	ind := -1
	for _, l := range r.lines[from:to] {
		if strings.TrimSpace(l) != "" && (ind < 0 || indentOf(l) < ind) {
			ind = indentOf(l)
		}
	}
	var c []string
	for _, l := range r.lines[from:to] {
		c = append(c, strings.TrimRight(dedent(l, max(ind, 0)), " "))
	}
	if t := strings.Trim(strings.Join(c, "\n"), "\n"); t != "" {
		r.out = append(r.out, block{kind: kindCode, text: t, lang: fenceLang(lang)})
	}
}

// table reads a grid or simple table at lines[i] into one list item per
// row naming its columns, and returns where it ends.
func (r *rstReader) table(i, to int) int {
	first := strings.TrimSpace(r.lines[i])
	var rows [][]string
	end := i
	if reRSTGridRule.MatchString(first) {
		var cur []string
		headerRows := 0
		for j := i; j < to; j++ {
			l := strings.TrimSpace(r.lines[j])
			if l == "" {
				break
			}
			end = j + 1
			if reRSTGridRule.MatchString(l) {
				if cur != nil {
					rows = append(rows, cur)
					cur = nil
				}
				if strings.Contains(l, "=") {
					headerRows = len(rows)
				}
				continue
			}
			cells := splitRow(l)
			if cur == nil {
				cur = make([]string, len(cells))
			}
			for k := range cells {
				if k < len(cur) {
					cur[k] = strings.TrimSpace(cur[k] + " " + cells[k])
				}
			}
		}
		r.tableBlocks(rows, headerRows == 1)
		return end
	}
	// Simple table: columns are the runs of "=" in the border.
	var cols [][2]int
	for k := 0; k < len(first); {
		if first[k] == '=' {
			s := k
			for k < len(first) && first[k] == '=' {
				k++
			}
			cols = append(cols, [2]int{s, k})
			continue
		}
		k++
	}
	borders := 0
	headerRows := 0
	base := indentOf(r.lines[i])
	for j := i; j < to; j++ {
		l := r.lines[j]
		if strings.TrimSpace(l) == "" {
			if borders >= 3 || borders == 2 && headerRows == 0 {
				break
			}
			continue
		}
		end = j + 1
		l = dedent(l, base)
		if reRSTSimpleTbl.MatchString(strings.TrimSpace(l)) || strings.Trim(strings.TrimSpace(l), "- ") == "" {
			borders++
			if borders == 2 && len(rows) == 1 {
				headerRows = 1
			}
			if borders == 3 || borders == 2 && headerRows == 0 && len(rows) > 0 {
				break
			}
			continue
		}
		row := make([]string, len(cols))
		for k, c := range cols {
			s, e := c[0], c[1]
			if k == len(cols)-1 {
				e = len(l)
			}
			if s < len(l) {
				row[k] = strings.TrimSpace(l[s:min(e, len(l))])
			}
		}
		if row[0] == "" && len(rows) > 0 {
			// A continuation line of the previous row.
			prev := rows[len(rows)-1]
			for k := range row {
				prev[k] = strings.TrimSpace(prev[k] + " " + row[k])
			}
			continue
		}
		rows = append(rows, row)
	}
	r.tableBlocks(rows, headerRows == 1)
	return end
}

// tableBlocks adds a table's rows; with a header, each row names its
// columns.
func (r *rstReader) tableBlocks(rows [][]string, header bool) {
	var head []string
	if header && len(rows) > 0 {
		head, rows = rows[0], rows[1:]
		for k := range head {
			head[k] = rstInline(head[k])
		}
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for k := range row {
			cells[k] = rstInline(row[k])
		}
		var t string
		if head != nil {
			t = rowText(head, cells)
		} else {
			t = strings.Join(cells, " | ")
		}
		if t != "" {
			r.out = append(r.out, block{kind: kindPara, text: t, list: true})
		}
	}
}

// rstText strips inline markup from running text as rstInline does, but
// keeps “literals“ as Markdown `code`, so that an answer shows them as
// code.
func rstText(s string) string {
	var lits []string
	s = reRSTLiteral.ReplaceAllStringFunc(s, func(m string) string {
		lits = append(lits, m[2:len(m)-2])
		return "\x00" + strconv.Itoa(len(lits)-1) + "\x00"
	})
	s = rstInline(s)
	for k, l := range lits {
		s = strings.Replace(s, "\x00"+strconv.Itoa(k)+"\x00", "`"+l+"`", 1)
	}
	return s
}

// rstInline strips inline markup from a title or a table cell: roles keep
// their text (the title of "title <target>"), links and references their
// text, literals, strong and emphasis their content.
func rstInline(s string) string {
	s = reRSTRole.ReplaceAllStringFunc(s, func(m string) string {
		inner := reRSTRole.FindStringSubmatch(m)[1]
		if k := strings.LastIndex(inner, "<"); k > 0 && strings.HasSuffix(inner, ">") {
			inner = strings.TrimSpace(inner[:k])
		}
		return strings.TrimLeft(inner, "~!")
	})
	s = reRSTLink.ReplaceAllString(s, "$1")
	s = reRSTLiteral.ReplaceAllString(s, "$1")
	s = reRSTRef.ReplaceAllString(s, "$1")
	s = reRSTStrong.ReplaceAllString(s, "$1")
	s = reRSTEmph.ReplaceAllString(s, "$1$2$3")
	s = reRSTWordRef.ReplaceAllString(s, "$1$2")
	s = reRSTSubstRef.ReplaceAllString(s, "$1")
	s = strings.ReplaceAll(s, `\ `, "")
	return collapseSpace(s)
}

// rstAnchor is the HTML id Sphinx gives a target label: lower case, runs
// of other characters as one hyphen.
func rstAnchor(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(label)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// indentOf counts a line's leading spaces.
func indentOf(l string) int {
	return len(l) - len(strings.TrimLeft(l, " "))
}

// isAdornment reports whether line is a section adornment or transition:
// three or more of one punctuation character.
func isAdornment(line string) bool {
	line = strings.TrimRight(line, " ")
	if len(line) < 3 || !strings.ContainsRune("=-~^\"'`#*+:._", rune(line[0])) {
		return false
	}
	return strings.Trim(line, line[:1]) == ""
}

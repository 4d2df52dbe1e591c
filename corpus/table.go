package corpus

import (
	"regexp"
	"strings"
)

// reTableDelim is a table's delimiter row: cells of dashes with optional
// alignment colons.
var reTableDelim = regexp.MustCompile(`^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$`)

// Markdown tables hold facts a member asks about ("the limit is 6000
// characters"), but a table row alone — "Message content | 6000" — says
// nothing about what 6000 is. Each row therefore becomes one line that
// names its columns: "Field: Message content; Limit: 6000 characters",
// whole, so that it is retrieved by the words of its header and quoted
// intact.

// isTableStart reports whether lines[i] is the header row of a table: a
// row of cells followed by a delimiter row (|---|:--:|).
func isTableStart(lines []string, i int) bool {
	if i+1 >= len(lines) || !strings.Contains(lines[i], "|") {
		return false
	}
	delim := strings.TrimSpace(lines[i+1])
	return reTableDelim.MatchString(delim) && strings.Contains(delim, "|")
}

// tableRows reads the table at the top of lines (header, delimiter, body
// rows up to the first line without a "|") and returns how many lines it
// took and a list-item block per body row.
func tableRows(lines []string) (int, []block) {
	header := splitRow(strings.TrimSpace(lines[0]))
	for k := range header {
		header[k] = mdInline(header[k])
	}
	n := 2
	var out []block
	for ; n < len(lines); n++ {
		line := strings.TrimSpace(lines[n])
		if line == "" || !strings.Contains(line, "|") {
			break
		}
		if reTableDelim.MatchString(line) {
			continue
		}
		if t := rowText(header, splitRow(line)); t != "" {
			out = append(out, block{kind: kindPara, text: t, list: true})
		}
	}
	return n, out
}

// rowText renders one table row with its column names: "Name: value" for
// each non-empty cell, joined by "; ". A cell under an empty header is
// given alone (the row label of a comparison table).
func rowText(header, cells []string) string {
	var parts []string
	for k, c := range cells {
		c = mdText(c)
		if c == "" {
			continue
		}
		h := ""
		if k < len(header) {
			h = header[k]
		}
		if h == "" || strings.EqualFold(h, c) {
			parts = append(parts, c)
		} else {
			parts = append(parts, h+": "+c)
		}
	}
	return strings.Join(parts, "; ")
}

// splitRow splits a table row into its cells, trimmed. The outer pipes are
// optional; "\|" and pipes inside `code` are part of a cell.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = line[:len(line)-1]
	}
	var cells []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			inCode = !inCode
			cur.WriteByte(c)
		case c == '|' && !inCode:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	cells = append(cells, strings.TrimSpace(cur.String()))
	return cells
}

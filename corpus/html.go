package corpus

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// reLDDate finds the publication date in JSON-LD metadata.
var reLDDate = regexp.MustCompile(`"datePublished"\s*:\s*"([^"]+)"`)

// htmlBlocks reads HTML with a real parser: metadata from <head> (title,
// canonical URL, publication date), then the text of the page body without
// its chrome — scripts, navigation, headers and footers, sidebars, forms,
// and elements whose class, id or role says menu, share bar, related
// links, comments, breadcrumbs, adverts or cookie notices.
func htmlBlocks(text string) ([]block, meta) {
	root, err := html.Parse(strings.NewReader(text))
	if err != nil {
		// html.Parse only fails when its reader does; a strings.Reader
		// does not. Fall back to the text rules rather than lose the file.
		return textBlocks(text), meta{}
	}
	var m meta
	m.html = true
	readMeta(root, &m)
	w := &htmlWalker{keep: mainContent(root)}
	w.walk(root, false)
	w.flush()
	if m.date == "" {
		m.date = w.date
	}
	return w.blocks, m
}

// readMeta fills m from <head> and from a leading comment holding JSON
// front matter (as the Go website's pages have: <!--{"Title": "…"}-->).
func readMeta(n *html.Node, m *meta) {
	switch {
	case n.Type == html.CommentNode && n.Parent != nil && n.Parent.Type == html.DocumentNode:
		var fm map[string]any
		if json.Unmarshal([]byte(strings.TrimSpace(n.Data)), &fm) == nil {
			for k, v := range fm {
				s, _ := v.(string)
				switch strings.ToLower(k) {
				case "title":
					m.title = collapseSpace(s)
				case "date":
					m.date = parseDateAttr(s)
				}
			}
		}
	case n.Type == html.ElementNode:
		switch n.DataAtom {
		case atom.Title:
			if m.weakTitle == "" {
				m.weakTitle = collapseSpace(normalizeText(textOf(n)))
			}
		case atom.Link:
			if strings.EqualFold(attr(n, "rel"), "canonical") && attr(n, "href") != "" {
				m.url = attr(n, "href")
			}
		case atom.Meta:
			prop := strings.ToLower(attr(n, "property") + attr(n, "name") + attr(n, "itemprop"))
			content := strings.TrimSpace(attr(n, "content"))
			switch prop {
			case "og:title":
				m.weakTitle = content
			case "og:url":
				if m.url == "" {
					m.url = content
				}
			case "article:published_time", "datepublished", "date", "pubdate", "publishdate",
				"publish-date", "dc.date", "dc.date.issued", "parsely-pub-date", "sailthru.date":
				if m.date == "" {
					m.date = parseDateAttr(content)
				}
			}
		case atom.Script:
			if attr(n, "type") == "application/ld+json" && m.date == "" {
				if d := reLDDate.FindStringSubmatch(textOf(n)); d != nil {
					m.date = parseDateAttr(d[1])
				}
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		readMeta(c, m)
	}
}

// htmlWalker turns the kept elements of a page into blocks.
type htmlWalker struct {
	blocks []block
	buf    strings.Builder
	// keep holds the elements that contain the main content (<main>,
	// <article>, <h1>): never dropped, whatever their class says.
	keep map[*html.Node]bool
	// date is the first <time datetime> in the kept content.
	date string
	// li is how many list items enclose the walk; number is the number
	// of the ordered item whose first paragraph is still to come.
	li     int
	number string
	// headers are the header rows of the tables seen, by table.
	headers map[*html.Node][]string
}

// walk visits n; inArticle says an <article> or <main> encloses it.
func (w *htmlWalker) walk(n *html.Node, inArticle bool) {
	switch n.Type {
	case html.TextNode:
		w.buf.WriteString(normalizeText(n.Data))
		return
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, inArticle)
		}
		return
	case html.ElementNode:
	default:
		return
	}
	if w.chrome(n, inArticle) {
		return
	}
	switch n.DataAtom {
	case atom.Pre:
		w.flush()
		w.blocks = append(w.blocks, block{kind: kindCode, text: codeText(textOf(n))})
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.flush()
		level, _ := strconv.Atoi(n.Data[1:])
		w.blocks = append(w.blocks, block{kind: kindHeading, level: level,
			text: strings.TrimRight(collapseSpace(normalizeText(w.inline(n))), " ¶#§🔗"), anchor: headingAnchor(n)})
		return
	case atom.Tr:
		w.flush()
		var cells []string
		allTh := true
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom == atom.Td || c.DataAtom == atom.Th {
				cells = append(cells, collapseSpace(normalizeText(w.inline(c))))
				allTh = allTh && c.DataAtom == atom.Th
			}
		}
		table := n.Parent
		for table != nil && table.DataAtom != atom.Table {
			table = table.Parent
		}
		if w.headers == nil {
			w.headers = map[*html.Node][]string{}
		}
		h, seen := w.headers[table]
		if !seen {
			// The first row decides: a row of <th> is the header that
			// every later row names its columns by; otherwise the table
			// has none, and later header-like rows are rows.
			if allTh && len(cells) > 1 {
				w.headers[table] = cells
				return
			}
			w.headers[table] = nil
		}
		var t string
		if h != nil {
			t = rowText(h, cells)
		} else {
			var kept []string
			for _, c := range cells {
				if c != "" {
					kept = append(kept, c)
				}
			}
			t = strings.Join(kept, " | ")
		}
		if t != "" {
			w.blocks = append(w.blocks, block{kind: kindPara, text: t, list: true})
		}
		return
	case atom.Br, atom.Hr:
		w.flush()
		return
	case atom.Time:
		if w.date == "" {
			w.date = parseDateAttr(attr(n, "datetime"))
		}
	case atom.Li:
		w.flush()
		w.li++
		defer func() { w.li-- }()
		if n.Parent != nil && n.Parent.DataAtom == atom.Ol {
			w.number = strconv.Itoa(itemNumber(n)) + ". "
		}
	}
	isBlock := blockTag(n.DataAtom)
	if isBlock {
		w.flush()
	}
	inArticle = inArticle || n.DataAtom == atom.Article || n.DataAtom == atom.Main
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, inArticle)
	}
	if isBlock {
		w.flush()
	}
}

// flush ends the current paragraph. The first paragraph of a list item
// is marked as one, with its number in an ordered list.
func (w *htmlWalker) flush() {
	if t := collapseSpace(w.buf.String()); t != "" && !isListNumber(t) {
		w.blocks = append(w.blocks, block{kind: kindPara, text: w.number + t, list: w.li > 0})
		w.number = ""
	}
	w.buf.Reset()
}

// inline returns the text of an element's kept descendants, as one line.
func (w *htmlWalker) inline(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && w.chrome(n, true) {
			return
		}
		if n.DataAtom == atom.Br {
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return b.String()
}

// chrome reports whether element n is page furniture to drop whole.
func (w *htmlWalker) chrome(n *html.Node, inArticle bool) bool {
	switch n.DataAtom {
	case atom.Head, atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Svg,
		atom.Canvas, atom.Object, atom.Embed, atom.Form, atom.Button, atom.Select, atom.Textarea,
		atom.Input, atom.Nav, atom.Aside, atom.Footer, atom.Figcaption, atom.Dialog, atom.Menu,
		atom.Video, atom.Audio, atom.Map, atom.Img, atom.Picture, atom.Link, atom.Meta:
		return true
	case atom.Header:
		// A site masthead, but an article's own header holds its title.
		return !inArticle && !w.keep[n]
	case atom.Html, atom.Body, atom.Main, atom.Article:
		return false
	}
	if _, ok := attrOK(n, "hidden"); ok || strings.EqualFold(attr(n, "aria-hidden"), "true") ||
		strings.Contains(strings.ReplaceAll(strings.ToLower(attr(n, "style")), " ", ""), "display:none") {
		return true
	}
	switch strings.ToLower(attr(n, "role")) {
	case "navigation", "contentinfo", "complementary", "search", "menu", "menubar", "dialog",
		"alertdialog", "toolbar":
		return true
	case "banner":
		return !w.keep[n]
	}
	if w.keep[n] {
		return false
	}
	if chromeClass(attr(n, "class") + " " + attr(n, "id")) {
		return true
	}
	return (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol) && isLinkList(n)
}

// chromeClass reports whether class and id words name page furniture.
func chromeClass(s string) bool {
	s = strings.ToLower(s)
	for _, sub := range []string{"breadcrumb", "advert", "cookie", "newsletter", "sidebar",
		"sharebar", "navbar", "footer", "social", "related", "comment", "disqus", "headerlink",
		"permalink"} {
		if strings.Contains(s, sub) {
			return true
		}
	}
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}) {
		switch tok {
		case "nav", "navigation", "menu", "share", "sharing", "ad", "ads", "adsbygoogle",
			"sponsor", "sponsored", "promo", "consent", "gdpr", "subscribe", "signup", "popup",
			"modal", "widget", "masthead", "skip", "toc", "tags", "author", "bio", "trending",
			"recommended", "outbrain", "taboola":
			return true
		}
	}
	return false
}

// isLinkList reports whether a list is only links — three or more items,
// each nothing but one link: a menu, a table of contents or a list of
// related headlines, not prose.
func isLinkList(n *html.Node) bool {
	items := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom != atom.Li {
			return false
		}
		items++
		link := ""
		other := ""
		for d := c.FirstChild; d != nil; d = d.NextSibling {
			switch {
			case d.Type == html.ElementNode && d.DataAtom == atom.A && link == "":
				link = strings.TrimSpace(textOf(d))
			default:
				other += strings.TrimSpace(textOf(d))
			}
		}
		if link == "" || other != "" {
			return false
		}
	}
	return items >= 3
}

// mainContent marks <main>, <article>, <h1> and their ancestors, so that
// the class heuristics never drop the content itself.
func mainContent(root *html.Node) map[*html.Node]bool {
	keep := map[*html.Node]bool{}
	var visit func(*html.Node) bool
	visit = func(n *html.Node) bool {
		found := n.Type == html.ElementNode &&
			(n.DataAtom == atom.Main || n.DataAtom == atom.Article || n.DataAtom == atom.H1)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if visit(c) {
				found = true
			}
		}
		if found {
			keep[n] = true
		}
		return found
	}
	visit(root)
	return keep
}

// blockTag reports whether elements of tag a start and end a paragraph.
func blockTag(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Header, atom.Blockquote,
		atom.Ul, atom.Ol, atom.Li, atom.Dl, atom.Dt, atom.Dd, atom.Table, atom.Thead, atom.Tbody,
		atom.Tfoot, atom.Caption, atom.Figure, atom.Details, atom.Summary, atom.Address,
		atom.Center, atom.Fieldset, atom.Body:
		return true
	}
	return false
}

// headingAnchor finds the id to link to a heading: its own, a child
// anchor's, an empty anchor just before it, or its enclosing section's.
func headingAnchor(n *html.Node) string {
	if id := attr(n, "id"); id != "" {
		return id
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.DataAtom == atom.A {
			if id := attr(c, "id") + attr(c, "name"); id != "" {
				return id
			}
		}
	}
	prev := n.PrevSibling
	for prev != nil && prev.Type == html.TextNode && strings.TrimSpace(prev.Data) == "" {
		prev = prev.PrevSibling
	}
	if prev != nil && prev.DataAtom == atom.A && strings.TrimSpace(textOf(prev)) == "" {
		if id := attr(prev, "id") + attr(prev, "name"); id != "" {
			return id
		}
	}
	if p := n.Parent; p != nil && (p.DataAtom == atom.Section || p.DataAtom == atom.Div) && firstElement(p) == n {
		return attr(p, "id")
	}
	return ""
}

// firstElement returns n's first element child.
func firstElement(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

// itemNumber is the number an <ol> shows for item li.
func itemNumber(li *html.Node) int {
	n := 1
	if s, err := strconv.Atoi(attr(li.Parent, "start")); err == nil {
		n = s
	}
	for c := li.Parent.FirstChild; c != nil && c != li; c = c.NextSibling {
		if c.DataAtom == atom.Li {
			n++
		}
	}
	return n
}

// isListNumber reports whether t is only a list number left by an empty
// item ("3.").
func isListNumber(t string) bool {
	t = strings.TrimSuffix(t, ".")
	_, err := strconv.Atoi(t)
	return err == nil
}

// textOf returns all the text under n, as written.
func textOf(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return b.String()
}

// codeText tidies preformatted text: Windows line ends, trailing spaces
// and blank lines around it go; indentation stays.
func codeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.Map(func(r rune) rune {
			if r == '\u00A0' {
				return ' '
			}
			if r < 0x20 && r != '\t' {
				return -1
			}
			return r
		}, l), " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

// attrOK returns the value of n's attribute key and whether it is present.
func attrOK(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

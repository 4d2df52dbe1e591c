package sources

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxReadabilityElems bounds the elements readability scores: its passes
// are superlinear on pathological pages, and a page this big falls back to
// the corpus's own chrome rules.
const maxReadabilityElems = 60000

// reduceHTML turns a fetched HTML page into the file the corpus reads: the
// page's main content as readability finds it (menus, headers, footers,
// sidebars and "related" lists gone), under an <h1> with the page's
// headline (its first <h1>, else readability's title), in a document that keeps the page's language, <title>, <meta>
// tags, JSON-LD and leading comments (where the corpus finds titles and
// dates) and a <link rel="canonical"> to link. The corpus's cleaning rules
// then run on it as on any HTML file. When readability finds nothing, the
// whole page is kept and the corpus's rules alone remove the chrome.
//
// link is the page's canonical URL when it declares one on the host it
// was fetched from (or listed on), else the URL it was fetched from: a
// page cannot make the bot show a link to another site.
func reduceHTML(text []byte, final, listed *url.URL) (content []byte, title, link string) {
	doc, err := html.Parse(bytes.NewReader(text))
	if err != nil { // only a failing reader makes html.Parse fail
		return text, "", normalizeURL(final)
	}
	link = canonicalOf(doc, final, listed)

	p := readability.NewParser()
	p.MaxElemsToParse = maxReadabilityElems
	var main *html.Node
	var published time.Time
	// Readability works on a copy of its own (it changes the tree), with
	// heading ids hidden from it: it drops elements whose id sounds like
	// chrome, and an FAQ's <h3 id="community-rules"> is a question, not a
	// comments section. The ids come back afterwards: they are the
	// anchors each entry links to.
	work, err := html.Parse(bytes.NewReader(text))
	if err != nil {
		return text, "", link
	}
	renameHeadingIDs(work, "id", hiddenID)
	if art, err := p.ParseAndMutate(work, final); err == nil && art.Node != nil && strings.TrimSpace(nodeText(art.Node)) != "" {
		main = art.Node
		renameHeadingIDs(main, hiddenID, "id")
		// The page's own <h1> is its headline, as the corpus reads it;
		// readability often drops it from the content and its own title
		// comes from <title>, which carries the site's name.
		title = strings.Join(strings.Fields(headline(doc)), " ")
		if title == "" {
			title = strings.TrimSpace(art.Title())
		}
		// Readability also finds dates the corpus cannot see once the
		// body is reduced (a byline, JSON-LD in the body).
		published, _ = art.PublishedTime()
	}

	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n")
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.CommentNode {
			_ = html.Render(&b, c)
			b.WriteString("\n")
		}
	}
	root := findElem(doc, atom.Html)
	b.WriteString("<html")
	if lang := attrOf(root, "lang"); lang != "" {
		b.WriteString(` lang="` + html.EscapeString(lang) + `"`)
	}
	b.WriteString(">\n<head>\n<meta charset=\"utf-8\">\n")
	if head := findElem(doc, atom.Head); head != nil {
		for c := head.FirstChild; c != nil; c = c.NextSibling {
			if keepInHead(c) {
				_ = html.Render(&b, c)
				b.WriteString("\n")
			}
		}
	}
	if !published.IsZero() {
		// After the page's own <meta> tags: the corpus keeps the first date.
		b.WriteString(`<meta property="article:published_time" content="` + published.UTC().Format(time.RFC3339) + "\">\n")
	}
	b.WriteString(`<link rel="canonical" href="` + html.EscapeString(link) + "\">\n</head>\n<body>\n")
	if main == nil {
		if body := findElem(doc, atom.Body); body != nil {
			for c := body.FirstChild; c != nil; c = c.NextSibling {
				_ = html.Render(&b, c)
			}
		}
	} else {
		if title != "" {
			b.WriteString("<h1>" + html.EscapeString(title) + "</h1>\n")
		}
		_ = html.Render(&b, main)
	}
	b.WriteString("\n</body>\n</html>\n")
	return b.Bytes(), title, link
}

// hiddenID is where a heading's id waits while readability runs.
const hiddenID = "data-faqbot-id"

// renameHeadingIDs renames the attribute from to to on every heading.
func renameHeadingIDs(n *html.Node, from, to string) {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			for i := range n.Attr {
				if n.Attr[i].Namespace == "" && strings.EqualFold(n.Attr[i].Key, from) {
					n.Attr[i].Key = to
				}
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		renameHeadingIDs(c, from, to)
	}
}

// headline is the text of the page's first <h1>, or "".
func headline(doc *html.Node) string {
	if body := findElem(doc, atom.Body); body != nil {
		if h1 := findElem(body, atom.H1); h1 != nil {
			return nodeText(h1)
		}
	}
	return ""
}

// keepInHead says which <head> children the reduced page keeps: those the
// corpus reads (title, meta, JSON-LD), not scripts, styles or links (the
// canonical link is written afresh).
func keepInHead(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.DataAtom {
	case atom.Title:
		return true
	case atom.Meta:
		return attrOf(n, "charset") == "" && !strings.EqualFold(attrOf(n, "http-equiv"), "content-type")
	case atom.Script:
		return strings.EqualFold(strings.TrimSpace(attrOf(n, "type")), "application/ld+json")
	}
	return false
}

// canonicalOf is the page's <link rel="canonical"> resolved against the
// URL it was fetched from, when it is an http(s) URL on the host the page
// came from or was listed on; otherwise the fetched URL.
func canonicalOf(doc *html.Node, final, listed *url.URL) string {
	var href string
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.Link && hasToken(attrOf(n, "rel"), "canonical") {
			href = strings.TrimSpace(attrOf(n, "href"))
			return href != ""
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			return false // canonical links belong in <head>
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(doc)
	if href != "" {
		if c, err := final.Parse(href); err == nil && (c.Scheme == "http" || c.Scheme == "https") && c.User == nil &&
			(strings.EqualFold(c.Host, final.Host) || strings.EqualFold(c.Host, listed.Host)) {
			c.Fragment, c.RawFragment = "", ""
			return normalizeURL(c)
		}
	}
	return normalizeURL(final)
}

// hasToken reports whether the space-separated list s holds tok (any case).
func hasToken(s, tok string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// findElem returns the first element of kind a in document order.
func findElem(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if e := findElem(c, a); e != nil {
			return e
		}
	}
	return nil
}

// attrOf returns n's attribute key, or "".
func attrOf(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// nodeText is the text under n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// Parse cleans one file's bytes into a Document. id is the file's path
// relative to the corpus root; its extension picks the format (.txt, .md,
// .markdown, .mdx, .rst, .rest, .html, .htm). Parse never panics: bad input gives an error
// wrapping ErrEmpty, ErrBinary, ErrEncoding, ErrTooLarge, ErrNoText or
// ErrUnsupported.
func Parse(id string, data []byte) (Document, error) {
	f := formatOf(id)
	if f == formatUnknown {
		return Document{}, fmt.Errorf("parse %s: %w", id, ErrUnsupported)
	}
	text, err := decodeText(data)
	if err != nil {
		return Document{}, fmt.Errorf("parse %s: %w", id, err)
	}
	var blocks []block
	var m meta
	switch f {
	case formatMarkdown, formatMDX:
		blocks, m = markdownBlocks(text, f == formatMDX)
	case formatRST:
		blocks, m = rstBlocks(text)
	case formatHTML:
		blocks, m = htmlBlocks(text)
	default:
		if rest, fm, ok := textFrontMatter(text); ok {
			text, m = rest, fm
		}
		blocks = textBlocks(text)
	}
	doc := assemble(blocks, m, f == formatText)
	if len(doc.Sections) == 0 {
		return Document{}, fmt.Errorf("parse %s: %w", id, ErrNoText)
	}
	doc.ID = id
	sum := sha256.Sum256(data)
	doc.Hash = hex.EncodeToString(sum[:])
	return doc, nil
}

// blockKind says what a block is.
type blockKind int

const (
	kindPara blockKind = iota
	kindHeading
	// kindCode is preformatted text: kept verbatim, never cleaned as prose.
	kindCode
)

// block is one paragraph, heading or code listing in reading order: the
// format-neutral form that the three readers produce and one cleaning and
// structuring pass consumes, so that every rule applies to every format.
type block struct {
	kind  blockKind
	level int // heading level, 1-6
	text  string
	// anchor is an HTML id to link to the block, or "".
	anchor string
	// list marks a list item or a table row, shown as "- item" in the
	// passage so that answers can render it as a list.
	list bool
	// lang is a code block's language, when its fence names one.
	lang string
}

// paragraph renders a content block as passage text: a list item keeps a
// "- " marker (numbered items keep their number), code is fenced.
func (b block) paragraph() string {
	switch {
	case b.kind == kindCode:
		return fenceCode(b.lang, b.text)
	case b.list && !reNumbered.MatchString(b.text):
		return "- " + b.text
	}
	return b.text
}

// reNumbered is an ordered list item's number.
var reNumbered = regexp.MustCompile(`^\d{1,3}[.)]\s`)

// fenceCode wraps code in a Markdown fence longer than any run of
// backticks inside it.
func fenceCode(lang, code string) string {
	longest, run := 0, 0
	for _, r := range code {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + code + "\n" + f
}

// meta is what a format knows about a document beyond its blocks.
type meta struct {
	title string
	// description is a summary from front matter, read as the document's
	// first paragraph.
	description string
	// pagePath is a site-relative link from front matter (permalink, or a
	// url without a host), and slug the page's last path element: either
	// gives the page's URL with the corpus's source URL setting.
	pagePath, slug string
	// fallback holds front-matter facts (an API endpoint, keywords) that
	// become the text of a page whose body gives none, such as a docs
	// site's page generated from an OpenAPI spec.
	fallback []string
	// weakTitle is a fallback title (HTML <title>, og:title) used only when
	// the page has no <h1>; it often carries a site name.
	weakTitle string
	date      string
	url       string
	// html says the blocks come from HTML, whose first <h1> is the
	// headline wherever it sits.
	html bool
}

// assemble cleans blocks and gives them document structure: title, date,
// FAQ entries and sections. plain says the blocks come from plain text,
// where short lines standing alone are headings.
func assemble(blocks []block, m meta, plain bool) Document {
	blocks, date := cleanBlocks(blocks)
	if m.date == "" {
		m.date = date
	}
	title, blocks := findTitle(blocks, m)
	if plain {
		blocks = promoteHeadings(blocks)
	}
	secs := structure(blocks, isFAQTitle(title))
	for i := range secs {
		if strings.HasPrefix(secs[i].URL, "#") && m.url != "" {
			base, _, _ := strings.Cut(m.url, "#")
			secs[i].URL = base + secs[i].URL
		}
	}
	return Document{Title: title, Date: m.date, URL: m.url, PagePath: m.pagePath, Slug: m.slug, Sections: secs}
}

// String renders the cleaned document as text: a "# title" line, date and
// URL lines, then each section (its heading, "Q: question" for an FAQ
// entry, its anchor) and paragraphs separated by blank lines. Golden tests
// and the CLI's "show" output use it.
func (d Document) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", d.Title)
	if d.Date != "" {
		fmt.Fprintf(&b, "date: %s\n", d.Date)
	}
	if d.URL != "" {
		fmt.Fprintf(&b, "url: %s\n", d.URL)
	}
	for _, s := range d.Sections {
		b.WriteString("\n")
		if s.Heading != "" {
			fmt.Fprintf(&b, "## %s\n", s.Heading)
		}
		if s.Question != "" {
			fmt.Fprintf(&b, "Q: %s\n", s.Question)
		}
		if s.URL != "" {
			fmt.Fprintf(&b, "<%s>\n", s.URL)
		}
		for i, p := range s.Paragraphs {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(p)
			b.WriteString("\n")
		}
	}
	return b.String()
}

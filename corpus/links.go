package corpus

import (
	"errors"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// A member who reads an answer wants to open the page it came from. A
// document's link comes, in order of trust, from the document itself (a
// front-matter url, an HTML page's canonical link), then from the corpus's
// source URL setting, a template that maps a file to its page on the
// published site: "https://docs.example.com/{path}" turns
// guides/setup.mdx into https://docs.example.com/guides/setup. A
// front-matter permalink or slug moves the page on that site, as static
// site generators do. Each passage links to its document, plus the anchor
// of the heading it sits under when the format gives one.

// Placeholders of a source URL template.
const (
	// PathPlaceholder is the file's path in the corpus without its
	// extension: "guides/setup".
	PathPlaceholder = "{path}"
	// FilePlaceholder is the file's path with its extension:
	// "guides/setup.mdx", for links to a repository's files.
	FilePlaceholder = "{file}"
)

// SourceURLTemplate checks a source URL setting and returns the template
// it stands for: an http(s) URL with {path} or {file} in it, or a base URL
// to which "{path}" is appended. "" stays "" (no links from file paths).
func SourceURLTemplate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	probe := strings.NewReplacer(PathPlaceholder, "p", FilePlaceholder, "f").Replace(s)
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &url.Error{Op: "parse", URL: s, Err: errNotHTTP}
	}
	if !strings.Contains(s, PathPlaceholder) && !strings.Contains(s, FilePlaceholder) {
		if !strings.HasSuffix(s, "/") {
			s += "/"
		}
		s += PathPlaceholder
	}
	return s, nil
}

// errNotHTTP says a source URL is not an absolute web address.
var errNotHTTP = errors.New("want an http:// or https:// address, e.g. https://docs.example.com/{path}")

// linkDocuments gives every document and section an absolute URL when one
// can be known (see the comment at the top of this file), and drops
// anchors that have no page to belong to.
func linkDocuments(docs []Document, tmpl string) {
	for i := range docs {
		d := &docs[i]
		if d.URL == "" && tmpl != "" {
			d.URL = pageURL(*d, tmpl)
		}
		base, _, _ := strings.Cut(d.URL, "#")
		for k := range d.Sections {
			s := &d.Sections[k]
			if !strings.HasPrefix(s.URL, "#") {
				continue
			}
			if base == "" {
				s.URL = ""
			} else {
				s.URL = base + s.URL
			}
		}
	}
}

// pageURL fills tmpl for d.
func pageURL(d Document, tmpl string) string {
	p := strings.TrimSuffix(d.ID, path.Ext(d.ID))
	switch {
	case d.PagePath != "" && strings.HasPrefix(d.PagePath, "/"):
		// A site-absolute permalink: the page is at the site's root.
		if u, err := url.Parse(strings.NewReplacer(PathPlaceholder, "", FilePlaceholder, "").Replace(tmpl)); err == nil {
			return u.Scheme + "://" + u.Host + escapePath(d.PagePath)
		}
	case d.PagePath != "":
		p = strings.Trim(d.PagePath, "/")
	case d.Slug != "" && strings.HasPrefix(d.Slug, "/"):
		p = strings.Trim(d.Slug, "/")
	case d.Slug != "":
		if dir := path.Dir(p); dir != "." {
			p = dir + "/" + strings.Trim(d.Slug, "/")
		} else {
			p = strings.Trim(d.Slug, "/")
		}
	}
	return strings.NewReplacer(PathPlaceholder, escapePath(p), FilePlaceholder, escapePath(d.ID)).Replace(tmpl)
}

// escapePath escapes each element of a slash-separated path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// reHeadingID is an explicit heading id, "## Install {#install}", as
// Docusaurus, Hugo and Pandoc write it.
var reHeadingID = regexp.MustCompile(`\s*\{#([\w-]+)\}\s*$`)

// slugAnchor is the anchor a docs site (GitHub, Mintlify, Docusaurus)
// gives a heading: lower case, punctuation dropped, spaces as hyphens.
func slugAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

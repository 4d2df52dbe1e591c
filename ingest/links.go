package ingest

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"

	"github.com/faqbot/faqbot/corpus"
)

// withLink makes a fetched page carry its link, so that the corpus gives
// its document (and every passage) that URL: the page's file is the one
// place the link lives, whatever copies the folder or re-reads it later.
// A web page's reduced HTML carries its canonical link already, and so
// does a Git file with its own front-matter link; a Git file without one
// gets a front-matter "canonical" line (Markdown, MDX, plain text) or a
// ":canonical:" field (reStructuredText) added at the top. content is
// returned unchanged when it has a link, when link is empty, or when the
// added line would not give it (the page then has no link, as before).
func withLink(name string, content []byte, link string) []byte {
	if link == "" || !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") {
		return content
	}
	if doc, err := corpus.Parse(name, content); err != nil || doc.URL != "" {
		return content
	}
	// JSON's string form is a valid YAML and TOML string: a link with a
	// quote or a backslash in it stays one value.
	quoted, _ := json.Marshal(link)
	body, bom := bytes.CutPrefix(content, []byte("\uFEFF"))
	var out []byte
	switch strings.ToLower(path.Ext(name)) {
	case ".rst", ".rest":
		if strings.ContainsAny(link, "\r\n") {
			return content
		}
		out = append([]byte(":canonical: "+link+"\n\n"), body...)
	case ".md", ".markdown", ".mdx", ".txt":
		out = addFrontMatterLine(body, string(quoted))
	default:
		return content
	}
	if bom {
		out = append([]byte("\uFEFF"), out...)
	}
	if doc, err := corpus.Parse(name, out); err != nil || doc.URL != link {
		return content
	}
	return out
}

// addFrontMatterLine adds canonical: quoted to the front matter at the top
// of body (YAML between "---" lines, or TOML between "+++" lines), or
// starts a YAML block when there is none. The key is "canonical", not
// "url": a file's own relative url (a site path) stays as it was.
func addFrontMatterLine(body []byte, quoted string) []byte {
	first, rest, found := bytes.Cut(body, []byte("\n"))
	delim := strings.TrimSpace(string(first))
	if found && (delim == "---" || delim == "+++") && hasClosing(rest, delim) {
		line := "canonical: " + quoted
		if delim == "+++" {
			line = "canonical = " + quoted
		}
		out := append([]byte{}, first...)
		out = append(out, '\n')
		out = append(out, line...)
		out = append(out, '\n')
		return append(out, rest...)
	}
	return append([]byte("---\ncanonical: "+quoted+"\n---\n\n"), body...)
}

// hasClosing reports whether rest has a line that is delim alone, which
// closes a front-matter block.
func hasClosing(rest []byte, delim string) bool {
	for _, l := range strings.Split(string(rest), "\n") {
		if strings.TrimSpace(l) == delim {
			return true
		}
	}
	return false
}

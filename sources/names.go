package sources

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
)

// maxSlug is the longest readable part of a file name: with the hash and
// the extension a name stays well under the 100 characters the library
// accepts and a Discord autocomplete entry shows.
const maxSlug = 60

// pageExts are extensions a URL path may carry that say nothing about
// the file made from it.
var pageExts = map[string]bool{
	".html": true, ".htm": true, ".xhtml": true, ".shtml": true, ".php": true, ".asp": true,
	".aspx": true, ".jsp": true, ".md": true, ".markdown": true, ".mdx": true, ".rst": true, ".txt": true,
}

// pageName is the file name of a web page: its host and path made safe,
// a short hash of its key so that two keys never share a name, and ext.
// "https://docs.example.com/guide/install.html" ->
// "docs.example.com-guide-install-1a2b3c4d.html".
func pageName(key, ext string) string {
	base := key
	if u, err := url.Parse(key); err == nil {
		p := u.Path
		if pageExts[strings.ToLower(path.Ext(p))] {
			p = strings.TrimSuffix(p, path.Ext(p))
		}
		base = u.Hostname() + "/" + p
		if u.RawQuery != "" {
			base += "-" + u.RawQuery
		}
	}
	return slug(base) + "-" + shortHash(key) + ext
}

// gitName is the file name of a repository file: its path made flat and
// safe, a short hash of the path, and its own extension.
// "docs/guide/install.md" -> "docs-guide-install-1a2b3c4d.md".
func gitName(p string) string {
	ext := path.Ext(p)
	return slug(strings.TrimSuffix(p, ext)) + "-" + shortHash(p) + strings.ToLower(ext)
}

// slug keeps [A-Za-z0-9._-] and turns every other run of characters into
// one '-', trimmed and cut to maxSlug bytes; never empty, never hidden.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > maxSlug {
		out = strings.TrimRight(out[:maxSlug], "-.")
	}
	if out == "" {
		out = "page"
	}
	return out
}

// shortHash is 8 hex digits of the SHA-256 of s.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// sortedKeys returns m's keys in order, so results are deterministic.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

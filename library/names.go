package library

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/faqbot/faqbot/corpus"
)

// ErrBadName means a file name that cannot be used for a document: empty,
// too long, a path rather than a name, hidden, reserved, or without a
// supported extension.
var ErrBadName = errors.New("unusable file name")

// maxNameLen is the longest sanitised name, in bytes: enough for any real
// title, far below every file system's limit, and short enough to show in
// a Discord autocomplete entry (100 characters).
const maxNameLen = 100

// slashes are the characters that separate path elements somewhere, or
// look like one that does: a name holding one was made to look like a
// path, and is refused rather than guessed at. NFKC already folds the
// fullwidth forms (U+FF0F, U+FF3C) to '/' and '\'. Letters that merely
// resemble a slash in some fonts (katakana NO) are not refused: like every
// other character outside the whitelist they become '-'.
const slashes = "/\\:" +
	"\u2215" + // DIVISION SLASH
	"\u2044" + // FRACTION SLASH
	"\u29F8" + // BIG SOLIDUS
	"\u29F5" + // REVERSE SOLIDUS OPERATOR
	"\u29F9" + // BIG REVERSE SOLIDUS
	"\u2216" + // SET MINUS
	"\uFE68" + // SMALL REVERSE SOLIDUS
	"\u2571" + // BOX DRAWINGS LIGHT DIAGONAL UPPER RIGHT TO LOWER LEFT
	"\u2572" + // BOX DRAWINGS LIGHT DIAGONAL UPPER LEFT TO LOWER RIGHT
	"\uFF0F\uFF3C" // FULLWIDTH SOLIDUS and REVERSE SOLIDUS, should NFKC ever change

// windowsReserved are device names Windows will not create as files, with
// any extension; refused so that a corpus folder can be copied anywhere.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

// SanitizeName turns an uploaded file's name into a safe document name, or
// says why it cannot: the name is NFKC-normalised, must not be or look
// like a path (no slashes, backslashes, colons or their look-alikes, no
// NUL or control characters), accents are dropped, and every run of
// characters outside [A-Za-z0-9._-] becomes one '-', so "Opening hours
// (2025).md" is "Opening-hours-2025.md". Hidden names (a leading dot), Windows device
// names, names longer than maxNameLen and names without a supported
// extension (.txt, .md, .html, ...) are refused. Errors wrap ErrBadName,
// or corpus.ErrUnsupported for the extension.
func SanitizeName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty", ErrBadName)
	}
	for _, r := range name {
		if r == 0 || unicode.IsControl(r) {
			return "", fmt.Errorf("%w: control character in %q", ErrBadName, name)
		}
	}
	n := norm.NFKC.String(name)
	if strings.ContainsAny(n, slashes) {
		return "", fmt.Errorf("%w: %q is a path, not a file name", ErrBadName, name)
	}
	var b strings.Builder
	dash := false
	// Decomposed, an accented letter is its base letter and a combining
	// mark: dropping the mark keeps "Café" readable as "Cafe".
	for _, r := range norm.NFKD.String(n) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	clean := strings.Trim(b.String(), "-")
	ext := path.Ext(clean)
	stem := strings.TrimRight(strings.TrimSuffix(clean, ext), "-.")
	clean = stem + ext
	switch {
	case strings.HasPrefix(clean, "."):
		return "", fmt.Errorf("%w: %q is hidden or relative", ErrBadName, name)
	case !corpus.Supported(clean):
		return "", fmt.Errorf("%w: %q: use .txt, .md, .mdx, .rst or .html", corpus.ErrUnsupported, name)
	case stem == "":
		return "", fmt.Errorf("%w: %q has no name before the extension", ErrBadName, name)
	case len(clean) > maxNameLen:
		return "", fmt.Errorf("%w: longer than %d characters", ErrBadName, maxNameLen)
	}
	base, _, _ := strings.Cut(strings.ToLower(clean), ".")
	if windowsReserved[base] {
		return "", fmt.Errorf("%w: %q is a reserved device name", ErrBadName, name)
	}
	return clean, nil
}

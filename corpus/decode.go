package corpus

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// MaxFileSize is the largest file, in bytes, that is read: a bigger one is
// skipped as "too large", so that a stray dump in the corpus folder cannot
// exhaust memory. Real FAQ pages and articles are a few hundred kilobytes.
const MaxFileSize = 20 << 20

// Errors that say why a file gave no document. Skip.Reason is the text of
// one of them, so callers (a moderator's upload, the CLI) can branch with
// errors.Is and users read the same words.
var (
	// ErrEmpty means the file holds nothing but white space.
	ErrEmpty = errors.New("empty")
	// ErrBinary means the file is not text (NUL bytes or many control
	// characters).
	ErrBinary = errors.New("binary")
	// ErrEncoding means the file is neither UTF-8 nor plausible
	// Windows-1252/Latin-1 text.
	ErrEncoding = errors.New("unknown text encoding")
	// ErrTooLarge means the file is bigger than MaxFileSize.
	ErrTooLarge = errors.New("too large")
	// ErrNoText means nothing was left once site chrome was removed.
	ErrNoText = errors.New("no text after cleaning")
	// ErrUnsupported means the file's extension is not one Parse reads.
	ErrUnsupported = errors.New("unsupported file type")
	// ErrNoDocuments means a corpus folder held no loadable document.
	ErrNoDocuments = errors.New("no loadable documents")
)

const (
	// binaryControlShare: a file is binary when more than 1 byte in this
	// many is a control character other than tab, newline, carriage return
	// or form feed. Text editors never write them; even small binaries are
	// well above 5%.
	binaryControlShare = 20
	// legacyHighShare: undecodable bytes are read as Windows-1252 only when
	// fewer than 1 in this many bytes has the high bit set. Western European
	// text has a few accented letters per line; Cyrillic or CJK legacy
	// encodings are mostly high bytes and would decode to gibberish.
	legacyHighShare = 4
)

// decodeText turns raw file bytes into UTF-8 text, or says why it cannot:
// ErrTooLarge, ErrEmpty, ErrBinary or ErrEncoding. It is linear in the size
// of data.
func decodeText(data []byte) (string, error) {
	if len(data) > MaxFileSize {
		return "", ErrTooLarge
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		// UTF-16 is only recognisable by its byte-order mark; without
		// one its NUL bytes make it "binary", which is the honest answer.
		dec := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", ErrEncoding
		}
		data = out
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "", ErrEmpty
	}
	ctrl, high := 0, 0
	for _, b := range data {
		switch {
		case b == 0:
			return "", ErrBinary
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != '\v', b == 0x7F:
			ctrl++
		case b >= 0x80:
			high++
		}
	}
	if ctrl*binaryControlShare > len(data) {
		return "", ErrBinary
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	// Mostly UTF-8 with a few stray bytes (a truncated download, a pasted
	// fragment) is UTF-8: decoding it as Windows-1252 would garble every
	// accented letter to fix a handful of bytes.
	multi, invalid := 0, 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			multi++
		}
		i += n
	}
	if multi > invalid {
		return strings.ToValidUTF8(string(data), ""), nil
	}
	if high*legacyHighShare > len(data) {
		return "", ErrEncoding
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", ErrEncoding
	}
	return string(out), nil
}

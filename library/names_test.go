package library

import (
	"errors"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func TestSanitizeName(t *testing.T) {
	tests := []struct {
		in, want string
		err      error // when want is ""
	}{
		{"faq.md", "faq.md", nil},
		{"Opening hours (2025).md", "Opening-hours-2025.md", nil},
		{"Café menu.txt", "Cafe-menu.txt", nil}, // accents dropped
		{"ｆａｑ.md", "faq.md", nil},               // fullwidth letters fold to ASCII
		{"rules.HTML", "rules.HTML", nil},
		{"a..b.md", "a..b.md", nil},
		{"ノート.md", "", ErrBadName}, // nothing left of the stem
		{"../../etc/passwd", "", ErrBadName},
		{"/etc/passwd", "", ErrBadName},
		{"..\\..\\win.ini", "", ErrBadName},
		{"C:\\x.txt", "", ErrBadName},
		{"C:x.txt", "", ErrBadName},
		{"a/../../b.md", "", ErrBadName},
		{"sub/faq.md", "", ErrBadName},
		{"..／..／etc／passwd.md", "", ErrBadName}, // fullwidth solidus
		{"..＼win.md", "", ErrBadName},           // fullwidth reverse solidus
		{"..∕..∕etc∕passwd.md", "", ErrBadName}, // division slash
		{"..⁄secret.md", "", ErrBadName},        // fraction slash
		{"..⧸secret.md", "", ErrBadName},        // big solidus
		{"..∖secret.md", "", ErrBadName},        // set minus
		{"faq\x00.md", "", ErrBadName},
		{"faq.md\x00.png", "", ErrBadName},
		{"faq\n.md", "", ErrBadName},
		{"", "", ErrBadName},
		{".md", "", ErrBadName},
		{"..md", "", ErrBadName},
		{".hidden.md", "", ErrBadName},
		{"..", "", ErrBadName},
		{"...", "", ErrBadName},
		{"(((.md", "", ErrBadName},
		{"CON.md", "", ErrBadName},
		{"lpt1.txt", "", ErrBadName},
		{strings.Repeat("a", 200) + ".md", "", ErrBadName},
		{strings.Repeat("é", 5000) + ".md", "", ErrBadName},
		{"faq.pdf", "", corpus.ErrUnsupported},
		{"faq", "", corpus.ErrUnsupported},
		{"faq.md.exe", "", corpus.ErrUnsupported},
		{"faq.md ", "faq.md", nil}, // trailing space trimmed
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := SanitizeName(tt.in)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Errorf("SanitizeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("SanitizeName(%q) = %q, %v; want an error wrapping %v", tt.in, got, err, tt.err)
			}
		})
	}
}

// FuzzSanitizeName: whatever the input, an accepted name is a plain,
// visible, whitelisted file name.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"faq.md", "../x.md", "a／b.md", "ｆ.md", ".x.md", "C:\\a.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := SanitizeName(in)
		if err != nil {
			return
		}
		if got == "" || got[0] == '.' || len(got) > maxNameLen || !corpus.Supported(got) {
			t.Fatalf("SanitizeName(%q) = %q", in, got)
		}
		for _, r := range got {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				t.Fatalf("SanitizeName(%q) = %q holds %q", in, got, r)
			}
		}
	})
}

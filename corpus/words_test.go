package corpus

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// wordsReference is the first, rune-slice implementation of Words, kept to
// check the faster one against.
func wordsReference(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			w := b.String()
			b.Reset()
			if len([]rune(w)) > 1 || unicode.IsDigit([]rune(w)[0]) {
				out = append(out, w)
			}
		}
	}
	acronym := func(rs []rune) (string, int) {
		var letters []rune
		i := 0
		for i+1 < len(rs) && unicode.IsLetter(rs[i]) && rs[i+1] == '.' {
			letters = append(letters, unicode.ToLower(rs[i]))
			i += 2
		}
		if len(letters) < 2 || (i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))) {
			return "", 0
		}
		return string(letters), i
	}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if b.Len() == 0 {
			if word, n := acronym(rs[i:]); n > 0 {
				out = append(out, word)
				i += n - 1
				continue
			}
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0:
			flush()
			for i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
				i++
			}
		default:
			flush()
		}
	}
	flush()
	return out
}

func TestWordsMatchesReference(t *testing.T) {
	cases := []string{
		"", "a", "Ab", "U.S. and U.K. talks", "e.g. this", "U.S.A.B", "U.S.2", "Russia's plan, don't panic",
		"Зеленський said: running, ran, runs", "ÉCOLE École İstanbul ǅemal", "x1 2 a3b", "l'état d’esprit",
		"\xff\xfebad utf8 ok", "A.B.", "a.b.c.d", "end.", "'quoted' ’also’", "ΣΑΣ σας", "ﬁnal ligature",
	}
	alphabet := []rune("aZ09 .,'’-_Éé€ΣσİıЗз\u00a0\t\n.'")
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(24) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		if got, want := Words(c), wordsReference(c); !slices.Equal(got, want) {
			t.Fatalf("Words(%q) = %q, want %q", c, got, want)
		}
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"U.S. plans", "Russia's", "Ünïcödé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Words(s), wordsReference(s); !slices.Equal(got, want) {
			t.Fatalf("Words(%q) = %q, want %q", s, got, want)
		}
	})
}

package answer

import (
	"strings"
	"unicode"

	"github.com/faqbot/faqbot/corpus"
)

// kind is what a question asks for, read from its opening words; it lets
// the extractive answerer prefer a sentence that names someone for "who",
// or gives a figure for "how much".
type kind int

const (
	kindAny kind = iota
	kindPerson
	kindNumber
	kindTime
)

var kindOpeners = []struct {
	prefix string
	kind   kind
}{
	{"who ", kindPerson}, {"whom ", kindPerson}, {"whose ", kindPerson}, {"which official", kindPerson},
	{"which russian official", kindPerson}, {"which person", kindPerson},
	{"how much", kindNumber}, {"how many", kindNumber}, {"how long", kindNumber}, {"how big", kindNumber},
	{"how large", kindNumber}, {"how old", kindNumber}, {"what percentage", kindNumber},
	{"when ", kindTime}, {"what year", kindTime}, {"what date", kindTime}, {"what day", kindTime},
}

func askedFor(question string) kind {
	q := strings.ToLower(strings.TrimSpace(question))
	for _, o := range kindOpeners {
		if strings.HasPrefix(q, o.prefix) {
			return o.kind
		}
	}
	return kindAny
}

var numberWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "twelve": true, "twenty": true, "hundred": true,
	"thousand": true, "million": true, "billion": true, "trillion": true, "dozen": true, "half": true,
}

var monthWords = map[string]bool{
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
	"yesterday": true, "today": true, "tomorrow": true,
}

// satisfiedBy reports whether sentence has what the question asks for and
// the question itself does not already say: a new name, a number, a date.
func (k kind) satisfiedBy(sentence string, qterms []string) bool {
	if k == kindAny {
		return false
	}
	asked := map[string]bool{}
	for _, t := range qterms {
		asked[t] = true
	}
	fields := strings.Fields(sentence)
	for i, f := range fields {
		w := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w == "" {
			continue
		}
		low := strings.ToLower(w)
		switch k {
		case kindNumber:
			if strings.IndexFunc(w, unicode.IsDigit) >= 0 || numberWords[low] {
				return true
			}
		case kindTime:
			if monthWords[low] || (len(w) == 4 && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0) {
				return true
			}
		case kindPerson:
			// A capitalised word inside the sentence that the question did
			// not mention: most often a name.
			r := []rune(w)
			if i > 0 && len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) && !asked[corpus.Stem(low)] {
				return true
			}
		}
	}
	return false
}

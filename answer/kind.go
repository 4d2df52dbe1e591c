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
	kindReason
)

var kindOpeners = []struct {
	prefix string
	kind   kind
}{
	{"who ", kindPerson}, {"whom ", kindPerson}, {"whose ", kindPerson},
	{"why ", kindReason}, {"how come ", kindReason}, {"what is the reason", kindReason}, {"what's the reason", kindReason},
	{"how much", kindNumber}, {"how many", kindNumber}, {"how long", kindNumber}, {"how big", kindNumber},
	{"how large", kindNumber}, {"how old", kindNumber}, {"what percentage", kindNumber},
	{"when ", kindTime}, {"what year", kindTime}, {"what date", kindTime}, {"what day", kindTime},
}

// personNouns make a "which …" or "what …" question ask for a person:
// "which Russian official", "what minister".
var personNouns = map[string]bool{
	"official": true, "officials": true, "person": true, "people": true, "minister": true, "leader": true,
	"leaders": true, "diplomat": true, "ambassador": true, "president": true, "spokesperson": true,
	"secretary": true, "negotiator": true, "negotiators": true, "member": true, "members": true,
	"author": true, "maintainer": true, "team": true, "company": true, "companies": true,
}

func askedFor(question string) kind {
	q := strings.ToLower(strings.TrimSpace(question))
	for _, o := range kindOpeners {
		if strings.HasPrefix(q, o.prefix) {
			return o.kind
		}
	}
	if words := strings.Fields(q); len(words) > 1 && (words[0] == "which" || words[0] == "what") {
		for _, w := range words[1:min(len(words), 4)] {
			if personNouns[strings.Trim(w, "?,.")] {
				return kindPerson
			}
		}
	}
	return kindAny
}

// reasonMarkers are the words with which a sentence gives a reason.
var reasonMarkers = []string{"because", "since ", "so that", "reason", "due to", "in order to", "therefore", "as a result", "so as to"}

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
	switch k {
	case kindAny:
		return false
	case kindReason:
		low := strings.ToLower(sentence)
		for _, m := range reasonMarkers {
			if strings.Contains(low, m) {
				return true
			}
		}
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
			// Two capitalised words in a row that the question did not
			// mention, "John Sullivan", are most often a name.
			if i+1 < len(fields) && nameWord(w, asked) && nameWord(strings.TrimFunc(fields[i+1], notLetter), asked) {
				return true
			}
		}
	}
	return false
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// notNames are capitalised words that, in pairs, name institutions rather
// than people ("the United States", "Foreign Ministry").
var notNames = map[string]bool{
	"united": true, "states": true, "state": true, "department": true, "foreign": true, "ministry": true,
	"minister": true, "secretary": true, "president": true, "house": true, "council": true, "union": true,
	"nations": true, "general": true, "deputy": true, "white": true, "the": true, "federal": true,
	"national": true, "european": true, "security": true, "prime": true,
}

func nameWord(w string, asked map[string]bool) bool {
	r := []rune(w)
	if len(r) < 2 || !unicode.IsUpper(r[0]) || !unicode.IsLower(r[1]) {
		return false
	}
	low := strings.ToLower(w)
	return !notNames[low] && !asked[corpus.Stem(low)]
}

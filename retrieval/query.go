package retrieval

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"

	"github.com/faqbot/faqbot/corpus"
)

// A member's question is analysed into slots: one per word the member
// meant, each with the terms that would satisfy it and the credit each
// earns. "is xray allowed or nah" gives a slot for "xray" (satisfied by
// the corpus's "X-ray", indexed joined) and one for "allowed"; "nah" is
// chat filler and gives none. A slot is covered once, by its best
// alternative present in a passage, so spelling a word two ways never
// counts twice.

// Credits of the kinds of alternative, as shares of the slot's weight. The
// member's own word, a shorthand spelled out and a compound joined or
// split are what the member typed and earn full credit; a spelling
// correction is a guess, and a stem variant ("respons"/"respond") may be
// another word, so both earn less. Expansions from an Expander (synonyms)
// earn what the expander says, capped below the member's own words.
const (
	typedCredit      = 1.0
	correctionCredit = 0.8
	maxExpandCredit  = 0.8
)

// Expansion is another way to say one of a member's words, proposed by
// an Expander (a synonym, a derived form, another name of the same place).
type Expansion struct {
	// Terms are the expansion's analysed terms (corpus.Terms); a passage
	// must hold all of them.
	Terms []string
	// From is the member's word it stands for, lowercase as corpus.Words
	// gives it, or several such words joined by spaces for a name of more
	// than one word ("united states").
	From string
	// Weight is the credit a passage holding Terms earns, where the
	// member's own word earns 1: in (0, 1), and capped at 0.8 so that
	// expansions never count as much as the words the member typed.
	Weight float64
}

// Expander proposes expansions for a question: words is the question as
// corpus.Words gives it, and inCorpus reports whether the corpus holds an
// analysed term, so that only expansions the corpus can match need be
// returned. It must be safe for concurrent use.
//
// Name identifies the expander and its data (a word table's version): an
// index is calibrated with the expander it searches with (BuildOptions,
// LoadOptions), and measured again when the name changes.
type Expander interface {
	Expand(words []string, inCorpus func(term string) bool) []Expansion
	Name() string
}

// expanderName is exp's name, "" for none.
func expanderName(exp Expander) string {
	if exp == nil {
		return ""
	}
	return exp.Name()
}

// altKind says where an alternative came from, for explanations.
type altKind uint8

const (
	altTyped altKind = iota
	altShorthand
	altCompound
	altSpelling
	altCorrection
	altExpansion
)

func (k altKind) String() string {
	return [...]string{"typed", "shorthand", "compound", "spelling", "correction", "expansion"}[k]
}

// alt is one way to satisfy a slot: terms that must all be in the passage.
type alt struct {
	terms  []string
	credit float64
	kind   altKind
}

// slot is one word (or compound) of the question.
type slot struct {
	word string // as typed, lowercase
	alts []alt  // best credit first
}

// query is an analysed question.
type query struct {
	// embed is the text given to the embedder: the question with chat
	// shorthand spelled out.
	embed string
	slots []slot
}

// QueryTerm describes one slot of an analysed question, for explanations
// (`faqbot ask --explain`) and tests.
type QueryTerm struct {
	// Word is the member's word.
	Word string
	// Terms lists the alternatives that can satisfy it, each as its
	// analysed terms joined by "+", with its credit and kind, e.g.
	// "xray (1.00 typed)".
	Terms []string
	// Share is the slot's part of the question's weight in Coverage: a
	// passage without the word loses that much coverage.
	Share float64
	// InCorpus is false when no alternative occurs in the corpus: such a
	// word weighs as much as the rarest word, since a question about
	// something the corpus never mentions is likely not about the corpus.
	InCorpus bool
}

// Analyze is how the index reads a question: one QueryTerm per word that
// counts, in the question's order after compounds are joined, as Search
// weighs them. It is what `faqbot ask --explain` shows, so that a coverage
// can be traced to the words behind it.
func (ix *Index) Analyze(question string) (terms []QueryTerm, err error) {
	// The vocabulary is read in place from the index's shards, which may
	// be mapped files (see SearchWith).
	defer runtime.KeepAlive(ix)
	err = guard(func() error {
		terms = ix.analyze(question)
		return nil
	})
	return terms, err
}

func (ix *Index) analyze(question string) []QueryTerm {
	q := analyzeQuery(question, ix.lex, ix.exp)
	out := make([]QueryTerm, len(q.slots))
	var total float64
	for i, sl := range q.slots {
		w := ix.lex.coverageWeight(sl)
		total += w
		_, rep := ix.lex.slotWeight(sl)
		qt := QueryTerm{Word: sl.word, Share: w, InCorpus: ix.lex.hasAll(rep.terms)}
		for _, a := range sl.alts {
			qt.Terms = append(qt.Terms, fmt.Sprintf("%s (%.2f %s)", strings.Join(a.terms, "+"), a.credit, a.kind))
		}
		out[i] = qt
	}
	for i := range out {
		if total > 0 {
			out[i].Share /= total
		}
	}
	return out
}

// vocab is what analysis needs to know of the corpus: whether it uses a
// term, how often, and which terms are spelled nearly like a word.
type vocab interface {
	has(term string) bool
	df(term string) int
	// near calls yield with the terms starting with first whose length
	// is within d runes of n, until yield returns false.
	near(first rune, n, d int, yield func(term string, runes []rune) bool)
}

// analyzeQuery turns a question into slots against the corpus's
// vocabulary.
func analyzeQuery(text string, v vocab, exp Expander) query {
	toks := tokenize(text)
	q := query{embed: spellOut(text)}
	used := make([]bool, len(toks))

	// Compounds first: a hyphenated or slashed word ("sign-up"), or two
	// adjacent words whose join the corpus uses ("sign up" against
	// "signup", "10 gb" against "10GB").
	for i := 0; i+1 < len(toks); i++ {
		a, b := toks[i], toks[i+1]
		if used[i] || a.chat() || b.chat() {
			continue
		}
		jt := termsOf(a.raw + b.raw)
		if len(jt) != 1 || (!b.joined && !v.has(jt[0])) {
			continue
		}
		parts := append(termsOf(a.word), termsOf(b.word)...)
		// The words as typed come first: they decide the slot's weight
		// (see bm25.slotWeight), which should be that of what the member
		// wrote ("set up", two common words), not of the rarer joined
		// form the corpus happens to use.
		s := slot{word: a.raw + sepOf(b) + b.raw}
		if len(parts) > 0 {
			s.alts = append(s.alts, alt{terms: parts, credit: typedCredit, kind: altTyped})
		}
		s.alts = append(s.alts, alt{terms: jt, credit: typedCredit, kind: altCompound})
		q.slots = append(q.slots, s)
		used[i], used[i+1] = true, true
		i++
	}
	for i, t := range toks {
		if used[i] || t.filler() {
			continue
		}
		if s, ok := wordSlot(t.raw, v); ok {
			q.slots = append(q.slots, s)
		}
	}
	if exp != nil {
		q.slots = addExpansions(q.slots, exp.Expand(corpus.Words(text), v.has))
	}
	// Drop repeated slots ("refund refund") and sort each slot's
	// alternatives by credit, typed first among equals.
	out := q.slots[:0]
	for _, s := range q.slots {
		slices.SortStableFunc(s.alts, func(a, b alt) int {
			switch {
			case a.credit > b.credit:
				return -1
			case a.credit < b.credit:
				return 1
			}
			return 0
		})
		if !slices.ContainsFunc(out, func(o slot) bool { return slices.Equal(o.alts[0].terms, s.alts[0].terms) }) {
			out = append(out, s)
		}
	}
	q.slots = out
	return q
}

// wordSlot analyses one word: its own term, the spelled-out shorthand, a
// digits-and-unit split ("10gb"), British and American spellings, a split
// of a joined word the corpus writes apart, and a correction of a slip.
func wordSlot(w string, v vocab) (slot, bool) {
	s := slot{word: w}
	add := func(terms []string, credit float64, kind altKind) {
		if len(terms) == 0 {
			return
		}
		for _, a := range s.alts {
			if slices.Equal(a.terms, terms) {
				return
			}
		}
		s.alts = append(s.alts, alt{terms: terms, credit: credit, kind: kind})
	}
	own := termsOf(w)
	if long, ok := shorthand[w]; ok {
		lt := termsOf(long)
		if len(lt) == 0 {
			return s, false // "pls", "rn": nothing to search for
		}
		add(lt, typedCredit, altShorthand)
	}
	if len(own) == 0 {
		return s, len(s.alts) > 0
	}
	if len(own) == 1 && fillerTerm(own[0]) {
		return s, false
	}
	add(own, typedCredit, altTyped)
	known := func(ts []string) bool {
		for _, t := range ts {
			if !v.has(t) {
				return false
			}
		}
		return true
	}
	if known(own) {
		return s, true
	}
	// The word as typed is not in the corpus: look for what the member
	// meant.
	if num, unit, ok := splitNumber(w); ok {
		add(append([]string{num}, termsOf(unitName(unit))...), typedCredit, altCompound)
	}
	for _, sp := range spellings(w) {
		if t := termsOf(sp); len(t) > 0 && known(t) {
			add(t, typedCredit, altSpelling)
		}
	}
	if parts, ok := splitJoined(w, v); ok {
		add(parts, typedCredit, altCompound)
	}
	if base, ok := stripPrefix(w, v); ok {
		add([]string{base}, correctionCredit, altCorrection)
	}
	if len(s.alts) == 1 && len(own) == 1 {
		if c, ok := correct(own[0], v); ok {
			add([]string{c}, correctionCredit, altCorrection)
		}
	}
	return s, true
}

// addExpansions adds each expansion to the slot of the member's word it
// stands for, weighted below the member's own words. An expansion of a
// name of several words ("united states" -> america) first merges those
// words' slots into one, which a passage satisfies with all the words or
// with the expansion.
func addExpansions(slots []slot, exps []Expansion) []slot {
	find := func(w string) int {
		return slices.IndexFunc(slots, func(s slot) bool { return s.word == w })
	}
	for _, e := range exps {
		from := strings.Fields(e.From)
		if len(e.Terms) == 0 || e.Weight <= 0 || len(from) == 0 {
			continue
		}
		i := find(e.From)
		if i < 0 && len(from) > 1 {
			var idx []int
			for _, w := range from {
				if j := find(w); j >= 0 && !slices.Contains(idx, j) {
					idx = append(idx, j)
				}
			}
			if len(idx) > 0 {
				merged := slot{word: e.From}
				var all []string
				for _, j := range idx {
					all = append(all, slots[j].alts[0].terms...)
				}
				merged.alts = append(merged.alts, alt{terms: all, credit: typedCredit, kind: altTyped})
				slices.Sort(idx)
				for k := len(idx) - 1; k >= 0; k-- {
					slots = slices.Delete(slots, idx[k], idx[k]+1)
				}
				slots = append(slots, merged)
				i = len(slots) - 1
			}
		} else if i < 0 {
			i = find(from[0])
		}
		if i < 0 {
			continue
		}
		slots[i].alts = append(slots[i].alts, alt{terms: slices.Clone(e.Terms), credit: min(e.Weight, maxExpandCredit), kind: altExpansion})
	}
	return slots
}

// termsOf is corpus.Terms of one word, without conversational fillers.
func termsOf(w string) []string {
	var out []string
	for _, t := range corpus.Terms(w) {
		if !fillerTerm(t) {
			out = append(out, t)
		}
	}
	return out
}

// token is one word of a question.
type token struct {
	raw    string // lowercase, as typed
	word   string // raw, or the shorthand's spelling
	joined bool   // attached to the previous word by a hyphen or slash
}

// filler reports whether the token carries no search content of its own.
func (t token) filler() bool { return len(termsOf(t.word)) == 0 }

// chat reports whether the token is chat shorthand for nothing ("pls",
// "lol"), which never starts or ends a compound.
func (t token) chat() bool {
	long, ok := shorthand[t.raw]
	return ok && len(termsOf(long)) == 0
}

func sepOf(t token) string {
	if t.joined {
		return "-"
	}
	return " "
}

// tokenize splits a question into lowercase words, keeping whether each
// was joined to the one before by a hyphen or slash ("X-ray", "sign-up",
// "w/o"). Within a part, words are corpus.Words (dotted acronyms one word,
// possessive tails dropped); a one-letter part of a compound is kept,
// since "x" of "X-ray" matters there.
func tokenize(text string) []token {
	var out []token
	for _, field := range strings.Fields(text) {
		parts := strings.FieldsFunc(field, func(r rune) bool { return r == '-' || r == '/' || r == '‐' })
		for i, p := range parts {
			ws := corpus.Words(p)
			if len(ws) == 0 && len(parts) > 1 {
				if l := strings.ToLower(strings.TrimFunc(p, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })); len([]rune(l)) == 1 {
					ws = []string{l}
				}
			}
			for j, w := range ws {
				t := token{raw: w, word: w, joined: i > 0 && j == 0}
				if long, ok := shorthand[w]; ok {
					t.word = long
				}
				out = append(out, t)
			}
		}
	}
	return out
}

// compoundJoins finds pairs of words joined by a hyphen or slash in text
// ("X-ray", "sign-up", "w/o"), lowercase, in order. A chain "a-b-c" gives
// (a, b) and (b, c).
func compoundJoins(text string) [][2]string {
	var out [][2]string
	rs := []rune(text)
	word := func(i int) (string, int) { // the letter/digit run starting at i
		j := i
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
			j++
		}
		return strings.ToLower(string(rs[i:j])), j
	}
	for i := 0; i < len(rs); {
		if !(unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i])) {
			i++
			continue
		}
		a, j := word(i)
		for j+1 < len(rs) && (rs[j] == '-' || rs[j] == '/' || rs[j] == '‐') &&
			(unicode.IsLetter(rs[j+1]) || unicode.IsDigit(rs[j+1])) {
			b, k := word(j + 1)
			out = append(out, [2]string{a, b})
			a, j = b, k
		}
		i = j
	}
	return out
}

// compoundTerms lists the joined forms of a passage's hyphenated words
// ("X-ray" gives "xray", "sign-up" "signup"), so that a member who types
// them joined finds them. Pure numbers ("2023-24") are skipped.
func compoundTerms(text string) []string {
	var out []string
	for _, c := range compoundJoins(text) {
		if isDigits(c[0]) && isDigits(c[1]) {
			continue
		}
		if ts := corpus.Terms(c[0] + c[1]); len(ts) == 1 {
			out = append(out, ts[0])
		}
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// splitNumber splits "10gb" into "10" and "gb", "5mins" into "5" and
// "mins".
func splitNumber(w string) (num, unit string, ok bool) {
	i := 0
	for i < len(w) && (w[i] >= '0' && w[i] <= '9' || w[i] == '.') {
		i++
	}
	if i == 0 || i == len(w) {
		return "", "", false
	}
	for _, r := range w[i:] {
		if !unicode.IsLetter(r) {
			return "", "", false
		}
	}
	return w[:i], w[i:], true
}

// unitName spells out a unit abbreviation, or returns it unchanged.
func unitName(u string) string {
	if long, ok := units[u]; ok {
		return long
	}
	return u
}

// units spells out the abbreviations of common units.
var units = map[string]string{
	"s": "seconds", "sec": "seconds", "secs": "seconds", "ms": "milliseconds",
	"m": "minutes", "min": "minutes", "mins": "minutes", "h": "hours", "hr": "hours", "hrs": "hours",
	"d": "days", "wk": "weeks", "wks": "weeks", "mo": "months", "yr": "years", "yrs": "years",
	"k": "thousand", "kb": "kb", "mb": "mb", "gb": "gb", "tb": "tb", "x": "times",
}

// splitJoined splits a word the corpus does not use into two words it
// does ("signup" against "sign up", "loadout" against "load out"),
// returning their content terms. Each half must be at least three letters
// or a stop word, so that "cannot" is not read as "can not" by accident
// of a corpus that uses "not"; only the second half may be a stop word (a
// particle, as in "signup").
func splitJoined(w string, v vocab) ([]string, bool) {
	rs := []rune(w)
	if len(rs) < 5 {
		return nil, false
	}
	best, bestScore := []string(nil), 0
	for i := 2; i <= len(rs)-2; i++ {
		a, b := string(rs[:i]), string(rs[i:])
		var parts []string
		ok := true
		for k, p := range []string{a, b} {
			if english.IsStopWord(p) {
				if k == 0 {
					// A stop word leads: "nobody", "download",
					// "online" are not a body, a load or a line.
					// Only a trailing particle drops ("signup",
					// "loadout").
					ok = false
					break
				}
				continue
			}
			t := corpus.Terms(p)
			if len([]rune(p)) < 3 || len(t) != 1 || !v.has(t[0]) {
				ok = false
				break
			}
			parts = append(parts, t[0])
		}
		if !ok || len(parts) == 0 {
			continue
		}
		// Prefer the split with the longer short half.
		if sc := min(len([]rune(a)), len([]rune(b))); sc > bestScore {
			best, bestScore = parts, sc
		}
	}
	return best, best != nil
}

// prefixes are the English prefixes that turn a word into its opposite or
// repetition ("unbanned", "reapply", "disallowed"): a question about being
// unbanned is about bans.
var prefixes = []string{"un", "re", "dis", "de", "non", "mis", "pre"}

// stripPrefix finds the word under a prefix when the corpus uses it and
// not the prefixed word.
func stripPrefix(w string, v vocab) (string, bool) {
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(w, p)
		if !ok || len([]rune(rest)) < 3 {
			continue
		}
		rest = strings.TrimPrefix(rest, "-")
		if t := corpus.Terms(rest); len(t) == 1 && v.has(t[0]) {
			return t[0], true
		}
	}
	return "", false
}

// spellings gives the other national spellings of an English word:
// organise/organize, colour/color, centre/center, travelled/traveled.
func spellings(w string) []string {
	var out []string
	swap := func(from, to string) {
		if i := strings.LastIndex(w, from); i > 0 {
			out = append(out, w[:i]+to+w[i+len(from):])
		}
	}
	for _, p := range [][2]string{
		{"ise", "ize"}, {"ize", "ise"}, {"isi", "izi"}, {"izi", "isi"}, {"isa", "iza"}, {"iza", "isa"},
		{"yse", "yze"}, {"yze", "yse"}, {"our", "or"}, {"tre", "ter"}, {"ter", "tre"},
		{"ll", "l"}, {"ogue", "og"}, {"og", "ogue"}, {"ence", "ense"}, {"ense", "ence"},
	} {
		swap(p[0], p[1])
	}
	return out
}

// Spelling correction: a word the corpus does not use is matched to the
// corpus term nearest it in edit distance (adjacent swaps count as one
// edit), when that is one edit for a word of at least minCorrect letters
// and two for one of at least minCorrect2. Shorter words are left alone:
// "world" is one edit from "word", and short words are real words more
// often than slips. The first letter must agree: slips there are rare,
// and it keeps the scan of the vocabulary cheap.
const (
	minCorrect  = 6
	minCorrect2 = 8
)

// correct returns the corpus term a slip most likely meant: the nearest
// one, the most frequent among equally near ones.
func correct(t string, v vocab) (string, bool) {
	rs := []rune(t)
	if len(rs) < minCorrect || isDigits(t) {
		return "", false
	}
	maxD := 1
	if len(rs) >= minCorrect2 {
		maxD = 2
	}
	best, bestD, bestDF := "", maxD+1, 0
	v.near(rs[0], len(rs), maxD, func(c string, cr []rune) bool {
		if len(cr) < minCorrect-1 {
			return true
		}
		d := editDistance(rs, cr, maxD)
		if d > maxD {
			return true
		}
		if df := v.df(c); d < bestD || (d == bestD && (df > bestDF || (df == bestDF && c < best))) {
			best, bestD, bestDF = c, d, df
		}
		return true
	})
	return best, best != ""
}

// editDistance is the optimal-string-alignment distance of a and b (an
// adjacent swap is one edit), or a value above maxD as soon as it must
// exceed maxD.
func editDistance(a, b []rune, maxD int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > maxD {
			return maxD + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// spellOut replaces chat shorthand in a question by the words it stands
// for, for the embedder: "is the server down rn" becomes "is the server
// down now".
func spellOut(text string) string {
	var b strings.Builder
	rs := []rune(text)
	changed := false
	for i := 0; i < len(rs); {
		if !unicode.IsLetter(rs[i]) && !unicode.IsDigit(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
			j++
		}
		w := string(rs[i:j])
		if long, ok := shorthand[strings.ToLower(w)]; ok {
			w, changed = long, true
		}
		b.WriteString(w)
		i = j
	}
	if !changed {
		return text
	}
	return b.String()
}

// shorthand spells out the abbreviations and chat spellings members type.
// It is a table of general English chat usage, not of any one community's
// words; an empty or stop-word spelling marks a word that carries nothing
// to search for.
var shorthand = map[string]string{
	"u": "you", "ur": "your", "r": "are", "y": "why", "k": "ok", "n": "and", "b": "be", "c": "see",
	"pls": "please", "plz": "please", "plez": "please", "pleas": "please",
	"thx": "thanks", "thnx": "thanks", "ty": "thanks", "tysm": "thanks",
	"rn": "now", "atm": "now", "asap": "soon", "tmrw": "tomorrow", "tmr": "tomorrow", "2moro": "tomorrow",
	"2day": "today", "tonite": "tonight", "b4": "before", "l8r": "later",
	"ppl": "people", "peeps": "people", "tourny": "tournament", "tourney": "tournament",
	"msg": "message", "msgs": "messages", "pic": "picture", "pics": "pictures", "vid": "video", "vids": "videos",
	"pw": "password", "pwd": "password", "acct": "account", "convo": "conversation", "bday": "birthday",
	"info": "information", "prob": "problem", "probs": "problems", "diff": "difference", "govt": "government",
	"bc": "because", "cuz": "because", "coz": "because",
	"abt": "about", "wat": "what", "wut": "what", "wht": "what", "hw": "how", "whats": "what is",
	"cant": "cannot", "dont": "do not", "wont": "will not", "doesnt": "does not", "isnt": "is not", "im": "I am",
	"ive": "I have", "idk": "", "tbh": "", "imo": "", "imho": "", "btw": "", "fyi": "", "lol": "", "lmao": "",
	// Contractions typed without the apostrophe. Left as typed, such a
	// word is one the corpus never uses and counts against every passage
	// as the rarest word would. Those that are words of their own
	// ("ill", "well", "were", "its", "lets") are not here.
	"theres": "there is", "thats": "that is", "heres": "here is", "whens": "when is", "wheres": "where is",
	"whos": "who is", "hows": "how is", "youre": "you are", "theyre": "they are", "didnt": "did not",
	"wasnt": "was not", "werent": "were not", "arent": "are not", "couldnt": "could not",
	"shouldnt": "should not", "wouldnt": "would not", "hasnt": "has not", "havent": "have not",
	"hadnt": "had not", "aint": "is not", "youve": "you have", "weve": "we have", "theyve": "they have",
	"youll": "you will", "theyll": "they will", "itll": "it will",
	"lmk": "", "ngl": "", "smh": "", "omg": "", "nah": "", "yeah": "", "ya": "you",
	"yep": "", "ok": "", "okay": "", "hii": "", "bro": "", "bruh": "", "dude": "", "guys": "", "yall": "",
	"gonna": "going to", "wanna": "want to", "gotta": "have to", "kinda": "", "sorta": "",
	"dm": "direct message", "dms": "direct messages", "vc": "voice chat", "irl": "in real life",
	"w": "with", "bf": "boyfriend", "gf": "girlfriend", "mins": "minutes", "hrs": "hours", "secs": "seconds",
}

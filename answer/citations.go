package answer

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faqbot/faqbot/prompts"
)

// Citation checking for LLM answers. The model cites the prompt's sources
// as [n]; what the user sees must cite only sources that exist, numbered
// 1..m in the order the answer first cites them, matching the sources list
// shown under it. The same left-to-right pass serves the stream: run over
// the text so far, it yields a prefix of what it yields over the whole
// text, minus a held-back tail (trailing spaces, a marker not yet closed),
// so a front end can show the partial text and never take any of it back.
//
// Markers understood: [1], [1][2], [1, 2], [1,2], [1; 2], [1 and 2] and
// ranges [1-3] (or with an en dash), written out as [1][2][3]; the styles
// models pick up elsewhere, [Source 1], [source: 2], [Sources 1, 3],
// [^1], and in parentheses with a source word, (source 1) or (Quelle 2),
// are normalised to the same. A number that is no source is dropped with
// the spaces before it; a number repeated within one run of adjacent
// markers is written once. Brackets inside `code` spans are left alone.

// Limits of marker parsing: a bracket holding more than this many
// characters is prose, not a citation, and a wider range is a typo.
const (
	maxMarkerLen = 40
	maxRange     = 20
)

// citeResult is an answer's text after its markers were checked.
type citeResult struct {
	// text is the answer with markers renumbered and invalid ones removed.
	text string
	// cited holds prompt source numbers (from 1) in order of first
	// citation: cited[i] is shown as [i+1].
	cited []int
	// stable is how much of text more input cannot change; len(text) for
	// a final result.
	stable int
}

// checkCitations rewrites the markers of raw, an answer to a prompt of
// nSources sources. With final false raw is a stream's text so far: a
// trailing "[" that may still become a marker stops the pass there.
func checkCitations(raw string, nSources int, final bool) citeResult {
	raw = strings.TrimLeftFunc(raw, unicode.IsSpace)
	out := make([]byte, 0, len(raw))
	shown := map[int]int{} // prompt number -> number shown
	var cited []int
	run := map[int]bool{} // numbers shown in the current run of adjacent markers
	inCode := false
	// glued is set when a dropped marker leaves the text ending in an
	// unclosed "[" and digits, as "[1[9]2]" and "[0[0]]]" do: the "]"s that
	// would close it are dropped too, or the answer would show a [12] or
	// [0] that cites nothing (found by FuzzCitationMarkers).
	glued := false
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '`':
			// A backtick opens a code span only when another closes it, as
			// in Markdown; otherwise "` [7]" would show a [7] that is no
			// source. A stream holds back from an unclosed one until it
			// knows.
			if !inCode && strings.IndexByte(raw[i+1:], '`') < 0 {
				if !final {
					return citeResult{text: string(out), cited: cited, stable: len(out)}
				}
			} else {
				inCode = !inCode
			}
			out = append(out, c)
			clear(run)
			glued = false
			i++
		case (c == '[' || c == '(') && !inCode:
			glued = false
			n, nums, complete := parseMarker(raw[i:])
			if !complete && !final {
				return citeResult{text: string(out), cited: cited, stable: len(out)}
			}
			if n == 0 {
				out = append(out, c)
				clear(run)
				i++
				continue
			}
			wrote := false
			for _, p := range nums {
				if p < 1 || p > nSources {
					continue
				}
				s, ok := shown[p]
				if !ok {
					cited = append(cited, p)
					s = len(cited)
					shown[p] = s
				}
				if run[s] {
					continue
				}
				run[s] = true
				out = append(out, '[')
				out = strconv.AppendInt(out, int64(s), 10)
				out = append(out, ']')
				wrote = true
			}
			if !wrote {
				// "claim [9]." reads "claim." once the marker is gone.
				out = []byte(strings.TrimRight(string(out), " \t"))
				glued = endsInOpenMarker(out)
			}
			i += n
		default:
			if glued {
				if c == ']' && endsInOpenMarker(out) {
					i++
					continue
				}
				if !isMarkerByte(c) {
					glued = false
				}
			}
			if len(out) == 0 {
				// Spaces after a dropped leading marker: the answer
				// starts at its first word.
				if r, size := utf8.DecodeRuneInString(raw[i:]); unicode.IsSpace(r) {
					i += size
					continue
				}
			}
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				clear(run)
			}
			out = append(out, c)
			i++
		}
	}
	return citeResult{text: string(out), cited: cited, stable: len(out)}
}

// endsInOpenMarker reports whether out ends in "[" followed only by
// characters a marker may hold, so that a following "]" would close
// something that looks like a citation.
func endsInOpenMarker(out []byte) bool {
	for j := len(out) - 1; j >= 0; j-- {
		if out[j] == '[' {
			return true
		}
		if !isMarkerByte(out[j]) {
			return false
		}
	}
	return false
}

// isMarkerByte reports whether c may appear inside a marker: digits,
// letters (of a source word), separators, and the bytes of an en dash.
func isMarkerByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		strings.IndexByte(" \t,;-:#.^&", c) >= 0 || c == 0xE2 || c == 0x80 || c == 0x93
}

// parseMarker reads a citation marker at the start of s (which starts with
// "[" or "("). It returns the marker's length and the numbers it cites, or
// n == 0 when s does not start with one. complete is false when s ends
// before the marker could be told apart from prose.
func parseMarker(s string) (n int, nums []int, complete bool) {
	closer, paren := ']', false
	if s[0] == '(' {
		closer, paren = ')', true
	}
	for j := 1; j < len(s) && j <= maxMarkerLen; {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == closer:
			nums, ok := markerNumbers(s[1:j], paren, true)
			if !ok {
				return 0, nil, true
			}
			return j + 1, nums, true
		case isMarkerRune(r):
			j += size
		default:
			return 0, nil, true
		}
	}
	if len(s) <= maxMarkerLen {
		// Ended inside the bracket: a marker only if what came so far
		// can still become one.
		if _, ok := markerNumbers(s[1:], paren, false); ok {
			return 0, nil, false
		}
	}
	return 0, nil, true
}

// isMarkerRune reports whether r may appear inside a marker.
func isMarkerRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) && r < utf8.RuneSelf || r == '–' ||
		r < utf8.RuneSelf && strings.IndexByte(" \t,;-:#.^&", byte(r)) >= 0
}

// sourceWords name a source before its number, as models write "[Source
// 2]", "(source 2)" or "[Quelle 2]": in the languages of the answers faqbot
// is most often asked for. Lowercase.
var sourceWords = map[string]bool{
	"source": true, "sources": true, "src": true, "ref": true, "refs": true, "reference": true, "references": true,
	"citation": true, "cite": true, "doc": true, "document": true, "passage": true,
	"fuente": true, "fuentes": true, "fonte": true, "fontes": true, "référence": true, "réf": true,
	"quelle": true, "quellen": true, "bron": true, "bronnen": true, "źródło": true, "kilde": true, "källa": true,
	"источник": true, "источники": true, "kaynak": true, "出典": true, "来源": true, "來源": true, "出处": true, "출처": true,
}

// listWords join two numbers of a marker, as a comma does: "[1 and 2]".
var listWords = map[string]bool{"and": true, "et": true, "y": true, "e": true, "und": true, "en": true, "og": true, "och": true, "i": true, "и": true}

// markerNumbers parses the inside of a marker: numbers and ranges joined by
// commas, semicolons, "&" or a word such as "and", each optionally named
// by a source word ("Source 1, Source 2"), the whole optionally led by "^"
// (a footnote) or "#". In parentheses a source word is required, since
// "(1)" is how lists number their items. ok is false for anything else.
// With final false, inner is a marker's start: ok says whether it can
// still become one (its last word may be cut short).
func markerNumbers(inner string, paren, final bool) (nums []int, ok bool) {
	type token struct {
		kind byte // 'w' word, 'n' number, or the punctuation itself
		text string
	}
	var toks []token
	for i := 0; i < len(inner); {
		r, size := utf8.DecodeRuneInString(inner[i:])
		j := i + size
		switch {
		case r == ' ' || r == '\t':
		case unicode.IsLetter(r):
			for j < len(inner) {
				r2, s2 := utf8.DecodeRuneInString(inner[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, token{'w', inner[i:j]})
		case r >= '0' && r <= '9':
			for j < len(inner) && inner[j] >= '0' && inner[j] <= '9' {
				j++
			}
			toks = append(toks, token{'n', inner[i:j]})
		case r == '–':
			toks = append(toks, token{'-', "-"})
		case r < utf8.RuneSelf && strings.IndexByte(",;-:#.^&", byte(r)) >= 0:
			toks = append(toks, token{byte(r), string(r)})
		default:
			return nil, false
		}
		i = j
	}
	named := false     // a source word was seen
	wantNum := true    // a number may come next (start, or after a separator)
	afterWord := false // the last token was a source word
	rangeFrom := -1    // the number before a "-", or -1
	for i, t := range toks {
		last := i == len(toks)-1
		switch t.kind {
		case 'w':
			w := strings.ToLower(t.text)
			switch {
			case !final && last && (wantNum || len(nums) > 0) && startsWord(w):
				// A word being written: "[Sou" may become "[Source 1]".
				named = named || sourceWords[w]
			case wantNum && rangeFrom < 0 && sourceWords[w]:
				named, afterWord = true, true
				continue
			case !wantNum && listWords[w]:
				wantNum = true
			default:
				return nil, false
			}
		case 'n':
			if !wantNum {
				return nil, false
			}
			n, err := markerNumber(t.text)
			if err != nil {
				return nil, false
			}
			if rangeFrom >= 0 {
				a := nums[len(nums)-1]
				if n < a || n-a > maxRange {
					return nil, false
				}
				for k := a + 1; k <= n; k++ {
					nums = append(nums, k)
				}
				rangeFrom = -1
			} else {
				nums = append(nums, n)
			}
			wantNum = false
		case ',', ';', '&':
			if wantNum {
				return nil, false
			}
			wantNum = true
		case '-':
			if wantNum {
				return nil, false
			}
			wantNum, rangeFrom = true, len(nums)-1
		case ':', '.':
			if !afterWord {
				return nil, false
			}
		case '#':
			if !wantNum {
				return nil, false
			}
		case '^':
			if i != 0 || paren {
				return nil, false
			}
		}
		afterWord = false
	}
	if !final {
		return nil, true
	}
	if len(nums) == 0 || rangeFrom >= 0 || paren && !named {
		return nil, false
	}
	return nums, true
}

// startsWord reports whether w is the start of a source or list word.
func startsWord(w string) bool {
	for s := range sourceWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	for s := range listWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// markerNumber parses one number of a marker. Digits too many for an int
// are a number too, one that is no source (0), so that the marker is
// dropped rather than shown as "[99999999999999999999]".
func markerNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) && s[0] != '+' && s[0] != '-' {
		return 0, nil
	}
	return n, err
}

// firstSentenceMax bounds the text searched for the end of the first
// sentence: a refusal is said up front, in one short sentence.
const firstSentenceMax = 300

// firstSentence returns the first sentence of text and whether it is
// known to be complete: it ends at ".", "!" or "?" followed by white
// space, or at a line break. With final set, the whole text is complete.
func firstSentence(text string, final bool) (string, bool) {
	limit := min(len(text), firstSentenceMax)
	for i := 0; i < limit; i++ {
		switch text[i] {
		case '\n':
			return text[:i], true
		case '.', '!', '?':
			if i+1 < len(text) && unicode.IsSpace(rune(text[i+1])) {
				return text[:i+1], true
			}
		}
	}
	if len(text) >= firstSentenceMax {
		return text[:firstSentenceMax], true
	}
	return text, final
}

// refusalRE matches the ways a model says the sources do not answer: the
// sentence the prompt asks for (prompts.DontKnow) and common paraphrases.
var refusalRE = regexp.MustCompile(`i (?:don't|do not) know|` +
	`i (?:couldn't|could not|can't|cannot|can not|was unable to|am unable to) (?:find|answer|tell|determine)|` +
	`i (?:don't|do not) have (?:enough |any )?information|` +
	`(?:the|these) (?:provided |given )?(?:sources?|faq|documents?|passages?) (?:don't|do not|doesn't|does not) (?:contain|mention|say|cover|provide|answer|include|address|specify)|` +
	`(?:not|isn't|is not) (?:mentioned|covered|addressed|answered|included) in the (?:provided |given )?(?:sources?|faq)|` +
	`there is no information`)

// looksLikeRefusal reports whether a first sentence says the sources do
// not answer. A cited first sentence is an answer, whatever its words.
func looksLikeRefusal(first string) bool {
	s := strings.ToLower(strings.ReplaceAll(first, "’", "'"))
	s = strings.Join(strings.Fields(s), " ")
	return refusalRE.MatchString(s) && !citedRE.MatchString(first)
}

var citedRE = regexp.MustCompile(`\[\d+\]`)

// minClaimWords is the shortest answer that counts as making claims: an
// uncited "Hello!" or "Thanks." is not ungrounded, an uncited "The fee is
// 80 euros." is.
const minClaimWords = 4

// makesClaims reports whether text says enough to need a citation.
func makesClaims(text string) bool { return len(strings.Fields(text)) >= minClaimWords }

// llmText is the outcome of checking an LLM answer.
type llmText struct {
	text    string
	cited   []int
	refused bool
}

// finalText checks a complete answer. It is a refusal when it starts with
// the refusal marker (prompts.RefusalMarker, in any case, emphasis or
// spacing), or cites nothing and either holds the marker anywhere or opens
// with an English refusal. Elsewhere in an answer that cites, the marker
// is removed: the model refused part of the question and answered the
// rest.
func finalText(raw string, nSources int) llmText {
	r := checkCitations(validUTF8(raw), nSources, true)
	text := strings.TrimSpace(r.text)
	first, _ := firstSentence(text, true)
	if opensWithMarker(text) || len(r.cited) == 0 && (holdsMarker(text) || looksLikeRefusal(first)) {
		return llmText{refused: true}
	}
	return llmText{text: strings.TrimSpace(withoutMarker(text)), cited: r.cited}
}

// partialText is what may be shown of a streamed answer so far: "" until
// it cites a source (an answer that cites nothing may still end in the
// refusal marker, and a refusal's final text is RefusalText, not what the
// model wrote) and its first sentence is complete and does not start a
// refusal; then the checked text up to the held-back tail, which includes
// anything that may be the start of the marker. It is always a prefix of
// finalText(raw+rest).text for any rest, unless that answer is a refusal,
// in which case it is "".
func partialText(raw string, nSources int) string {
	if i := lastRuneStart(raw); !utf8.FullRuneInString(raw[i:]) {
		raw = raw[:i] // a rune cut between two deltas
	}
	r := checkCitations(validUTF8(raw), nSources, false)
	if len(r.cited) == 0 {
		return ""
	}
	vis := r.text[:r.stable]
	vis = vis[:len(vis)-markerPrefixLen(vis)]
	vis = strings.TrimRightFunc(withoutMarker(vis), unicode.IsSpace)
	first, complete := firstSentence(vis, false)
	if !complete || looksLikeRefusal(first) || opensWithMarker(strings.TrimSpace(r.text)) {
		return ""
	}
	return vis
}

// openingMarkerRE matches the refusal marker where it opens an answer, allowing
// the spellings models drift to: "NOT IN FAQ", "not_in_the_faq".
var openingMarkerRE = regexp.MustCompile(`(?i)^not[_ ]in[_ ](?:the[_ ])?faq\b`)

// opensWithMarker reports whether text starts with the refusal marker,
// after any emphasis, quotes or spaces.
func opensWithMarker(text string) bool {
	t := strings.TrimLeftFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return openingMarkerRE.MatchString(t)
}

// holdsMarker reports whether text holds the refusal marker anywhere.
func holdsMarker(text string) bool { return indexMarker(text) >= 0 }

// indexMarker is the index of the first refusal marker in text, in any
// case, or -1. (The marker is ASCII, so a byte-wise comparison is exact;
// upper-casing text instead would move the indexes of letters such as ß.)
func indexMarker(text string) int {
	m := prompts.RefusalMarker
	for i := 0; i+len(m) <= len(text); i++ {
		if strings.EqualFold(text[i:i+len(m)], m) {
			return i
		}
	}
	return -1
}

// withoutMarker removes every refusal marker from text, with the spaces
// before it.
func withoutMarker(text string) string {
	for {
		i := indexMarker(text)
		if i < 0 {
			return text
		}
		text = strings.TrimRight(text[:i], " \t") + text[i+len(prompts.RefusalMarker):]
	}
}

// markerPrefixLen is the length of the longest tail of text that is a
// proper start of the refusal marker ("NOT_I"), which a stream must hold
// back until it knows.
func markerPrefixLen(text string) int {
	for n := min(len(prompts.RefusalMarker)-1, len(text)); n > 0; n-- {
		if strings.EqualFold(text[len(text)-n:], prompts.RefusalMarker[:n]) {
			return n
		}
	}
	return 0
}

// validUTF8 replaces invalid bytes, which a Discord message cannot carry.
// A model's text arrives as decoded JSON and is valid already; this keeps
// other ChatModels from breaking the prefix promise of partialText.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// lastRuneStart is the index where the last (possibly incomplete) rune of
// s starts.
func lastRuneStart(s string) int {
	i := max(len(s)-1, 0)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

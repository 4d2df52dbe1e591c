package answer

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Citation checking for LLM answers. The model cites the prompt's sources
// as [n]; what the user sees must cite only sources that exist, numbered
// 1..m in the order the answer first cites them, matching the sources list
// shown under it. The same left-to-right pass serves the stream: run over
// the text so far, it yields a prefix of what it yields over the whole
// text, minus a held-back tail (trailing spaces, a marker not yet closed),
// so a front end can show the partial text and never take any of it back.
//
// Markers understood: [1], [1][2], [1, 2], [1,2], [1; 2] and ranges
// [1-3] (or with an en dash), written out as [1][2][3]. A number that is no
// source is dropped with the spaces before it; a number repeated within
// one run of adjacent markers is written once. Brackets inside `code`
// spans are left alone.

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
		case c == '[' && !inCode:
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
// separators, and the bytes of an en dash.
func isMarkerByte(c byte) bool {
	return c >= '0' && c <= '9' || strings.IndexByte(" \t,;-", c) >= 0 || c == 0xE2 || c == 0x80 || c == 0x93
}

// parseMarker reads a citation marker at the start of s (which starts with
// "["). It returns the marker's length and the numbers it cites, or n == 0
// when s does not start with one. complete is false when s ends before the
// marker could be told apart from prose.
func parseMarker(s string) (n int, nums []int, complete bool) {
	for j := 1; j < len(s) && j <= maxMarkerLen; {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == ']':
			nums := markerNumbers(s[1:j])
			if len(nums) == 0 {
				return 0, nil, true
			}
			return j + 1, nums, true
		case r >= '0' && r <= '9', r == ' ', r == ',', r == ';', r == '-', r == '–':
			j += size
		default:
			return 0, nil, true
		}
	}
	if len(s) <= maxMarkerLen {
		// Ended inside the bracket.
		return 0, nil, false
	}
	return 0, nil, true
}

// markerNumbers parses the inside of a marker: numbers and ranges
// separated by commas or semicolons. It returns nil for anything else.
func markerNumbers(inner string) []int {
	var nums []int
	for _, part := range strings.FieldsFunc(inner, func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		a, err := markerNumber(strings.TrimSpace(lo))
		if err != nil {
			return nil
		}
		if !isRange {
			nums = append(nums, a)
			continue
		}
		b, err := markerNumber(strings.TrimSpace(hi))
		if err != nil || b < a || b-a > maxRange {
			return nil
		}
		for k := a; k <= b; k++ {
			nums = append(nums, k)
		}
	}
	return nums
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

// finalText checks a complete answer.
func finalText(raw string, nSources int) llmText {
	r := checkCitations(validUTF8(raw), nSources, true)
	text := strings.TrimSpace(r.text)
	first, _ := firstSentence(text, true)
	if len(r.cited) == 0 && looksLikeRefusal(first) {
		return llmText{refused: true}
	}
	return llmText{text: text, cited: r.cited}
}

// partialText is what may be shown of a streamed answer so far: "" until
// its first sentence is complete and is not the start of a refusal (whose
// final text is RefusalText, not what the model wrote), then the checked
// text up to the held-back tail. It is always a prefix of
// finalText(raw+rest).text for any rest, unless that answer is a refusal,
// in which case it is "".
func partialText(raw string, nSources int) string {
	if i := lastRuneStart(raw); !utf8.FullRuneInString(raw[i:]) {
		raw = raw[:i] // a rune cut between two deltas
	}
	r := checkCitations(validUTF8(raw), nSources, false)
	vis := strings.TrimRightFunc(r.text[:r.stable], unicode.IsSpace)
	first, complete := firstSentence(vis, false)
	if !complete || looksLikeRefusal(first) {
		return ""
	}
	return vis
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

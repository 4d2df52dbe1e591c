package answer

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// markerRE finds what a reader takes for a citation: a bracketed number.
// A bracket holding maxMarkerLen characters or more is prose by design
// (parseMarker stops looking there), and nobody reads a 40-digit number
// as a source.
var markerRE = regexp.MustCompile(`\[(\d{1,` + strconv.Itoa(maxMarkerLen-1) + `})\]`)

// outsideCode returns the parts of text that are not code spans, as a
// Markdown renderer shows them: a backtick opens a span only when another
// one closes it.
func outsideCode(text string) []string {
	parts := strings.Split(text, "`")
	var out []string
	for i, p := range parts {
		if i%2 == 0 || i == len(parts)-1 {
			out = append(out, p)
		}
	}
	return out
}

// checkCited checks the promise users rely on: every [n] shown outside
// code is one of the answer's citations, 1..len(cited), and every
// citation listed is used in the text.
func checkCited(t *testing.T, raw string, nSources int) {
	t.Helper()
	res := finalText(raw, nSources)
	if res.refused {
		if res.text != "" || len(res.cited) != 0 {
			t.Fatalf("refusal with text %q and citations %v", res.text, res.cited)
		}
		return
	}
	used := map[int]bool{}
	for _, part := range outsideCode(res.text) {
		for _, m := range markerRE.FindAllStringSubmatch(part, -1) {
			n, err := strconv.Atoi(m[1])
			if err != nil || n < 1 || n > len(res.cited) {
				t.Fatalf("finalText(%q, %d) = %q shows %s with %d citations %v", raw, nSources, res.text, m[0], len(res.cited), res.cited)
			}
			used[n] = true
		}
	}
	for i, p := range res.cited {
		if p < 1 || p > nSources {
			t.Fatalf("finalText(%q, %d): citation %d points at source %d of %d", raw, nSources, i+1, p, nSources)
		}
		if !used[i+1] {
			t.Fatalf("finalText(%q, %d) = %q lists citation [%d] but never shows it", raw, nSources, res.text, i+1)
		}
	}
}

// TestCitedMarkersOnly covers the ways a model reply (careless or
// hostile) could make an answer show a [n] that is no listed source.
func TestCitedMarkersOnly(t *testing.T) {
	for _, raw := range []string{
		"Ten days [7].",                        // more sources than given
		"Ten days [1]. And `[7]` in code.",     // code span: shown as code
		"A stray ` backtick, then [7] and [1]", // unclosed backtick is no code span
		"Nested [1[9]2] marker.",               // dropping [9] must not glue [12]
		"Nested [[9]1] marker.",                // nor make a [1] nobody cited
		"Spaced [1 [9]] marker.",
		"Deep [1[9][8]2] marker [2].",
	} {
		t.Run(raw, func(t *testing.T) {
			checkCited(t, raw, 2)
			checkPrefixes(t, raw, 2)
		})
	}
}

// FuzzCitationMarkers checks checkCited on arbitrary model replies, and
// that streaming them shows only prefixes of the final text. Run longer
// with
//
//	go test ./answer -run '^$' -fuzz '^FuzzCitationMarkers$' -fuzztime 90s
func FuzzCitationMarkers(f *testing.F) {
	for _, s := range []string{
		"Ten days [1]. Fee [2, 3].", "Fee [3-1] and [1–2] [0] [01] [1][1] [2]",
		"a `[1]` b [1-2] c [9] d.", "x ` [7] y", "[1[9]2]", "[[9]1]", "[1 [9]]",
		"I don't know [1", "Yes [1]\n[2] no", "[9] [1]", "  [4]  lead",
		"[1,\t2; 3–4]", "[99999999999999999999]", "<think>[7]</think> ok [1].",
		"Ten days (source 2) [Sources 1 and 3] [^2] [#1].", "(Quelle 9) [Source 1[9]]", "[source 1 (source 2)]",
		"NOT_IN_FAQ", "Fee [1]. NOT_IN_FAQ", "Fee [1] not_in_fa", "**Not in the FAQ**",
	} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, raw string, n int) {
		if n < 0 || n > 30 || len(raw) > 400 {
			return
		}
		checkCited(t, raw, n)
		checkPrefixes(t, raw, n)
	})
}

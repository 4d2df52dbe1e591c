package config

import (
	"sort"
	"strings"
)

// Prefix starts the name of every faqbot-only setting. A name with it that
// is no setting is almost surely a typo, which would otherwise be ignored
// without a word.
const Prefix = "FAQBOT_"

// maxTypoDistance is the largest edit distance at which a setting is
// offered as the one meant: enough for a dropped or swapped underscore or
// letter or two (FAQBOT_TOPK, FAQBOT_LOG_LEVLE), not so much that any
// short name suggests an unrelated one.
const maxTypoDistance = 3

// Unknown is a name that looks like a setting but is none.
type Unknown struct {
	// Name is the name as given.
	Name string
	// DidYouMean is the closest setting's name, or "" when none is close.
	DidYouMean string
}

// UnknownNames returns the names that start with Prefix but are no
// setting, sorted, each with the setting it most likely means. Names
// without the prefix belong to other programs and are left alone.
func UnknownNames(names []string) []Unknown {
	known := map[string]bool{}
	for _, s := range Settings() {
		known[s.Env] = true
	}
	var out []Unknown
	seen := map[string]bool{}
	for _, n := range names {
		if !strings.HasPrefix(n, Prefix) || known[n] || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, Unknown{Name: n, DidYouMean: closest(n)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// closest returns the setting nearest to name, counting a name that only
// adds the prefix to a setting without it (FAQBOT_DISCORD_TOKEN) as a
// match, or "" when none is within maxTypoDistance.
func closest(name string) string {
	best, bestD := "", maxTypoDistance+1
	for _, s := range Settings() {
		d := editDistance(name, s.Env)
		if !strings.HasPrefix(s.Env, Prefix) {
			d = min(d, editDistance(strings.TrimPrefix(name, Prefix), s.Env))
		}
		if d < bestD {
			best, bestD = s.Env, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (setting names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package bot

import (
	"slices"
	"strings"

	"github.com/faqbot/faqbot/answer"
)

const (
	// minSecretLen: shorter configured values are not scrubbed; they
	// would match ordinary words, and no real key or token is that short.
	minSecretLen = 8
	// minTokenPartLen: a bot token is three dot-separated parts; each
	// part this long (the user ID in base64, the HMAC) is scrubbed on its
	// own too, as a model may quote one.
	minTokenPartLen = 16
	// minSecretStart is the shortest start of a secret that a streamed
	// partial answer may not end with: the rest could follow in the next
	// piece.
	minSecretStart = 4
	// redacted replaces a secret.
	redacted = "[redacted]"
)

// scrubber takes secrets (the bot token, API keys) out of answers before
// they are shown or stored: a model that was told one, or a document that
// holds one, must not make the bot post it.
type scrubber struct{ secrets []string }

// newScrubber scrubs the token, its parts and every other secret long
// enough to be one.
func newScrubber(token string, others []string) scrubber {
	var s []string
	add := func(v string, min int) {
		if v = strings.TrimSpace(v); len(v) >= min && !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	add(token, minSecretLen)
	for _, part := range strings.Split(token, ".") {
		add(part, minTokenPartLen)
	}
	for _, v := range others {
		add(v, minSecretLen)
	}
	// Longest first, so a whole token goes before its parts.
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return scrubber{secrets: s}
}

// text replaces every secret in t.
func (s scrubber) text(t string) string {
	for _, v := range s.secrets {
		if strings.Contains(t, v) {
			t = strings.ReplaceAll(t, v, redacted)
		}
	}
	return t
}

// partial is text for an answer still being written: it also drops a
// tail that is the start of a secret, which the next piece may complete.
func (s scrubber) partial(t string) string {
	t = s.text(t)
	for _, v := range s.secrets {
		for n := min(len(v)-1, len(t)); n >= minSecretStart; n-- {
			if strings.HasSuffix(t, v[:n]) {
				t = t[:len(t)-n]
				break
			}
		}
	}
	return t
}

// answer scrubs an answer's text, the passages it cites and the entries
// it offers (a refusal's suggestions, a tentative answer's alternatives):
// an offered entry is shown by its title and answered from by its passage
// when a member picks it.
func (s scrubber) answer(a answer.Answer) answer.Answer {
	if len(s.secrets) == 0 {
		return a
	}
	a.Text = s.text(a.Text)
	if len(a.Citations) > 0 {
		cs := slices.Clone(a.Citations)
		for i := range cs {
			cs[i].Passage = s.text(cs[i].Passage)
			cs[i].Snippet = s.text(cs[i].Snippet)
			cs[i].Title = s.text(cs[i].Title)
			cs[i].DocTitle = s.text(cs[i].DocTitle)
		}
		a.Citations = cs
	}
	a.Suggestions = s.offers(a.Suggestions)
	a.Alternatives = s.offers(a.Alternatives)
	return a
}

// offers scrubs offered entries' titles and passages.
func (s scrubber) offers(ss []answer.Suggestion) []answer.Suggestion {
	if len(ss) == 0 {
		return ss
	}
	ss = slices.Clone(ss)
	for i := range ss {
		ss[i].Passage = s.text(ss[i].Passage)
		ss[i].Title = s.text(ss[i].Title)
		ss[i].DocTitle = s.text(ss[i].DocTitle)
	}
	return ss
}

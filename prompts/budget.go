package prompts

import (
	"fmt"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// Counter counts the tokens of a text.
type Counter interface {
	Count(text string) int
}

// Encoding is the tokenizer DefaultCounter uses. cl100k_base is what
// gpt-4o's predecessors and most embedding models use; o200k_base (gpt-4o)
// counts English within a few percent of it, and local models' own
// tokenizers differ by more than that anyway, so a budget is an estimate
// whatever the choice.
const Encoding = "cl100k_base"

// tokenizer loads the BPE ranks from data compiled into the binary, once.
//
// tiktoken-go keeps its loader in a package-global variable whose default
// downloads the ranks from the internet on first use; tiktoken.SetBpeLoader
// is the only way to change it. Setting it here is acceptable because it is
// done exactly once, before the first encoding is requested, nothing else
// in faqbot uses tiktoken-go, and the value set (the offline loader) is the
// one every caller in this process wants. The *Tiktoken built from it is
// immutable and safe for concurrent use, and costs a few hundred
// milliseconds to build, so it is built on first use and then shared.
var tokenizer = sync.OnceValues(func() (*tiktoken.Tiktoken, error) {
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
	enc, err := tiktoken.GetEncoding(Encoding)
	if err != nil {
		return nil, fmt.Errorf("loading the %s tokenizer: %w", Encoding, err)
	}
	return enc, nil
})

// TokenCounter counts tokens with the Encoding tokenizer.
type TokenCounter struct{ enc *tiktoken.Tiktoken }

// DefaultCounter returns the shared Encoding counter, loading the
// tokenizer on the first call (a few hundred milliseconds) and never
// touching the network.
func DefaultCounter() (*TokenCounter, error) {
	enc, err := tokenizer()
	if err != nil {
		return nil, err
	}
	return &TokenCounter{enc: enc}, nil
}

// Count returns the number of tokens in text. Special tokens such as
// "<|endoftext|>" are counted as ordinary text.
func (c *TokenCounter) Count(text string) int { return len(c.enc.EncodeOrdinary(text)) }

// ApproxCounter estimates tokens as one per four bytes, OpenAI's rule of
// thumb for English. It is the fallback when the tokenizer cannot load.
type ApproxCounter struct{}

// Count estimates the tokens in text.
func (ApproxCounter) Count(text string) int { return (len(text) + 3) / 4 }

// Fit returns the highest-ranked sources whose blocks fit in budget
// tokens, in their given order, each with Rank set to its index in
// sources. A source that does not fit is skipped and lower-ranked, shorter
// ones are still tried, so the budget is used rather than wasted. The
// first source is always kept: if it alone is over budget its text is cut
// to fit, because an answer from part of the best passage beats none.
func Fit(sources []Source, budget int, c Counter) []Source {
	var out []Source
	used := 0
	for i, s := range sources {
		s.Rank = i
		n := c.Count(block(len(out)+1, s))
		if i == 0 && n > budget {
			s.Text = trimToFit(s, budget, c)
			n = c.Count(block(1, s))
		}
		if i > 0 && used+n > budget {
			continue
		}
		out = append(out, s)
		used += n
	}
	return out
}

// block is a source as answer.tmpl lays it out, for counting. An override
// template may differ by a few tokens per source; the budget is an
// estimate anyway.
func block(n int, s Source) string {
	return "\n\n[" + strconv.Itoa(n) + "] " + oneLine(Neutralise(s.Title)) + " (source: " + oneLine(Neutralise(s.Doc)) + ")\n" + Neutralise(s.Text)
}

// trimToFit returns the longest word-boundary prefix of s.Text whose block
// fits in budget tokens, by binary search over the word ends (O(log n)
// counts), with an ellipsis marking the cut.
func trimToFit(s Source, budget int, c Counter) string {
	ends := wordEnds(s.Text)
	fits := func(k int) bool {
		t := s
		t.Text = s.Text[:ends[k]] + "…"
		return c.Count(block(1, t)) <= budget
	}
	lo, hi := 0, len(ends)-1 // invariant: ends[lo] fits or lo == 0
	if hi < 0 {
		return s.Text
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return s.Text[:ends[lo]] + "…"
}

// wordEnds returns the byte offsets just after each word of s.
func wordEnds(s string) []int {
	var ends []int
	in := false
	for i, r := range s {
		space := unicode.IsSpace(r)
		if in && space {
			ends = append(ends, i)
		}
		in = !space
	}
	if in {
		ends = append(ends, len(s))
	}
	if len(ends) == 0 && s != "" {
		_, n := utf8.DecodeRuneInString(s)
		ends = append(ends, n)
	}
	return ends
}

var (
	_ Counter = (*TokenCounter)(nil)
	_ Counter = ApproxCounter{}
)

package answer

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// Limits of an extractive answer: a few sentences read as an answer, more
// read as a pasted article. The character cap keeps it well inside one
// Discord message with its sources.
const (
	maxSentences       = 3
	maxSentencesPerHit = 2
	maxAnswerChars     = 700
	minSentenceChars   = 20
	sentenceDupJaccard = 0.6
	snippetChars       = 160
	faqLeadBonus       = 0.15 // an FAQ answer's first sentence usually is the answer
	sentenceBaseWeight = 0.35 // a sentence of a top passage is worth something even with few query words
)

type candidate struct {
	hit      int // rank of the passage in hits
	pos      int // position of the sentence in the passage
	text     string
	terms    map[string]bool
	coverage float64
	score    float64
}

// extractive answers from the hits alone: it picks the sentences that best
// cover the question's terms, favouring higher-ranked passages, and cites
// each one. Every citation points at one of hits, by construction.
func extractive(question, query string, hits []retrieval.Hit) Answer {
	qterms := uniqueTerms(query)
	kind := askedFor(question)
	cands := sentenceCandidates(hits)
	if lead := faqLead(cands, hits, qterms); lead != nil {
		return compose(question, query, hits, lead)
	}
	weights := termWeights(qterms, cands)
	var total float64
	for _, t := range qterms {
		total += weights[t]
	}
	top := hits[0].Score
	for i := range cands {
		c := &cands[i]
		var got float64
		for _, t := range qterms {
			if hasTerm(c.terms, t) {
				got += weights[t]
			}
		}
		if total > 0 {
			c.coverage = got / total
		}
		h := hits[c.hit]
		// The passage's rank weighs in, but only by half: a sentence that
		// answers better in the second passage should beat a vague one in
		// the first.
		rel := 0.5 + 0.5*h.Score/top
		c.score = rel * (sentenceBaseWeight + c.coverage)
		if c.pos == 0 && isFAQ(h.Chunk) {
			c.score += faqLeadBonus * rel
		}
		if c.coverage > 0 && kind.satisfiedBy(c.text, qterms) {
			c.score += kindBonus * rel
		}
		// A passage well below the best one may still hold a sentence that
		// answers better, but only when that sentence is on the question.
		if h.Score < secondaryRatio*top && c.coverage < secondaryCoverage {
			c.score = 0
		}
	}
	chosen := choose(cands)
	return compose(question, query, hits, chosen)
}

// faqLead answers from the top passage alone when it is an FAQ entry whose
// question matches the one asked: the entry's opening sentences are its
// answer, written to be read in order, and better than any sentences
// picked from around the corpus. It returns nil otherwise.
func faqLead(cands []candidate, hits []retrieval.Hit, qterms []string) []candidate {
	top := hits[0].Chunk
	if !isFAQ(top) || len(qterms) == 0 {
		return nil
	}
	tt := termSet(top.Title)
	matched := 0
	for _, t := range qterms {
		if hasTerm(tt, t) {
			matched++
		}
	}
	if float64(matched) < faqTitleMatch*float64(len(qterms)) {
		return nil
	}
	var lead []candidate
	chars := 0
	for _, c := range cands {
		if c.hit != 0 {
			break
		}
		if len(lead) > 0 && (len(lead) >= faqLeadSentences || chars+len(c.text) > maxAnswerChars) {
			break
		}
		lead = append(lead, c)
		chars += len(c.text)
	}
	return lead
}

// sentenceCandidates splits each passage into sentences. A code block
// stays whole and joins the sentence that introduces it ("…as follows:"),
// since either alone answers nothing.
func sentenceCandidates(hits []retrieval.Hit) []candidate {
	var cands []candidate
	for i, h := range hits {
		var units []string
		for _, par := range strings.Split(h.Chunk.Text, "\n\n") {
			if strings.TrimSpace(par) == "" {
				continue
			}
			if isCode(par) {
				block := "\n```\n" + strings.Trim(par, "\n") + "\n```\n"
				if n := len(units); n > 0 && strings.HasSuffix(units[n-1], ":") && len(par) <= maxCodeChars {
					units[n-1] += block
				}
				continue // a code block with no lead-in is not an answer
			}
			units = append(units, splitSentences(par)...)
		}
		for j, s := range units {
			cands = append(cands, candidate{hit: i, pos: j, text: s, terms: termSet(s)})
		}
	}
	return cands
}

// isCode reports whether a paragraph looks like program text: several lines
// most of which end in code punctuation or are indented, rather than in
// the full stop of prose.
func isCode(par string) bool {
	lines := strings.Split(strings.Trim(par, "\n"), "\n")
	if len(lines) < 2 {
		return false
	}
	code := 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") || strings.ContainsAny(t[len(t)-1:], "{}();,") || strings.Contains(t, "//") || strings.Contains(t, ":=") {
			code++
		}
	}
	return code*2 >= len(lines)
}

// hasTerm matches a query term against a sentence's terms, exactly or by
// a shared stem prefix: Snowball leaves "response" as "respons" and
// "responded" as "respond", which are the same word to a reader.
func hasTerm(terms map[string]bool, t string) bool {
	if terms[t] {
		return true
	}
	if len(t) < prefixMatch {
		return false
	}
	for s := range terms {
		if len(s) >= prefixMatch && s[:prefixMatch] == t[:prefixMatch] {
			return true
		}
	}
	return false
}

// termWeights gives rarer query terms more weight, counted over the
// candidate sentences: a word in every sentence tells none of them apart.
func termWeights(qterms []string, cands []candidate) map[string]float64 {
	w := make(map[string]float64, len(qterms))
	n := float64(len(cands))
	for _, t := range qterms {
		df := 0.0
		for _, c := range cands {
			if hasTerm(c.terms, t) {
				df++
			}
		}
		w[t] = math.Log(1 + (n+1)/(df+1))
	}
	return w
}

func choose(cands []candidate) []candidate {
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cands[order[a]].score > cands[order[b]].score })

	var chosen []candidate
	perHit := map[int]int{}
	chars := 0
	for _, i := range order {
		c := cands[i]
		if len(chosen) >= maxSentences {
			break
		}
		// The best sentence is always taken; the rest must say something
		// about the question and add to what is already there.
		if len(chosen) > 0 {
			if c.score == 0 || c.coverage == 0 || len(c.text) < minSentenceChars || perHit[c.hit] >= maxSentencesPerHit {
				continue
			}
			if chars+len(c.text) > maxAnswerChars || repeats(c, chosen) {
				continue
			}
		}
		chosen = append(chosen, c)
		perHit[c.hit]++
		chars += len(c.text)
	}
	// Read in the order the sources give: best passage first, and within a
	// passage in its own order.
	sort.SliceStable(chosen, func(a, b int) bool {
		if chosen[a].hit != chosen[b].hit {
			return chosen[a].hit < chosen[b].hit
		}
		return chosen[a].pos < chosen[b].pos
	})
	return chosen
}

func repeats(c candidate, chosen []candidate) bool {
	for _, o := range chosen {
		if jaccard(c.terms, o.terms) >= sentenceDupJaccard {
			return true
		}
	}
	return false
}

func compose(question, query string, hits []retrieval.Hit, chosen []candidate) Answer {
	a := Answer{Question: question, Query: query, Mode: ModeExtractive, Grounded: true}
	num := map[int]int{}
	var b strings.Builder
	for _, c := range chosen {
		n, ok := num[c.hit]
		if !ok {
			n = len(num) + 1
			num[c.hit] = n
			a.Citations = append(a.Citations, citationFor(n, hits[c.hit], c.text))
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.text)
		b.WriteString(" [")
		b.WriteString(strconv.Itoa(n))
		b.WriteByte(']')
	}
	a.Text = b.String()
	return a
}

func citationFor(n int, h retrieval.Hit, snippetFrom string) Citation {
	return Citation{
		N:        n,
		Source:   h.Chunk.DocID,
		ChunkID:  h.Chunk.ID,
		Title:    h.Chunk.Title,
		DocTitle: h.Chunk.DocTitle,
		URL:      h.Chunk.URL,
		Snippet:  Snippet(snippetFrom, snippetChars),
		Passage:  h.Chunk.Text,
		Score:    h.Score,
	}
}

// Snippet shortens s to at most max characters at a word boundary, marking
// a cut with an ellipsis.
func Snippet(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }) + "…"
}

func isFAQ(c corpus.Chunk) bool {
	return strings.HasSuffix(strings.TrimSpace(c.Title), "?")
}

func uniqueTerms(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range corpus.Terms(s) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func termSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range corpus.Terms(s) {
		m[t] = true
	}
	return m
}

// stripControl drops control and format runes (zero-width spaces, RTL
// marks), which make a question look non-empty without saying anything.
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// How sentences from the hits are weighed against each other.
const (
	kindBonus         = 0.25 // a "who" question wants a name, "how much" a number
	secondaryRatio    = 0.7  // passages scoring below this share of the best one...
	secondaryCoverage = 0.5  // ...contribute only sentences covering this much of the question
	prefixMatch       = 5    // stems sharing this many leading letters count as one word
	maxCodeChars      = 400  // longest code block kept with the sentence introducing it
	faqTitleMatch     = 0.6  // share of the question's terms an FAQ entry's question must have to answer alone
	faqLeadSentences  = 2    // opening sentences of such an entry that make the answer
)

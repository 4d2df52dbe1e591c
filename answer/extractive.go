package answer

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// An extractive answer is what a member would have read had they opened
// the best page at the right place: one coherent span of one passage — an
// FAQ entry's own answer from its start, or the run of a section around
// the sentence that answers — with the list, table rows or code its
// lead-in introduces, rendered as Markdown that Discord shows as such. A
// second source is added only when it answers a part of the question the
// first leaves out. Sentences are never stitched together from different
// places, and never cut in half.

// Limits of an extractive answer. A Discord embed holds 4,096 characters,
// but an answer longer than a short screen reads as a pasted page; the
// sources are listed below it.
const (
	maxAnswerChars = 900 // the whole text, markers included
	spanChars      = 600 // a span grows past this only while it still answers
	faqSpanChars   = 750 // an FAQ entry's answer is written to be read whole
	snippetChars   = 160
	minSpanChars   = 200 // below this a span takes the next part even if off the question
)

// How passages and parts of them are weighed.
const (
	coverageBase      = 0.35 // a top passage is worth something even with few query words
	secondaryRatio    = 0.7  // a second source scoring below this share of the first...
	secondaryCoverage = 0.5  // ...must cover this share of the question on its own
	overrideCoverage  = 0.25 // a lower-ranked passage answers instead only with this much more of the question
	secondNewCoverage = 0.25 // a second source must add this share of the question's weight
	prefixMatch       = 5    // stems sharing this many leading letters count as one word
	kindBonus         = 0.25 // a "who" question wants a name, "how much" a number
	maxCodeLines      = 25   // longest code block quoted; longer ones are cut with an ellipsis
)

// partKind is what a part of a passage is.
type partKind int

const (
	partSentence partKind = iota
	partItem              // a list item or table row
	partCode              // a fenced code block, or a paragraph that is only `code`
)

// part is a sentence, list item or code block of a passage, in order.
type part struct {
	kind partKind
	text string // as rendered: "- item", "```lang\n…\n```", or the sentence
	para int    // paragraph number: sentences of one paragraph share it
	// from is the passage of the section the part comes from, relative
	// to the hit: -1 the one before, 0 the hit, 1 the one after.
	from int
	// own is true for the hit's own text, which includes a paragraph of
	// the passage before whose end the hit repeats.
	own bool
	// terms are the stemmed words, for matching the question.
	terms map[string]bool
}

// leadIn reports whether p introduces what follows it ("…as follows:").
func (p part) leadIn() bool {
	t := strings.TrimRight(p.text, " *_")
	return p.kind != partCode && (strings.HasSuffix(t, ":") || strings.HasSuffix(t, "："))
}

// segment is a run of parts that must be shown together: a lead-in and
// the list or code it introduces, or a single part.
type segment struct {
	parts    []part
	chars    int
	coverage float64 // weighted share of the question's terms it holds
	kindOK   bool    // it has what the question asks for (a name, a number…)
}

// passage is one hit taken apart.
type passage struct {
	hit      int
	segs     []segment
	coverage float64 // of title and text together
}

// extractive answers from the hits alone. Every citation points at one of
// hits, by construction.
//
// lookup finds a passage by ID (see Engine.lookup), so that the answer
// may read on from its hit into the passages around it; nil: none is.
func extractive(question, query string, hits []retrieval.Hit, lookup func(id string) (corpus.Chunk, bool)) Answer {
	qterms := uniqueTerms(query)
	want := askedFor(question)
	ps := make([]passage, len(hits))
	var all []map[string]bool
	for i, h := range hits {
		ps[i] = passage{hit: i, segs: segments(ownParts(parts(h.Chunk.Text)))}
		for _, s := range ps[i].segs {
			for _, p := range s.parts {
				all = append(all, p.terms)
			}
		}
	}
	weights := termWeights(qterms, all)
	// rate scores segments on the question: how much of it each holds,
	// and whether it is the kind of answer asked for.
	rate := func(segs []segment) {
		for k := range segs {
			s := &segs[k]
			s.coverage = coverage(qterms, weights, s.terms())
			s.kindOK = s.coverage > 0 && want.satisfiedBy(s.text(), qterms)
		}
	}
	for i, h := range hits {
		p := &ps[i]
		whole := termSet(h.Chunk.Title + "\n" + h.Chunk.Text)
		p.coverage = coverage(qterms, weights, whole)
		rate(p.segs)
	}
	first := primary(ps, hits)
	faq := isFAQ(hits[first].Chunk)
	sec := section(hits, first, lookup, faq)
	if len(sec.chunks) > 1 {
		ps[first].segs = segments(sec.parts())
		rate(ps[first].segs)
	}
	span := pickSpan(ps[first], faq)
	chosen := []chosenSpan{{hit: first, segs: span, passage: sec.passage(span)}}
	used := len(render(chosen))
	if second, segs := secondSource(ps, hits, first, sec.ids(), span, qterms, weights, used); second >= 0 {
		chosen = append(chosen, chosenSpan{hit: second, segs: segs})
	}
	return compose(question, query, hits, chosen)
}

// sectionRun is a hit with the passages around it in its section, in
// order; chunks[at] is the hit.
type sectionRun struct {
	chunks []corpus.Chunk
	at     int
}

// section returns the hit with its neighbours in the section: the
// passages just before and after it in its document under the same
// title, taken from hits or looked up (lookup may be nil). An FAQ entry
// is answered from its own start, so it takes no passage before it.
func section(hits []retrieval.Hit, i int, lookup func(id string) (corpus.Chunk, bool), faq bool) sectionRun {
	c := hits[i].Chunk
	// find returns the passage at pos in c's document when it is under
	// c's title, looking up only what is not a hit.
	find := func(pos int) (corpus.Chunk, bool) {
		if pos < 0 {
			return corpus.Chunk{}, false
		}
		id := corpus.ChunkID(c.DocID, pos)
		for _, h := range hits {
			if h.Chunk.ID == id {
				return h.Chunk, h.Chunk.Title == c.Title
			}
		}
		if lookup == nil {
			return corpus.Chunk{}, false
		}
		n, ok := lookup(id)
		return n, ok && n.Title == c.Title
	}
	run := sectionRun{chunks: []corpus.Chunk{c}}
	if !faq {
		if prev, ok := find(c.Pos - 1); ok {
			run.chunks, run.at = []corpus.Chunk{prev, c}, 1
		}
	}
	if next, ok := find(c.Pos + 1); ok {
		run.chunks = append(run.chunks, next)
	}
	return run
}

// block is a paragraph of a section run.
type block struct {
	text string
	from int  // as part.from
	own  bool // as part.own
}

// blocks joins the run's passages into paragraphs, each once: a passage
// that opens by repeating the end of the one before (the splitter's
// overlap) is read from after the repeat.
func (r sectionRun) blocks() []block {
	var out []block
	for ci, c := range r.chunks {
		bs := blocks(c.Text)
		if n := len(out); n > 0 && len(bs) > 0 && repeats(out[n-1].text, bs[0]) {
			if ci == r.at {
				out[n-1].own = true
			}
			bs = bs[1:]
		}
		for _, b := range bs {
			out = append(out, block{text: b, from: ci - r.at, own: ci == r.at})
		}
	}
	return out
}

// repeats reports whether paragraph b repeats the end of paragraph a.
func repeats(a, b string) bool {
	a, b = oneLine(a), oneLine(b)
	return b != "" && strings.HasSuffix(a, b)
}

// parts takes the run apart as parts does a single passage.
func (r sectionRun) parts() []part {
	var out []part
	for i, b := range r.blocks() {
		for _, p := range blockParts(b.text, i) {
			p.from, p.own = b.from, b.own
			out = append(out, p)
		}
	}
	return out
}

// passage is the text of the run's passages a span quotes, for the
// citation's Passage ("Show sources" must show what was quoted); "" when
// the span quotes the hit alone.
func (r sectionRun) passage(span []segment) string {
	lo, hi := 0, 0
	for _, s := range span {
		for _, p := range s.parts {
			lo, hi = min(lo, p.from), max(hi, p.from)
		}
	}
	if lo == 0 && hi == 0 {
		return ""
	}
	var out []string
	for _, b := range r.blocks() {
		if b.from >= lo && b.from <= hi {
			out = append(out, b.text)
		}
	}
	return strings.Join(out, "\n\n")
}

// ids are the IDs of the run's passages.
func (r sectionRun) ids() map[string]bool {
	m := make(map[string]bool, len(r.chunks))
	for _, c := range r.chunks {
		m[c.ID] = true
	}
	return m
}

// primary picks the passage to answer from: the best ranked, unless it
// holds little of the question and a passage ranked a little lower holds
// much more. A top-ranked FAQ entry is always the answer: it was written
// for that question. An FAQ entry's title counts as its words.
func primary(ps []passage, hits []retrieval.Hit) int {
	if isFAQ(hits[0].Chunk) {
		return 0
	}
	top := hits[0].Score
	best, bestScore := 0, coverageBase+ps[0].coverage
	for i, p := range ps[1:] {
		i++
		if p.coverage < ps[0].coverage+overrideCoverage ||
			hits[i].Score < secondaryRatio*top && p.coverage < secondaryCoverage {
			continue
		}
		rel := 1.0
		if top > 0 {
			rel = 0.5 + 0.5*hits[i].Score/top
		}
		if s := rel * (coverageBase + p.coverage); s > bestScore+1e-9 {
			best, bestScore = i, s
		}
	}
	return best
}

// pickSpan chooses the span of p to quote: an FAQ entry from its start; a
// section from the segment that best answers (or from its start, when that
// is near the top), grown forward while it stays on the question and
// within the budget.
func pickSpan(p passage, faq bool) []segment {
	if len(p.segs) == 0 {
		return nil
	}
	// own is where the hit's own text begins: the passages around it are
	// read for context, never searched for the answer.
	own := 0
	for own < len(p.segs)-1 && !p.segs[own].own() {
		own++
	}
	start, budget := own, spanChars
	if faq {
		budget = faqSpanChars
	} else {
		best, bestScore := own, -1.0
		for k, s := range p.segs[own:] {
			if !s.own() {
				break
			}
			if s.hanging() {
				continue // a lead-in whose list or code is missing answers nothing
			}
			score := s.coverage - 0.01*float64(k)
			if s.kindOK {
				score += kindBonus
			}
			if score > bestScore {
				best, bestScore = own+k, score
			}
		}
		start = best
		if start == own+1 && p.segs[own].coverage > 0 && p.segs[own].chars+p.segs[own+1].chars < spanChars {
			start = opening(p.segs, own) // the passage's opening, on the question too, leads into it
		} else if k := codeIntro(p.segs, start); k >= 0 {
			start = k // code alone answers nothing: the sentence before says what it is
		} else {
			start = opening(p.segs, start)
		}
	}
	span := []segment{fit(p.segs[start], maxAnswerChars-10)}
	chars := span[0].chars
	// cut ends a list the span stops in the middle of, saying so.
	cut := func(s segment) {
		mark := cutItem
		if t := lastPart(span).text; t != "" && t[0] >= '0' && t[0] <= '9' {
			mark = skipMark // a numbered list takes no bullet
		}
		span = append(span, segment{parts: []part{{kind: partItem, text: mark, para: s.parts[0].para}}, chars: len(mark) + 1})
		chars += len(mark) + 1
	}
	for _, s := range p.segs[start+1:] {
		// The next item of a list the span has begun: a list is read to
		// its end, or cut with a mark.
		inList := len(s.parts) == 1 && s.parts[0].kind == partItem && lastPart(span).kind == partItem
		if chars+s.chars > maxAnswerChars-10 {
			// A list on the question that does not fit whole: its lead-in
			// and first items, marked as cut, rather than nothing.
			if f := fit(s, maxAnswerChars-10-chars); s.coverage > 0 && len(s.parts) > 2 && len(f.parts) >= 3 {
				span = append(span, f)
			} else if inList {
				cut(s)
			}
			break
		}
		// Code right after the span's last sentence shows what it says.
		illustrates := s.parts[0].kind == partCode && lastPart(span).kind == partSentence
		// Past its budget a section's prose grows only while it still
		// answers; an FAQ entry's span stops, leaving room for the part of
		// the entry asked about (withBestPart), and so does a run of
		// entries (a command page's items), each an answer of its own.
		over := chars+s.chars > budget && (faq || s.coverage == 0 || s.parts[0].kind != partSentence)
		// The passage after the hit is read on into to finish what the
		// hit began (a lead-in's list, a list, a paragraph) or for prose
		// that still answers, not for more entries of a command page.
		entry := s.parts[0].kind == partItem && !inList && !s.own()
		if entry || chars >= minSpanChars && !illustrates && (over || s.coverage == 0 && !faq && !inList && newParagraph(span, s)) {
			if inList {
				cut(s)
			}
			break
		}
		span = append(span, s)
		chars += s.chars
	}
	// A lead-in whose list did not fit would leave the answer hanging.
	for len(span) > 1 && span[len(span)-1].hanging() {
		span = span[:len(span)-1]
	}
	if faq {
		span = withBestPart(p, span, chars)
	}
	return span
}

// withBestPart adds to an FAQ entry's opening the part of the entry that
// best answers the question, when the opening stops short of it (a long
// entry whose last paragraph is the one asked about), after a "…" that
// marks the skip. The answer stays the entry's own.
func withBestPart(p passage, span []segment, chars int) []segment {
	inSpan := len(span)
	bestCov := 0.0
	for _, s := range span {
		bestCov = max(bestCov, s.coverage)
	}
	best := -1
	for k := inSpan; k < len(p.segs); k++ {
		s := p.segs[k]
		if s.coverage > bestCov+0.1 && chars+s.chars+len(skipMark)+2 <= maxAnswerChars-10 && !s.hanging() {
			best, bestCov = k, s.coverage
		}
	}
	if best < 0 {
		return span
	}
	skip := segment{parts: []part{{kind: partSentence, text: skipMark, para: -1}}, chars: len(skipMark) + 1}
	return append(span, skip, p.segs[best])
}

// skipMark stands between an FAQ entry's opening and a later part of it.
const skipMark = "…"

// codeIntro returns the sentence that introduces the code segment at
// start, across at most two other code blocks before it, or -1 when the
// segment is not code or no sentence comes close before it.
func codeIntro(segs []segment, start int) int {
	if segs[start].parts[0].kind != partCode {
		return -1
	}
	for k := start - 1; k >= 0 && k >= start-3; k-- {
		switch segs[k].parts[0].kind {
		case partSentence:
			// From the start of that paragraph, when it is short.
			for j := k - 1; j >= 0 && j >= k-2 && segs[j].parts[0].kind == partSentence &&
				segs[j].parts[0].para == segs[k].parts[0].para; j-- {
				k = j
			}
			return k
		case partItem:
			return -1
		}
	}
	return -1
}

// opening returns where a span quoting segs[k] begins. A sentence in the
// middle of a paragraph leans on the ones before it ("Defaults to true."
// says nothing alone), and an item in the middle of a list on the list
// and the sentence that introduces it, so the span begins at the
// paragraph's or list's start when the run from there through k fits a
// span's length; failing that, one sentence back when k refers to it
// ("This means…").
func opening(segs []segment, k int) int {
	sentenceOf := func(para int) func(segment) bool {
		return func(s segment) bool {
			return len(s.parts) == 1 && s.parts[0].kind == partSentence && s.parts[0].para == para
		}
	}
	plainItem := func(s segment) bool { return len(s.parts) == 1 && s.parts[0].kind == partItem }
	// back walks from j over the segments before it that ok accepts.
	back := func(j int, ok func(segment) bool) (int, int) {
		lead := 0
		for j > 0 && ok(segs[j-1]) {
			lead += segs[j-1].chars
			j--
		}
		return j, lead
	}
	room := spanChars - segs[k].chars
	first := segs[k].parts[0]
	switch {
	case first.kind == partSentence:
		j, lead := back(k, sentenceOf(first.para))
		if lead <= room {
			if j > 0 && continuesBefore(segs[j]) && len(segs[j-1].parts) == 1 && segs[j-1].parts[0].kind == partSentence &&
				lead+segs[j-1].chars <= room {
				return j - 1 // the paragraph opens on the one before: "That disbelief…"
			}
			return j
		}
		if continuesBefore(segs[k]) {
			return k - 1
		}
	case plainItem(segs[k]):
		j, lead := back(k, plainItem)
		if lead > room {
			return k // deep in a long list: the item alone
		}
		if j == 0 || !sentenceOf(segs[j-1].parts[0].para)(segs[j-1]) {
			return j
		}
		// The paragraph before the list introduces it: all of it when
		// short, else its last sentence.
		i, intro := back(j, sentenceOf(segs[j-1].parts[0].para))
		switch {
		case lead+intro <= room:
			return i
		case lead+segs[j-1].chars <= room:
			return j - 1
		}
		return j
	}
	return k
}

// continuesBefore reports whether a segment opens by referring back to
// what came before it ("This", "However", "It").
func continuesBefore(s segment) bool {
	f := strings.Fields(s.parts[0].text)
	if len(f) == 0 {
		return false
	}
	w := strings.ToLower(strings.Trim(f[0], ",;:"))
	// "They're", "It’s": the pronoun is what refers back.
	if i := strings.IndexAny(w, "'’"); i > 0 {
		w = w[:i]
	}
	switch w {
	case "this", "that", "these", "those", "it", "its", "they", "their", "he", "she", "such", "however",
		"but", "also", "so", "therefore", "instead", "otherwise", "then", "thus", "here", "there":
		return true
	}
	return false
}

// lastPart is the last part of a span.
func lastPart(span []segment) part {
	last := span[len(span)-1]
	return last.parts[len(last.parts)-1]
}

// newParagraph reports whether s starts a paragraph other than the span's
// last.
func newParagraph(span []segment, s segment) bool {
	last := span[len(span)-1]
	return s.parts[0].para != last.parts[len(last.parts)-1].para
}

// fit shortens a segment to n characters at a part boundary (list items,
// code lines), never inside a sentence.
func fit(s segment, n int) segment {
	if s.chars <= n {
		return s
	}
	out := segment{coverage: s.coverage, kindOK: s.kindOK}
	for _, p := range s.parts {
		if p.kind == partCode && out.chars+len(p.text) > n {
			p.text = cutCode(p.text, n-out.chars)
			if p.text == "" {
				break
			}
		}
		if out.chars+len(p.text) > n-len(cutItem) && len(out.parts) > 0 {
			if p.kind == partItem {
				out.parts = append(out.parts, part{kind: partItem, text: cutItem, para: p.para})
				out.chars += len(cutItem) + 1
			}
			break
		}
		out.parts = append(out.parts, p)
		out.chars += len(p.text) + 1
	}
	return out
}

// cutItem ends a list that was cut short.
const cutItem = "- …"

// cutCode shortens a fenced block to n characters between lines, marking
// the cut, or returns "" when not even two lines fit.
func cutCode(block string, n int) string {
	lines := strings.Split(block, "\n")
	if len(lines) < 3 {
		return block
	}
	open, close := lines[0], lines[len(lines)-1]
	size := len(open) + len(close) + 6
	var kept []string
	for _, l := range lines[1 : len(lines)-1] {
		if size+len(l)+1 > n {
			break
		}
		kept = append(kept, l)
		size += len(l) + 1
	}
	if len(kept) < 2 {
		return ""
	}
	return open + "\n" + strings.Join(kept, "\n") + "\n…\n" + close
}

// secondSource finds a passage of another hit that answers a part of the
// question the first span leaves out, and the span of it to add; -1 when
// none adds enough, or none fits.
func secondSource(ps []passage, hits []retrieval.Hit, first int, quoted map[string]bool, span []segment, qterms []string, weights map[string]float64, used int) (int, []segment) {
	have := map[string]bool{}
	for _, s := range span {
		for t := range s.terms() {
			have[t] = true
		}
	}
	missing := map[string]float64{}
	var total float64
	for _, t := range qterms {
		total += weights[t]
		if !hasTerm(have, t) {
			missing[t] = weights[t]
		}
	}
	if len(missing) == 0 || total == 0 {
		return -1, nil
	}
	top := hits[0].Score
	best, bestGain := -1, 0.0
	var bestSeg segment
	faqFirst := isFAQ(hits[first].Chunk)
	for i, p := range ps {
		if i == first || quoted[hits[i].Chunk.ID] {
			continue // the first answer's own section
		}
		if faqFirst && !(isFAQ(hits[i].Chunk) && gainOf(termSet(hits[i].Chunk.Title), missing, total) >= secondNewCoverage) {
			// An FAQ entry answers its question; another entry joins it
			// only when its own question is the part left out.
			continue
		}
		for _, s := range p.segs {
			if hits[i].Score < secondaryRatio*top && s.coverage < secondaryCoverage {
				continue
			}
			gain := gainOf(s.terms(), missing, total)
			// Code alone, or a lead-in alone, is no answer to the part.
			if gain >= secondNewCoverage && gain > bestGain && used+s.chars+8 <= maxAnswerChars &&
				s.parts[0].kind != partCode && !s.hanging() {
				best, bestGain, bestSeg = i, gain, s
			}
		}
	}
	if best < 0 {
		return -1, nil
	}
	return best, []segment{bestSeg}
}

// gainOf is the share of the question's weight (total) that terms add
// among the missing terms.
func gainOf(terms map[string]bool, missing map[string]float64, total float64) float64 {
	var gain float64
	for t, w := range missing {
		if hasTerm(terms, t) {
			gain += w
		}
	}
	return gain / total
}

// chosenSpan is the part of one hit an answer quotes.
type chosenSpan struct {
	hit  int
	segs []segment
	// passage is the text the span quotes when it reads past the hit
	// into the passages around it; "" for the hit's own.
	passage string
}

// compose renders the chosen spans, each cited, and lists their sources.
func compose(question, query string, hits []retrieval.Hit, chosen []chosenSpan) Answer {
	a := Answer{Question: question, Query: query, Mode: ModeExtractive, Grounded: true}
	for i, c := range chosen {
		cit := citationFor(i+1, hits[c.hit], snippetOf(c.segs))
		if c.passage != "" {
			cit.Passage = c.passage
		}
		a.Citations = append(a.Citations, cit)
	}
	a.Text = render(chosen)
	return a
}

// render writes the spans as Markdown: sentences of a paragraph joined by
// spaces, paragraphs by blank lines, list items one per line, code
// fenced. Each span's [n] closes it: after its last sentence, item or
// line of code, or on a line of its own after a fenced block.
func render(chosen []chosenSpan) string {
	var b strings.Builder
	for i, c := range chosen {
		marker := "[" + strconv.Itoa(i+1) + "]"
		var flat []part
		for _, s := range c.segs {
			flat = append(flat, s.parts...)
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		for k, p := range flat {
			if k > 0 {
				prev := flat[k-1]
				switch {
				case p.kind != partSentence || prev.kind != partSentence:
					b.WriteString("\n")
				case p.para != prev.para:
					b.WriteString("\n\n")
				default:
					b.WriteString(" ")
				}
			}
			b.WriteString(p.text)
		}
		if n := len(flat); n > 0 && flat[n-1].kind == partCode && strings.Contains(flat[n-1].text, "\n") {
			b.WriteString("\n" + marker)
		} else {
			b.WriteString(" " + marker)
		}
	}
	return b.String()
}

// snippetOf is the plain text of a span's opening, for source listings.
func snippetOf(segs []segment) string {
	for _, s := range segs {
		for _, p := range s.parts {
			if p.kind != partCode {
				return strings.TrimPrefix(p.text, "- ")
			}
		}
	}
	if len(segs) > 0 && len(segs[0].parts) > 0 {
		// Code only: its first line of code, without the fence.
		lines := strings.Split(segs[0].parts[0].text, "\n")
		if len(lines) > 1 {
			return lines[1]
		}
		return strings.Trim(lines[0], "`")
	}
	return ""
}

// parts takes a passage apart: fenced code stays whole, a paragraph that
// is a list item (or table row) is one part, prose is split into
// sentences.
func parts(text string) []part {
	var out []part
	for para, block := range blocks(text) {
		out = append(out, blockParts(block, para)...)
	}
	return out
}

// ownParts marks parts as the hit's own.
func ownParts(ps []part) []part {
	for i := range ps {
		ps[i].own = true
	}
	return ps
}

// blockParts takes one paragraph apart; para numbers its parts.
func blockParts(block string, para int) []part {
	switch {
	case strings.HasPrefix(block, "```") || strings.HasPrefix(block, "~~~"):
		return []part{{kind: partCode, text: trimCode(block), para: para, terms: termSet(block)}}
	case isInlineCode(block):
		return []part{{kind: partCode, text: block, para: para, terms: termSet(block)}}
	case isItem(block):
		return []part{{kind: partItem, text: oneLine(block), para: para, terms: termSet(block)}}
	}
	var out []part
	for _, s := range splitSentences(block) {
		out = append(out, part{kind: partSentence, text: s, para: para, terms: termSet(s)})
	}
	return out
}

// blocks splits passage text into paragraphs at blank lines, keeping a
// fenced code block whole even when it holds blank lines.
func blocks(text string) []string {
	var out []string
	var cur []string
	fence := ""
	flush := func() {
		if t := strings.TrimSpace(strings.Join(cur, "\n")); t != "" {
			out = append(out, t)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case fence != "":
			cur = append(cur, line)
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
				flush()
			}
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			flush()
			fence = t[:3]
			for len(fence) < len(t) && t[len(fence)] == t[0] {
				fence += t[:1]
			}
			cur = append(cur, line)
		case t == "":
			flush()
		default:
			cur = append(cur, line)
		}
	}
	flush()
	return out
}

// trimCode keeps the first lines of a long code block.
func trimCode(block string) string {
	lines := strings.Split(block, "\n")
	if len(lines) <= maxCodeLines+2 {
		return block
	}
	return strings.Join(lines[:maxCodeLines+1], "\n") + "\n…\n" + lines[len(lines)-1]
}

// isInlineCode reports whether a paragraph is nothing but `code` (a
// command-help page's command line).
func isInlineCode(s string) bool {
	return strings.HasPrefix(s, "`") && strings.HasSuffix(s, "`") && !strings.Contains(s, "\n") &&
		strings.Count(s, "`")%2 == 0 && strings.Count(strings.Trim(s, "`"), "`") == 0
}

// isItem reports whether a paragraph is a list item: "- x", "* x", "1. x".
func isItem(s string) bool {
	if strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ") || strings.HasPrefix(s, "• ") {
		return true
	}
	i := 0
	for i < len(s) && i < 3 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' '
}

// segments groups parts that must be shown together: a lead-in with the
// list items or code it introduces (an item that is itself a lead-in
// takes the code under it).
func segments(ps []part) []segment {
	var out []segment
	for i := 0; i < len(ps); {
		s := segment{parts: []part{ps[i]}}
		j := i + 1
		if ps[i].leadIn() && j < len(ps) {
			switch {
			case ps[i].kind == partItem:
				// "- Extract an archive:" then its command.
				for j < len(ps) && ps[j].kind == partCode {
					s.parts = append(s.parts, ps[j])
					j++
				}
			default:
				// "…in these situations:" then the whole list or code.
				for j < len(ps) && ps[j].kind != partSentence {
					s.parts = append(s.parts, ps[j])
					j++
				}
				if len(s.parts) == 1 && j < len(ps) {
					// A lead-in to a sentence ("Set the following:" then a
					// line) goes with it.
					s.parts = append(s.parts, ps[j])
					j++
				}
			}
		}
		for _, p := range s.parts {
			s.chars += len(p.text) + 1
		}
		out = append(out, s)
		i = j
	}
	return out
}

// terms are the words of a segment.
func (s segment) terms() map[string]bool {
	if len(s.parts) == 1 {
		return s.parts[0].terms
	}
	m := map[string]bool{}
	for _, p := range s.parts {
		for t := range p.terms {
			m[t] = true
		}
	}
	return m
}

// hanging reports whether a segment ends on a lead-in, without what it
// introduces: the passage ends there, or the segment was cut to fit.
func (s segment) hanging() bool {
	return s.parts[len(s.parts)-1].leadIn()
}

// own reports whether a segment holds any of the hit's own text.
func (s segment) own() bool {
	for _, p := range s.parts {
		if p.own {
			return true
		}
	}
	return false
}

// text is a segment's text, for what-is-asked checks.
func (s segment) text() string {
	var b strings.Builder
	for _, p := range s.parts {
		b.WriteString(p.text)
		b.WriteString(" ")
	}
	return b.String()
}

// coverage is the weighted share of qterms found in terms.
func coverage(qterms []string, weights map[string]float64, terms map[string]bool) float64 {
	var got, total float64
	for _, t := range qterms {
		total += weights[t]
		if hasTerm(terms, t) {
			got += weights[t]
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
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
// parts of all hits: a word in every part tells none of them apart.
func termWeights(qterms []string, all []map[string]bool) map[string]float64 {
	w := make(map[string]float64, len(qterms))
	n := float64(len(all))
	for _, t := range qterms {
		df := 0.0
		for _, terms := range all {
			if hasTerm(terms, t) {
				df++
			}
		}
		w[t] = math.Log(1 + (n+1)/(df+1))
	}
	return w
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

// isFAQ reports whether a passage is an FAQ entry: its title asks the
// question its text answers.
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

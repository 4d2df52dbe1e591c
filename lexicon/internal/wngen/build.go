package main

import (
	"math"
	"slices"
	"sort"

	"github.com/faqbot/faqbot/lexicon/internal/table"
)

// Relation weights: how far a related word can stand in for the word
// itself when the two are linked in the word's sense. A synonym in that
// sense, another spelling or an irregular form is the same word for
// retrieval; a derived form (reply/response) or the noun an adjective
// pertains to (American/America) says nearly the same thing in another part
// of speech, the adjective a little nearer (it means "of America", while a
// derivation may be an agent noun: deliverer); a capital for its country ("Moscow said") or a more general
// verb (meddle/interfere) is a real but looser bridge.
var relWeight = map[table.Relation]float64{
	table.Synonym:    1,
	table.Spelling:   1,
	table.Inflection: 1,
	table.Derivation: 0.8,
	table.Pertainym:  0.85,
	table.Place:      0.5,
	table.Broader:    0.5,
}

// broaderFanout is the number of narrower verbs up to which a broader verb
// keeps the full Broader weight. "Interfere" has two narrower verbs
// (meddle, obstruct) and stands in well for either; "say" has dozens, and
// saying is not what "reply" asks about, so its weight falls with the
// square root of their number.
const broaderFanout = 4

// broaderWeight is the weight of a link to the words of broader verb h.
func broaderWeight(h *synset) float64 {
	n := 0
	for _, p := range h.ptrs {
		if p.sym == "~" {
			n++
		}
	}
	return relWeight[table.Broader] * min(1, math.Sqrt(broaderFanout/float64(max(n, 1))))
}

// synonymStep discounts a second step to another word of the same synset:
// America's synonyms are reached from "American" through "America", and
// are a little less certain than America itself.
const synonymStep = 0.7

// minWeight is the least weight a link is kept with. The lexicon scales
// weights down again before retrieval sees them, so a link below this
// would move no score; dropping them keeps the table small and the rare
// senses out.
const minWeight = 0.08

// maxLinks bounds the links kept per word (the strongest). A word with
// dozens of senses relates to hundreds of words, each with a small weight.
const maxLinks = 32

// ambiguousForm discounts an irregular form's link to its base when the
// form is also a word of its own ("found" is a verb besides being the past
// of "find"): either reading is as likely.
const ambiguousForm = 0.5

// builder computes the table from a parsed WordNet and the supplement.
type builder struct {
	wn *wordnet
	// pertainedBy inverts pertainyms: a noun's word -> the adjectives'
	// words that pertain to it (America -> American).
	pertainedBy map[wordRef][]wordRef
	// places links a capital and its country, both ways.
	places map[synsetID][]synsetID
	// body and same hold the supplement's links: word -> words.
	body, same map[string][]string
}

// wordRef is one word of one synset (1-based, as pointers count).
type wordRef struct {
	syn synsetID
	n   int
}

func newBuilder(wn *wordnet, gs []group) *builder {
	b := &builder{wn: wn, pertainedBy: map[wordRef][]wordRef{}, places: map[synsetID][]synsetID{},
		body: map[string][]string{}, same: map[string][]string{}}
	for _, s := range wn.synsets {
		for _, p := range s.ptrs {
			if p.sym == `\` && p.src > 0 && s.id.pos == 'a' {
				to := wordRef{p.to, p.dst}
				b.pertainedBy[to] = append(b.pertainedBy[to], wordRef{s.id, p.src})
			}
		}
	}
	b.findCapitals()
	for _, g := range gs {
		m := b.body
		if g.kind == "same" {
			m = b.same
		}
		for _, w := range g.words {
			for _, o := range g.words {
				if o != w && !slices.Contains(m[w], o) {
					m[w] = append(m[w], o)
				}
			}
		}
	}
	return b
}

// findCapitals links each national capital with its country: the member
// of the capital's part holonyms (up to two levels: Washington is part of
// the District of Columbia, which is part of the United States) that is an
// instance of a kind of country. News writes "Moscow" and "Kyiv" for the
// governments of Russia and Ukraine.
func (b *builder) findCapitals() {
	capitals := b.synsetsOf("national capital", 'n')
	countryKinds := map[synsetID]bool{}
	var frontier []synsetID
	for _, id := range b.synsetsOf("country", 'n') {
		countryKinds[id] = true
		frontier = append(frontier, id)
	}
	// Kinds of country: "North American country", "European country".
	for range 2 {
		var next []synsetID
		for _, id := range frontier {
			for _, p := range b.wn.synsets[id].ptrs {
				if p.sym == "~" && !countryKinds[p.to] {
					countryKinds[p.to] = true
					next = append(next, p.to)
				}
			}
		}
		frontier = next
	}
	isCountry := func(id synsetID) bool {
		for _, p := range b.wn.synsets[id].ptrs {
			if p.sym == "@i" && countryKinds[p.to] {
				return true
			}
		}
		return false
	}
	ids := make([]synsetID, 0, len(b.wn.synsets))
	for id := range b.wn.synsets {
		ids = append(ids, id)
	}
	sortIDs(ids)
	for _, id := range ids {
		s := b.wn.synsets[id]
		capital := false
		for _, p := range s.ptrs {
			if p.sym == "@i" && slices.Contains(capitals, p.to) {
				capital = true
			}
		}
		if !capital {
			continue
		}
		level := []synsetID{id}
	climb:
		for range 2 {
			var next []synsetID
			for _, l := range level {
				for _, p := range b.wn.synsets[l].ptrs {
					if p.sym != "#p" {
						continue
					}
					if isCountry(p.to) {
						b.places[id] = append(b.places[id], p.to)
						b.places[p.to] = append(b.places[p.to], id)
						break climb
					}
					next = append(next, p.to)
				}
			}
			level = next
		}
	}
}

func sortIDs(ids []synsetID) {
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].pos != ids[j].pos {
			return ids[i].pos < ids[j].pos
		}
		return ids[i].off < ids[j].off
	})
}

// synsetsOf returns the synsets of lemma in one part of speech.
func (b *builder) synsetsOf(lemma string, pos byte) []synsetID {
	var out []synsetID
	for _, s := range b.wn.senses[lemma] {
		if s.syn.pos == pos {
			out = append(out, s.syn)
		}
	}
	return out
}

// senseWeights gives each sense of a lemma its probability: the
// concordance count, plus 1/rank so that untagged senses keep WordNet's
// frequency order and a lemma no text was tagged with is not uniform.
func senseWeights(ss []sense) []float64 {
	out := make([]float64, len(ss))
	var total float64
	for i, s := range ss {
		out[i] = float64(s.count) + 1/float64(s.rank)
		total += out[i]
	}
	for i := range out {
		out[i] /= total
	}
	return out
}

// candidate is the best path found so far, within one sense, to a word.
type candidate struct {
	w   float64
	rel table.Relation
}

// links computes a lemma's links: for each of its senses, the words that
// sense relates it to, each through its strongest path; weights are then
// summed over senses by how common each sense is.
func (b *builder) links(lemma string) []table.Link {
	total := map[string]float64{}
	// relOf records the relation of a word's largest contribution.
	relOf := map[string]candidate{}
	ss := b.wn.senses[lemma]
	for i, p := range senseWeights(ss) {
		best := map[string]candidate{}
		b.senseLinks(lemma, ss[i].syn, best)
		for w, c := range best {
			if w == lemma {
				continue
			}
			total[w] += p * c.w
			if r, ok := relOf[w]; !ok || p*c.w > r.w {
				relOf[w] = candidate{p * c.w, c.rel}
			}
		}
	}
	for _, base := range b.wn.exc[lemma] {
		if len(b.wn.senses[base]) == 0 {
			continue
		}
		w := relWeight[table.Inflection]
		if len(ss) > 0 {
			w *= ambiguousForm
		}
		total[base] = max(total[base], w)
		relOf[base] = candidate{w, table.Inflection}
	}
	for _, o := range b.body[lemma] {
		if w := relWeight[table.Place]; total[o] < w {
			total[o] = w
			relOf[o] = candidate{w, table.Place}
		}
	}
	// The words of a "same" group are one word spelled differently.
	for _, o := range b.same[lemma] {
		total[o] = relWeight[table.Spelling]
		relOf[o] = candidate{total[o], table.Spelling}
	}
	var out []table.Link
	for w, t := range total {
		t = min(t, 1)
		if t >= minWeight {
			out = append(out, table.Link{To: w, Rel: relOf[w].rel, Weight: t})
		}
	}
	slices.SortFunc(out, func(x, y table.Link) int {
		if x.Weight != y.Weight {
			if x.Weight > y.Weight {
				return -1
			}
			return 1
		}
		if x.To < y.To {
			return -1
		}
		if x.To > y.To {
			return 1
		}
		return 0
	})
	if len(out) > maxLinks {
		out = out[:maxLinks]
	}
	return out
}

// senseLinks collects, into best, the words one sense of lemma relates it
// to, with the weight of the strongest path to each.
func (b *builder) senseLinks(lemma string, id synsetID, best map[string]candidate) {
	s := b.wn.synsets[id]
	consider := func(w string, weight float64, rel table.Relation, in synsetID) {
		if rel != table.Place {
			// A capital and its country are the entities the link is
			// about; their words' other senses (Russia as the Soviet
			// Union, to a 1990s concordance) are no reason to doubt it.
			weight *= b.targetFactor(w, in)
		}
		if c, ok := best[w]; !ok || weight > c.w {
			best[w] = candidate{weight, rel}
		}
	}
	// wordsOf adds every word of a synset reached by rel with weight w.
	wordsOf := func(to synsetID, w float64, rel table.Relation) {
		for _, o := range b.wn.synsets[to].words {
			consider(o, w, rel, to)
		}
	}
	self := slices.Index(s.words, lemma) + 1 // 0 when only an inflection led here
	for j, o := range s.words {
		if j+1 != self {
			consider(o, relWeight[table.Synonym], table.Synonym, id)
		}
	}
	for _, p := range s.ptrs {
		t := b.wn.synsets[p.to]
		if t == nil {
			continue
		}
		switch {
		case p.src > 0 && (p.sym == "+" || p.sym == `\` || p.sym == "<"):
			rel := table.Derivation
			if p.sym == `\` {
				rel = table.Pertainym
			}
			w := relWeight[rel]
			if p.src != self {
				w *= synonymStep // a synonym's derived form
			}
			if p.dst >= 1 && p.dst <= len(t.words) {
				consider(t.words[p.dst-1], w, rel, p.to)
			}
			wordsOf(p.to, w*synonymStep, rel)
		case p.src == 0 && p.sym == "@" && id.pos == 'v':
			bw := broaderWeight(t)
			wordsOf(p.to, bw, table.Broader)
			// The broader verb's derived nouns: meddle -> interfere -> interference.
			for _, q := range t.ptrs {
				if q.sym == "+" && q.src > 0 && q.dst >= 1 {
					if u := b.wn.synsets[q.to]; u != nil && q.dst <= len(u.words) {
						consider(u.words[q.dst-1], bw*relWeight[table.Derivation], table.Broader, q.to)
					}
				}
			}
		}
	}
	if self > 0 {
		for _, a := range b.pertainedBy[wordRef{id, self}] {
			consider(b.wn.synsets[a.syn].words[a.n-1], relWeight[table.Pertainym], table.Pertainym, a.syn)
		}
	}
	for _, to := range b.places[id] {
		wordsOf(to, relWeight[table.Place], table.Place)
	}
}

// targetSenseExponent softens the target word's side of a link. A link
// counts where the related word, met in a passage, carries the sense the
// two words share: "present" is a synonym of "deliver" in its most common
// sense (deliver a speech), but a passage that says "present" rarely means
// that. So a link is also weighted by the related word's own weight for the
// shared sense, raised to this power: softened, because WordNet's sense
// counts are sparse for many words and a FAQ's domain shifts them
// ("suspension" in a news FAQ is the pause, seldom the car part). 0.3 was
// chosen over 0.5 and 0 (no target side) on all the question sets in
// testdata/eval: 0.5 cut too many useful bridges, 0 let common words with a
// rare shared sense in.
const targetSenseExponent = 0.3

// targetFactor is the related word w's weight for the synset it was reached
// in, softened; 1 for a word WordNet does not list in it (a supplement
// spelling).
func (b *builder) targetFactor(w string, in synsetID) float64 {
	ss := b.wn.senses[w]
	for i, p := range senseWeights(ss) {
		if ss[i].syn == in {
			return math.Pow(p, targetSenseExponent)
		}
	}
	return 1
}

// build computes every entry of the table.
func (b *builder) build() []table.Entry {
	lemmas := make([]string, 0, len(b.wn.senses)+len(b.wn.exc))
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			lemmas = append(lemmas, w)
		}
	}
	for w := range b.wn.senses {
		add(w)
	}
	for w := range b.wn.exc {
		add(w)
	}
	for w := range b.body {
		add(w)
	}
	sort.Strings(lemmas)
	var out []table.Entry
	for _, w := range lemmas {
		if ls := b.links(w); len(ls) > 0 {
			out = append(out, table.Entry{Word: w, Links: ls})
		}
	}
	return out
}

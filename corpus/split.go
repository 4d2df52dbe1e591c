package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SplitOptions sets passage sizes, in characters.
type SplitOptions struct {
	// Target is the passage length the splitter aims for: paragraphs are
	// packed into a passage until the next would take it past Target.
	Target int
	// Max is the hard ceiling: no passage is longer. Paragraphs longer
	// than Max are split on sentence boundaries (on word boundaries only
	// for a sentence longer than Max).
	Max int
	// Overlap is how much of the end of one passage is repeated at the
	// start of the next in the same section, in whole sentences (a short
	// last paragraph is repeated whole), so that an answer spanning the
	// cut is still found. 0 turns overlap off.
	Overlap int
	// SourceURL maps a file to its page on the published site, for
	// documents that give no link of their own: a template checked by
	// SourceURLTemplate, such as "https://docs.example.com/{path}".
	// Passages link to that page, plus their heading's anchor. "" gives
	// such documents no link.
	SourceURL string
}

// DefaultSplitOptions returns the sizes faqbot uses: passages of about 800
// characters — a few paragraphs, long enough to answer from, short enough
// for the built-in embedder and for several to fit in a prompt — never over
// 1,600, with about 150 characters (a sentence or two) of overlap.
func DefaultSplitOptions() SplitOptions {
	return SplitOptions{Target: 800, Max: 1600, Overlap: 150}
}

// normalized fills in defaults and keeps the sizes consistent.
func (o SplitOptions) normalized() SplitOptions {
	d := DefaultSplitOptions()
	if o.Target <= 0 {
		o.Target = d.Target
	}
	if o.Max < o.Target {
		o.Max = 2 * o.Target
	}
	o.Overlap = min(max(o.Overlap, 0), o.Target/2)
	return o
}

// SplitAll splits every document; see Split.
func SplitAll(docs []Document, opt SplitOptions) []Chunk {
	var out []Chunk
	for _, d := range docs {
		out = append(out, Split(d, opt)...)
	}
	return out
}

// Split cuts a document into passages. An FAQ entry is one passage (the
// answer, titled by the question) unless its answer exceeds opt.Max, when
// it is split like article text and every part keeps the question as its
// title. Article sections are packed paragraph by paragraph up to
// opt.Target, with opt.Overlap of the previous passage repeated; passages
// never span two sections and never exceed opt.Max.
func Split(doc Document, opt SplitOptions) []Chunk {
	opt = opt.normalized()
	var out []Chunk
	for _, sec := range doc.Sections {
		title, url := doc.Title, doc.URL
		switch {
		case sec.Question != "":
			title = sec.Question
		case sec.Heading != "":
			title = sec.Heading
		}
		if sec.URL != "" {
			url = sec.URL
		}
		var texts []string
		if whole := strings.Join(sec.Paragraphs, "\n\n"); sec.Question != "" && runeLen(whole) <= opt.Max {
			texts = []string{whole}
		} else {
			texts = pack(sec.Paragraphs, opt)
		}
		for _, text := range texts {
			pos := len(out)
			sum := sha256.Sum256([]byte(title + "\n" + text))
			out = append(out, Chunk{
				ID:       ChunkID(doc.ID, pos),
				DocID:    doc.ID,
				DocTitle: doc.Title,
				Title:    title,
				Text:     text,
				Pos:      pos,
				URL:      url,
				Hash:     hex.EncodeToString(sum[:]),
			})
		}
	}
	return out
}

// unit is a paragraph, or a piece of an overlong one, with its length.
type unit struct {
	text string
	n    int
}

// pack groups paragraphs into passages of about opt.Target characters.
func pack(paras []string, opt SplitOptions) []string {
	var units []unit
	for _, p := range paras {
		if n := runeLen(p); n <= opt.Max {
			units = append(units, unit{p, n})
		} else {
			units = append(units, splitLong(p, opt)...)
		}
	}
	var out []string
	var cur []string
	curLen, fresh := 0, 0 // fresh counts characters not repeated from before
	emit := func() {
		if fresh > 0 {
			out = append(out, strings.Join(cur, "\n\n"))
		}
	}
	for i, u := range units {
		grown := curLen + 2 + u.n
		switch {
		case len(cur) == 0:
			cur, curLen, fresh = []string{u.text}, u.n, u.n
		case grown <= opt.Target || fresh < opt.Target/2 && grown <= opt.Max:
			// Room left, or the passage is still short enough that a
			// small overshoot beats a fragment.
			cur, curLen, fresh = append(cur, u.text), grown, fresh+u.n
		default:
			emit()
			cur, curLen, fresh = []string{u.text}, u.n, u.n
			if tail := overlapTail(units[i-1].text, opt.Overlap); tail != "" && !isFenced(units[i-1].text) {
				if tn := runeLen(tail); tn+2+u.n <= opt.Max {
					cur, curLen = []string{tail, u.text}, tn+2+u.n
				}
			}
		}
	}
	emit()
	return out
}

// overlapTail returns the last sentences of text that fit in n characters
// (the whole text when it is that short), or "" when even the last
// sentence is much longer.
func overlapTail(text string, n int) string {
	if n <= 0 {
		return ""
	}
	if runeLen(text) <= n {
		return text
	}
	ss := sentences(text)
	total, k := 0, len(ss)
	for k > 0 {
		l := runeLen(ss[k-1]) + 1
		if total+l > n && !(k == len(ss) && l <= n*3/2) {
			break
		}
		total += l
		k--
	}
	return strings.Join(ss[k:], " ")
}

// splitLong cuts an overlong paragraph into pieces of about opt.Target
// characters on sentence boundaries; a sentence longer than opt.Max is cut
// between words, and a run without spaces between characters.
func splitLong(p string, opt SplitOptions) []unit {
	if isFenced(p) {
		// Cut the code between lines and fence every piece again, so
		// that each passage holds well-formed code.
		open := p[:strings.IndexByte(p, '\n')]
		fence := strings.TrimRight(open, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-_#")
		inner := strings.TrimSuffix(strings.TrimPrefix(p, open+"\n"), "\n"+fence)
		o := opt
		o.Target, o.Max = max(opt.Target-2*len(open), 1), max(opt.Max-2*len(open), 2)
		var out []unit
		for _, u := range splitLong(inner, o) {
			t := open + "\n" + u.text + "\n" + fence
			out = append(out, unit{t, runeLen(t)})
		}
		return out
	}
	var out []unit
	var cur strings.Builder
	curLen := 0
	sep, parts := " ", []string(nil)
	if strings.Contains(p, "\n") {
		// Preformatted text: cut between lines, keeping indentation.
		sep, parts = "\n", strings.Split(p, "\n")
	} else {
		parts = sentences(p)
	}
	flush := func() {
		if curLen > 0 {
			out = append(out, unit{cur.String(), curLen})
			cur.Reset()
			curLen = 0
		}
	}
	add := func(s string, n int) {
		if curLen > 0 && curLen+1+n > opt.Target {
			flush()
		}
		if curLen > 0 {
			cur.WriteString(sep)
			curLen++
		}
		cur.WriteString(s)
		curLen += n
	}
	for _, s := range parts {
		n := runeLen(s)
		if n <= opt.Max {
			add(s, n)
			continue
		}
		for _, w := range hardWrap(s, opt.Target) {
			add(w, runeLen(w))
		}
	}
	flush()
	return out
}

// hardWrap cuts s into pieces of at most n characters, between words when
// it can.
func hardWrap(s string, n int) []string {
	var out []string
	rs := []rune(s)
	for len(rs) > n {
		cut := n
		for cut > n/2 && rs[cut] != ' ' {
			cut--
		}
		if rs[cut] != ' ' {
			cut = n
		}
		out = append(out, strings.TrimSpace(string(rs[:cut])))
		rs = rs[cut:]
	}
	if t := strings.TrimSpace(string(rs)); t != "" {
		out = append(out, t)
	}
	return out
}

// isFenced reports whether a paragraph is a fenced code block, as
// block.paragraph writes them.
func isFenced(p string) bool {
	return strings.HasPrefix(p, "```") && strings.HasSuffix(p, "```") && strings.Contains(p, "\n")
}

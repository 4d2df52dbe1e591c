package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A reader for the WordNet database files as wndb(5WN) describes them:
// index.POS (lemma -> senses in frequency order), data.POS (synsets and
// their pointers), POS.exc (irregular inflections) and cntlist.rev (how
// often each sense was tagged in the semantic concordances).

// posFiles are the four parts of speech, by file suffix and letter.
var posFiles = []struct {
	name   string
	letter byte
}{{"noun", 'n'}, {"verb", 'v'}, {"adj", 'a'}, {"adv", 'r'}}

// synsetID names a synset: its part of speech (the data file: n, v, a or
// r; satellites "s" live in the adjective file) and its byte offset there.
type synsetID struct {
	pos byte
	off uint32
}

// pointer is one relation from a synset (or one of its words) to another.
type pointer struct {
	sym string
	to  synsetID
	// src and dst are 1-based word numbers for a lexical pointer (a
	// relation between two words), both 0 for a semantic one (between the
	// synsets as wholes).
	src, dst int
}

// synset is one sense shared by its words.
type synset struct {
	id    synsetID
	words []string // normalised (see normWord), in the file's order
	ptrs  []pointer
}

// sense is one sense of a lemma: the synset, and how often the
// concordances tagged the lemma in that sense.
type sense struct {
	syn   synsetID
	rank  int // 1-based sense number within the lemma's part of speech
	count int
}

// wordnet is the parsed database.
type wordnet struct {
	synsets map[synsetID]*synset
	// senses lists each lemma's senses, part of speech by part of speech
	// (noun, verb, adjective, adverb), each in the index's order.
	senses map[string][]sense
	// exc maps an irregular inflected form to its base forms.
	exc map[string][]string
}

// normWord turns a WordNet word or lemma into the table's form: lowercase,
// words separated by spaces, without an adjective's syntactic marker
// ("galore(ip)").
func normWord(w string) string {
	if i := strings.IndexByte(w, '('); i > 0 && strings.HasSuffix(w, ")") {
		w = w[:i]
	}
	return strings.ToLower(strings.ReplaceAll(w, "_", " "))
}

// readWordNet reads the database in dir. cntlist.rev is optional: without
// it every sense counts as untagged and only the index order ranks them.
func readWordNet(dir string) (*wordnet, error) {
	wn := &wordnet{
		synsets: map[synsetID]*synset{},
		senses:  map[string][]sense{},
		exc:     map[string][]string{},
	}
	counts, err := readCounts(filepath.Join(dir, "cntlist.rev"))
	if err != nil {
		return nil, err
	}
	for _, p := range posFiles {
		if err := eachLine(filepath.Join(dir, "data."+p.name), func(line string) error {
			s, err := parseSynset(line, p.letter)
			if err != nil {
				return err
			}
			wn.synsets[s.id] = s
			return nil
		}); err != nil {
			return nil, err
		}
		if err := eachLine(filepath.Join(dir, "index."+p.name), func(line string) error {
			lemma, offs, err := parseIndex(line)
			if err != nil {
				return err
			}
			for i, off := range offs {
				id := synsetID{p.letter, off}
				if wn.synsets[id] == nil {
					return fmt.Errorf("lemma %q names synset %08d, which data.%s lacks", lemma, off, p.name)
				}
				wn.senses[lemma] = append(wn.senses[lemma], sense{
					syn: id, rank: i + 1, count: counts[countKey{lemma, p.letter, i + 1}],
				})
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if err := eachLine(filepath.Join(dir, p.name+".exc"), func(line string) error {
			f := strings.Fields(line)
			if len(f) < 2 {
				return fmt.Errorf("exception line %q has no base form", line)
			}
			form := normWord(f[0])
			for _, b := range f[1:] {
				if b := normWord(b); b != form && !contains(wn.exc[form], b) {
					wn.exc[form] = append(wn.exc[form], b)
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return wn, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// eachLine calls fn on every line of a file but the licence header (lines
// starting with a space) and blank ones, and says where a bad line was.
func eachLine(path string, fn func(string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading wordnet: %w", err)
	}
	defer f.Close()
	return scanLines(f, path, fn)
}

func scanLines(r io.Reader, name string, fn func(string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \r")
		if line == "" || line[0] == ' ' {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// parseIndex reads an index line:
// lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
func parseIndex(line string) (string, []uint32, error) {
	f := strings.Fields(line)
	if len(f) < 6 {
		return "", nil, fmt.Errorf("index line %q is too short", line)
	}
	nSyn, err1 := strconv.Atoi(f[2])
	nPtr, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || nSyn < 1 || nPtr < 0 || len(f) != 4+nPtr+2+nSyn {
		return "", nil, fmt.Errorf("index line %q: counts do not match its fields", line)
	}
	offs := make([]uint32, 0, nSyn)
	for _, s := range f[4+nPtr+2:] {
		off, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return "", nil, fmt.Errorf("index line %q: bad offset %q", line, s)
		}
		offs = append(offs, uint32(off))
	}
	return normWord(f[0]), offs, nil
}

// parseSynset reads a data line:
// offset lex_filenum ss_type w_cnt word lex_id ... p_cnt ptr... [frames] | gloss
func parseSynset(line string, filePOS byte) (*synset, error) {
	if i := strings.Index(line, " | "); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) < 4 {
		return nil, fmt.Errorf("data line %q is too short", line)
	}
	off, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil {
		return nil, fmt.Errorf("data line: bad offset %q", f[0])
	}
	if t := f[2]; len(t) != 1 || posOf(t[0]) != filePOS {
		return nil, fmt.Errorf("data line %08d: synset type %q in the %c file", off, t, filePOS)
	}
	nw, err := strconv.ParseUint(f[3], 16, 8)
	if err != nil || nw == 0 || len(f) < 4+2*int(nw)+1 {
		return nil, fmt.Errorf("data line %08d: bad word count %q", off, f[3])
	}
	s := &synset{id: synsetID{filePOS, uint32(off)}}
	for i := range int(nw) {
		s.words = append(s.words, normWord(f[4+2*i]))
	}
	rest := f[4+2*int(nw):]
	np, err := strconv.Atoi(rest[0])
	if err != nil || len(rest) < 1+4*np {
		return nil, fmt.Errorf("data line %08d: bad pointer count %q", off, rest[0])
	}
	for i := range np {
		p := rest[1+4*i : 5+4*i]
		to, err := strconv.ParseUint(p[1], 10, 32)
		if err != nil || len(p[2]) != 1 || len(p[3]) != 4 {
			return nil, fmt.Errorf("data line %08d: bad pointer %q", off, strings.Join(p, " "))
		}
		src, err1 := strconv.ParseUint(p[3][:2], 16, 8)
		dst, err2 := strconv.ParseUint(p[3][2:], 16, 8)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("data line %08d: bad source/target %q", off, p[3])
		}
		s.ptrs = append(s.ptrs, pointer{sym: p[0], to: synsetID{posOf(p[2][0]), uint32(to)}, src: int(src), dst: int(dst)})
	}
	return s, nil
}

// posOf maps a synset type to the data file it lives in: satellites are
// adjectives.
func posOf(t byte) byte {
	if t == 's' {
		return 'a'
	}
	return t
}

// countKey names one sense by lemma, part of speech and sense number.
type countKey struct {
	lemma string
	pos   byte
	rank  int
}

// readCounts reads cntlist.rev: "sense_key sense_number tag_cnt", where a
// sense key is lemma%ss_type:lex_filenum:lex_id:head_word:head_id and
// ss_type is 1 noun, 2 verb, 3 adjective, 4 adverb, 5 satellite. A missing
// file gives no counts.
func readCounts(path string) (map[countKey]int, error) {
	counts := map[countKey]int{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return counts, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading sense counts: %w", err)
	}
	defer f.Close()
	err = scanLines(f, path, func(line string) error {
		fl := strings.Fields(line)
		if len(fl) != 3 {
			return fmt.Errorf("count line %q: want 3 fields", line)
		}
		lemma, rest, ok := strings.Cut(fl[0], "%")
		if !ok || rest == "" {
			return fmt.Errorf("count line %q: bad sense key", line)
		}
		pos, ok := map[byte]byte{'1': 'n', '2': 'v', '3': 'a', '4': 'r', '5': 'a'}[rest[0]]
		if !ok {
			return fmt.Errorf("count line %q: bad synset type", line)
		}
		rank, err1 := strconv.Atoi(fl[1])
		n, err2 := strconv.Atoi(fl[2])
		if err1 != nil || err2 != nil || rank < 1 || n < 0 {
			return fmt.Errorf("count line %q: bad numbers", line)
		}
		counts[countKey{normWord(lemma), pos, rank}] += n
		return nil
	})
	return counts, err
}

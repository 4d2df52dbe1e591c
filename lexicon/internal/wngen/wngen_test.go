package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/internal/golden"
	"github.com/faqbot/faqbot/lexicon/internal/table"
)

const fixtureNotice = "fixture notice: WordNet 3.0 Copyright 2006 by Princeton University."

// fixtureTable runs the generator on testdata/wordnet, an excerpt of
// WordNet 3.0 in its own file format, with testdata/supplement.txt.
func fixtureTable(t *testing.T) *table.Table {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "fx.bin")
	notice := filepath.Join(dir, "NOTICE")
	if err := os.WriteFile(notice, []byte(fixtureNotice), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	err := run([]string{"-wordnet", "testdata/wordnet", "-supplement", "testdata/supplement.txt", "-notice", notice, "-o", out}, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := table.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Validate(); err != nil {
		t.Fatalf("generated table does not validate: %v", err)
	}
	return tab
}

func link(tab *table.Table, from, to string) (table.Link, bool) {
	ls, _ := tab.Lookup(from)
	for _, l := range ls {
		if l.To == to {
			return l, true
		}
	}
	return table.Link{}, false
}

func TestGenerateFixtureRelations(t *testing.T) {
	tab := fixtureTable(t)
	if got := tab.Notice(); got != fixtureNotice {
		t.Errorf("notice %q, want %q", got, fixtureNotice)
	}
	tests := []struct {
		from, to   string
		rel        table.Relation
		minW, maxW float64
	}{
		// Synonyms: same synset, weighted by how common the shared sense is
		// for the source word and, softened, for the target ("united
		// states" is also the US government).
		{"america", "united states", table.Synonym, 0.85, 0.9},
		{"us", "america", table.Synonym, 0.99, 1},
		{"united states", "america", table.Synonym, 0.6, 0.8}, // "the US government" is a third of its uses
		{"reply", "answer", table.Synonym, 0.65, 0.75},        // "answer" is mostly a solution
		// Derivations, direct and through a synonym.
		{"reply", "response", table.Derivation, 0.35, 0.45},
		{"deliver", "delivery", table.Derivation, 0.35, 0.45},
		{"election", "electoral", table.Derivation, 0.7, 0.85},
		// Pertainyms, and their inverse: the adjective and its noun.
		{"russian", "russia", table.Pertainym, 0.4, 0.85},
		{"america", "american", table.Pertainym, 0.7, 0.8},
		// Names of the same place: a capital and its country, also two
		// part-of levels away (Washington, D.C. -> United States).
		{"kiev", "ukraine", table.Place, 0.5, 0.5},
		{"ukraine", "kiev", table.Place, 0.4, 0.5},
		{"moscow", "russia", table.Place, 0.5, 0.5},
		{"washington", "united states", table.Place, 0.3, 0.5},
		// A broader verb (meddle -> interfere) and its derived noun.
		{"meddle", "interfere", table.Broader, 0.3, 0.35},
		{"meddle", "interference", table.Broader, 0.28, 0.33},
		// Irregular inflections from the .exc files.
		{"children", "child", table.Inflection, 1, 1},
		// The supplement: a current spelling joins the old one's sense and
		// inherits its relations; a body stands for its country.
		{"kyiv", "kiev", table.Spelling, 1, 1},
		{"kiev", "kyiv", table.Spelling, 1, 1},
		{"kyiv", "ukraine", table.Place, 0.5, 0.5},
		{"kremlin", "russia", table.Place, 0.5, 0.5},
		{"russian government", "kremlin", table.Place, 0.5, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.from+"->"+tt.to, func(t *testing.T) {
			l, ok := link(tab, tt.from, tt.to)
			if !ok {
				ls, _ := tab.Lookup(tt.from)
				t.Fatalf("no link; %q has %v", tt.from, ls)
			}
			// Quantisation moves a weight by at most 1/510.
			if l.Rel != tt.rel || l.Weight < tt.minW-0.002 || l.Weight > tt.maxW+0.002 {
				t.Errorf("got %s %.3f, want %s in [%.2f, %.2f]", l.Rel, l.Weight, tt.rel, tt.minW, tt.maxW)
			}
		})
	}
}

func TestGenerateFixtureLeavesOut(t *testing.T) {
	tab := fixtureTable(t)
	// An irregular form whose base WordNet lacks ("ran run", but the
	// fixture has no "run") is no word at all.
	if tab.Has("ran") || tab.Has("run") {
		t.Errorf("ran/run in the table, though the fixture has no sense of run")
	}
	for _, e := range tab.Entries() {
		if len(e.Links) > maxLinks {
			t.Errorf("%q has %d links, more than %d", e.Word, len(e.Links), maxLinks)
		}
		for _, l := range e.Links {
			if l.To == e.Word {
				t.Errorf("%q links to itself", e.Word)
			}
			if l.Weight < minWeight-0.002 || l.Weight > 1 {
				t.Errorf("%q -> %q weight %.3f outside [%.2f, 1]", e.Word, l.To, l.Weight, minWeight)
			}
		}
	}
}

// A word's rare senses must contribute little: "deliver" is mostly
// delivering a speech or goods (97 of 100 tagged uses); rescuing
// ("deliver us from evil") is rare, and its synonym must weigh far less.
func TestGenerateFixtureRareSenseWeighsLittle(t *testing.T) {
	tab := fixtureTable(t)
	common, ok1 := link(tab, "deliver", "present")
	rare, ok2 := link(tab, "deliver", "rescue")
	if !ok1 {
		t.Fatal("deliver -> present missing")
	}
	if ok2 && (rare.Weight > 0.1 || rare.Weight*4 > common.Weight) {
		t.Errorf("deliver -> rescue %.3f against deliver -> present %.3f: the rare sense weighs too much", rare.Weight, common.Weight)
	}
}

// The whole fixture table, one word a line, so that a change to the
// weighting shows as a reviewable diff (go test -update rewrites it).
func TestGenerateFixtureGolden(t *testing.T) {
	tab := fixtureTable(t)
	var b strings.Builder
	for _, e := range tab.Entries() {
		if len(e.Links) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s:", e.Word)
		for _, l := range e.Links {
			fmt.Fprintf(&b, " %s(%s %.2f)", l.To, l.Rel, l.Weight)
		}
		b.WriteByte('\n')
	}
	golden.Check(t, "fixture.golden", b.String())
}

func TestSenseWeights(t *testing.T) {
	tests := []struct {
		name   string
		senses []sense
		want   []float64
	}{
		{"untagged: index order", []sense{{rank: 1}, {rank: 2}}, []float64{2.0 / 3, 1.0 / 3}},
		{"counts dominate", []sense{{rank: 1, count: 9}, {rank: 2}}, []float64{10.0 / 10.5, 0.5 / 10.5}},
		{"a tagged later sense outranks an untagged first one", []sense{{rank: 1}, {rank: 2, count: 4}}, []float64{1.0 / 5.5, 4.5 / 5.5}},
		{"one sense", []sense{{rank: 1, count: 3}}, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := senseWeights(tt.senses)
			for i := range tt.want {
				if d := got[i] - tt.want[i]; d > 1e-9 || d < -1e-9 {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, line string
		parse      func(string) error
		want       string
	}{
		{"index counts", "reply n 2 3 @ ~ + 2 2 06746005", func(l string) error { _, _, err := parseIndex(l); return err }, "counts do not match"},
		{"index offset", "reply n 1 0 1 1 0674600x", func(l string) error { _, _, err := parseIndex(l); return err }, "bad offset"},
		{"data type", "06746005 10 v 01 answer 1 000 | x", func(l string) error { _, err := parseSynset(l, 'n'); return err }, "synset type"},
		{"data words", "06746005 10 n 03 answer 1 000 | x", func(l string) error { _, err := parseSynset(l, 'n'); return err }, "bad word count"},
		{"data pointers", "06746005 10 n 01 answer 1 002 @ 06722453 n 0000 | x", func(l string) error { _, err := parseSynset(l, 'n'); return err }, "bad pointer count"},
		{"data pointer", "06746005 10 n 01 answer 1 001 @ 06722453 n 00zz | x", func(l string) error { _, err := parseSynset(l, 'n'); return err }, "bad source/target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.line)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseSynsetLexicalPointer(t *testing.T) {
	s, err := parseSynset("02927513 01 a 01 American(a) 1 002 + 09044862 n 0103 \\ 09044862 n 0103 | of America", 'a')
	if err != nil {
		t.Fatal(err)
	}
	want := pointer{sym: `\`, to: synsetID{'n', 9044862}, src: 1, dst: 3}
	if len(s.words) != 1 || s.words[0] != "american" || len(s.ptrs) != 2 || s.ptrs[1] != want {
		t.Errorf("got words %q pointers %+v, want [american] and %+v second", s.words, s.ptrs, want)
	}
}

func TestSupplementErrors(t *testing.T) {
	wn, err := readWordNet("testdata/wordnet")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, text, want string }{
		{"syntax", "kyiv = kiev\n", `want "same: a | b"`},
		{"one word", "same: kyiv\n", "at least two words"},
		{"empty word", "body: kremlin | | russia\n", "empty word"},
		{"unknown words", "same: kyiv | kyjiw\n", "knows none"},
		{"no shared sense", "same: kiev | moscow\n", "share no WordNet sense"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := parseSupplement(strings.NewReader(tt.text), "supp")
			if err == nil {
				err = wn.applySame(gs)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRunNeedsWordNet(t *testing.T) {
	var log bytes.Buffer
	err := run([]string{"-wordnet", t.TempDir(), "-notice", "x", "-o", filepath.Join(t.TempDir(), "t.bin")}, &log)
	if err == nil || !strings.Contains(err.Error(), "apt-get install wordnet-base") {
		t.Errorf("got %v, want a hint to install wordnet-base", err)
	}
}

// The committed table must be what the generator makes of WordNet and the
// supplement today. Needs wordnet-base; CI has no WordNet and skips it.
func TestCommittedTableIsCurrent(t *testing.T) {
	const dir = "/usr/share/wordnet"
	if _, err := os.Stat(filepath.Join(dir, "data.noun")); err != nil {
		t.Skip("wordnet-base is not installed")
	}
	if testing.Short() {
		t.Skip("regenerating the table takes seconds")
	}
	gs, err := readSupplement("../../supplement.txt")
	if err != nil {
		t.Fatal(err)
	}
	notice, err := os.ReadFile("../../WORDNET-LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := generate(dir, gs, string(notice))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../wordnet.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("lexicon/wordnet.bin is stale: run go generate ./lexicon and commit it")
	}
}

// The target side: a related word counts by how often it carries the
// shared sense itself, softened. "suspension" is mostly the act of
// suspending, seldom a pause; a word WordNet does not list in the synset (a
// supplement spelling) counts fully.
func TestTargetFactor(t *testing.T) {
	wn, err := readWordNet("testdata/wordnet")
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(wn, nil)
	first := wn.senses["suspension"][0].syn
	pause := synsetID{'n', 15271008}
	f1, fp := b.targetFactor("suspension", first), b.targetFactor("suspension", pause)
	if !(fp < 0.6 && f1 > 0.9 && fp > 0.3) {
		t.Errorf("suspension: factor %.2f in its first sense, %.2f as a pause; want near 1, and softened but well below", f1, fp)
	}
	if f := b.targetFactor("no such word", pause); f != 1 {
		t.Errorf("unknown word: factor %v, want 1", f)
	}
}

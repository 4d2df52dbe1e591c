package lexicon

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/lexicon/internal/table"
)

// handTable builds a small table whose weights the tests choose, so that
// weighting and restriction are checked independently of WordNet.
func handTable(t *testing.T) *Table {
	t.Helper()
	entries := []table.Entry{
		{Word: "america", Links: []table.Link{
			{To: "united states", Rel: table.Synonym, Weight: 0.96},
			{To: "us", Rel: table.Synonym, Weight: 0.96},
			{To: "the states", Rel: table.Synonym, Weight: 0.96},
			{To: "american", Rel: table.Pertainym, Weight: 0.85},
		}},
		{Word: "united states", Links: []table.Link{{To: "america", Rel: table.Synonym, Weight: 0.7}}},
		{Word: "kyiv", Links: []table.Link{
			{To: "kiev", Rel: table.Spelling, Weight: 1},
			{To: "ukraine", Rel: table.Place, Weight: 0.5},
		}},
		// "pitch": mostly throwing; a rare sense is tar.
		{Word: "pitch", Links: []table.Link{
			{To: "throw", Rel: table.Synonym, Weight: 0.8},
			{To: "tar", Rel: table.Synonym, Weight: 0.06},
		}},
		{Word: "reply", Links: []table.Link{
			{To: "response", Rel: table.Derivation, Weight: 0.7},
			{To: "answer", Rel: table.Synonym, Weight: 0.98},
		}},
		{Word: "election", Links: []table.Link{{To: "electoral", Rel: table.Derivation, Weight: 0.8}}},
		{Word: "children", Links: []table.Link{{To: "child", Rel: table.Inflection, Weight: 1}}},
		{Word: "child", Links: []table.Link{{To: "kid", Rel: table.Synonym, Weight: 0.99}}},
		{Word: "news", Links: []table.Link{{To: "tidings", Rel: table.Synonym, Weight: 0.9}}},
		{Word: "new", Links: []table.Link{{To: "fresh", Rel: table.Synonym, Weight: 0.9}}},
		{Word: "us", Links: []table.Link{{To: "america", Rel: table.Synonym, Weight: 1}}},
		{Word: "meddle", Links: []table.Link{{To: "step in", Rel: table.Broader, Weight: 0.5}}},
		{Word: "handed", Links: []table.Link{{To: "laterality", Rel: table.Derivation, Weight: 0.56}}},
		{Word: "foreign ministry", Links: []table.Link{{To: "foreign office", Rel: table.Synonym, Weight: 0.9}}},
		{Word: "truce", Links: []table.Link{{To: "cease-fire", Rel: table.Synonym, Weight: 0.9}}},
		{Word: "cease-fire", Links: []table.Link{{To: "truce", Rel: table.Synonym, Weight: 0.9}}},
		{Word: "many", Links: []table.Link{
			{To: "a", Rel: table.Synonym, Weight: 1}, {To: "b1", Rel: table.Synonym, Weight: 0.99},
			{To: "c2", Rel: table.Synonym, Weight: 0.98}, {To: "d3", Rel: table.Synonym, Weight: 0.97},
			{To: "e4", Rel: table.Synonym, Weight: 0.96}, {To: "f5", Rel: table.Synonym, Weight: 0.95},
			{To: "g6", Rel: table.Synonym, Weight: 0.94}, {To: "h7", Rel: table.Synonym, Weight: 0.93},
			{To: "i8", Rel: table.Synonym, Weight: 0.92}, {To: "j9", Rel: table.Synonym, Weight: 0.91},
		}},
	}
	var buf bytes.Buffer
	if err := table.Write(&buf, "hand-made", entries); err != nil {
		t.Fatal(err)
	}
	tab, err := Open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// vocab is a corpus vocabulary: the analysed terms of text.
func vocab(text string) func(string) bool {
	v := map[string]bool{}
	for _, t := range corpus.Terms(text) {
		v[t] = true
	}
	return func(t string) bool { return v[t] }
}

// show renders expansions as "terms<-from(rel weight)".
func show(xs []Expansion) []string {
	var out []string
	for _, x := range xs {
		out = append(out, fmt.Sprintf("%s<-%s(%s %.2f)", strings.Join(x.Terms, "+"), x.From, x.Rel, x.Weight))
	}
	return out
}

func TestExpand(t *testing.T) {
	tab := handTable(t)
	e := NewExpander(tab, corpus.Terms)
	tests := []struct {
		name, question, corpus string
		want                   []string
	}{
		{
			name:     "synonyms and multi-word names, only those in the corpus",
			question: "why did America pause aid?",
			corpus:   "The United States suspended aid. The US said so.",
			want:     []string{"unit+state<-america(synonym 0.58)", "us<-america(synonym 0.58)"},
		},
		{
			name:     "a corpus without the related words gets nothing",
			question: "why did America pause aid?",
			corpus:   "Aid was suspended.",
			want:     nil,
		},
		{
			name:     "a multi-word name needs all its words in the corpus",
			question: "what did America do",
			corpus:   "The state of things; united we stand? No: unity.",
			want:     []string{"unit+state<-america(synonym 0.58)"},
		},
		{
			name:     "a name the analyser reduces to one word is dropped",
			question: "what did America do",
			corpus:   "Each of the states voted.",
			want:     nil,
		},
		{
			name:     "a multi-word question phrase is looked up whole",
			question: "is the united states helping",
			corpus:   "America helps.",
			want:     []string{"america<-united states(synonym 0.42)"},
		},
		{
			name:     "spelling and place, weighted by relation",
			question: "aid to kyiv",
			corpus:   "Kiev, the capital of Ukraine.",
			want:     []string{"kiev<-kyiv(spelling 0.60)", "ukrain<-kyiv(place 0.30)"},
		},
		{
			name:     "a regular inflection finds its base form",
			question: "foreign elections",
			corpus:   "electoral processes",
			want:     []string{"elector<-elections(derivation 0.48)"},
		},
		{
			name:     "an irregular inflection, and its base's relations",
			question: "the children",
			corpus:   "a kid and a child",
			want:     []string{"child<-children(inflection 0.60)", "kid<-children(synonym 0.59)"},
		},
		{
			name:     "a word known in its own right: its base form weighs half",
			question: "the news",
			corpus:   "fresh tidings",
			want:     []string{"tide<-news(synonym 0.54)", "fresh<-news(synonym 0.27)"},
		},
		{
			name:     "a multi-word name is reduced by its last word",
			question: "the foreign ministries",
			corpus:   "the foreign office",
			want:     []string{"foreign+offic<-foreign ministries(synonym 0.54)"},
		},
		{
			name:     "the member's own words are not expansions",
			question: "america or the united states",
			corpus:   "the United States, America, the US",
			want:     []string{"us<-america(synonym 0.58)"},
		},
		{
			name:     "us, the pronoun, is not expanded",
			question: "tell us about it",
			corpus:   "America",
			want:     nil,
		},
		{
			name:     "a name that the analyser cuts to one word is no bridge",
			question: "did they meddle",
			corpus:   "they step in",
			want:     nil,
		},
		{
			name:     "a stem shared with unrelated words is no bridge",
			question: "who handed it over",
			corpus:   "later that day",
			want:     nil,
		},
		{
			name:     "a hyphenated word matches the corpus's joined form",
			question: "is there a truce",
			corpus:   "a ceasefire was agreed",
			want:     []string{"ceasefir<-truce(synonym 0.54)"},
		},
		{
			name:     "a hyphenated word matches the corpus's words",
			question: "is there a truce",
			corpus:   "they agreed to cease fire",
			want:     []string{"ceas+fire<-truce(synonym 0.54)"},
		},
		{
			name:     "a member's two words match a hyphenated name",
			question: "will they cease fire",
			corpus:   "a truce",
			want:     []string{"truce<-cease fire(synonym 0.54)"},
		},
		{
			name:     "at most a few terms per word, the strongest",
			question: "many",
			corpus:   "a b1 c2 d3 e4 f5 g6 h7 i8 j9",
			want: []string{"b1<-many(synonym 0.59)", "c2<-many(synonym 0.59)", "d3<-many(synonym 0.58)", "e4<-many(synonym 0.58)",
				"f5<-many(synonym 0.57)", "g6<-many(synonym 0.56)", "h7<-many(synonym 0.56)", "i8<-many(synonym 0.55)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := show(e.Expand(corpus.Words(tt.question), vocab(tt.corpus)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// A rare sense must not win: "pitch" is tar only rarely. Both related
// words are in the corpus, but the rare one weighs below MinWeight and is
// dropped, and the common one stays below the member's own word.
func TestExpandRareSenseDoesNotWin(t *testing.T) {
	e := NewExpander(handTable(t), corpus.Terms)
	got := e.Expand(corpus.Words("how fast was the pitch"), vocab("He could throw it fast. The roof was covered in tar."))
	if s := show(got); !slices.Equal(s, []string{"throw<-pitch(synonym 0.48)"}) {
		t.Errorf("got %q, want only throw", s)
	}
}

func TestExpandWeightsBelowOwnWords(t *testing.T) {
	tab := handTable(t)
	e := NewExpander(tab, corpus.Terms)
	all := func(string) bool { return true }
	for _, q := range []string{"america", "kyiv", "pitch", "reply", "the children", "united states", "many"} {
		for _, x := range e.Expand(corpus.Words(q), all) {
			if x.Weight < MinWeight || x.Weight > MaxWeight {
				t.Errorf("%q: %s weighs %.3f, outside [%.2f, %.2f]", q, x.Word, x.Weight, MinWeight, MaxWeight)
			}
		}
	}
}

func TestReadings(t *testing.T) {
	tab := handTable(t)
	tests := []struct {
		word string
		want []string
	}{
		{"america", []string{"america 1.00"}},
		{"elections", []string{"election 1.00"}},
		{"children", []string{"child 1.00"}},
		{"news", []string{"news 1.00", "new 0.50"}},
		{"foreign ministries", []string{"foreign ministry 1.00"}},
		{"bus", nil}, // not "bu": a candidate must be a word of the table
		{"us", []string{"us 1.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			var got []string
			for _, r := range tab.readings(tt.word) {
				got = append(got, fmt.Sprintf("%s %.2f", r.word, r.weight))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenRejectsDamagedTables(t *testing.T) {
	var buf bytes.Buffer
	if err := table.Write(&buf, "n", []table.Entry{{Word: "a", Links: []table.Link{{To: "b", Rel: table.Synonym, Weight: 1}}}}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for _, data := range [][]byte{nil, []byte("FAQLEX"), append([]byte("NOTATABL"), good[8:]...), good[:len(good)-1], append(slices.Clone(good), 0)} {
		if _, err := Open(data); err == nil {
			t.Errorf("Open accepted %d damaged bytes", len(data))
		}
	}
	// A link to a word that does not exist is skipped on lookup and
	// reported by validation.
	bad := slices.Clone(good)
	bad[len(bad)-4] = 9
	tab, err := Open(bad)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Lookup("a"); len(got) != 0 {
		t.Errorf("lookup through a broken link gave %v", got)
	}
	if err := tab.validate(); err == nil {
		t.Error("validate accepted a link to no word")
	}
}

func TestWriteRejectsBadEntries(t *testing.T) {
	for _, es := range [][]table.Entry{
		{{Word: ""}},
		{{Word: "a\nb"}},
		{{Word: "a", Links: []table.Link{{To: "b", Rel: 0, Weight: 1}}}},
		{{Word: "a", Links: []table.Link{{To: "b", Rel: table.Synonym, Weight: 0}}}},
		{{Word: "a", Links: []table.Link{{To: "b", Rel: table.Synonym, Weight: math.NaN()}}}},
	} {
		if err := table.Write(&bytes.Buffer{}, "", es); err == nil {
			t.Errorf("Write accepted %+v", es)
		}
	}
}

// Concurrent questions share the expander's memo (run with -race).
func TestExpandConcurrent(t *testing.T) {
	e := NewExpander(handTable(t), corpus.Terms)
	in := vocab("The United States and Kiev, Ukraine; a kid; electoral")
	want := show(e.Expand(corpus.Words("america kyiv children elections"), in))
	done := make(chan []string)
	for range 8 {
		go func() { done <- show(e.Expand(corpus.Words("america kyiv children elections"), in)) }()
	}
	for range 8 {
		if got := <-done; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// The expander's name follows its table's content: an index calibrated
// with one table is calibrated again for another.
func TestNameFollowsTheTable(t *testing.T) {
	tab := func(w float64) *Table {
		var buf bytes.Buffer
		if err := table.Write(&buf, "n", []table.Entry{{Word: "a", Links: []table.Link{{To: "b", Rel: table.Synonym, Weight: w}}}}); err != nil {
			t.Fatal(err)
		}
		x, err := Open(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, a2, b := NewExpander(tab(0.5), corpus.Terms), NewExpander(tab(0.5), corpus.Terms), NewExpander(tab(0.9), corpus.Terms)
	if a.Name() != a2.Name() || a.Name() == b.Name() || !strings.Contains(a.Name(), tab(0.5).Sum()) {
		t.Errorf("names %q, %q, %q: want equal for equal tables, different for different ones", a.Name(), a2.Name(), b.Name())
	}
}

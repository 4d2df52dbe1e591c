package retrieval

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

// countingExpander proposes fixed expansions and counts the questions it
// was asked to expand; safe for the concurrent searches of calibration.
type countingExpander struct {
	name string
	exps []Expansion
	mu   sync.Mutex
	n    int
}

func (c *countingExpander) Name() string { return c.name }

func (c *countingExpander) Expand(words []string, inCorpus func(string) bool) []Expansion {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	var out []Expansion
	for _, e := range c.exps {
		if slices.ContainsFunc(e.Terms, func(t string) bool { return !inCorpus(t) }) {
			continue
		}
		if slices.Contains(words, e.From) {
			out = append(out, e)
		}
	}
	return out
}

func (c *countingExpander) asked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func expansionCorpus() []corpus.Chunk {
	return []corpus.Chunk{
		chunk("refunds", "Money back", "We reimburse members within 14 days of a purchase."),
		chunk("shipping", "Shipping", "We ship to Canada and Mexico by post."),
		chunk("events", "Events", "The club meets every Friday for a quiz night."),
	}
}

// TestIndexExpanderSearchesAndCalibrates: an index built with an expander
// expands every Search (a question in other words finds its passage) and
// was calibrated with it (the off-topic and reworded probes were expanded
// too, and the calibration names the expander).
func TestIndexExpanderSearchesAndCalibrates(t *testing.T) {
	ctx := context.Background()
	exp := &countingExpander{name: "words/1", exps: []Expansion{{Terms: []string{"reimburs"}, From: "refund", Weight: 0.6}}}
	ix, err := Build(ctx, expansionCorpus(), NewHashEmbedder(0), BuildOptions{Expander: exp})
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Calibration().Expander; got != "words/1" {
		t.Errorf("calibration expander %q, want words/1", got)
	}
	if n := exp.asked(); n < len(offTopic) {
		t.Errorf("calibration expanded %d questions, want every probe (at least %d)", n, len(offTopic))
	}
	hits, err := ix.Search(ctx, "refund", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Chunk.ID != "refunds" || hits[0].Coverage <= 0 {
		t.Fatalf("hits %v, want the passage in other words found through the expansion%s", ids(hits), describe(hits))
	}
	plain := mustBuild(t, expansionCorpus(), NewHashEmbedder(0))
	if got := plain.Calibration().Expander; got != "" {
		t.Errorf("calibration without an expander names %q", got)
	}
	if hits, _ := plain.Search(ctx, "refund", 1); len(hits) > 0 && hits[0].Coverage > 0 {
		t.Errorf("without an expander, refund covers %v%s", ids(hits), describe(hits))
	}
}

// TestOpenRecalibratesForAnotherExpander: a saved index keeps its
// calibration while the expander is the same, and is calibrated again
// (without re-embedding its passages) when the expander changes or goes.
func TestOpenRecalibratesForAnotherExpander(t *testing.T) {
	ctx := context.Background()
	lg := testLogger(t)
	dir := t.TempDir()
	cs := expansionCorpus()
	want := Manifest{Docs: map[string]string{"d": "1"}}
	emb := NewHashEmbedder(0)
	v1 := &countingExpander{name: "words/1", exps: []Expansion{{Terms: []string{"reimburs"}, From: "refund", Weight: 0.6}}}
	if _, rep, err := Open(ctx, dir, cs, want, emb, BuildOptions{Expander: v1}, lg); err != nil || rep.Loaded {
		t.Fatalf("first Open: loaded=%v err=%v", rep.Loaded, err)
	}
	steps := []struct {
		name         string
		exp          Expander
		recalibrated bool
		want         string
	}{
		{"same expander", v1, false, "words/1"},
		{"another expander", &countingExpander{name: "words/2"}, true, "words/2"},
		{"no expander", nil, true, ""},
	}
	for _, s := range steps {
		ix, rep, err := Open(ctx, dir, cs, want, emb, BuildOptions{Expander: s.exp}, lg)
		if err != nil || !rep.Loaded || rep.Recalibrated != s.recalibrated || rep.Embedded != 0 {
			t.Fatalf("%s: loaded=%v recalibrated=%v (want %v) embedded=%d err=%v", s.name, rep.Loaded, rep.Recalibrated, s.recalibrated, rep.Embedded, err)
		}
		if got := ix.Calibration().Expander; got != s.want {
			t.Errorf("%s: calibration expander %q, want %q", s.name, got, s.want)
		}
		m, err := ReadManifest(dir)
		if err != nil || m.Calibration == nil || m.Calibration.Expander != s.want {
			t.Errorf("%s: saved calibration %+v (%v), want expander %q", s.name, m.Calibration, err, s.want)
		}
	}
}

// TestLoadWithExpander: a loaded index searches with the expander it is
// given and keeps a calibration measured with it; given another, it is
// calibrated again as it loads. Update keeps the index's expander, and a
// search with options of its own (taught aliases) still uses it.
func TestLoadWithExpander(t *testing.T) {
	ctx := context.Background()
	exp := &countingExpander{name: "words/1", exps: []Expansion{{Terms: []string{"reimburs"}, From: "refund", Weight: 0.6}}}
	built, err := Build(ctx, expansionCorpus(), NewHashEmbedder(0), BuildOptions{Expander: exp})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Save(ctx, built, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !CalibratedWith(m, exp) || CalibratedWith(m, nil) {
		t.Errorf("saved calibration %+v: want it measured with words/1 and not without", m.Calibration)
	}

	asked := exp.asked()
	ix, _, err := LoadWith(ctx, dir, NewHashEmbedder(0), LoadOptions{Expander: exp})
	if err != nil {
		t.Fatal(err)
	}
	if n := exp.asked() - asked; n != 0 {
		t.Errorf("loading with the same expander expanded %d questions, want no recalibration", n)
	}
	if ix.Calibration() != built.Calibration() {
		t.Errorf("loaded calibration %+v, want the saved %+v", ix.Calibration(), built.Calibration())
	}
	for name, search := range map[string]func() ([]Hit, error){
		"Search":     func() ([]Hit, error) { return ix.Search(ctx, "refund", 1) },
		"SearchWith": func() ([]Hit, error) { return ix.SearchWith(ctx, "refund", 1, SearchOptions{}) },
	} {
		hits, err := search()
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Chunk.ID != "refunds" || hits[0].Coverage <= 0 {
			t.Errorf("%s: hits %v, want the passage found through the expansion%s", name, ids(hits), describe(hits))
		}
	}

	plain, _, err := Load(ctx, dir, NewHashEmbedder(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.Calibration().Expander; got != "" {
		t.Errorf("loaded without an expander, calibration names %q: want it measured again without", got)
	}

	up, err := ix.Update(ctx, map[string][]corpus.Chunk{"new": {chunk("new", "Opening hours", "The office opens at nine.")}}, nil, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := up.Calibration().Expander; got != "words/1" {
		t.Errorf("updated index calibrated with %q, want the index's own words/1", got)
	}
}

package library

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/faqbot/faqbot/retrieval"
)

// TestCalibrationKeptAndOverridden: the index's relevance calibration is
// saved with it and used as saved on the next start; an index saved
// without one is calibrated once and saved again; the threshold override
// holds for a built, a loaded and a refreshed index.
func TestCalibrationKeptAndOverridden(t *testing.T) {
	ctx := context.Background()
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	openLib := func(minRel float64) *Library {
		t.Helper()
		l, err := Open(ctx, Options{Corpus: os.DirFS(dir), IndexDir: idx, Embedder: retrieval.NewHashEmbedder(0), MinRelevance: minRel})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return l
	}
	manifest := func() retrieval.Manifest {
		t.Helper()
		m, err := retrieval.ReadManifest(idx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	built := openLib(0).Index().Calibration()
	if m := manifest(); !retrieval.Calibrated(m) || *m.Calibration != built {
		t.Fatalf("saved calibration %+v, want %+v", m.Calibration, built)
	}

	// An index saved before calibration existed.
	path := filepath.Join(idx, "manifest.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	delete(raw, "calibration")
	if b, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l := openLib(0.9)
	if got := l.Index().Calibration(); got.Threshold != built.Threshold || got.Cut() != 0.9 {
		t.Errorf("recalibrated threshold %v (in force %v), want %v (0.9)", got.Threshold, got.Cut(), built.Threshold)
	}
	if m := manifest(); !retrieval.Calibrated(m) || m.Calibration.MinRelevance != 0 {
		t.Errorf("after recalibrating, saved calibration %+v; want it saved, without the override", m.Calibration)
	}

	write(t, dir, "birds.md", birds)
	if _, err := l.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	c := l.Index().Calibration()
	if c.Cut() != 0.9 || c.Answerable.N <= built.Answerable.N {
		t.Errorf("after a refresh: threshold in force %v, calibrated on %d titles; want 0.9 and the new document's titles too (more than %d)",
			c.Cut(), c.Answerable.N, built.Answerable.N)
	}
}

// namedExpander widens "puppy" to "dog"; its name is the table version.
type namedExpander string

func (n namedExpander) Name() string { return string(n) }

func (n namedExpander) Expand(words []string, inCorpus func(string) bool) []retrieval.Expansion {
	for _, w := range words {
		if w == "puppy" && inCorpus("dog") {
			return []retrieval.Expansion{{Terms: []string{"dog"}, From: "puppy", Weight: 0.6}}
		}
	}
	return nil
}

// TestExpanderCalibratedAndSaved: a library's expander widens its
// searches, the saved calibration names it, the next start with it keeps
// that calibration, and a start with another expander (a new word table)
// calibrates again and saves it.
func TestExpanderCalibratedAndSaved(t *testing.T) {
	ctx := context.Background()
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	openLib := func(exp retrieval.Expander) *Library {
		t.Helper()
		l, err := Open(ctx, Options{Corpus: os.DirFS(dir), IndexDir: idx, Embedder: retrieval.NewHashEmbedder(0), Expander: exp})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return l
	}
	savedWith := func() string {
		t.Helper()
		m, err := retrieval.ReadManifest(idx)
		if err != nil || m.Calibration == nil {
			t.Fatalf("manifest calibration %v (%v)", m.Calibration, err)
		}
		return m.Calibration.Expander
	}

	l := openLib(namedExpander("words/1"))
	if got := savedWith(); got != "words/1" {
		t.Errorf("saved calibration measured with %q, want words/1", got)
	}
	hits, err := l.Search(ctx, "can my puppy come", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Chunk.DocID != "dogs.md" || hits[0].Coverage <= 0 {
		t.Errorf("hits %+v, want the dogs entry found through the expansion", hits)
	}
	again := openLib(namedExpander("words/1")).Index().Calibration()
	if again != l.Index().Calibration() {
		t.Errorf("reopened with the same expander: calibration %+v, want the saved %+v", again, l.Index().Calibration())
	}
	if got := openLib(namedExpander("words/2")).Index().Calibration().Expander; got != "words/2" || savedWith() != "words/2" {
		t.Errorf("reopened with another expander: calibrated with %q, saved with %q; want words/2 for both", got, savedWith())
	}
	if got := openLib(nil).Index().Calibration().Expander; got != "" || savedWith() != "" {
		t.Errorf("reopened without an expander: calibrated with %q, saved with %q; want none", got, savedWith())
	}
}

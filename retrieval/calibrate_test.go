package retrieval

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func TestConfidenceFixedPoints(t *testing.T) {
	c := Calibration{
		Threshold:  0.3,
		OffTopic:   ScoreGroup{Median: 0.1},
		Answerable: ScoreGroup{Median: 0.7},
	}
	tests := []struct {
		name string
		cal  Calibration
		r    float64
		want float64
	}{
		{"threshold", c, 0.3, ConfidenceThreshold},
		{"typical off-topic", c, 0.1, 0},
		{"below typical off-topic", c, 0, 0},
		{"typical answerable", c, 0.7, 1},
		{"halfway below", c, 0.2, ConfidencePlausible},
		{"beyond answerable", c, 1.0, 1.375},
		{"override moves the threshold", withMin(c, 0.5), 0.5, ConfidenceThreshold},
		{"override keeps the off-topic anchor", withMin(c, 0.5), 0.1, 0},
		{"override above the answerable median", withMin(c, 0.9), 0.9, ConfidenceThreshold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Confidence(tt.r)
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Confidence(%v) = %v, want %v", tt.r, got, tt.want)
			}
			if tt.want > 0 {
				if back := tt.cal.Relevance(got); math.Abs(back-tt.r) > 1e-9 {
					t.Errorf("Relevance(Confidence(%v)) = %v", tt.r, back)
				}
			}
		})
	}
	// Monotone: a more relevant hit is never less confident.
	for _, cal := range []Calibration{c, withMin(c, 0.9), {}} {
		prev := -1.0
		for r := 0.0; r <= 2; r += 0.01 {
			if got := cal.Confidence(r); got < prev {
				t.Fatalf("Confidence not monotone at %v under %+v", r, cal)
			} else {
				prev = got
			}
		}
	}
}

func withMin(c Calibration, m float64) Calibration { c.MinRelevance = m; return c }

func TestMeasure(t *testing.T) {
	hit := func(cov, cos float64) Hit { return Hit{Coverage: cov, Vector: cos} }
	// Plain off-topic questions come within cosine 0.10..0.29 of the
	// corpus; in the corpus's words they cover up to a fifth of the
	// question; reworded titles cover half of theirs; titles sit at 0.6
	// from their own passages.
	var offCos []float64
	var off [][]Hit
	for i := range 100 {
		offCos = append(offCos, 0.10+float64(i)*0.0019)
		off = append(off, []Hit{hit(float64(i)*0.002, 0.2)})
	}
	var on [][]Hit
	for range 20 {
		on = append(on, []Hit{hit(0.5, 0.3), hit(0.1, 0.2)})
	}
	own := []float64{0.55, 0.6, 0.65}
	c := measure(offCos, off, on, own)
	if c.Version != calibrationVersion {
		t.Errorf("Version = %d", c.Version)
	}
	if math.Abs(c.VectorOn-0.6) > 1e-9 {
		t.Errorf("VectorOn = %v, want the titles' median 0.6", c.VectorOn)
	}
	if want := quantile(offCos, vectorOffQuantile); math.Abs(c.VectorOff-want) > 1e-9 {
		t.Errorf("VectorOff = %v, want %v", c.VectorOff, want)
	}
	// The relevance of a reworded title is its coverage (its cosine is
	// below the background); the threshold refuses all but the top 5% of
	// the off-topic questions.
	if c.Answerable.Median != 0.5 || c.Answerable.N != 20 {
		t.Errorf("Answerable = %+v", c.Answerable)
	}
	if c.OffTopic.N != 100 || math.Abs(c.OffTopic.Median-0.099) > 1e-9 {
		t.Errorf("OffTopic = %+v", c.OffTopic)
	}
	above := 0
	for _, hs := range off {
		if c.relevance(hs[0]) >= c.Threshold {
			above++
		}
	}
	if above > 5 || c.Threshold <= 0 {
		t.Errorf("threshold %.3f lets %d of 100 off-topic questions through", c.Threshold, above)
	}

	// An embedder whose titles are no nearer their passages than off-topic
	// questions get: the cosine is ignored.
	flat := measure(offCos, off, on, []float64{0.1, 0.12})
	if flat.VectorOn-flat.VectorOff >= MinVectorSpread {
		t.Fatalf("spread %.3f, the test needs a flat embedder", flat.VectorOn-flat.VectorOff)
	}
	if got := flat.relevance(hit(0.2, 0.99)); got != 0.2 {
		t.Errorf("relevance with a flat embedder = %v, want the coverage 0.2", got)
	}

	// With no off-topic question matching anything, the threshold still
	// asks for a share of what answerable questions reach.
	zero := measure(offCos, [][]Hit{{hit(0, 0)}, {hit(0, 0)}}, on, own)
	if want := minThresholdShare * 0.5; math.Abs(zero.Threshold-want) > 1e-9 {
		t.Errorf("threshold with silent off-topic questions = %v, want %v", zero.Threshold, want)
	}
}

// TestCalibrationSavedNotRemeasured: the calibration goes into the
// manifest when the index is saved, and loading it embeds nothing.
func TestCalibrationSavedNotRemeasured(t *testing.T) {
	ctx := context.Background()
	emb := &fakeEmbedder{name: "fake", dim: 6, words: map[string]int{"ukraine": 0, "russia": 1, "talks": 2, "missiles": 3, "nato": 4, "peace": 5}}
	ix := mustBuild(t, diplomacy(), emb)
	dir := t.TempDir()
	if err := Save(ctx, ix, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !Calibrated(m) || *m.Calibration != ix.Calibration() {
		t.Fatalf("manifest calibration %+v, want %+v", m.Calibration, ix.Calibration())
	}
	before := emb.calls.Load()
	got, _, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatal(err)
	}
	if n := emb.calls.Load() - before; n != 0 {
		t.Errorf("loading embedded %d texts, want none", n)
	}
	if got.Calibration() != ix.Calibration() {
		t.Errorf("loaded calibration %+v, want %+v", got.Calibration(), ix.Calibration())
	}
}

// TestOpenRecalibrates: an index saved without a calibration is calibrated
// once as it loads and saved with it; an index of a changed corpus is
// calibrated anew.
func TestOpenRecalibrates(t *testing.T) {
	ctx := context.Background()
	lg := testLogger(t)
	emb := &fakeEmbedder{name: "fake", dim: 6, words: map[string]int{"ukraine": 0, "russia": 1, "talks": 2, "missiles": 3, "nato": 4, "peace": 5}}
	dir := t.TempDir()
	cs := diplomacy()
	want := Manifest{Docs: map[string]string{"d": "1"}}
	ix, rep, err := Open(ctx, dir, cs, want, emb, BuildOptions{}, lg)
	if err != nil || rep.Loaded {
		t.Fatalf("first Open: loaded=%v err=%v", rep.Loaded, err)
	}
	measured := ix.Calibration()

	// Strip the calibration, as an index saved by an older faqbot has none.
	path := filepath.Join(dir, manifestFile)
	var raw map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	delete(raw, "calibration")
	b, _ = json.Marshal(raw)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}

	ix, rep, err = Open(ctx, dir, cs, want, emb, BuildOptions{}, lg)
	if err != nil || !rep.Loaded || !rep.Recalibrated {
		t.Fatalf("Open of an uncalibrated index: loaded=%v recalibrated=%v err=%v", rep.Loaded, rep.Recalibrated, err)
	}
	if ix.Calibration() != measured {
		t.Errorf("recalibrated %+v, want %+v", ix.Calibration(), measured)
	}
	before := emb.calls.Load()
	_, rep, err = Open(ctx, dir, cs, want, emb, BuildOptions{}, lg)
	if err != nil || !rep.Loaded || rep.Recalibrated || emb.calls.Load() != before {
		t.Errorf("third Open: loaded=%v recalibrated=%v, %d texts embedded; want the saved calibration used",
			rep.Loaded, rep.Recalibrated, emb.calls.Load()-before)
	}

	// A changed corpus: rebuilt and calibrated on its own titles.
	smaller := cs[:4]
	ix, rep, err = Open(ctx, dir, smaller, Manifest{Docs: map[string]string{"d": "2"}}, emb, BuildOptions{}, lg)
	if err != nil || rep.Loaded {
		t.Fatalf("Open of a changed corpus: loaded=%v err=%v", rep.Loaded, err)
	}
	if got := ix.Calibration().Answerable.N; got != len(titlesOf(smaller)) {
		t.Errorf("calibrated on %d titles, want the new corpus's %d", got, len(titlesOf(smaller)))
	}
}

// TestMinRelevanceOverride: the setting replaces the measured threshold,
// on a built index and on a loaded one, and is never saved.
func TestMinRelevanceOverride(t *testing.T) {
	ctx := context.Background()
	lg := testLogger(t)
	dir := t.TempDir()
	cs := diplomacy()
	want := Manifest{Docs: map[string]string{"d": "1"}}
	for _, step := range []string{"build", "load"} {
		ix, rep, err := Open(ctx, dir, cs, want, NewHashEmbedder(0), BuildOptions{MinRelevance: 0.9}, lg)
		if err != nil || rep.Loaded != (step == "load") {
			t.Fatalf("%s: loaded=%v err=%v", step, rep.Loaded, err)
		}
		c := ix.Calibration()
		if c.Cut() != 0.9 || c.Threshold == 0.9 {
			t.Errorf("%s: Cut %v, Threshold %v; want the override in force and the measurement kept", step, c.Cut(), c.Threshold)
		}
		hits, err := ix.Search(ctx, "What does Putin want in the Donbas?", 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if (h.Relevance >= 0.9) != (h.Score >= ConfidenceThreshold) {
				t.Errorf("%s: relevance %.3f has confidence %.3f: the override must sit at the threshold", step, h.Relevance, h.Score)
			}
		}
		m, _ := ReadManifest(dir)
		if m.Calibration == nil || m.Calibration.MinRelevance != 0 {
			t.Errorf("%s: saved calibration %+v carries the override", step, m.Calibration)
		}
	}
}

// TestRefusesOffTopicAnswersOnTopic is the calibrated decision on the
// hand-built corpus with the built-in embedder.
func TestRefusesOffTopicAnswersOnTopic(t *testing.T) {
	ix := mustBuild(t, diplomacy(), NewHashEmbedder(0))
	tests := []struct {
		q    string
		want string // the top passage (or passages, "|"-separated); "" for an off-topic question
	}{
		{"What is the State Department's position on negotiations?", "state#1"},
		{"Which missiles did the US sell to Ukraine?", "state#2"},
		// Both answer it: NATO's written response to the requests, and its
		// refusal of the demand.
		{"Did NATO answer Moscow's security demands?", "blinken#3|blinken#2"},
		{"Who travelled to Russia after the Florida meeting?", "florida#1"},
		{"What does Putin want in the Donbas?", "florida#2"},
		{"Can you tell me about security guarantees for Ukraine?", "florida#3"},
		{"What happened in Istanbul?", "state#3"},
		{"peace plan", "florida#4"},
		{"How do I bake sourdough bread?", ""},
		{"What is the capital of Australia?", ""},
		{"What is the best programming language?", ""},
		{"How do I reset my password?", ""},
		{"Who won the football world cup?", ""},
		{"¿Cuál es la capital de Francia?", ""},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			hits, err := ix.Search(context.Background(), tt.q, 3)
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(hits)
			switch {
			case tt.want == "" && d.Verdict == Answer:
				t.Errorf("answered (margin %+.2f), want refused%s", d.Margin, describe(hits))
			case tt.want != "" && (d.Verdict != Answer || !slices.Contains(strings.Split(tt.want, "|"), hits[0].Chunk.ID)):
				t.Errorf("verdict %s (margin %+.2f), top %v; want %s answered%s", d.Verdict, d.Margin, ids(hits), tt.want, describe(hits))
			}
		})
	}
}

// TestCalibrationCostIsBounded: a large corpus is calibrated with the
// off-topic set and at most maxAnswerableProbes titles.
func TestCalibrationCostIsBounded(t *testing.T) {
	var cs []corpus.Chunk
	for i := range 500 {
		cs = append(cs, chunk("c#"+itoa(i), "Question number "+itoa(i)+" about topic "+itoa(i%37), "Answer text "+itoa(i)))
	}
	if got := len(titlesOf(cs)); got != maxAnswerableProbes {
		t.Errorf("sampled %d titles, want %d", got, maxAnswerableProbes)
	}
	emb := &fakeEmbedder{name: "fake", dim: 4, words: map[string]int{"question": 0, "answer": 1, "topic": 2}}
	mustBuild(t, cs, emb)
	if got, want := emb.calls.Load(), int64(len(cs)+probeCount(cs)); got != want {
		t.Errorf("embedded %d texts, want %d passages and calibration questions", got, want)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

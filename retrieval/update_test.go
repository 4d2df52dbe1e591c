package retrieval

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

// docCorpus is synthCorpus grouped into documents of ten passages,
// numbered by position, as the corpus package splits them.
func docCorpus(n int) map[string][]corpus.Chunk {
	out := map[string][]corpus.Chunk{}
	for i, c := range synthCorpus(n) {
		doc := fmt.Sprintf("doc%04d", i/10)
		c.DocID, c.ID, c.Pos = doc, corpus.ChunkID(doc, i%10), i%10
		c.DocTitle = "Document " + doc
		out[doc] = append(out[doc], c)
	}
	return out
}

// flatten lists a corpus's passages in document ID order.
func flatten(docs map[string][]corpus.Chunk) []corpus.Chunk {
	var out []corpus.Chunk
	for _, id := range slices.Sorted(maps.Keys(docs)) {
		out = append(out, docs[id]...)
	}
	return out
}

// sameIndex checks that two indexes hold the same passages in the same
// order and answer queries alike.
func sameIndex(t *testing.T, step string, got, want *Index, queries []string) {
	t.Helper()
	if !reflect.DeepEqual(got.Chunks(), want.Chunks()) {
		t.Fatalf("%s: passages differ (%d vs %d)", step, got.Len(), want.Len())
	}
	if got.Stats().Terms != want.Stats().Terms || got.Stats().Vectors != want.Stats().Vectors {
		t.Errorf("%s: stats %+v, want %+v", step, got.Stats(), want.Stats())
	}
	ctx := context.Background()
	for _, q := range queries {
		a, err := got.Search(ctx, q, 5)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := want.Search(ctx, q, 5)
		if describe(a) != describe(b) {
			t.Errorf("%s: %q:%s\nwant%s", step, q, describe(a), describe(b))
		}
	}
}

// TestMultiShardMatchesOne checks that cutting the passages into many
// shards changes no result.
func TestMultiShardMatchesOne(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := flatten(docCorpus(600))
	one, err := Build(ctx, cs, emb, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	many, err := Build(ctx, cs, emb, BuildOptions{shardSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if one.Stats().Shards != 1 || many.Stats().Shards < 10 {
		t.Fatalf("shards: %d and %d", one.Stats().Shards, many.Stats().Shards)
	}
	qs := benchQueries(cs)
	sameIndex(t, "many shards", many, one, qs)

	// Saved and loaded, too.
	dir := t.TempDir()
	if err := Save(ctx, many, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	loaded, m, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shards) != many.Stats().Shards {
		t.Errorf("manifest lists %d shards, want %d", len(m.Shards), many.Stats().Shards)
	}
	sameIndex(t, "many shards, loaded", loaded, one, qs)
	for _, id := range []string{"doc0000#0", "doc0031#7", "doc0059#9"} {
		c, ok := loaded.Chunk(id)
		if !ok || c.ID != id {
			t.Errorf("Chunk(%s) = %v, %v", id, c.ID, ok)
		}
	}
	if _, ok := loaded.Chunk("doc9999#0"); ok {
		t.Error("found a passage that does not exist")
	}
}

// TestUpdateMatchesBuild changes, adds and removes documents through
// Update and checks each result against building the changed corpus from
// nothing; only the touched shards are rebuilt, and a save after an
// update rewrites only those.
func TestUpdateMatchesBuild(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	docs := docCorpus(600)
	opt := BuildOptions{shardSize: 50}
	ix, err := Build(ctx, flatten(docs), emb, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Save(ctx, ix, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	if ix, _, err = Load(ctx, dir, emb); err != nil {
		t.Fatal(err)
	}
	qs := benchQueries(flatten(docs))
	other := docCorpus(1200)
	edit := func(id string, cs []corpus.Chunk) []corpus.Chunk {
		out := slices.Clone(cs)
		for i := range out {
			out[i].DocID, out[i].ID, out[i].DocTitle = id, corpus.ChunkID(id, i), "Document "+id
		}
		return out
	}
	steps := []struct {
		name    string
		changes map[string][]corpus.Chunk
		embed   int // passages that must be embedded
	}{
		{"one document changed", map[string][]corpus.Chunk{"doc0010": edit("doc0010", other["doc0100"])}, 10},
		{"a document added in the middle", map[string][]corpus.Chunk{"doc0010a": edit("doc0010a", other["doc0101"])}, 10},
		{"a document added first and one last", map[string][]corpus.Chunk{
			"a": edit("a", other["doc0102"]), "zzz": edit("zzz", other["doc0103"])}, 20},
		{"a document removed", map[string][]corpus.Chunk{"doc0030": nil}, 0},
		{"a paragraph dropped keeps the others' vectors", map[string][]corpus.Chunk{"doc0040": edit("doc0040", docs["doc0040"][1:])}, 0},
	}
	for _, st := range steps {
		before := map[string]bool{}
		m, _ := ReadManifest(dir)
		for _, r := range m.Shards {
			before[r.Name] = true
		}
		nx, err := ix.Update(ctx, st.changes, nil, opt)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for id, cs := range st.changes {
			if cs == nil {
				delete(docs, id)
			} else {
				docs[id] = cs
			}
		}
		want, err := Build(ctx, flatten(docs), emb, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A small change keeps the calibration it started with (see
		// recalibrateShare); the rest must be what a build gives.
		if nx.calib != ix.calib {
			t.Errorf("%s: a change of a few documents measured the calibration again", st.name)
		}
		want.calib = nx.calib
		sameIndex(t, st.name, nx, want, qs)
		if nx.Stats().Embedded != st.embed {
			t.Errorf("%s: embedded %d passages, want %d", st.name, nx.Stats().Embedded, st.embed)
		}
		if err := Save(ctx, nx, dir, Manifest{}); err != nil {
			t.Fatal(err)
		}
		m, _ = ReadManifest(dir)
		rewritten := 0
		for _, r := range m.Shards {
			if !before[r.Name] {
				rewritten++
			}
		}
		if rewritten > len(st.changes) || rewritten == len(m.Shards) {
			t.Errorf("%s: %d of %d shards rewritten", st.name, rewritten, len(m.Shards))
		}
		if ix, _, err = Load(ctx, dir, emb); err != nil {
			t.Fatal(err)
		}
		sameIndex(t, st.name+", saved and loaded", ix, want, qs)
	}
}

// TestUpdateRecalibrates checks that an update measures the calibration
// again once the passages changed since it was measured pass
// recalibrateShare of the index, counting across updates.
func TestUpdateRecalibrates(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	docs := docCorpus(1000) // 100 documents of 10 passages
	ix, err := Build(ctx, flatten(docs), emb, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := docCorpus(2000)
	measured := ix.calib
	for i := range 4 {
		id := fmt.Sprintf("doc%04d", i)
		repl := slices.Clone(other[fmt.Sprintf("doc%04d", 150+i)])
		for j := range repl {
			repl[j].DocID, repl[j].ID = id, corpus.ChunkID(id, j)
		}
		if ix, err = ix.Update(ctx, map[string][]corpus.Chunk{id: repl}, nil, BuildOptions{}); err != nil {
			t.Fatal(err)
		}
		docs[id] = repl
		// Each change removes 10 passages and adds 10: 2% of 1,000.
		if recal := ix.calib != measured; recal != (i == 2) {
			t.Errorf("after %d changed documents (%d passages): recalibrated %v", i+1, 20*(i+1), recal)
		}
		measured = ix.calib
	}
	if ix.drift != 20 {
		t.Errorf("drift %d after the recalibration and one more change, want 20", ix.drift)
	}
}

// TestUpdateDupOf checks that Update takes the marks it is given for
// every passage, including those of shards it does not rebuild.
func TestUpdateDupOf(t *testing.T) {
	ctx := context.Background()
	docs := docCorpus(200)
	ix, err := Build(ctx, flatten(docs), NewHashEmbedder(0), BuildOptions{shardSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]string{"doc0000#1": "doc0019#1", "doc0012#3": "doc0000#0"}
	nx, err := ix.Update(ctx, map[string][]corpus.Chunk{"doc0019": docs["doc0019"]}, marks, BuildOptions{shardSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range nx.Chunks() {
		if c.DupOf != "" {
			got[c.ID] = c.DupOf
		}
	}
	if !maps.Equal(got, marks) {
		t.Errorf("marks %v, want %v", got, marks)
	}
}

// TestQuantisedCandidatesRecall checks the first pass of the vector
// search: the exact nearest passages must be among its candidates, so the
// vector half of Search returns what an exhaustive exact scan does.
func TestQuantisedCandidatesRecall(t *testing.T) {
	ctx := context.Background()
	for _, emb := range []Embedder{NewHashEmbedder(0), randomEmbedder{dim: 64}} {
		cs := synthCorpus(3000)
		ix := mustBuild(t, cs, emb)
		qs := benchQueries(cs)
		qvs, err := emb.Embed(ctx, qs)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		missed := 0
		for qi, qv := range qvs {
			got, err := ix.queryVectors(ctx, qv, n)
			if err != nil {
				t.Fatal(err)
			}
			type sim struct {
				d int32
				s float64
			}
			var all []sim
			for d := range ix.Len() {
				if v := ix.vector(int32(d)); v != nil {
					all = append(all, sim{int32(d), dot(qv, v)})
				}
			}
			sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s })
			want := map[int32]bool{}
			for _, a := range all[:n] {
				want[a.d] = true
			}
			for _, g := range got {
				if !want[g.d] && float64(g.sim) < all[n-1].s-1e-6 {
					missed++
					t.Logf("%s, query %d: %d (%.4f) is not among the exact top %d (last %.4f)", emb.Name(), qi, g.d, g.sim, n, all[n-1].s)
				}
			}
		}
		if missed > 0 {
			t.Errorf("%s: %d results outside the exact top %d", emb.Name(), missed, n)
		}
	}
}

// TestMarksAfterBuildRecalibrate checks that near-duplicate marks given
// after a build (as a corpus read from scratch gets them) leave the index
// calibrated as if it had been built with them: calibration leaves marked
// passages' titles out, and a reload measures it with the marks.
func TestMarksAfterBuildRecalibrate(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	marks := map[string]string{"mod#2": "rules#1", "ranks#1": "tech#1"}
	marked := gameFAQ()
	for i := range marked {
		marked[i].DupOf = marks[marked[i].ID]
	}
	want, err := Build(ctx, marked, emb, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(ctx, gameFAQ(), emb, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Calibration() == want.Calibration() {
		t.Fatal("the marks do not change the calibration: the test shows nothing")
	}
	tests := []struct {
		name  string
		marks map[string]string
		want  Calibration
	}{
		{"marks added", marks, want.Calibration()},
		{"marks unchanged", marks, want.Calibration()},
		{"marks removed", map[string]string{}, ix.Calibration()},
	}
	for _, tt := range tests {
		nx, err := ix.Update(ctx, nil, tt.marks, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := nx.Calibration(); got != tt.want {
			t.Errorf("%s: calibration %+v, want %+v", tt.name, got, tt.want)
		}
		// The shards are ix's: so are their distinct terms.
		if nx.Stats().Terms != want.Stats().Terms {
			t.Errorf("%s: %d distinct terms, want %d", tt.name, nx.Stats().Terms, want.Stats().Terms)
		}
		ix = nx
	}
}

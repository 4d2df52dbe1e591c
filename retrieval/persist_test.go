package retrieval

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func testManifest() Manifest {
	return Manifest{Docs: map[string]string{"doc-a": "h1", "doc-b": "h2"}, Split: "size=800"}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := append(diplomacy(), chunk("empty", "", "…")) // one passage with no vector
	ix := mustBuild(t, cs, emb)
	dir := t.TempDir()
	if err := Save(ctx, ix, dir, testManifest()); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, m, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if m.Embedder != emb.Name() || m.Dim != emb.Dim() || m.Passages != len(cs) || m.Format != FormatVersion ||
		m.Split != "size=800" || len(m.Docs) != 2 || m.Created.IsZero() {
		t.Errorf("manifest = %+v", m)
	}
	if !reflect.DeepEqual(got.Chunks(), ix.Chunks()) {
		t.Errorf("loaded passages differ")
	}
	if !reflect.DeepEqual(got.lex.docLen, ix.lex.docLen) || got.lex.avgLen != ix.lex.avgLen || got.Stats().Terms != ix.Stats().Terms {
		t.Errorf("loaded BM25 index differs from the built one")
	}
	if got.Calibration() != ix.Calibration() || !Calibrated(m) || *m.Calibration != ix.Calibration() {
		t.Errorf("loaded calibration %+v (manifest %+v), want %+v", got.Calibration(), m.Calibration, ix.Calibration())
	}
	if got.Stats().Vectors != ix.Stats().Vectors {
		t.Errorf("loaded %d vectors, want %d", got.Stats().Vectors, ix.Stats().Vectors)
	}
	for _, q := range []string{"security guarantees", "Who went to Florida?", "NATO open door", "sourdough"} {
		want, err := ix.Search(ctx, q, 5)
		if err != nil {
			t.Fatalf("Search: %v", err)
		}
		have, err := got.Search(ctx, q, 5)
		if err != nil {
			t.Fatalf("Search after Load: %v", err)
		}
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%q: after Load%s\nbefore%s", q, describe(have), describe(want))
		}
	}
	// A second save of the loaded index keeps its shard file; one of
	// the built index replaces it. Only one set of files remains.
	if err := Save(ctx, got, dir, testManifest()); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	m2, _ := ReadManifest(dir)
	if m2.Shards[0].Name != m.Shards[0].Name {
		t.Errorf("saving the loaded index rewrote its shard: %s, was %s", m2.Shards[0].Name, m.Shards[0].Name)
	}
	if err := Save(ctx, ix, dir, testManifest()); err != nil {
		t.Fatalf("third Save: %v", err)
	}
	m3, _ := ReadManifest(dir)
	if m3.Shards[0].Name == m.Shards[0].Name {
		t.Errorf("saving the built index kept the loaded one's shard file")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want a manifest, a shard and a marks file", names)
	}
	if _, _, err := Load(ctx, dir, emb); err != nil {
		t.Errorf("Load after the saves: %v", err)
	}
}

func TestLoadFailures(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	ix := mustBuild(t, diplomacy(), emb)

	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string, m Manifest)
		emb   Embedder
		want  error
	}{
		{"no folder", func(t *testing.T, dir string, _ Manifest) { os.RemoveAll(dir) }, emb, ErrNoIndex},
		{"no manifest", func(t *testing.T, dir string, _ Manifest) { os.Remove(filepath.Join(dir, manifestFile)) }, emb, ErrNoIndex},
		{"manifest garbage", func(t *testing.T, dir string, _ Manifest) {
			os.WriteFile(filepath.Join(dir, manifestFile), []byte("{"), 0o644)
		}, emb, ErrCorrupt},
		{"shard truncated", func(t *testing.T, dir string, m Manifest) { truncate(t, filepath.Join(dir, m.Shards[0].Name)) }, emb, ErrCorrupt},
		{"shard header bit flip", func(t *testing.T, dir string, m Manifest) { flipAt(t, filepath.Join(dir, m.Shards[0].Name), 20) }, emb, ErrCorrupt},
		{"passage table bit flip", func(t *testing.T, dir string, m Manifest) {
			p := filepath.Join(dir, m.Shards[0].Name)
			b, _ := os.ReadFile(p)
			off := binary.LittleEndian.Uint64(b[8+64+24*secPass:])
			flipAt(t, p, int(off)+5) // inside the table of passages, a checked section
		}, emb, ErrCorrupt},
		{"shard missing", func(t *testing.T, dir string, m Manifest) { os.Remove(filepath.Join(dir, m.Shards[0].Name)) }, emb, ErrCorrupt},
		{"marks truncated", func(t *testing.T, dir string, m Manifest) { truncate(t, filepath.Join(dir, m.DupOf.Name)) }, emb, ErrCorrupt},
		{"shard of the wrong size in the manifest", func(t *testing.T, dir string, m Manifest) {
			editManifest(t, dir, fmt.Sprintf(`"size": %d`, m.Shards[0].Size), fmt.Sprintf(`"size": %d`, m.Shards[0].Size+8))
		}, emb, ErrCorrupt},
		{"other embedder", func(*testing.T, string, Manifest) {}, NewHashEmbedder(256), ErrIncompatible},
		{"other analyser", func(t *testing.T, dir string, m Manifest) {
			editManifest(t, dir, m.Analyzer, "0000")
		}, emb, ErrIncompatible},
		{"old format", func(t *testing.T, dir string, _ Manifest) {
			p := filepath.Join(dir, manifestFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), fmt.Sprintf(`"format": %d`, FormatVersion), `"format": 0`, 1)), 0o644)
		}, emb, ErrIncompatible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Save(ctx, ix, dir, testManifest()); err != nil {
				t.Fatalf("Save: %v", err)
			}
			m, err := ReadManifest(dir)
			if err != nil {
				t.Fatalf("ReadManifest: %v", err)
			}
			tt.spoil(t, dir, m)
			got, _, err := Load(ctx, dir, tt.emb)
			if !errors.Is(err, tt.want) {
				t.Errorf("Load error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Load returned an index along with an error")
			}
		})
	}
}

// truncate cuts a file in half.
func truncate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
}

// flipAt inverts byte i of a file (counted from the end when negative),
// keeping its size.
func flipAt(t *testing.T, path string, i int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editManifest replaces the first occurrence of old in the manifest.
func editManifest(t *testing.T, dir, old, new string) {
	t.Helper()
	p := filepath.Join(dir, manifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFileChangedInPlace truncates a shard file of a loaded index in
// place, as a careless copy over a live index folder would: reading it
// must give errors, not crash the process.
func TestFileChangedInPlace(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := synthCorpus(2000)
	ix := mustBuild(t, cs, emb)
	dir := t.TempDir()
	if err := Save(ctx, ix, dir, Manifest{}); err != nil {
		t.Fatal(err)
	}
	got, m, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, m.Shards[0].Name), 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := got.Search(ctx, benchQueries(cs)[0], 5); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Search over a truncated file: %v, want ErrCorrupt", err)
	}
	if _, err := got.VectorsByHash(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("VectorsByHash over a truncated file: %v, want ErrCorrupt", err)
	}
	if got.Chunks() != nil {
		t.Error("Chunks over a truncated file returned passages")
	}
	if _, err := got.Update(ctx, map[string][]corpus.Chunk{"doc-x": {chunk("x", "", "new")}}, nil, BuildOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Update over a truncated file: %v, want ErrCorrupt", err)
	}
}

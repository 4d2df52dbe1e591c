package retrieval

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
	if !reflect.DeepEqual(got.lex, ix.lex) {
		t.Errorf("loaded BM25 index differs from the built one")
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
	// A second save replaces the data files; only one set remains.
	if err := Save(ctx, got, dir, testManifest()); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want a manifest and two data files", names)
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
		{"vectors truncated", func(t *testing.T, dir string, m Manifest) { truncate(t, filepath.Join(dir, m.Vectors.Name)) }, emb, ErrCorrupt},
		{"chunks truncated", func(t *testing.T, dir string, m Manifest) { truncate(t, filepath.Join(dir, m.Chunks.Name)) }, emb, ErrCorrupt},
		{"vectors bit flip", func(t *testing.T, dir string, m Manifest) { flip(t, filepath.Join(dir, m.Vectors.Name)) }, emb, ErrCorrupt},
		{"chunks missing", func(t *testing.T, dir string, m Manifest) { os.Remove(filepath.Join(dir, m.Chunks.Name)) }, emb, ErrCorrupt},
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

// flip inverts one byte in the middle of a file, keeping its size.
func flip(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
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

package retrieval

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/philippgille/chromem-go"

	"github.com/faqbot/faqbot/corpus"
)

// saveLegacy writes the passages and vectors of ix as an index of format
// 1 (vectors in chromem's gob export) or 2 (flat float32), as Save did
// before format 3.
func saveLegacy(t *testing.T, ix *Index, dir string, format int) {
	t.Helper()
	ctx := context.Background()
	chunks := ix.Chunks()
	m := legacyManifest{Format: format, Embedder: ix.emb.Name(), Dim: ix.emb.Dim(), Analyzer: analyzerFingerprint(), Passages: len(chunks)}
	var err error
	m.Chunks, err = writeFile(ctx, dir, chunksPrefix+"old.gob", func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(legacyChunks{Chunks: chunks})
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Vectors, err = writeFile(ctx, dir, vectorsPrefix+"old", func(w io.Writer) error {
		if format == legacyFormat1 {
			db := chromem.NewDB()
			col, err := db.CreateCollection("passages", nil, EmbeddingFunc(ix.emb))
			if err != nil {
				return err
			}
			for i, c := range chunks {
				if v := ix.vector(int32(i)); v != nil {
					col.AddDocument(ctx, chromem.Document{ID: c.ID, Embedding: append([]float32(nil), v...)})
				}
			}
			return db.ExportToWriter(w, false, "", "passages")
		}
		var idx []uint32
		var vals []float32
		for i := range chunks {
			if v := ix.vector(int32(i)); v != nil {
				idx = append(idx, uint32(i))
				vals = append(vals, v...)
			}
		}
		b := append([]byte{}, legacyVecMagic[:]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(ix.emb.Dim()))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(idx)))
		for _, i := range idx {
			b = binary.LittleEndian.AppendUint32(b, i)
		}
		for _, x := range vals {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOpenLegacyFormats checks that an index of an older format is
// rebuilt in the current one, reusing every vector it holds.
func TestOpenLegacyFormats(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := append(diplomacy(), chunk("empty", "", "…"))
	ix := mustBuild(t, cs, emb)
	for _, format := range []int{legacyFormat1, legacyFormat2} {
		dir := t.TempDir()
		saveLegacy(t, ix, dir, format)
		if _, _, err := Load(ctx, dir, emb); !errors.Is(err, ErrIncompatible) {
			t.Errorf("format %d: Load error = %v, want ErrIncompatible", format, err)
		}
		got, rep, err := Open(ctx, dir, cs, testManifest(), emb, BuildOptions{}, testLogger(t))
		if err != nil {
			t.Fatalf("format %d: Open: %v", format, err)
		}
		if rep.Loaded || rep.Embedded != 0 || rep.Reused != len(cs) || rep.Manifest.Format != FormatVersion {
			t.Errorf("format %d: loaded=%v embedded=%d reused=%d format=%d reason=%q; want a rebuild reusing all %d vectors in format %d",
				format, rep.Loaded, rep.Embedded, rep.Reused, rep.Manifest.Format, rep.Reason, len(cs), FormatVersion)
		}
		for _, q := range []string{"security guarantees", "NATO open door"} {
			want, _ := ix.Search(ctx, q, 5)
			have, _ := got.Search(ctx, q, 5)
			if describe(have) != describe(want) {
				t.Errorf("format %d, %q:%s\nwant%s", format, q, describe(have), describe(want))
			}
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if bytes.HasPrefix([]byte(e.Name()), []byte(vectorsPrefix)) || bytes.HasPrefix([]byte(e.Name()), []byte(chunksPrefix)) {
				t.Errorf("format %d: %s left behind", format, e.Name())
			}
		}
	}
}

// TestLoadedVectorsExact checks that vectors come back from a shard file
// bit for bit.
func TestLoadedVectorsExact(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	ix := mustBuild(t, diplomacy(), emb)
	dir := t.TempDir()
	if err := Save(ctx, ix, dir, testManifest()); err != nil {
		t.Fatal(err)
	}
	got, _, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ix.VectorsByHash(ctx)
	have, _ := got.VectorsByHash(ctx)
	if len(have) != len(want) {
		t.Fatalf("%d vectors, want %d", len(have), len(want))
	}
	for h, v := range want {
		if !slicesEqual(have[h], v) {
			t.Errorf("vector of %s differs after Load", h)
		}
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestReadLegacyVectorsMalformed(t *testing.T) {
	cs := []corpus.Chunk{chunk("a", "", "one"), chunk("b", "", "two")}
	good := func() []byte {
		b := append([]byte{}, legacyVecMagic[:]...)
		b = binary.LittleEndian.AppendUint32(b, 2) // dim
		b = binary.LittleEndian.AppendUint32(b, 2) // count
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, 1)
		for range 4 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(0.5))
		}
		return b
	}
	if err := readLegacyVectors(bytes.NewReader(good()), 2, cs, map[string][]float32{}); err != nil {
		t.Fatalf("good file: %v", err)
	}
	tests := []struct {
		name  string
		spoil func([]byte) []byte
	}{
		{"bad magic", func(b []byte) []byte { b[0] = 'x'; return b }},
		{"other dim", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 3); return b }},
		{"too many", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 3); return b }},
		{"index out of range", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 7); return b }},
		{"indexes not increasing", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[20:], 0); return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := readLegacyVectors(bytes.NewReader(tt.spoil(good())), 2, cs, map[string][]float32{}); err == nil {
				t.Error("accepted a spoilt file")
			}
		})
	}
}

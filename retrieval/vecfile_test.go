package retrieval

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// saveLegacy writes ix as a format 1 index: vectors in chromem's gob
// export, as Save did before format 2.
func saveLegacy(t *testing.T, ix *Index, dir string, m Manifest) {
	t.Helper()
	ctx := context.Background()
	var err error
	m.Vectors, err = writeFile(ctx, dir, vectorsPrefix+"old.gob", func(w io.Writer) error {
		return ix.db.ExportToWriter(w, false, "", collectionName)
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Chunks, err = writeFile(ctx, dir, chunksPrefix+"old.gob", func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(chunksFile{Chunks: ix.chunks, Vectors: ix.stats.Vectors, BM25: ix.lex.file()})
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Format, m.Embedder, m.Dim, m.Analyzer, m.Passages = legacyFormat, ix.emb.Name(), ix.emb.Dim(), analyzerFingerprint(), len(ix.chunks)
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadLegacyFormat(t *testing.T) {
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	cs := append(diplomacy(), chunk("empty", "", "…"))
	ix := mustBuild(t, cs, emb)
	dir := t.TempDir()
	saveLegacy(t, ix, dir, testManifest())

	got, m, err := Load(ctx, dir, emb)
	if err != nil {
		t.Fatalf("Load of format 1: %v", err)
	}
	if m.Format != legacyFormat {
		t.Errorf("manifest format %d, want %d", m.Format, legacyFormat)
	}
	for _, q := range []string{"security guarantees", "NATO open door"} {
		want, _ := ix.Search(ctx, q, 5)
		have, _ := got.Search(ctx, q, 5)
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%q: after legacy Load%s\nbefore%s", q, describe(have), describe(want))
		}
	}

	// Open rebuilds it in the current format, reusing every vector.
	_, rep, err := Open(ctx, dir, cs, testManifest(), emb, BuildOptions{}, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if rep.Loaded || rep.Embedded != 0 || rep.Reused != len(cs) || rep.Manifest.Format != FormatVersion {
		t.Errorf("Open of a format 1 index: loaded=%v embedded=%d reused=%d format=%d reason=%q; want a rebuild reusing all %d vectors in format %d",
			rep.Loaded, rep.Embedded, rep.Reused, rep.Manifest.Format, rep.Reason, len(cs), FormatVersion)
	}
}

// TestLoadedVectorsExact checks that vectors come back from the flat file
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
	if !reflect.DeepEqual(have, want) {
		t.Errorf("loaded vectors differ from the built ones")
	}
}

func TestReadVectorsMalformed(t *testing.T) {
	good := func() []byte {
		b := append([]byte{}, vecMagic[:]...)
		b = binary.LittleEndian.AppendUint32(b, 2) // dim
		b = binary.LittleEndian.AppendUint32(b, 2) // count
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, 2)
		for range 4 {
			b = binary.LittleEndian.AppendUint32(b, 0x3f000000) // 0.5
		}
		return b
	}
	tests := []struct {
		name  string
		spoil func([]byte) []byte
		ok    bool
	}{
		{"good", func(b []byte) []byte { return b }, true},
		{"bad magic", func(b []byte) []byte { b[0] = 'x'; return b }, false},
		{"other dim", func(b []byte) []byte { b[8] = 3; return b }, false},
		{"more vectors than passages", func(b []byte) []byte { b[12] = 9; return b }, false},
		{"index out of range", func(b []byte) []byte { b[20] = 7; return b }, false},
		{"indexes not increasing", func(b []byte) []byte { b[20] = 0; return b }, false},
		{"short", func(b []byte) []byte { return b[:len(b)-3] }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fv, err := readVectors(bytes.NewReader(tt.spoil(good())), 2, 3)
			if tt.ok {
				if err != nil || len(fv.index) != 2 || fv.vector(1)[1] != 0.5 {
					t.Errorf("got %+v, %v; want two vectors of 0.5", fv, err)
				}
				return
			}
			if err == nil {
				t.Errorf("got no error for a malformed file")
			}
			if errors.Is(err, io.EOF) && tt.name != "short" {
				t.Errorf("got %v, want a format error", err)
			}
		})
	}
}

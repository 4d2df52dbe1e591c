package retrieval

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	base := diplomacy()
	want := Manifest{Docs: map[string]string{"d1": "h1", "d2": "h2"}, Split: "size=800"}
	emb := NewHashEmbedder(0)

	// edited is base with one passage changed, as after editing document d1.
	edited := append([]corpus.Chunk(nil), base...)
	edited[1] = chunk(base[1].ID, base[1].Title, base[1].Text+" And more.")
	editedWant := Manifest{Docs: map[string]string{"d1": "h1-new", "d2": "h2"}, Split: "size=800"}

	tests := []struct {
		name string
		// prepare runs against a folder holding an index of base.
		prepare     func(t *testing.T, dir string)
		chunks      []corpus.Chunk
		want        Manifest
		emb         Embedder
		loaded      bool
		reason      string // substring of the report's reason
		embedded    int
		reused      int
		wantWarning bool
	}{
		{name: "unchanged", chunks: base, want: want, emb: emb, loaded: true},
		{name: "document changed", chunks: edited, want: editedWant, emb: emb,
			reason: "documents changed: 0 added, 0 removed, 1 modified", embedded: 1, reused: len(base) - 1},
		{name: "split changed", chunks: base, want: Manifest{Docs: want.Docs, Split: "size=400"}, emb: emb,
			reason: "split options changed", reused: len(base)},
		{name: "passages changed under the same manifest", chunks: edited, want: want, emb: emb,
			reason: "passages changed", embedded: 1, reused: len(base) - 1},
		{name: "embedder changed", chunks: base, want: want, emb: NewHashEmbedder(128),
			reason: "embedder", embedded: len(base)},
		{name: "vectors truncated", chunks: base, want: want, emb: emb, embedded: len(base),
			reason: "unusable", prepare: func(t *testing.T, dir string) {
				m, _ := ReadManifest(dir)
				truncate(t, filepath.Join(dir, m.Shards[0].Name))
			}},
		{name: "manifest truncated", chunks: base, want: want, emb: emb, embedded: len(base),
			reason: "unusable", prepare: func(t *testing.T, dir string) { truncate(t, filepath.Join(dir, manifestFile)) }},
		{name: "interrupted save left files", chunks: base, want: want, emb: emb, loaded: true,
			prepare: func(t *testing.T, dir string) {
				// A save that died before its manifest: a temp file and a
				// complete-looking data file the manifest does not name.
				os.WriteFile(filepath.Join(dir, tmpPrefix+"shard-x.fqx-123"), []byte("half"), 0o644)
				os.WriteFile(filepath.Join(dir, shardPrefix+"x.fqx"), []byte("whole but orphaned"), 0o644)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			if _, rep, err := Open(ctx, dir, base, want, emb, BuildOptions{}, testLogger(t)); err != nil || rep.Loaded {
				t.Fatalf("first Open: loaded=%v err=%v", rep.Loaded, err)
			}
			if tt.prepare != nil {
				tt.prepare(t, dir)
			}
			ix, rep, err := Open(ctx, dir, tt.chunks, tt.want, tt.emb, BuildOptions{}, testLogger(t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Logf("report: %+v", rep)
			if rep.Loaded != tt.loaded {
				t.Errorf("loaded = %v, want %v (reason %q)", rep.Loaded, tt.loaded, rep.Reason)
			}
			if !strings.Contains(rep.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", rep.Reason, tt.reason)
			}
			if rep.Embedded != tt.embedded || rep.Reused != tt.reused {
				t.Errorf("embedded=%d reused=%d, want %d and %d", rep.Embedded, rep.Reused, tt.embedded, tt.reused)
			}
			if rep.Warning != "" {
				t.Errorf("unexpected warning %q", rep.Warning)
			}
			if ix.Len() != len(tt.chunks) {
				t.Errorf("index has %d passages, want %d", ix.Len(), len(tt.chunks))
			}
			if rep.Manifest.Embedder != tt.emb.Name() || rep.Manifest.Passages != len(tt.chunks) {
				t.Errorf("report manifest = %+v", rep.Manifest)
			}
			// Whatever happened, the folder now holds a matching index.
			_, again, err := Open(ctx, dir, tt.chunks, tt.want, tt.emb, BuildOptions{}, testLogger(t))
			if err != nil || !again.Loaded {
				t.Errorf("reopen: loaded=%v reason=%q err=%v, want loaded", again.Loaded, again.Reason, err)
			}
		})
	}
}

func TestOpenUnwritableDir(t *testing.T) {
	// A path below a regular file cannot be created, even by root (for whom
	// permission bits would not stop the write).
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "index")
	ix, rep, err := Open(context.Background(), dir, diplomacy(), Manifest{}, NewHashEmbedder(0), BuildOptions{}, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if rep.Warning == "" || rep.SaveErr == nil || rep.Loaded {
		t.Errorf("report = %+v, want a rebuilt index with a warning and the save error", rep)
	}
	hits, err := ix.Search(context.Background(), "security guarantees", 1)
	if err != nil || len(hits) != 1 {
		t.Errorf("Search on the in-memory index: %d hits, %v", len(hits), err)
	}
}

func TestOpenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Open(ctx, t.TempDir(), diplomacy(), Manifest{}, NewHashEmbedder(0), BuildOptions{}, testLogger(t))
	if err == nil {
		t.Errorf("Open with a cancelled context: got nil error")
	}
}

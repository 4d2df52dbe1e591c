package library

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// writeIn writes a file under dir, making its folders.
func writeIn(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, name, text)
}

// tree lists every file under dir (hidden ones included) with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestApplyBatch: one batch writes documents into folders, replaces and
// deletes others, and re-indexes once, embedding only the new passages.
func TestApplyBatch(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	writeIn(t, dir, "sources/1/old.md", cats)
	l := openDir(t, dir)
	ctx := context.Background()

	ch, err := l.Apply(ctx, Batch{
		Put:    map[string][]byte{"sources/1/birds.md": []byte(birds), "sources/2/refunds.md": []byte(refunds)},
		Delete: []string{"sources/1/old.md", "sources/1/never-was.md"},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Equal(ch.DocumentsAdded, []string{"sources/1/birds.md", "sources/2/refunds.md"}) ||
		!slices.Equal(ch.DocumentsRemoved, []string{"sources/1/old.md"}) || ch.Embedded != 2 {
		t.Errorf("change: %+v; want two added, one removed, two passages embedded", ch)
	}
	if got := keys(tree(t, dir)); !slices.Equal(got, []string{"dogs.md", "sources/1/birds.md", "sources/2/refunds.md"}) {
		t.Errorf("files: %q", got)
	}
	if hits, err := l.Search(ctx, "may I bring a parrot", 1); err != nil || len(hits) == 0 || hits[0].Chunk.DocID != "sources/1/birds.md" {
		t.Errorf("search after the batch: %v (%v)", hits, err)
	}

	// A folder is deleted with the files the corpus could not read.
	writeIn(t, dir, "sources/2/image.png", "not text")
	ch, err = l.Apply(ctx, Batch{Put: map[string][]byte{"sources/1/birds.md": []byte(cats)}, DeleteFolders: []string{"sources/2"}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Equal(ch.DocumentsChanged, []string{"sources/1/birds.md"}) || !slices.Equal(ch.DocumentsRemoved, []string{"sources/2/refunds.md"}) {
		t.Errorf("change: %+v", ch)
	}
	if got := keys(tree(t, dir)); !slices.Equal(got, []string{"dogs.md", "sources/1/birds.md"}) {
		t.Errorf("files after deleting a folder: %q", got)
	}
}

// TestApplyBatchFailsWhole: when the refresh fails, every file is as it
// was — written ones gone or restored, deleted ones back, folders back —
// and the live index is unchanged.
func TestApplyBatchFailsWhole(t *testing.T) {
	dir := t.TempDir()
	writeIn(t, dir, "sources/1/dogs.md", dogs)
	writeIn(t, dir, "sources/2/cats.md", cats)
	l := openDir(t, dir)
	before := tree(t, dir)

	// Deleting everything leaves nothing to index: refused.
	_, err := l.Apply(context.Background(), Batch{Delete: []string{"sources/1/dogs.md"}, DeleteFolders: []string{"sources/2"}})
	if !errors.Is(err, corpus.ErrNoDocuments) {
		t.Fatalf("Apply leaving no document: %v, want ErrNoDocuments", err)
	}
	if got := tree(t, dir); !mapsEqual(got, before) {
		t.Errorf("files after the failed batch: %q, want %q", keys(got), keys(before))
	}

	// A cancelled refresh puts written and replaced files back.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = l.Apply(ctx, Batch{Put: map[string][]byte{"sources/1/dogs.md": []byte(birds), "sources/3/new.md": []byte(refunds)}})
	if err == nil {
		t.Fatal("Apply with a cancelled context succeeded")
	}
	if got := tree(t, dir); !mapsEqual(got, before) {
		t.Errorf("files after the cancelled batch: %v, want %v", got, before)
	}
	if hits, err := l.Search(context.Background(), "can I bring my dog", 1); err != nil || len(hits) == 0 || !strings.Contains(hits[0].Chunk.Text, "Fridays") {
		t.Errorf("the live index changed: %v (%v)", hits, err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestApplyBatchRefusesUnsafePaths(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	for _, tt := range []struct {
		name string
		b    Batch
	}{
		{"parent", Batch{Put: map[string][]byte{"../escape.md": []byte(cats)}}},
		{"absolute", Batch{Put: map[string][]byte{"/etc/x.md": []byte(cats)}}},
		{"hidden folder", Batch{Put: map[string][]byte{".git/x.md": []byte(cats)}}},
		{"removed folder", Batch{Put: map[string][]byte{"removed/x.md": []byte(cats)}}},
		{"unsupported", Batch{Put: map[string][]byte{"sources/1/x.exe": []byte(cats)}}},
		{"odd characters", Batch{Put: map[string][]byte{"sources/a b/x.md": []byte(cats)}}},
		{"too large", Batch{Put: map[string][]byte{"big.md": make([]byte, corpus.MaxFileSize+1)}}},
		{"delete outside", Batch{Delete: []string{"../dogs.md"}}},
		{"delete the root", Batch{DeleteFolders: []string{"."}}},
		{"written and deleted", Batch{Put: map[string][]byte{"a.md": []byte(cats)}, Delete: []string{"a.md"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := l.Apply(context.Background(), tt.b); err == nil {
				t.Error("Apply accepted it")
			}
			if got := keys(tree(t, dir)); !slices.Equal(got, []string{"dogs.md"}) {
				t.Errorf("files: %q", got)
			}
		})
	}
}

// TestOpenWith: a knowledge base with no folder yet gets its first batch;
// one that gives no document leaves nothing behind.
func TestOpenWith(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	opts := Options{Dir: dir, IndexDir: filepath.Join(t.TempDir(), "index"), Embedder: retrieval.NewHashEmbedder(0)}
	if _, err := OpenWith(context.Background(), opts, Batch{Put: map[string][]byte{"sources/1/empty.md": []byte("   \n")}}); err == nil {
		t.Fatal("OpenWith of a batch with no readable document succeeded")
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("files left: %q", keys(got))
	}
	l, err := OpenWith(context.Background(), opts, Batch{Put: map[string][]byte{"sources/1/dogs.md": []byte(dogs)}})
	if err != nil {
		t.Fatalf("OpenWith: %v", err)
	}
	if docs := l.Documents(); len(docs) != 1 || docs[0].ID != "sources/1/dogs.md" {
		t.Errorf("documents: %+v", docs)
	}
	if err := DeleteDocuments(dir, []string{"sources/1/dogs.md"}, []string{"sources/1"}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("files left after DeleteDocuments: %q", keys(got))
	}
}

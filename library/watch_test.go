package library

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/faqbot/faqbot/retrieval"
)

func TestWatchPicksUpEdits(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	var mu sync.Mutex
	var reports []Change
	l, err := Open(context.Background(), Options{
		Dir: dir, IndexDir: filepath.Join(t.TempDir(), "index"), Embedder: retrieval.NewHashEmbedder(0),
		WatchReport: func(ch Change, err error) {
			if err != nil {
				t.Errorf("watch refresh: %v", err)
			}
			mu.Lock()
			reports = append(reports, ch)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Watch(ctx, 10*time.Millisecond) }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	write(t, dir, "cats.md", cats)
	waitFor("cats.md to be indexed", func() bool { return len(l.Documents()) == 2 })
	if err := os.Remove(filepath.Join(dir, "dogs.md")); err != nil {
		t.Fatal(err)
	}
	waitFor("dogs.md to be dropped", func() bool { return len(l.Documents()) == 1 })
	// Files the loader ignores do not trigger a refresh.
	write(t, dir, ".notes.md", dogs)
	write(t, dir, "image.png", "x")
	time.Sleep(100 * time.Millisecond)

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch returned %v when stopped", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || !slices.Equal(reports[0].DocumentsAdded, []string{"cats.md"}) || !slices.Equal(reports[1].DocumentsRemoved, []string{"dogs.md"}) {
		t.Errorf("reports %+v, want cats added then dogs removed", reports)
	}
}

func TestSeedDir(t *testing.T) {
	src := fstest.MapFS{
		"faq.md":      {Data: []byte(dogs)},
		"sub/more.md": {Data: []byte(cats)},
	}
	dst := filepath.Join(t.TempDir(), "data", "corpus")
	seeded, err := SeedDir(dst, src)
	if err != nil || !seeded {
		t.Fatalf("first SeedDir: %v %v", seeded, err)
	}
	if got, err := os.ReadFile(filepath.Join(dst, "sub", "more.md")); err != nil || string(got) != cats {
		t.Errorf("sub/more.md: %q (%v)", got, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".corpus-seed-*"))
	if len(leftovers) > 0 {
		t.Errorf("seed temporaries left: %v", leftovers)
	}
	// A moderator's change survives: the second start does not seed.
	write(t, dst, "faq.md", birds)
	seeded, err = SeedDir(dst, src)
	if err != nil || seeded {
		t.Errorf("second SeedDir: %v %v, want no copy", seeded, err)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "faq.md")); string(got) != birds {
		t.Error("the second SeedDir overwrote an edited document")
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("corpus folder mode %v (%v)", fi.Mode(), err)
	}
}

func TestChangeSummary(t *testing.T) {
	ch := Change{DocumentsAdded: []string{"a.md", "b.md", "c.md", "d.md"}, DocumentsRemoved: []string{"x.md"}, Embedded: 4, Reused: 10}
	want := "4 added (a.md, b.md, c.md and 1 more), 1 removed (x.md), 0 changed; 4 passages embedded, 10 reused"
	if got := ch.Summary(); got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if ch.Empty() || !(Change{Reused: 3}).Empty() {
		t.Error("Empty is wrong")
	}
}

package library

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/faqbot/faqbot/retrieval"
)

func TestWatchPicksUpEdits(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	reports := make(chan Change, 10)
	l, err := Open(context.Background(), Options{
		Dir: dir, IndexDir: filepath.Join(t.TempDir(), "index"), Embedder: retrieval.NewHashEmbedder(0),
		WatchReport: func(ch Change, err error) {
			if err != nil {
				t.Errorf("watch refresh: %v", err)
			}
			reports <- ch
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Watch(ctx, 10*time.Millisecond) }()

	// Each edit is followed by exactly one report, in order; a report the
	// test did not cause (say, for an ignored file) shows up as a mismatch.
	next := func(what string) Change {
		t.Helper()
		select {
		case ch := <-reports:
			return ch
		case <-time.After(30 * time.Second):
			t.Fatalf("no refresh reported for %s", what)
			return Change{}
		}
	}
	write(t, dir, "cats.md", cats)
	if ch := next("cats.md"); !slices.Equal(ch.DocumentsAdded, []string{"cats.md"}) {
		t.Errorf("first report %+v, want cats.md added", ch)
	}
	if err := os.Remove(filepath.Join(dir, "dogs.md")); err != nil {
		t.Fatal(err)
	}
	if ch := next("removing dogs.md"); !slices.Equal(ch.DocumentsRemoved, []string{"dogs.md"}) {
		t.Errorf("second report %+v, want dogs.md removed", ch)
	}
	// Files the loader ignores do not trigger a refresh: the next report
	// is the one for birds.md alone.
	write(t, dir, ".notes.md", dogs)
	write(t, dir, "image.png", "x")
	write(t, dir, "birds.md", birds)
	if ch := next("birds.md"); !slices.Equal(ch.DocumentsAdded, []string{"birds.md"}) || len(ch.DocumentsChanged) != 0 {
		t.Errorf("third report %+v, want only birds.md added", ch)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch returned %v when stopped", err)
	}
	select {
	case ch := <-reports:
		t.Errorf("unexpected extra report %+v", ch)
	default:
	}
	if n := len(l.Documents()); n != 2 {
		t.Errorf("%d documents, want 2", n)
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
	one := Change{DocumentsChanged: []string{"a.md"}, Embedded: 1, Reused: 1}
	if got, want := one.Summary(), "0 added, 0 removed, 1 changed (a.md); 1 passage embedded, 1 reused"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if ch.Empty() || !(Change{Reused: 3}).Empty() {
		t.Error("Empty is wrong")
	}
}

package library

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, dir string) *Library {
	t.Helper()
	l, err := Open(context.Background(), Options{
		Corpus: os.DirFS(dir), IndexDir: filepath.Join(t.TempDir(), "index"),
		Embedder: retrieval.NewHashEmbedder(0), Logger: nil,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

const (
	dogs  = "# Dogs\n\n## Can I bring my dog?\n\nDogs are welcome on Fridays if they are house-trained.\n"
	cats  = "# Cats\n\n## Are cats allowed?\n\nCats are not allowed because of allergies among the staff.\n"
	birds = "# Birds\n\n## May I bring a parrot?\n\nParrots may visit the lobby but not the offices.\n"
)

func TestRefreshReportsChanges(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	l := open(t, dir)

	write(t, dir, "birds.md", birds)                                                                 // added
	write(t, dir, "cats.md", "# Cats\n\n## Are cats allowed?\n\nCats are now allowed on Mondays.\n") // changed
	if err := os.Remove(filepath.Join(dir, "dogs.md")); err != nil {                                 // removed
		t.Fatal(err)
	}
	ch, err := l.Refresh(context.Background())
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if !slices.Equal(ch.DocumentsAdded, []string{"birds.md"}) || !slices.Equal(ch.DocumentsRemoved, []string{"dogs.md"}) ||
		!slices.Equal(ch.DocumentsChanged, []string{"cats.md"}) || len(ch.DocumentsUnchanged) != 0 {
		t.Errorf("documents: added %v removed %v changed %v unchanged %v", ch.DocumentsAdded, ch.DocumentsRemoved, ch.DocumentsChanged, ch.DocumentsUnchanged)
	}
	if ch.PassagesAdded != 2 || ch.PassagesRemoved != 2 || ch.PassagesUnchanged != 0 {
		t.Errorf("passages: +%d -%d =%d, want +2 -2 =0", ch.PassagesAdded, ch.PassagesRemoved, ch.PassagesUnchanged)
	}
	hits, err := l.Search(context.Background(), "can I bring my parrot", 3)
	if err != nil || len(hits) == 0 || hits[0].Chunk.DocID != "birds.md" {
		t.Errorf("after refresh, search found %v (err %v), want birds.md first", hits, err)
	}
	for _, h := range hits {
		if h.Chunk.DocID == "dogs.md" {
			t.Errorf("removed document still found: %v", h.Chunk.ID)
		}
	}

	// Nothing changed: nothing is embedded again.
	ch, err = l.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ch.Embedded != 0 || len(ch.DocumentsUnchanged) != 2 || ch.PassagesUnchanged != 2 {
		t.Errorf("second refresh: embedded %d, unchanged docs %v, passages %d", ch.Embedded, ch.DocumentsUnchanged, ch.PassagesUnchanged)
	}
}

func TestFailedRefreshKeepsTheLiveIndex(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := open(t, dir)
	before := l.Index()
	if err := os.Remove(filepath.Join(dir, "dogs.md")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Refresh(context.Background()); !errors.Is(err, corpus.ErrNoDocuments) {
		t.Fatalf("Refresh of an empty folder: %v, want ErrNoDocuments", err)
	}
	if l.Index() != before {
		t.Error("a failed refresh replaced the live index")
	}
	if hits, _ := l.Search(context.Background(), "dog", 1); len(hits) == 0 {
		t.Error("the old index no longer answers")
	}
}

// TestSearchDuringRefresh answers questions while refreshes swap the index
// underneath: every search must succeed and see one whole corpus, never a
// mix (run with -race).
func TestSearchDuringRefresh(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	l := open(t, dir)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				hits, err := l.Search(ctx, "are cats allowed", 2)
				if err != nil || len(hits) == 0 {
					errs <- errors.Join(err, errors.New("no hits"))
					return
				}
			}
		}()
	}
	var rwg sync.WaitGroup
	for i := range 3 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			if i == 1 {
				write(t, dir, "birds.md", birds)
			}
			if _, err := l.Refresh(ctx); err != nil {
				errs <- err
			}
		}()
	}
	rwg.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(l.Documents()); n != 3 {
		t.Errorf("after the refreshes: %d documents, want 3", n)
	}
}

// TestRefreshReusesTheLiveIndex: a refresh takes unchanged passages'
// vectors from the live index in memory, not from the copy saved on disk,
// so it neither reads that copy back nor depends on it being intact.
func TestRefreshReusesTheLiveIndex(t *testing.T) {
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	l, err := Open(context.Background(), Options{Dir: dir, IndexDir: idx, Embedder: retrieval.NewHashEmbedder(0)})
	if err != nil {
		t.Fatal(err)
	}
	// Spoil the saved copy: were it read, nothing could be reused from
	// it. Each file is replaced (written beside and renamed over), as
	// tools and saves do; the live index keeps the files it opened.
	saved, err := filepath.Glob(filepath.Join(idx, "*"))
	if err != nil || len(saved) == 0 {
		t.Fatalf("no saved index in %s (%v)", idx, err)
	}
	for _, f := range saved {
		if err := os.WriteFile(f+".new", []byte("spoilt"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f+".new", f); err != nil {
			t.Fatal(err)
		}
	}
	write(t, dir, "birds.md", birds)
	ch, err := l.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ch.Embedded != 1 || ch.Reused != 2 {
		t.Errorf("embedded %d, reused %d; want only the new passage embedded", ch.Embedded, ch.Reused)
	}
	// What the refresh saved is whole: a fresh start loads it as it is.
	l2, err := Open(context.Background(), Options{Dir: dir, IndexDir: idx, Embedder: retrieval.NewHashEmbedder(0)})
	if err != nil {
		t.Fatal(err)
	}
	if !l2.Report().Loaded {
		t.Errorf("the saved index was not loaded: %s", l2.Report().Reason)
	}
}

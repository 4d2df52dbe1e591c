package kb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
)

// TestApplyBatches: a server's first batch creates its knowledge base, a
// later one changes it, and one that takes its last documents leaves it
// answering from the base alone — each only in that server.
func TestApplyBatches(t *testing.T) {
	ctx := context.Background()
	emb := retrieval.NewHashEmbedder(0)
	m := newManager(t, Options{Base: baseLibrary(t, emb), Embedder: emb})

	ch, err := m.Apply(ctx, "g1", library.Batch{Put: map[string][]byte{
		"sources/1/parking.md": doc("Parking", "Staff park in the north lot behind the warehouse."),
		"sources/1/canteen.md": doc("Canteen", "The canteen serves lunch from noon until two."),
	}})
	if err != nil {
		t.Fatalf("first batch: %v", err)
	}
	if len(ch.DocumentsAdded) != 2 || ch.PassagesAdded == 0 {
		t.Errorf("first batch: %+v", ch)
	}
	if got := sources(t, m, "g1", "what about parking"); !has(got, "sources/1/parking.md") {
		t.Errorf("g1 after its first batch: %q", got)
	}
	if got := sources(t, m, "g2", "what about parking"); has(got, "sources/1/parking.md") {
		t.Errorf("g2 answered from g1's pages: %q", got)
	}

	ch, err = m.Apply(ctx, "g1", library.Batch{
		Put:    map[string][]byte{"sources/1/canteen.md": doc("Canteen", "The canteen now serves lunch from eleven until three.")},
		Delete: []string{"sources/1/parking.md"},
	})
	if err != nil {
		t.Fatalf("second batch: %v", err)
	}
	if !slices.Equal(ch.DocumentsChanged, []string{"sources/1/canteen.md"}) || !slices.Equal(ch.DocumentsRemoved, []string{"sources/1/parking.md"}) {
		t.Errorf("second batch: %+v", ch)
	}

	// A file the corpus cannot read, then the last document goes.
	dir := filepath.Join(m.opts.Dir, "g1", "corpus", "sources", "1")
	if err := os.WriteFile(filepath.Join(dir, "blank.md"), []byte("\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ch, err = m.Apply(ctx, "g1", library.Batch{Delete: []string{"sources/1/canteen.md"}, DeleteFolders: []string{"sources/1"}})
	if err != nil {
		t.Fatalf("last batch: %v", err)
	}
	if !slices.Equal(ch.DocumentsRemoved, []string{"sources/1/canteen.md"}) {
		t.Errorf("last batch: %+v", ch)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the source's folder is still there: %v", err)
	}
	if l, err := m.Library(ctx, "g1"); l != nil || err != nil {
		t.Errorf("g1's library after its last documents went: %v %v", l, err)
	}
	if got := sources(t, m, "g1", "what about wifi"); !has(got, "wifi.md") {
		t.Errorf("g1 no longer answers from the base: %q", got)
	}
	// And a batch can start it again.
	if _, err := m.Apply(ctx, "g1", library.Batch{Put: map[string][]byte{"sources/2/parking.md": doc("Parking", "Staff park in the north lot.")}}); err != nil {
		t.Fatalf("batch after emptying: %v", err)
	}
	if got := sources(t, m, "g1", "what about parking"); !has(got, "sources/2/parking.md") {
		t.Errorf("g1 after starting again: %q", got)
	}
	if _, err := m.Apply(ctx, "../g1", library.Batch{}); !errors.Is(err, ErrBadGuild) {
		t.Errorf("a bad guild: %v", err)
	}
}

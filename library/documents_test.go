package library

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// openDir opens a library over the corpus folder dir, as serve does.
func openDir(t *testing.T, dir string) *Library {
	t.Helper()
	l, err := Open(context.Background(), Options{
		Dir: dir, IndexDir: filepath.Join(t.TempDir(), "index"),
		Embedder: retrieval.NewHashEmbedder(0),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

const refunds = "# Refunds\n\n## Can I get a refund?\n\nRefunds are paid within 14 days of a written request.\n"

func TestAddDocumentIndexesIt(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	l := openDir(t, dir)
	ctx := context.Background()

	info, ch, err := l.AddDocument(ctx, "Refund policy.md", []byte(refunds), AddOptions{})
	if err != nil {
		t.Fatalf("AddDocument: %v", err)
	}
	if info.ID != "Refund-policy.md" || info.Title != "Refunds" || info.Passages != 1 || info.Size != int64(len(refunds)) {
		t.Errorf("info = %+v", info)
	}
	if !slices.Equal(ch.DocumentsAdded, []string{"Refund-policy.md"}) || ch.Embedded != 1 || ch.Reused != 2 {
		t.Errorf("change: added %v, embedded %d, reused %d; want only the new passage embedded", ch.DocumentsAdded, ch.Embedded, ch.Reused)
	}
	got, err := os.ReadFile(filepath.Join(dir, "Refund-policy.md"))
	if err != nil || string(got) != refunds {
		t.Errorf("file on disk: %q (%v)", got, err)
	}
	hits, err := l.Search(ctx, "how do I get a refund", 1)
	if err != nil || len(hits) == 0 || hits[0].Chunk.DocID != "Refund-policy.md" {
		t.Errorf("search after add: %v (%v)", hits, err)
	}
	assertNoTemps(t, dir)
}

func TestAddDocumentReplace(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	ctx := context.Background()
	if _, _, err := l.AddDocument(ctx, "dogs.md", []byte(cats), AddOptions{}); !errors.Is(err, ErrExists) {
		t.Fatalf("add over an existing name without replace: %v, want ErrExists", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "dogs.md")); string(got) != dogs {
		t.Error("the refused add changed the file")
	}
	_, ch, err := l.AddDocument(ctx, "dogs.md", []byte(birds), AddOptions{Replace: true})
	if err != nil {
		t.Fatalf("replace: %v", err)
	}
	if !slices.Equal(ch.DocumentsChanged, []string{"dogs.md"}) {
		t.Errorf("replace reported %+v", ch)
	}
	if hits, _ := l.Search(ctx, "parrot lobby", 1); len(hits) == 0 || !strings.Contains(hits[0].Chunk.Text, "Parrots") {
		t.Errorf("search after replace: %v", hits)
	}
}

func TestAddDocumentRefuses(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	tests := []struct {
		name string
		file string
		data []byte
		opts AddOptions
		want error
	}{
		{"traversal", "../../etc/passwd", []byte(refunds), AddOptions{}, ErrBadName},
		{"absolute", "/etc/passwd.md", []byte(refunds), AddOptions{}, ErrBadName},
		{"windows traversal", "..\\..\\win.ini", []byte(refunds), AddOptions{}, ErrBadName},
		{"drive letter", "C:\\x.txt", []byte(refunds), AddOptions{}, ErrBadName},
		{"nested traversal", "a/../../b.md", []byte(refunds), AddOptions{}, ErrBadName},
		{"fullwidth solidus", "..／..／x.md", []byte(refunds), AddOptions{}, ErrBadName},
		{"division slash", "..∕x.md", []byte(refunds), AddOptions{}, ErrBadName},
		{"NUL in name", "x\x00.md", []byte(refunds), AddOptions{}, ErrBadName},
		{"empty name", "", []byte(refunds), AddOptions{}, ErrBadName},
		{"hidden", ".hidden.md", []byte(refunds), AddOptions{}, ErrBadName},
		{"long name", strings.Repeat("x", 300) + ".md", []byte(refunds), AddOptions{}, ErrBadName},
		{"wrong extension", "faq.pdf", []byte(refunds), AddOptions{}, corpus.ErrUnsupported},
		{"oversized", "big.md", bytes.Repeat([]byte("word "), 300), AddOptions{MaxSize: 1000}, corpus.ErrTooLarge},
		{"over the corpus limit", "big.md", make([]byte, corpus.MaxFileSize+1), AddOptions{MaxSize: 1 << 40}, corpus.ErrTooLarge},
		{"PNG", "faq.md", png, AddOptions{}, corpus.ErrBinary},
		{"PNG without NUL", "faq.md", []byte("\x89PNG\r\n\x1a\nxxxx"), AddOptions{}, corpus.ErrBinary},
		{"NUL bytes", "faq.txt", []byte("hello\x00world, a text with a NUL"), AddOptions{}, corpus.ErrBinary},
		{"PDF", "faq.txt", []byte("%PDF-1.7\n1 0 obj\n"), AddOptions{}, corpus.ErrBinary},
		{"Latin-1", "faq.txt", []byte("Caf\xe9 opening hours are nine to five."), AddOptions{}, corpus.ErrEncoding},
		{"UTF-16 without a byte-order mark", "faq.txt", []byte("h\x00i\x00 \x00t\x00h\x00e\x00r\x00e\x00"), AddOptions{}, corpus.ErrBinary},
		{"empty", "faq.md", []byte("  \n"), AddOptions{}, corpus.ErrEmpty},
		{"no text", "faq.html", []byte("<html><body><script>x()</script></body></html>"), AddOptions{}, corpus.ErrNoText},
	}
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	before := l.Index()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := l.AddDocument(context.Background(), tt.file, tt.data, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("AddDocument(%q) = %v, want %v", tt.file, err, tt.want)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the corpus folder holds %d entries after refused uploads, want only dogs.md", len(entries))
	}
	if l.Index() != before {
		t.Error("a refused upload replaced the index")
	}
	if _, err := os.Stat("/etc/passwd.md"); err == nil {
		t.Error("a file was written outside the corpus folder")
	}
}

func TestAddDocumentTitle(t *testing.T) {
	tests := []struct{ file, data, want string }{
		{"a.md", "Just a paragraph about opening hours, nine to five.\n", "Opening hours and holidays"},
		{"b.txt", "Just a paragraph about opening hours, nine to five.\n", "Opening hours and holidays"},
		{"c.html", "<p>Just a paragraph about opening hours, nine to five.</p>", "Opening hours and holidays"},
		{"d.html", "<title>Own title</title><p>Just a paragraph about opening hours.</p>", "Own title"},
	}
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	for _, tt := range tests {
		info, _, err := l.AddDocument(context.Background(), tt.file, []byte(tt.data), AddOptions{Title: "  Opening\nhours and  holidays "})
		if err != nil || info.Title != tt.want {
			t.Errorf("%s: title %q (%v), want %q", tt.file, info.Title, err, tt.want)
		}
	}
}

func TestAddDocumentNeedsAFolder(t *testing.T) {
	l, err := Open(context.Background(), Options{Corpus: corpus.Default(), IndexDir: t.TempDir(), Embedder: retrieval.NewHashEmbedder(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.AddDocument(context.Background(), "a.md", []byte(dogs), AddOptions{}); !errors.Is(err, ErrNoDir) {
		t.Errorf("AddDocument on the embedded corpus: %v, want ErrNoDir", err)
	}
	if _, err := l.RemoveDocument(context.Background(), "a.md"); !errors.Is(err, ErrNoDir) {
		t.Errorf("RemoveDocument on the embedded corpus: %v, want ErrNoDir", err)
	}
}

// TestAddDocumentSymlink: a link in the corpus folder that points outside
// it is never written through, not even with Replace.
func TestAddDocumentSymlink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	write(t, dir, "dogs.md", dogs)
	secret := filepath.Join(outside, "secret.md")
	write(t, outside, "secret.md", "# Secret\n\nDo not overwrite.\n")
	if err := os.Symlink(secret, filepath.Join(dir, "link.md")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	l := openDir(t, dir)
	for _, replace := range []bool{false, true} {
		_, _, err := l.AddDocument(context.Background(), "link.md", []byte(cats), AddOptions{Replace: replace})
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("replace=%v: %v, want ErrNotRegular", replace, err)
		}
	}
	if got, _ := os.ReadFile(secret); !strings.Contains(string(got), "Do not overwrite") {
		t.Errorf("the file outside the corpus was changed: %q", got)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "link.md")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
}

func TestRemoveDocument(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	write(t, dir, "cats.md", cats)
	l := openDir(t, dir)
	ctx := context.Background()

	ch, err := l.RemoveDocument(ctx, "cats.md")
	if err != nil {
		t.Fatalf("RemoveDocument: %v", err)
	}
	if !slices.Equal(ch.DocumentsRemoved, []string{"cats.md"}) || ch.PassagesRemoved != 1 {
		t.Errorf("change %+v", ch)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "removed", "cats.md")); err != nil || string(got) != cats {
		t.Errorf("removed/cats.md: %q (%v)", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cats.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cats.md still in the corpus folder (%v)", err)
	}
	hits, _ := l.Search(ctx, "are cats allowed allergies", 5)
	for _, h := range hits {
		if h.Chunk.DocID == "cats.md" {
			t.Errorf("a removed passage is still found: %s", h.Chunk.ID)
		}
	}

	// Removed again after being re-added: the earlier copy is kept.
	if _, _, err := l.AddDocument(ctx, "cats.md", []byte(birds), AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RemoveDocument(ctx, "cats.md"); err != nil {
		t.Fatal(err)
	}
	removed, _ := filepath.Glob(filepath.Join(dir, "removed", "cats.*"))
	if len(removed) != 2 {
		t.Errorf("removed folder holds %v, want two copies of cats", removed)
	}

	if _, err := l.RemoveDocument(ctx, "nope.md"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing an unknown document: %v, want ErrNotFound", err)
	}
	if _, err := l.RemoveDocument(ctx, "../dogs.md"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing a path: %v, want ErrNotFound", err)
	}
	// The last document cannot go: the corpus would be empty. The file
	// is put back and the index keeps answering.
	before := l.Index()
	if _, err := l.RemoveDocument(ctx, "dogs.md"); !errors.Is(err, corpus.ErrNoDocuments) {
		t.Errorf("removing the last document: %v, want ErrNoDocuments", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dogs.md")); err != nil || l.Index() != before {
		t.Errorf("after the failed removal: file %v, index replaced %v", err, l.Index() != before)
	}
}

// TestAddDuringSearch adds and replaces documents while questions are
// answered (run with -race): every search succeeds.
func TestAddDuringSearch(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
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
				if hits, err := l.Search(ctx, "can I bring my dog", 2); err != nil || len(hits) == 0 {
					errs <- errors.Join(err, errors.New("no hits"))
					return
				}
				_ = l.Documents()
			}
		}()
	}
	var aw sync.WaitGroup
	for i, text := range []string{cats, birds, refunds, cats} {
		aw.Add(1)
		go func() {
			defer aw.Done()
			name := []string{"cats.md", "birds.md", "refunds.md", "cats2.md"}[i]
			if _, _, err := l.AddDocument(ctx, name, []byte(text), AddOptions{Replace: true}); err != nil {
				errs <- err
			}
		}()
	}
	aw.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(l.Documents()); n != 5 {
		t.Errorf("%d documents after the adds, want 5", n)
	}
}

// TestCrashMidWrite simulates a crash while an upload was being written:
// the temporary file left behind is never indexed, the next Open deletes
// it, and the saved index still serves.
func TestCrashMidWrite(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	index := filepath.Join(t.TempDir(), "index")
	opts := Options{Dir: dir, IndexDir: index, Embedder: retrieval.NewHashEmbedder(0)}
	l, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The crash: half a Markdown file under the temporary name.
	tmp := filepath.Join(dir, tempPrefix+"0123456789abcdef.tmp")
	write(t, dir, filepath.Base(tmp), "# Cats\n\n## Are cats allo")
	if ch, err := l.Refresh(context.Background()); err != nil || !ch.Empty() {
		t.Errorf("refresh with a temporary file present: %+v (%v), want no change", ch, err)
	}

	l2, err := Open(context.Background(), opts) // the restart
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file survived a restart (%v)", err)
	}
	if !l2.Report().Loaded {
		t.Errorf("the saved index was not reused: %s", l2.Report().Reason)
	}
	if hits, _ := l2.Search(context.Background(), "dog", 1); len(hits) == 0 {
		t.Error("the index does not answer after the crash")
	}
}

func TestRefreshWithoutChangesKeepsTheIndex(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	before := l.Index()
	write(t, dir, "notes.pdf", "not a document")
	ch, err := l.Refresh(context.Background())
	if err != nil || !ch.Empty() || ch.Embedded != 0 {
		t.Errorf("refresh: %+v (%v)", ch, err)
	}
	if l.Index() != before {
		t.Error("a refresh that changed no document rebuilt the index")
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*"))
	if len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestAddDocumentUTF16: a text file saved as UTF-16 with its byte-order
// mark ("Unicode" in Windows editors) is accepted, kept as UTF-8 and
// answered from, in either byte order.
func TestAddDocumentUTF16(t *testing.T) {
	const text = "# Opening hours\n\n## When does the café open?\n\nThe café opens at nine and closes at five, Monday to Friday.\n"
	utf16 := func(bigEndian bool) []byte {
		out := []byte{0xFF, 0xFE}
		if bigEndian {
			out = []byte{0xFE, 0xFF}
		}
		for _, r := range text {
			hi, lo := byte(r>>8), byte(r)
			if bigEndian {
				out = append(out, hi, lo)
			} else {
				out = append(out, lo, hi)
			}
		}
		return out
	}
	for _, be := range []bool{false, true} {
		dir := t.TempDir()
		write(t, dir, "dogs.md", dogs)
		l := openDir(t, dir)
		info, _, err := l.AddDocument(context.Background(), "hours.md", utf16(be), AddOptions{})
		if err != nil {
			t.Fatalf("big endian %v: %v", be, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, info.ID))
		if err != nil || string(got) != text {
			t.Errorf("big endian %v: saved %q (%v), want the text in UTF-8", be, got, err)
		}
		if hits, _ := l.Search(context.Background(), "when does the café open", 1); len(hits) == 0 || hits[0].Chunk.DocID != "hours.md" {
			t.Errorf("big endian %v: search %v", be, hits)
		}
	}
}

// TestAddDocumentNameCase: "Parking.md" and "parking.md" are one
// document, as they are on a case-insensitive file system and to a member
// reading the sources: the second is refused as existing, and replacing
// it replaces the first, under its name.
func TestAddDocumentNameCase(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dogs.md", dogs)
	l := openDir(t, dir)
	ctx := context.Background()
	if _, _, err := l.AddDocument(ctx, "Parking.md", []byte(refunds), AddOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := l.AddDocument(ctx, "parking.md", []byte(cats), AddOptions{})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "Parking.md") {
		t.Fatalf("a second name differing in case: %v, want ErrExists naming Parking.md", err)
	}
	info, ch, err := l.AddDocument(ctx, "PARKING.md", []byte(birds), AddOptions{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "Parking.md" || !slices.Equal(ch.DocumentsChanged, []string{"Parking.md"}) {
		t.Errorf("replace: %+v %+v, want Parking.md changed", info, ch)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"Parking.md", "dogs.md"}) {
		t.Errorf("corpus folder holds %q", names)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "Parking.md")); string(got) != birds {
		t.Errorf("Parking.md holds %q", got)
	}
}

package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/retrieval"
)

// countingFS is a folder that counts the files read from it, to tell a
// start that reads the corpus from one that trusts its saved index.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	reads map[string]int
}

func newCountingFS(dir string) *countingFS {
	return &countingFS{FS: os.DirFS(dir), reads: map[string]int{}}
}

func (c *countingFS) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	c.reads[name]++
	c.mu.Unlock()
	return fs.ReadFile(c.FS, name)
}

func (c *countingFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(c.FS, name) }

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(c.FS, name) }

// take returns the files read since the last call, sorted.
func (c *countingFS) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Sorted(maps.Keys(c.reads))
	clear(c.reads)
	return out
}

// cacheCorpus writes n small FAQ documents, each with its own words.
func cacheCorpus(t *testing.T, dir string, n int) {
	t.Helper()
	for i := range n {
		write(t, dir, fmt.Sprintf("page-%02d.md", i), page(i, ""))
	}
}

func page(i int, extra string) string {
	return fmt.Sprintf("# Page %d about topic%d\n\n## How does feature%d work?\n\nFeature%d works by sending widget%d requests to the gadget%d service every %d minutes. %s\n\n"+
		"## Who maintains feature%d?\n\nThe team%d group maintains it and answers questions on channel%d within %d days. Escalations go to the manager%d rota, "+
		"which reviews outage%d reports on Tuesdays and publishes a summary%d digest with every incident, its cause and the fix.\n",
		i, i, i, i, i, i, i+2, extra, i, i, i, i+1, i, i, i)
}

// later sets a file's time a second ahead, as an edit would.
func later(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	tm := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, tm, tm); err != nil {
		t.Fatal(err)
	}
}

// openCounting opens a library over dir through a countingFS.
func openCounting(t *testing.T, c *countingFS, idx string, split corpus.SplitOptions) *Library {
	t.Helper()
	return openWith(t, Options{Corpus: c, IndexDir: idx, Split: split})
}

func openWith(t *testing.T, o Options) *Library {
	t.Helper()
	o.Embedder = retrieval.NewHashEmbedder(0)
	l, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// fromScratch is what the corpus package makes of dir: what a library
// must hold however it got there.
func fromScratch(t *testing.T, dir string, split corpus.SplitOptions) *corpus.Set {
	t.Helper()
	set, err := corpus.BuildDir(context.Background(), dir, nil, split)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// sameAsScratch checks a library's documents, passages (marks included)
// and duplicates against reading the folder from nothing.
func sameAsScratch(t *testing.T, step string, l *Library, dir string, split corpus.SplitOptions) {
	t.Helper()
	want := fromScratch(t, dir, split)
	got := l.Corpus()
	if !reflect.DeepEqual(got.Chunks, want.Chunks) {
		t.Errorf("%s: passages differ from a fresh read (%d vs %d)", step, len(got.Chunks), len(want.Chunks))
	}
	var ids, wantIDs []string
	for _, d := range got.Documents {
		ids = append(ids, d.ID+" "+d.Hash)
	}
	for _, d := range want.Documents {
		wantIDs = append(wantIDs, d.ID+" "+d.Hash)
	}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("%s: documents %v, want %v", step, ids, wantIDs)
	}
	if g, w := got.Duplicates.String(), want.Duplicates.String(); g != w {
		t.Errorf("%s: duplicates\n%s\nwant\n%s", step, g, w)
	}
}

// TestParseCache checks what a start reads, parses and embeds after each
// kind of change to the corpus folder, and that the library then holds
// exactly what reading the folder from nothing gives.
func TestParseCache(t *testing.T) {
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	cacheCorpus(t, dir, 12)
	// A copy of page 3 under another name: a near-duplicate pair.
	write(t, dir, "page-03-copy.md", page(3, ""))
	split := corpus.DefaultSplitOptions()
	c := newCountingFS(dir)
	l := openCounting(t, c, idx, split)
	if n := len(c.take()); n != 13 {
		t.Fatalf("first start read %d files, want 13", n)
	}
	sameAsScratch(t, "first start", l, dir, split)
	if len(l.Corpus().Duplicates.Documents) != 1 {
		t.Fatalf("duplicates %v, want the copy of page 3", l.Corpus().Duplicates)
	}

	steps := []struct {
		name     string
		change   func(t *testing.T)
		read     []string // files read by the next start
		loaded   bool     // the saved index used as it is
		embedded int
	}{
		{"nothing changed", func(*testing.T) {}, nil, true, 0},
		{"content changed", func(t *testing.T) {
			write(t, dir, "page-05.md", page(5, "It also retries twice."))
			later(t, filepath.Join(dir, "page-05.md"))
		}, []string{"page-05.md"}, false, 1},
		// An edit that keeps the size: only the time says the file moved.
		{"content changed, same size", func(t *testing.T) {
			p := page(4, "")
			edited := strings.Replace(p, "Tuesdays", "Mondays.", 1)
			if len(edited) != len(p) || edited == p {
				t.Fatal("the edit must keep the size")
			}
			write(t, dir, "page-04.md", edited)
			later(t, filepath.Join(dir, "page-04.md"))
		}, []string{"page-04.md"}, false, 1},
		{"touched, content the same", func(t *testing.T) { later(t, filepath.Join(dir, "page-06.md")) }, []string{"page-06.md"}, true, 0},
		{"the touched file is trusted again", func(*testing.T) {}, nil, true, 0},
		{"renamed", func(t *testing.T) {
			if err := os.Rename(filepath.Join(dir, "page-07.md"), filepath.Join(dir, "page-07-renamed.md")); err != nil {
				t.Fatal(err)
			}
		}, []string{"page-07-renamed.md"}, false, 0},
		{"deleted", func(t *testing.T) {
			if err := os.Remove(filepath.Join(dir, "page-08.md")); err != nil {
				t.Fatal(err)
			}
		}, nil, false, 0},
		{"a copy's original changed: the pair goes", func(t *testing.T) {
			write(t, dir, "page-03.md", page(30, ""))
			later(t, filepath.Join(dir, "page-03.md"))
		}, []string{"page-03.md"}, false, 2},
		// A passage already in another document is embedded again: only
		// the changed documents' old passages are looked up by hash.
		{"a new copy of another page", func(t *testing.T) { write(t, dir, "page-00-copy.md", page(0, "")) }, []string{"page-00-copy.md"}, false, 2},
		{"a file that cannot be read as a document", func(t *testing.T) { write(t, dir, "empty.md", "") }, []string{"empty.md"}, true, 0},
		{"its skip is remembered", func(*testing.T) {}, nil, true, 0},
	}
	for _, st := range steps {
		st.change(t)
		l = openCounting(t, c, idx, split)
		if got := c.take(); !slices.Equal(got, st.read) {
			t.Errorf("%s: read %v, want %v", st.name, got, st.read)
		}
		rep := l.Report()
		if rep.Loaded != st.loaded || rep.Embedded != st.embedded {
			t.Errorf("%s: loaded %v (%s), embedded %d; want loaded %v, embedded %d", st.name, rep.Loaded, rep.Reason, rep.Embedded, st.loaded, st.embedded)
		}
		sameAsScratch(t, st.name, l, dir, split)
	}
	if d := l.Corpus().Duplicates; len(d.Documents) != 1 || d.Documents[0].A != "page-00-copy.md" {
		t.Errorf("duplicates at the end: %v, want only page-00 and its copy", d)
	}
}

// TestParseCacheSettings checks that the parse cache is dropped when the
// way documents are cut changes: other split options, or another cleaning
// rules version recorded with the saved index.
func TestParseCacheSettings(t *testing.T) {
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	cacheCorpus(t, dir, 6)
	c := newCountingFS(dir)
	def := corpus.DefaultSplitOptions()
	openCounting(t, c, idx, def)
	c.take()

	small := corpus.SplitOptions{Target: 120, Max: 240, Overlap: 0}
	l := openCounting(t, c, idx, small)
	if n := len(c.take()); n != 6 || l.Report().Loaded {
		t.Errorf("split options changed: read %d files, loaded %v; want all 6 read again", n, l.Report().Loaded)
	}
	sameAsScratch(t, "smaller passages", l, dir, small)
	if !strings.Contains(l.Report().Reason, "split") {
		t.Errorf("reason %q", l.Report().Reason)
	}

	// The index records the cleaning rules' version with the split
	// options: an index from other rules is read again.
	m, err := retrieval.ReadManifest(idx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(idx, "manifest.json"))
	old := strings.Replace(string(b), corpus.CleanerVersion, "clean-v0", 1)
	if old == string(b) || !strings.Contains(m.Split, corpus.CleanerVersion) {
		t.Fatalf("the manifest does not record the cleaner version: %q", m.Split)
	}
	if err := os.WriteFile(filepath.Join(idx, "manifest.json"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	l = openCounting(t, c, idx, small)
	if n := len(c.take()); n != 6 || l.Report().Loaded {
		t.Errorf("cleaner version changed: read %d files, loaded %v; want all 6 read again", n, l.Report().Loaded)
	}
	// The vectors of unchanged passages are still reused.
	if rep := l.Report(); rep.Embedded != 0 || rep.Reused != l.Stats().Passages {
		t.Errorf("embedded %d, reused %d; want every vector reused", rep.Embedded, rep.Reused)
	}
}

// TestParseCacheCorrupt damages each file of the saved index in turn: the
// next start notices, reads the corpus again and answers as before.
func TestParseCacheCorrupt(t *testing.T) {
	split := corpus.DefaultSplitOptions()
	for _, target := range []string{"att-files-", "att-dups-", "shard-", "dupof-", "manifest.json"} {
		for _, how := range []string{"truncated", "flipped", "missing"} {
			t.Run(target+how, func(t *testing.T) {
				dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
				cacheCorpus(t, dir, 6)
				write(t, dir, "page-02-copy.md", page(2, ""))
				c := newCountingFS(dir)
				openCounting(t, c, idx, split)
				c.take()
				spoil(t, idx, target, how)
				// Damage inside a shard's bulk is found by verifying.
				l := openWith(t, Options{Corpus: c, IndexDir: idx, Split: split, Verify: true})
				read := c.take()
				if target == "att-dups-" {
					// Only read when something changed: the start
					// trusts the rest and reads nothing.
					if len(read) != 0 || !l.Report().Loaded {
						t.Errorf("read %v, loaded %v", read, l.Report().Loaded)
					}
					if _, err := l.Duplicates(); err == nil && how != "missing" {
						t.Errorf("damaged near-duplicate state read without an error")
					}
					// A change then examines the whole corpus again.
					write(t, dir, "page-09.md", page(9, ""))
					if _, err := l.Refresh(context.Background()); err != nil {
						t.Fatal(err)
					}
				} else if len(read) != 7 || l.Report().Loaded {
					t.Errorf("read %d files, loaded %v (%s); want all read again", len(read), l.Report().Loaded, l.Report().Reason)
				}
				sameAsScratch(t, "after the damage", l, dir, split)
				hits, err := l.Search(context.Background(), "who maintains feature4", 1)
				if err != nil || len(hits) == 0 || hits[0].Chunk.DocID != "page-04.md" {
					t.Errorf("search after the damage: %v %v", hits, err)
				}
				// And the index saved after the damage is whole.
				c.take()
				l = openCounting(t, c, idx, split)
				if read := c.take(); !l.Report().Loaded || len(read) != 0 {
					t.Errorf("the index saved after the damage was not used as is: %+v, read %v", l.Report(), read)
				}
			})
		}
	}
}

// spoil damages the first file of the index folder whose name starts with
// prefix.
func spoil(t *testing.T, idx, prefix, how string) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(idx, prefix+"*"))
	if len(names) == 0 {
		t.Fatalf("no %s* in %s", prefix, idx)
	}
	p := names[0]
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	switch how {
	case "truncated":
		b = b[:len(b)/2]
	case "flipped":
		b[len(b)/3] ^= 0x55
	case "missing":
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Replaced, as any tool does: a running process keeps the old file.
	if err := os.WriteFile(p+".new", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p+".new", p); err != nil {
		t.Fatal(err)
	}
}

// TestInterruptedSave leaves behind what a save killed half way would —
// a new shard, attachments and temporary files that no manifest names —
// and checks that the next start uses the last complete index as it is
// and removes the leftovers when it next saves.
func TestInterruptedSave(t *testing.T) {
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	cacheCorpus(t, dir, 6)
	split := corpus.DefaultSplitOptions()
	c := newCountingFS(dir)
	openCounting(t, c, idx, split)
	c.take()
	before, _ := os.ReadFile(filepath.Join(idx, "manifest.json"))
	for _, name := range []string{"shard-20990101T000000-aaaaaaaaaaaa-0000.fqx", "att-files-20990101T000000-aaaaaaaaaaaa.bin",
		".tmp-shard-x.fqx-123", ".tmp-manifest.json-456"} {
		write(t, idx, name, "half a file")
	}
	l := openCounting(t, c, idx, split)
	if !l.Report().Loaded || len(c.take()) != 0 {
		t.Errorf("the last complete index was not used as is: %s", l.Report().Reason)
	}
	if after, _ := os.ReadFile(filepath.Join(idx, "manifest.json")); string(after) != string(before) {
		t.Error("the manifest changed")
	}
	write(t, dir, "page-07.md", page(7, ""))
	if _, err := l.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shard-20990101T000000-aaaaaaaaaaaa-0000.fqx", ".tmp-shard-x.fqx-123"} {
		if _, err := os.Stat(filepath.Join(idx, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left after a save: %v", name, err)
		}
	}
}

// TestSavedDuplicates checks that the near-duplicates and passage count
// saved with an index are read back as the library that saved them holds
// them, without changing the index folder, and that a folder with no
// index or a damaged state says so.
func TestSavedDuplicates(t *testing.T) {
	dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
	cacheCorpus(t, dir, 6)
	write(t, dir, "page-02-copy.md", page(2, ""))
	l := openWith(t, Options{Dir: dir, IndexDir: idx})
	want, err := l.Duplicates()
	if err != nil || len(want.Documents) != 1 {
		t.Fatalf("the library's duplicates: %v %v, want the copy of page 2", want, err)
	}
	listing := func() string {
		var b strings.Builder
		ents, err := os.ReadDir(idx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %d %d\n", e.Name(), fi.Size(), fi.ModTime().UnixNano())
		}
		return b.String()
	}
	before := listing()
	got, n, err := SavedDuplicates(idx)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() || n != l.Stats().Passages {
		t.Errorf("saved: %d passages, %v; want %d, %v", n, got, l.Stats().Passages, want)
	}
	if after := listing(); after != before {
		t.Errorf("reading the saved duplicates changed the index folder:\n%s\nwas\n%s", after, before)
	}

	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, idx string)
		want  error
	}{
		{"no index", func(t *testing.T, idx string) {
			if err := os.RemoveAll(idx); err != nil {
				t.Fatal(err)
			}
		}, retrieval.ErrNoIndex},
		{"damaged state", func(t *testing.T, idx string) { spoil(t, idx, "att-dups-", "flipped") }, nil},
		{"missing state", func(t *testing.T, idx string) { spoil(t, idx, "att-dups-", "missing") }, retrieval.ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, idx := t.TempDir(), filepath.Join(t.TempDir(), "index")
			cacheCorpus(t, dir, 3)
			openWith(t, Options{Dir: dir, IndexDir: idx})
			tc.spoil(t, idx)
			_, _, err := SavedDuplicates(idx)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("err %v, want one wrapping %v", err, tc.want)
			}
		})
	}
}

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/store"
)

// names lists a set's document names, in order.
func names(set store.DocumentSet) string {
	var n []string
	for _, d := range set.Documents {
		n = append(n, d.Name)
	}
	return strings.Join(n, ",")
}

// docs reads a guild's documents, failing the test on error.
func docs(t *testing.T, g store.Guild, have map[string]string) store.DocumentSet {
	t.Helper()
	set, err := g.Documents(context.Background(), have)
	must(t, err)
	return set
}

// testDocuments: documents are kept byte for byte per server, each change
// raises the version once, a change that changes nothing does not, and a
// removed document is out of the set until added again.
func testDocuments(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	c := &clock{t: day0}
	s := open(t, b, store.Options{Now: c.now})
	a, other := s.Guild("guild-a"), s.Guild("guild-b")

	if set := docs(t, a, nil); set.Version != 0 || len(set.Documents) != 0 {
		t.Fatalf("a server never written: %+v, want version 0 and no documents", set)
	}
	// Bytes that are not UTF-8 text, a NUL, an empty document, a nested
	// path: all kept as given.
	binary := []byte{0xff, 0xfe, 0x00, 'h', 'i', 0x00, 0x80}
	v, err := a.ChangeDocuments(ctx, store.DocumentChange{By: "mod-1", Put: []store.Document{
		{Name: "refunds.md", Data: []byte("# Refunds\n\nWithin 30 days.\n")},
		{Name: "guides/setup.txt", Data: binary},
		{Name: "empty.md", Data: nil},
	}})
	must(t, err)
	if v != 1 {
		t.Errorf("version after the first change = %d, want 1", v)
	}
	set := docs(t, a, nil)
	if got := names(set); got != "empty.md,guides/setup.txt,refunds.md" || set.Version != 1 {
		t.Fatalf("documents %q at version %d, want the three at version 1", got, set.Version)
	}
	for _, d := range set.Documents {
		if d.Hash != store.HashDocument(d.Data) || d.Size != int64(len(d.Data)) || d.By != "mod-1" || !d.Modified.Equal(day0) {
			t.Errorf("%s: hash %s size %d by %q at %v; want the content's hash and size, by mod-1 at %v", d.Name, d.Hash, d.Size, d.By, d.Modified, day0)
		}
		if d.Data == nil {
			t.Errorf("%s: no content", d.Name)
		}
	}
	if !bytes.Equal(set.Documents[1].Data, binary) {
		t.Errorf("binary content came back as %x, want %x", set.Documents[1].Data, binary)
	}
	if o := docs(t, other, nil); o.Version != 0 || len(o.Documents) != 0 {
		t.Errorf("another server sees %q at version %d", names(o), o.Version)
	}

	// The same content again, and a removal of what is not there: no
	// change, no new version.
	c.set(day0.Add(time.Hour))
	v, err = a.ChangeDocuments(ctx, store.DocumentChange{By: "mod-2", Put: []store.Document{{Name: "refunds.md", Data: []byte("# Refunds\n\nWithin 30 days.\n")}}, Remove: []string{"nope.md"}})
	must(t, err)
	if v != 1 {
		t.Errorf("a change that changed nothing moved the version to %d", v)
	}

	// Content the caller has comes without its content.
	have := map[string]string{}
	for _, d := range set.Documents {
		have[d.Name] = d.Hash
	}
	have["empty.md"] = "stale"
	for _, d := range docs(t, a, have).Documents {
		if want := d.Name == "empty.md"; (d.Data != nil) != want {
			t.Errorf("%s: content returned %v, want %v", d.Name, d.Data != nil, want)
		}
	}

	// A replacement and a removal in one change: one version.
	v, err = a.ChangeDocuments(ctx, store.DocumentChange{By: "mod-2",
		Put: []store.Document{{Name: "refunds.md", Data: []byte("# Refunds\n\nWithin 14 days.\n")}}, Remove: []string{"empty.md"}})
	must(t, err)
	set = docs(t, a, nil)
	if v != 2 || set.Version != 2 || names(set) != "guides/setup.txt,refunds.md" {
		t.Errorf("after replace+remove: %q at %d (returned %d), want two documents at version 2", names(set), set.Version, v)
	}
	if d := set.Documents[1]; !strings.Contains(string(d.Data), "14 days") || d.By != "mod-2" || !d.Modified.Equal(day0.Add(time.Hour)) {
		t.Errorf("the replaced document: %q by %q at %v", d.Data, d.By, d.Modified)
	}
	if cur, err := a.DocumentsVersion(ctx); err != nil || cur != 2 {
		t.Errorf("DocumentsVersion = %d (%v), want 2", cur, err)
	}

	// Exactly: what is not put goes; a removed document comes back when
	// put again, even with its old content.
	v, err = a.ChangeDocuments(ctx, store.DocumentChange{Exactly: true, By: "publish",
		Put: []store.Document{{Name: "empty.md", Data: nil}, {Name: "new.md", Data: []byte("new")}}})
	must(t, err)
	if set = docs(t, a, nil); v != 3 || names(set) != "empty.md,new.md" {
		t.Errorf("after an exact change: %q at %d, want empty.md,new.md at 3", names(set), v)
	}

	for _, bad := range []string{"", ".", "../x.md", "/etc/passwd", "a//b.md", "a/../b.md", "dir/", `a\b.md`, "nul\x00.md"} {
		if _, err := a.ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: bad, Data: []byte("x")}}}); !errors.Is(err, store.ErrBadDocumentName) {
			t.Errorf("name %q: %v, want ErrBadDocumentName", bad, err)
		}
	}
	if v, _ := a.DocumentsVersion(ctx); v != 3 {
		t.Errorf("refused changes moved the version to %d", v)
	}

	versions, err := s.DocumentVersions(ctx)
	must(t, err)
	if len(versions) != 1 || versions["guild-a"] != 3 {
		t.Errorf("DocumentVersions = %v, want guild-a at 3 only", versions)
	}
	guilds, err := s.Guilds(ctx)
	must(t, err)
	if strings.Join(guilds, ",") != "guild-a" {
		t.Errorf("Guilds = %q, want the server with documents", guilds)
	}

	// After a reopen, all of it is still there.
	must(t, s.Close())
	s = open(t, b, store.Options{})
	if set := docs(t, s.Guild("guild-a"), nil); set.Version != 3 || names(set) != "empty.md,new.md" || string(set.Documents[1].Data) != "new" {
		t.Errorf("after a reopen: %q at %d", names(set), set.Version)
	}
}

// testManyDocuments: a corpus of many documents (a docs site published as
// the base) is read whole, and a refresh reads only what changed.
func testManyDocuments(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	g := open(t, b, store.Options{}).Guild(store.BaseGuild)
	const n = 300
	var put []store.Document
	for i := range n {
		put = append(put, store.Document{Name: fmt.Sprintf("pages/p%03d.md", i), Data: []byte(fmt.Sprintf("# Page %d\n\n%s\n", i, strings.Repeat("text ", i)))})
	}
	_, err := g.ChangeDocuments(ctx, store.DocumentChange{Put: put, Exactly: true, By: "publish"})
	must(t, err)
	set := docs(t, g, nil)
	if len(set.Documents) != n {
		t.Fatalf("%d documents, want %d", len(set.Documents), n)
	}
	have := map[string]string{}
	for i, d := range set.Documents {
		if !bytes.Equal(d.Data, put[i].Data) {
			t.Fatalf("%s came back as %q", d.Name, d.Data)
		}
		have[d.Name] = d.Hash
	}
	put[7].Data = []byte("changed")
	_, err = g.ChangeDocuments(ctx, store.DocumentChange{Put: put, Exactly: true, By: "publish"})
	must(t, err)
	with := 0
	for _, d := range docs(t, g, have).Documents {
		if d.Data != nil {
			with++
			if d.Name != put[7].Name || string(d.Data) != "changed" {
				t.Errorf("%s came with content %q", d.Name, d.Data)
			}
		}
	}
	if with != 1 {
		t.Errorf("%d documents came with content, want the one changed", with)
	}
}

// testDocumentChangesAreWhole: readers never see half a change. A writer
// republishes a set of documents that all carry the same generation while
// readers, through another handle (another process), check that every set
// they read is one generation, at the version it says.
func testDocumentChangesAreWhole(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	w := open(t, b, store.Options{}).Guild("g")
	r := open(t, b, store.Options{}).Guild("g")
	const docsPerSet, generations, readers = 8, 15, 3
	gen := func(k int) []store.Document {
		var out []store.Document
		for i := range docsPerSet {
			out = append(out, store.Document{Name: fmt.Sprintf("d%d.md", i), Data: []byte(fmt.Sprintf("generation %d", k))})
		}
		return out
	}
	byVersion := sync.Map{} // version -> generation written
	_, err := w.ChangeDocuments(ctx, store.DocumentChange{Put: gen(0)})
	must(t, err)
	byVersion.Store(int64(1), 0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				set, err := r.Documents(ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				first := string(set.Documents[0].Data)
				for _, d := range set.Documents {
					if string(d.Data) != first {
						errs <- fmt.Errorf("version %d mixes %q and %q", set.Version, first, d.Data)
						return
					}
				}
				if g, ok := byVersion.Load(set.Version); ok && fmt.Sprintf("generation %d", g) != first {
					errs <- fmt.Errorf("version %d holds %q, want generation %d", set.Version, first, g)
					return
				}
			}
		})
	}
	for k := 1; k <= generations; k++ {
		// The version is noted before the change commits, so a reader
		// that sees it can check it.
		byVersion.Store(int64(k+1), k)
		v, err := w.ChangeDocuments(ctx, store.DocumentChange{Put: gen(k), Exactly: true})
		must(t, err)
		if v != int64(k+1) {
			t.Fatalf("generation %d is version %d, want %d", k, v, k+1)
		}
	}
	close(done)
	wg.Wait()
	for range readers {
		must(t, <-errs)
	}
}

// testWatchDocuments: a watcher in one process hears of a change made
// through another. With notifications, it checks too seldom to hear of it
// any other way.
func testWatchDocuments(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	writer := open(t, b, store.Options{})
	watcher := open(t, b, store.Options{})
	_, err := writer.Guild("old").ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: "a.md", Data: []byte("a")}}})
	must(t, err)

	every := 20 * time.Millisecond
	if b.Notifies {
		every = time.Hour
	}
	type seen struct {
		guild   string
		version int64
	}
	got := make(chan seen, 16)
	watchCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- watcher.WatchDocuments(watchCtx, every, func(g string, v int64) { got <- seen{g, v} })
	}()
	next := func(what string) seen {
		t.Helper()
		select {
		case s := <-got:
			return s
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
			return seen{}
		}
	}
	if s := next("the first report"); s != (seen{"old", 1}) {
		t.Errorf("first report %+v, want old at 1", s)
	}
	// The watcher reports at its start and is then listening; a change
	// made right after its first report must still reach it (a watcher
	// that starts listening late would miss it until the next check).
	for _, want := range []seen{{"g", 1}, {store.BaseGuild, 1}, {"g", 2}} {
		_, err := writer.Guild(want.guild).ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: "x.md", Data: []byte(fmt.Sprint(want))}}})
		must(t, err)
		if s := next(fmt.Sprintf("%s at %d", want.guild, want.version)); s != want {
			t.Errorf("reported %+v, want %+v", s, want)
		}
	}
	// A change that changes nothing is not reported: a change made after
	// it is the next report, and nothing of g comes before or with it.
	_, err = writer.Guild("g").ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: "x.md", Data: []byte(fmt.Sprint(seen{"g", 2}))}}})
	must(t, err)
	_, err = writer.Guild("old").ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: "a.md", Data: []byte("a, changed")}}})
	must(t, err)
	after := seen{"old", 2}
	for s := next("old at 2"); s != after; s = next("old at 2") {
		t.Errorf("reported %+v after a change that changed nothing", s)
	}
	stop()
	must(t, <-done)
	// The watcher has returned: a report made in the same check as the
	// last one is in got by now.
	for {
		select {
		case s := <-got:
			t.Errorf("reported %+v after a change that changed nothing", s)
		default:
			return
		}
	}
}

// testTeachingRaisesVersion: a phrasing taught or untaught is a change of
// the knowledge base that other processes must take in, so it raises the
// version (and is watched like a document change).
func testTeachingRaisesVersion(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	g := open(t, b, store.Options{}).Guild("g")
	p, _, err := g.Teach(ctx, store.Phrasing{Question: "can i bring my dog", Passage: store.Passage{ChunkID: "pets.md#0", Document: "pets.md"}})
	must(t, err)
	if v, err := g.DocumentsVersion(ctx); err != nil || v != 1 {
		t.Errorf("after teaching: version %d (%v), want 1", v, err)
	}
	gone, err := g.Unteach(ctx, p.ID+1000)
	must(t, err)
	if v, _ := g.DocumentsVersion(ctx); len(gone) != 0 || v != 1 {
		t.Errorf("unteaching nothing: version %d, want 1", v)
	}
	_, err = g.Unteach(ctx, p.ID)
	must(t, err)
	if v, _ := g.DocumentsVersion(ctx); v != 2 {
		t.Errorf("after unteaching: version %d, want 2", v)
	}
}

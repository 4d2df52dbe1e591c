package kb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
	"github.com/faqbot/faqbot/store"
)

// openStore opens a handle on the SQLite database at path: two handles on
// one file are two processes sharing a database.
func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// shard is one process: its own folders, its own handle on the database.
type shard struct {
	m  *Manager
	st store.Store
}

func newShard(t *testing.T, db string, opts Options) shard {
	t.Helper()
	st := openStore(t, db)
	opts.Documents = StoreDocuments(st)
	return shard{m: newManager(t, opts), st: st}
}

// watch runs the shard's watcher, as serve does, until the test ends.
func (s shard) watch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.st.WatchDocuments(ctx, 10*time.Millisecond, func(g string, v int64) { s.m.Changed(ctx, g, v) })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		s.m.Wait()
	})
}

// patience bounds a wait for another process's change: long, for a busy
// machine, since it only bounds a failure.
const patience = 30 * time.Second

// eventually waits, up to patience, for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, patience)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSharedDocuments: two processes share one database. A server's upload
// through one is answered by the other, which has never seen the server;
// a replacement and a removal reach the other while it has the server
// loaded; each process's folder is a copy it rebuilds from the database.
func TestSharedDocuments(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "faqbot.db")
	a := newShard(t, db, Options{})
	b := newShard(t, db, Options{})
	b.watch(t)

	if _, _, err := a.m.AddDocument(ctx, "guild-1", "parking.md", doc("Parking", "Staff park in the north lot behind the warehouse with a blue permit."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := sources(t, b.m, "guild-1", "where do staff park?"); !has(got, "parking.md") {
		t.Fatalf("the other process's sources %q, want the upload", got)
	}
	set, err := b.st.Guild("guild-1").Documents(ctx, nil)
	if err != nil || set.Version != 1 || len(set.Documents) != 1 {
		t.Fatalf("the database holds %+v (%v), want parking.md at version 1", set, err)
	}

	// A replacement made through one process is answered by the other,
	// which has the server loaded.
	if _, _, err := a.m.AddDocument(ctx, "guild-1", "parking.md", doc("Parking", "Staff now park in the south garage, level two, with a green permit."), library.AddOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replacement reaching the other process", func() bool {
		return len(sources(t, b.m, "guild-1", "which garage level and permit colour for staff parking")) > 0 &&
			strings.Contains(b.text(t, "guild-1", "parking.md"), "green permit")
	})
	// A document added and then the first removed.
	if _, _, err := a.m.AddDocument(ctx, "guild-1", "hours.md", doc("Hours", "We open at nine and close at five on weekdays."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.m.RemoveDocument(ctx, "guild-1", "parking.md"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the removal reaching the other process", func() bool {
		docs := b.ids(t, "guild-1")
		return docs == "hours.md"
	})
	// The last document removed: the server has no FAQ anywhere.
	if _, err := a.m.RemoveDocument(ctx, "guild-1", "hours.md"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the last removal reaching the other process", func() bool {
		ok, err := b.m.HasFAQ(ctx, "guild-1")
		return err == nil && !ok
	})
	// A removed document is kept in the database, out of the corpus.
	if set, _ := a.st.Guild("guild-1").Documents(ctx, nil); len(set.Documents) != 0 || set.Version != 5 {
		t.Errorf("after removing everything: %d documents at version %d, want none at 5", len(set.Documents), set.Version)
	}
}

// text returns the content of the shard's copy of a document.
func (s shard) text(t *testing.T, guild, name string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(s.m.opts.Dir, guild, corpusDir, name))
	return string(b)
}

// ids lists the documents the shard answers from for a server.
func (s shard) ids(t *testing.T, guild string) string {
	t.Helper()
	own, _, err := s.m.Documents(context.Background(), guild)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range own {
		ids = append(ids, d.ID)
	}
	return strings.Join(ids, ",")
}

// TestSharedRebuildsFromTheDatabase: a process whose folders are lost (a
// new machine, or the server moved to another shard) rebuilds a server's
// knowledge base from the database alone; a folder edited behind the
// database's back is put back.
func TestSharedRebuildsFromTheDatabase(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "faqbot.db")
	a := newShard(t, db, Options{})
	if _, _, err := a.m.AddDocument(ctx, "guild-1", "parking.md", doc("Parking", "Staff park in the north lot behind the warehouse with a blue permit."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(a.m.opts.Dir, "guild-1", corpusDir)
	writeDocs(t, dir, map[string][]byte{"stray.md": doc("Stray", "A file nobody uploaded.")})
	if err := os.WriteFile(filepath.Join(dir, "parking.md"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := a.m.Refresh(ctx, "guild-1"); err != nil {
		t.Fatal(err)
	}
	if got := a.ids(t, "guild-1"); got != "parking.md" {
		t.Errorf("after /reindex the server answers from %q, want the database's parking.md only", got)
	}
	if got := a.text(t, "guild-1", "parking.md"); !strings.Contains(got, "blue permit") {
		t.Errorf("the copy holds %q, want the database's content", got)
	}

	fresh := newShard(t, db, Options{}) // another machine: no folders at all
	if got := sources(t, fresh.m, "guild-1", "where do staff park?"); !has(got, "parking.md") {
		t.Errorf("a process with no folders answers from %q, want parking.md", got)
	}
}

// failingStore keeps nothing.
type failingStore struct{ DocumentStore }

func (failingStore) ChangeDocuments(context.Context, string, store.DocumentChange) (int64, error) {
	return 0, errors.New("database unreachable")
}

// TestChangeNotKeptIsUndone: an upload the database does not keep is
// reported failed, and the process does not answer from it.
func TestChangeNotKeptIsUndone(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "faqbot.db"))
	good := newManager(t, Options{Documents: StoreDocuments(st)})
	dir := good.opts.Dir
	if _, _, err := good.AddDocument(ctx, "guild-1", "hours.md", doc("Hours", "We open at nine and close at five on weekdays."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	bad := newManager(t, Options{Dir: dir, Documents: failingStore{StoreDocuments(st)}})
	for _, name := range []string{"parking.md", "hours.md"} {
		_, _, err := bad.AddDocument(ctx, "guild-1", name, doc("Parking", "Staff park in the north lot behind the warehouse with a blue permit."), library.AddOptions{Replace: true})
		if err == nil || !strings.Contains(err.Error(), "database unreachable") {
			t.Errorf("%s: the upload the database refused: %v", name, err)
		}
		if got := sources(t, bad, "guild-1", "where do staff park with a blue permit?"); has(got, "parking.md") {
			t.Errorf("%s: answered from an upload that was not kept: %q", name, got)
		}
	}
	if got := bad.ids(t, "guild-1"); got != "hours.md" {
		t.Errorf("after the refused uploads the server answers from %q, want hours.md", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "guild-1", corpusDir, "parking.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused upload is still in the folder (%v)", err)
	}
	if got := (shard{m: bad}).text(t, "guild-1", "hours.md"); !strings.Contains(got, "nine") {
		t.Errorf("the refused replacement left %q, want the kept content", got)
	}
	if _, err := bad.RemoveDocument(ctx, "guild-1", "hours.md"); err == nil {
		t.Error("a removal the database refused was reported done")
	}
	if got := bad.ids(t, "guild-1"); got != "hours.md" {
		t.Errorf("after the refused removal the server answers from %q, want hours.md", got)
	}
}

// ids on a bare manager.
func (m *Manager) ids(t *testing.T, guild string) string { return shard{m: m}.ids(t, guild) }

// TestSharedBase: with a shared database the base corpus is the
// database's too. A new folder published by one process reaches the
// other, whose base is a copy, without a restart.
func TestSharedBase(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "faqbot.db")
	emb := retrieval.NewHashEmbedder(0)
	operator := filepath.Join(t.TempDir(), "operator-corpus")
	writeDocs(t, filepath.Join(operator, "guides"), nil)
	writeDocs(t, operator, map[string][]byte{
		"wifi.md":           doc("Wifi", "The guest wifi password is printed on the back of the visitor badge."),
		"guides/canteen.md": doc("Canteen", "The canteen serves lunch from noon until two."),
		".hidden.md":        doc("Hidden", "Never published."),
		"logo.png":          {0x89, 'P', 'N', 'G'},
	})
	st := openStore(t, db)
	p, err := Publish(ctx, StoreDocuments(st), store.BaseGuild, operator, "publish")
	if err != nil || p.Version != 1 || len(p.Change.Skips) != 1 || p.Change.Skips[0].Path != "logo.png" ||
		strings.Join(p.Change.DocumentsAdded, ",") != "guides/canteen.md,wifi.md" {
		t.Fatalf("Publish: %+v (%v); want version 1 adding two documents, with logo.png skipped", p, err)
	}
	if p, err := Publish(ctx, StoreDocuments(st), store.BaseGuild, operator, "publish"); err != nil || p.Version != 1 || !p.Change.Empty() {
		t.Errorf("publishing the same folder again: %+v (%v), want version 1 and no change", p, err)
	}

	// The other process: its base is a copy of the database's.
	other := openStore(t, db)
	baseDir := filepath.Join(t.TempDir(), "base-copy")
	if _, err := SyncFolder(ctx, StoreDocuments(other), store.BaseGuild, baseDir); err != nil {
		t.Fatal(err)
	}
	base, err := library.Open(ctx, library.Options{Dir: baseDir, IndexDir: filepath.Join(t.TempDir(), "base-index"), Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	b := shard{m: newManager(t, Options{Base: base, BaseDir: baseDir, Embedder: emb, Documents: StoreDocuments(other)}), st: other}
	b.watch(t)
	if got := sources(t, b.m, "guild-9", "when is lunch served in the canteen?"); !has(got, "guides/canteen.md") {
		t.Fatalf("base sources %q, want guides/canteen.md", got)
	}
	writeDocs(t, operator, map[string][]byte{"parking.md": doc("Parking", "Visitors park on level minus one of the garage.")})
	if err := os.Remove(filepath.Join(operator, "wifi.md")); err != nil {
		t.Fatal(err)
	}
	p, err = Publish(ctx, StoreDocuments(st), store.BaseGuild, operator, "publish")
	if err != nil || p.Version != 2 || strings.Join(p.Change.DocumentsAdded, ",") != "parking.md" || strings.Join(p.Change.DocumentsRemoved, ",") != "wifi.md" {
		t.Fatalf("publishing a change: %+v (%v), want parking.md added and wifi.md removed at version 2", p, err)
	}
	eventually(t, "the published base reaching the other process", func() bool {
		got := sources(t, b.m, "guild-9", "where do visitors park in the garage?")
		return has(got, "parking.md") && !has(sources(t, b.m, "guild-9", "what is the guest wifi password?"), "wifi.md")
	})
}

// TestSyncFolder: a copy writes only what differs, deletes what is no
// document, keeps the removed/ folder and hidden files, and sets each
// file's time to the document's.
func TestSyncFolder(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "faqbot.db"))
	docs := StoreDocuments(st)
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := docs.ChangeDocuments(ctx, "g", store.DocumentChange{At: at, Put: []store.Document{
		{Name: "a.md", Data: []byte("# A\n\nalpha\n")}, {Name: "sub/b.md", Data: []byte("# B\n\nbeta\n")}}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	writeDocs(t, dir, map[string][]byte{"a.md": []byte("old"), "stray.md": []byte("x"), ".keep": []byte("hidden")})
	writeDocs(t, filepath.Join(dir, "removed"), map[string][]byte{"gone.md": []byte("kept")})
	for i, want := range []FolderCopy{{Version: 1, Documents: 2, Written: 2, Deleted: 1}, {Version: 1, Documents: 2}} {
		cp, err := SyncFolder(ctx, docs, "g", dir)
		if err != nil || cp != want {
			t.Errorf("copy %d: %+v (%v), want %+v", i, cp, err, want)
		}
	}
	for name, want := range map[string]string{"a.md": "# A\n\nalpha\n", "sub/b.md": "# B\n\nbeta\n", ".keep": "hidden", "removed/gone.md": "kept", "stray.md": ""} {
		got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if string(got) != want {
			t.Errorf("%s holds %q, want %q", name, got, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "sub", "b.md")); err != nil || !fi.ModTime().Equal(at) {
		t.Errorf("sub/b.md's time: %v (%v), want %v", fi.ModTime(), err, at)
	}
}

// TestSharedTeaching: a phrasing taught through one process is searched
// by the other, which had the server loaded before it was taught, and is
// forgotten there once untaught.
func TestSharedTeaching(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "faqbot.db")
	emb := retrieval.NewHashEmbedder(0)
	a := newShard(t, db, Options{Embedder: emb})
	a.m.opts.Teachings = StoreTeachings(a.st)
	b := newShard(t, db, Options{Embedder: emb})
	b.m.opts.Teachings = StoreTeachings(b.st)
	b.watch(t)
	if _, _, err := a.m.AddDocument(ctx, "guild-a", "rules.md", []byte(rules), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	const q = "is xray allowed or nah"
	if got, _ := top(t, b.m, "guild-a", q); got != "" {
		t.Fatalf("before teaching, %q was answered from %s", q, got)
	}
	xray := chunkTitled(t, a.m, "guild-a", "Are client modifications that reveal hidden ores allowed?")
	p, _, err := a.m.Teach(ctx, "guild-a", q, xray, "mia", "discord")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the taught phrasing reaching the other process", func() bool {
		got, via := top(t, b.m, "guild-a", q)
		return got == xray && via == q
	})
	if _, err := a.m.Unteach(ctx, "guild-a", p.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the untaught phrasing leaving the other process", func() bool {
		got, _ := top(t, b.m, "guild-a", q)
		return got == ""
	})
}

// TestSharedBatches: pages fetched into a server (a batch) and into a
// shared base (ApplyBase) are kept in the database, where the other
// process finds them; a deleted folder deletes its documents there too.
func TestSharedBatches(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "faqbot.db")
	emb := retrieval.NewHashEmbedder(0)
	st := openStore(t, db)
	docs := StoreDocuments(st)
	if _, err := docs.ChangeDocuments(ctx, store.BaseGuild, store.DocumentChange{Put: []store.Document{
		{Name: "wifi.md", Data: doc("Wifi", "The guest wifi password is printed on the back of the visitor badge.")}}}); err != nil {
		t.Fatal(err)
	}
	shardWithBase := func() shard {
		t.Helper()
		baseDir := filepath.Join(t.TempDir(), "base")
		other := openStore(t, db)
		if _, err := SyncFolder(ctx, StoreDocuments(other), store.BaseGuild, baseDir); err != nil {
			t.Fatal(err)
		}
		base, err := library.Open(ctx, library.Options{Dir: baseDir, IndexDir: filepath.Join(t.TempDir(), "index"), Embedder: emb})
		if err != nil {
			t.Fatal(err)
		}
		return shard{m: newManager(t, Options{Base: base, BaseDir: baseDir, Embedder: emb, Documents: StoreDocuments(other)}), st: other}
	}
	a, b := shardWithBase(), shardWithBase()
	b.watch(t)

	batch := library.Batch{Put: map[string][]byte{
		"sources/1/parking.md": doc("Parking", "Staff park in the north lot behind the warehouse with a blue permit."),
		"sources/1/hours.md":   doc("Hours", "We open at nine and close at five on weekdays."),
	}}
	if _, err := a.m.Apply(ctx, "guild-1", batch); err != nil {
		t.Fatal(err)
	}
	if got := sources(t, b.m, "guild-1", "where do staff park?"); !has(got, "sources/1/parking.md") {
		t.Fatalf("the other process's sources %q, want the fetched page", got)
	}
	if _, err := a.m.Apply(ctx, "guild-1", library.Batch{DeleteFolders: []string{"sources/1"}}); err != nil {
		t.Fatal(err)
	}
	if set, _ := st.Guild("guild-1").Documents(ctx, nil); len(set.Documents) != 0 {
		t.Errorf("after the source's folder was deleted the database holds %d documents", len(set.Documents))
	}
	eventually(t, "the deleted source leaving the other process", func() bool {
		ok, err := b.m.HasFAQ(ctx, "guild-1")
		return err == nil && ok && !has(sources(t, b.m, "guild-1", "where do staff park with a blue permit?"), "sources/1/parking.md")
	})

	ch, err := a.m.ApplyBase(ctx, library.Batch{Put: map[string][]byte{"sources/2/canteen.md": doc("Canteen", "The canteen serves lunch from noon until two.")}})
	if err != nil || len(ch.DocumentsAdded) != 1 {
		t.Fatalf("ApplyBase: %+v (%v), want the page added to this process's base at once", ch, err)
	}
	eventually(t, "the fetched base page reaching the other process", func() bool {
		return has(sources(t, b.m, "guild-9", "when does the canteen serve lunch?"), "sources/2/canteen.md")
	})
	if _, err := a.m.ApplyBase(ctx, library.Batch{DeleteFolders: []string{"sources/2"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the removed base source leaving the other process", func() bool {
		return !has(sources(t, b.m, "guild-9", "when does the canteen serve lunch?"), "sources/2/canteen.md")
	})
	if _, err := newManager(t, Options{Embedder: emb}).ApplyBase(ctx, batch); !errors.Is(err, ErrNoSharedBase) {
		t.Errorf("ApplyBase without a shared base: %v, want ErrNoSharedBase", err)
	}
}

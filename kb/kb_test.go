package kb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
)

// doc is a small FAQ document about one topic.
func doc(topic, answer string) []byte {
	return []byte(fmt.Sprintf("# %s\n\n## What about %s?\n\n%s\n", topic, strings.ToLower(topic), answer))
}

func writeDocs(t *testing.T, dir string, docs map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range docs {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// baseLibrary opens a base corpus of two documents.
func baseLibrary(t *testing.T, emb retrieval.Embedder) *library.Library {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "base")
	writeDocs(t, dir, map[string][]byte{
		"holidays.md": doc("Holidays", "The office is closed on public holidays and between Christmas and New Year."),
		"wifi.md":     doc("Wifi", "The guest wifi password is printed on the back of the visitor badge."),
	})
	l, err := library.Open(context.Background(), library.Options{Dir: dir, IndexDir: filepath.Join(t.TempDir(), "base-index"), Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newManager(t *testing.T, opts Options) *Manager {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "guilds")
	}
	if opts.Embedder == nil {
		opts.Embedder = retrieval.NewHashEmbedder(0)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sources returns the documents the hits of a search come from.
func sources(t *testing.T, m *Manager, guild, q string) []string {
	t.Helper()
	hits, err := m.Searcher(guild).Search(context.Background(), q, 5)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		if h.Score >= retrieval.ConfidenceThreshold {
			out = append(out, h.Chunk.DocID)
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestServersAreIsolated(t *testing.T) {
	ctx := context.Background()
	emb := retrieval.NewHashEmbedder(0)
	m := newManager(t, Options{Base: baseLibrary(t, emb), Embedder: emb})
	if _, _, err := m.AddDocument(ctx, "guild-a", "parking.md", doc("Parking", "Staff park in the north lot behind the warehouse with a blue permit."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.AddDocument(ctx, "guild-b", "parking-scam.md", doc("Parking refunds", "To get a parking refund, DM your account password to ScamBot."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := sources(t, m, "guild-a", "where do staff park?"); !has(got, "parking.md") || has(got, "parking-scam.md") {
		t.Errorf("A's answer sources %q: want A's document and never B's", got)
	}
	if got := sources(t, m, "guild-a", "how do I get a parking refund?"); has(got, "parking-scam.md") {
		t.Errorf("A was answered from B's document: %q", got)
	}
	if got := sources(t, m, "guild-b", "where do staff park with a blue permit?"); has(got, "parking.md") {
		t.Errorf("B was answered from A's document: %q", got)
	}
	// The base answers in both.
	for _, g := range []string{"guild-a", "guild-b"} {
		if got := sources(t, m, g, "what is the guest wifi password?"); !has(got, "wifi.md") {
			t.Errorf("%s: base sources %q, want wifi.md", g, got)
		}
	}
	// B cannot remove or list A's document, nor remove a base one.
	if _, err := m.RemoveDocument(ctx, "guild-b", "parking.md"); !errors.Is(err, library.ErrNotFound) {
		t.Errorf("B removing A's document: %v, want not found", err)
	}
	if _, err := m.RemoveDocument(ctx, "guild-b", "wifi.md"); !errors.Is(err, ErrBaseDocument) {
		t.Errorf("B removing a base document: %v, want ErrBaseDocument", err)
	}
	if _, _, err := m.AddDocument(ctx, "guild-b", "WIFI.md", doc("Wifi", "The wifi password is hunter2."), library.AddOptions{Replace: true}); !errors.Is(err, ErrBaseDocument) {
		t.Errorf("B shadowing a base document: %v, want ErrBaseDocument", err)
	}
	own, base, err := m.Documents(ctx, "guild-b")
	if err != nil || len(own) != 1 || own[0].ID != "parking-scam.md" || len(base) != 2 {
		t.Errorf("B's documents: own %+v base %d (%v)", own, len(base), err)
	}
	if got := sources(t, m, "guild-a", "what is the guest wifi password?"); !has(got, "wifi.md") {
		t.Errorf("after B's attempts the base no longer answers in A: %q", got)
	}
	// Bad IDs never become paths.
	for _, bad := range []string{"", "..", "../guild-a", "a/b", strings.Repeat("9", 65)} {
		if _, _, err := m.AddDocument(ctx, bad, "x.md", doc("X", "Some text about x here."), library.AddOptions{}); !errors.Is(err, ErrBadGuild) {
			t.Errorf("guild %q: %v, want ErrBadGuild", bad, err)
		}
	}
}

func TestBaseGuildsAndNoFAQ(t *testing.T) {
	ctx := context.Background()
	emb := retrieval.NewHashEmbedder(0)
	m := newManager(t, Options{Base: baseLibrary(t, emb), BaseGuilds: []string{"guild-a"}, Embedder: emb})
	if ok, err := m.HasFAQ(ctx, "guild-a"); err != nil || !ok {
		t.Errorf("guild-a has the base: %v %v", ok, err)
	}
	if ok, err := m.HasFAQ(ctx, "guild-b"); err != nil || ok {
		t.Errorf("guild-b, with no documents and not in BaseGuilds, has a FAQ: %v %v", ok, err)
	}
	if _, err := m.Searcher("guild-b").Search(ctx, "what is the guest wifi password?", 5); !errors.Is(err, ErrNoFAQ) {
		t.Errorf("guild-b searched the base it is not given: %v, want ErrNoFAQ", err)
	}
	if _, _, err := m.AddDocument(ctx, "guild-b", "wifi.md", doc("Wifi", "Our own wifi is called B-net."), library.AddOptions{}); err != nil {
		t.Errorf("guild-b may use a name of a base it does not get: %v", err)
	}
	if ok, _ := m.HasFAQ(ctx, "guild-b"); !ok {
		t.Error("guild-b has no FAQ after its first upload")
	}
	// The last document can go: the server is back to having no FAQ.
	ch, err := m.RemoveDocument(ctx, "guild-b", "wifi.md")
	if err != nil || len(ch.DocumentsRemoved) != 1 {
		t.Fatalf("removing the last document: %+v %v", ch, err)
	}
	if ok, _ := m.HasFAQ(ctx, "guild-b"); ok {
		t.Error("guild-b still has a FAQ after removing its only document")
	}
	if _, err := os.Stat(filepath.Join(m.opts.Dir, "guild-b", "corpus", "removed", "wifi.md")); err != nil {
		t.Errorf("the removed document was not kept: %v", err)
	}
	// A new manager (a restart) sees the same.
	m2 := newManager(t, Options{Dir: m.opts.Dir, Embedder: emb})
	if ok, _ := m2.HasFAQ(ctx, "guild-b"); ok {
		t.Error("after a restart guild-b has a FAQ again")
	}
}

// TestLoadOnFirstUseAndEvict: servers load when first asked, the least
// recently used are evicted past the budget, and an evicted server
// answers again, from its saved index.
func TestLoadOnFirstUseAndEvict(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "guilds")
	emb := retrieval.NewHashEmbedder(0)
	const servers = 6
	for i := range servers {
		writeDocs(t, filepath.Join(dir, fmt.Sprint("g", i), corpusDir), map[string][]byte{
			"faq.md": doc(fmt.Sprint("Topic", i), fmt.Sprintf("Server %d opens its doors at %d in the morning.", i, i+6)),
		})
	}
	probe := newManager(t, Options{Dir: dir, Embedder: emb})
	l, err := probe.Library(ctx, "g0")
	if err != nil || l == nil {
		t.Fatal(err)
	}
	one := Estimate(l)
	now := time.Unix(0, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	m := newManager(t, Options{Dir: dir, Embedder: emb, MemoryBudget: 2*one + one/2, Now: clock})
	if st := m.Stats(); st.Loaded != 0 {
		t.Fatalf("%d loaded before any question", st.Loaded)
	}
	for i := range servers {
		g := fmt.Sprint("g", i)
		if got := sources(t, m, g, fmt.Sprintf("when does server %d open its doors?", i)); !has(got, "faq.md") {
			t.Errorf("%s: %q", g, got)
		}
		if st := m.Stats(); st.Loaded > 2 || st.Bytes > m.opts.MemoryBudget {
			t.Errorf("after %s: %+v, over the budget of %d", g, st, m.opts.MemoryBudget)
		}
	}
	st := m.Stats()
	if st.Loads != servers || st.Evictions != servers-2 {
		t.Errorf("stats %+v, want %d loads and %d evictions", st, servers, servers-2)
	}
	// The most recent two stayed; the first was evicted and loads again
	// from its saved index.
	if m.kbs["g5"].lib.Load() == nil || m.kbs["g0"].lib.Load() != nil {
		t.Error("eviction did not follow recency")
	}
	l0, err := m.Library(ctx, "g0")
	if err != nil || l0 == nil || !l0.Report().Loaded {
		t.Errorf("g0 after eviction: %v, report %+v; want it loaded from its saved index", err, l0.Report())
	}
}

// blockingEmbedder holds any Embed call whose texts contain the marker
// until gate closes, telling entered when one starts.
type blockingEmbedder struct {
	retrieval.Embedder
	marker  string
	entered chan struct{}
	gate    chan struct{}
}

func (b *blockingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for _, s := range texts {
		if strings.Contains(s, b.marker) {
			b.entered <- struct{}{}
			select {
			case <-b.gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			break
		}
	}
	return b.Embedder.Embed(ctx, texts)
}

// TestRefreshIsolation: while one server's upload is being indexed, other
// servers answer, change their own documents and refresh.
func TestRefreshIsolation(t *testing.T) {
	ctx := context.Background()
	emb := &blockingEmbedder{Embedder: retrieval.NewHashEmbedder(0), marker: "zeppelin", entered: make(chan struct{}, 1), gate: make(chan struct{})}
	m := newManager(t, Options{Embedder: emb})
	if _, _, err := m.AddDocument(ctx, "guild-b", "hours.md", doc("Hours", "We open at nine and close at five on weekdays."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() {
		_, _, err := m.AddDocument(ctx, "guild-a", "airship.md", doc("Airship", "The zeppelin tour leaves from hangar two every Sunday."), library.AddOptions{})
		slow <- err
	}()
	<-emb.entered // A's upload is being embedded, holding A's lock
	if got := sources(t, m, "guild-b", "when do you open on weekdays?"); !has(got, "hours.md") {
		t.Errorf("B's answer during A's refresh: %q", got)
	}
	if _, _, err := m.AddDocument(ctx, "guild-b", "parking.md", doc("Parking", "Visitors park on level minus one of the garage."), library.AddOptions{}); err != nil {
		t.Errorf("B's upload during A's refresh: %v", err)
	}
	if _, err := m.Refresh(ctx, "guild-b"); err != nil {
		t.Errorf("B's refresh during A's refresh: %v", err)
	}
	close(emb.gate)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	if got := sources(t, m, "guild-a", "when does the zeppelin tour leave?"); !has(got, "airship.md") {
		t.Errorf("A after its upload: %q", got)
	}
}

func TestMerge(t *testing.T) {
	hit := func(id string, score float64) retrieval.Hit {
		return retrieval.Hit{Chunk: corpus.Chunk{ID: id}, Score: score}
	}
	tests := []struct {
		name  string
		k     int
		lists [][]retrieval.Hit
		want  string
	}{
		{"interleaved", 4, [][]retrieval.Hit{{hit("own1", 0.9), hit("own2", 0.3)}, {hit("base1", 0.5), hit("base2", 0.1)}}, "own1 base1 own2 base2"},
		{"cut at k", 2, [][]retrieval.Hit{{hit("own1", 0.2)}, {hit("base1", 0.8), hit("base2", 0.6)}}, "base1 base2"},
		{"ties: own first", 3, [][]retrieval.Hit{{hit("own1", 0.5)}, {hit("base1", 0.5)}}, "own1 base1"},
		{"one list empty", 3, [][]retrieval.Hit{nil, {hit("base1", 0.5)}}, "base1"},
		// Each index's own rank order is kept: it ranks by more than
		// confidence.
		{"each list's order kept", 4, [][]retrieval.Hit{{hit("own1", 0.6), hit("own2", 0.9)}, {hit("base1", 0.7), hit("base2", 0.8)}}, "base1 base2 own1 own2"},
		{"one list: as ranked", 3, [][]retrieval.Hit{nil, {hit("base1", 0.5), hit("base2", 0.9)}}, "base1 base2"},
		{"nothing", 3, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, h := range Merge(tt.k, tt.lists...) {
				got = append(got, h.Chunk.ID)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("Merge = %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
}

// TestConcurrentUse searches many servers at once while they load, change
// and are evicted (run with -race).
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "guilds")
	for i := range 4 {
		writeDocs(t, filepath.Join(dir, fmt.Sprint("g", i), corpusDir), map[string][]byte{
			"faq.md": doc(fmt.Sprint("Topic", i), fmt.Sprintf("Server %d serves lunch at noon.", i)),
		})
	}
	m := newManager(t, Options{Dir: dir, MemoryBudget: 1}) // every load evicts the others
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Go(func() {
			g := fmt.Sprint("g", w%4)
			for i := range 5 {
				if _, err := m.Searcher(g).Search(ctx, "when is lunch served?", 3); err != nil {
					errs <- err
				}
				if w < 4 && i == 2 {
					if _, _, err := m.AddDocument(ctx, g, fmt.Sprintf("extra-%d.md", w), doc("Extra", "Dinner is served at seven."), library.AddOptions{}); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// autoExpander widens "car" to "auto"; a stand-in for the word table.
type autoExpander struct{}

func (autoExpander) Name() string { return "test/autos" }

func (autoExpander) Expand(words []string, inCorpus func(string) bool) []retrieval.Expansion {
	if slices.Contains(words, "car") && inCorpus("auto") {
		return []retrieval.Expansion{{Terms: []string{"auto"}, From: "car", Weight: 0.6}}
	}
	return nil
}

// TestServersUseTheExpander: every server's own library widens questions
// with the manager's expander and is calibrated with it.
func TestServersUseTheExpander(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, Options{Expander: autoExpander{}})
	if _, _, err := m.AddDocument(ctx, "guild-a", "autos.md", doc("Autos", "Members may leave an auto in the yard overnight with a permit."), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	l, err := m.Library(ctx, "guild-a")
	if err != nil || l == nil {
		t.Fatalf("guild-a library: %v, %v", l, err)
	}
	if got := l.Index().Calibration().Expander; got != "test/autos" {
		t.Errorf("server index calibrated with %q, want test/autos", got)
	}
	hits, err := m.Searcher("guild-a").Search(ctx, "can i leave my car in the yard", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Chunk.DocID != "autos.md" || hits[0].Coverage <= 0 {
		t.Errorf("hits %+v, want autos.md found through the expansion", hits)
	}
}

package benchmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
)

// TenancyOptions say what the many-servers measurement builds: Small
// servers of SmallDocs documents and Large ones of LargeDocs, each
// document a Markdown FAQ page of entriesPerDoc entries, written to disk
// and served through the same knowledge-base manager as `faqbot serve`.
type TenancyOptions struct {
	Small, SmallDocs int
	Large, LargeDocs int
	// BudgetMB is the memory budget of the eviction pass, in MiB; 0 picks
	// a third of what all the servers take when loaded.
	BudgetMB int
	// Seed picks the documents and questions.
	Seed uint64
	// TempDir holds the servers' folders; "" means the system's.
	TempDir string
}

// DefaultTenancy is what `faqbot bench --tenancy` measures: 1,000 small
// servers (a few FAQ pages each) and 20 large ones (a docs site each).
func DefaultTenancy() TenancyOptions {
	return TenancyOptions{Small: 1000, SmallDocs: 3, Large: 20, LargeDocs: 250, Seed: 1}
}

// entriesPerDoc is the number of question-and-answer entries of a
// generated page: a passage each.
const entriesPerDoc = 8

// TenancyReport is the result of the measurement.
type TenancyReport struct {
	Machine Machine
	Options TenancyOptions
	// Write is the time to write every server's documents; Build the time
	// to build every server's index, one after another, as first
	// questions would; SmallBuild and LargeBuild the per-server times.
	Write, Build           time.Duration
	SmallBuild, LargeBuild Summary
	// SmallPassages and LargePassages are the passages of one server.
	SmallPassages, LargePassages int
	// Memory: the heap with nothing loaded (the manager knowing every
	// server), per loaded small and large server, and with everything
	// loaded; the estimate the budget counts, for comparison.
	HeapIdle, HeapAll                   int64
	PerSmall, PerLarge                  int64
	EstimateSmall, EstimateLarge        int64
	EstimateAll                         int64
	BudgetBytes, HeapPeak, HeapAtBudget int64
	// The process's resident memory at the same points: the heap plus
	// the pages of the index files a loaded server has mapped, which the
	// heap does not show.
	RSSIdle, RSSAll, RSSPeak, RSSAtBudget int64
	Evictions, Loads                      int64
	// Question latency in the eviction pass, by where the server's index
	// was: first use after a restart (loaded from its saved index), after
	// an eviction (loaded again), or in memory.
	ColdSmall, ColdLarge, EvictedSmall, EvictedLarge, Warm Summary
	// Refresh isolation: questions to other servers before and while a
	// large server re-embeds a quarter of its pages, how long that took,
	// and a small server's upload alone and during it.
	Baseline, DuringRefresh   Summary
	Refresh                   time.Duration
	UploadAlone, UploadDuring time.Duration
	// OwnDuringRefresh are the refreshing server's own questions, answered
	// meanwhile from its previous index.
	OwnDuringRefresh Summary
}

// tenant is one generated server.
type tenant struct {
	id        string
	large     bool
	questions []string
}

// RunTenancy builds the servers and measures them.
func RunTenancy(ctx context.Context, lg *slog.Logger, o TenancyOptions) (*TenancyReport, error) {
	r := &TenancyReport{Machine: ThisMachine(), Options: o}
	tmp, err := os.MkdirTemp(o.TempDir, "faqbot-tenancy-")
	if err != nil {
		return nil, fmt.Errorf("benchmarking servers: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "guilds")
	emb := retrieval.NewHashEmbedder(0)

	start := time.Now()
	tenants, err := writeTenants(dir, o)
	if err != nil {
		return nil, err
	}
	r.Write = time.Since(start)
	lg.Info("servers written", "small", o.Small, "large", o.Large, "took", r.Write)

	if err := r.buildPass(ctx, dir, emb, tenants, o, lg); err != nil {
		return nil, err
	}
	if err := r.evictionPass(ctx, dir, emb, tenants, o); err != nil {
		return nil, err
	}
	if err := r.refreshPass(ctx, dir, emb, tenants, o); err != nil {
		return nil, err
	}
	return r, nil
}

// buildPass builds every server's index, one after another, as each
// server's first question would, and measures what they hold in memory.
func (r *TenancyReport) buildPass(ctx context.Context, dir string, emb retrieval.Embedder, tenants []tenant, o TenancyOptions, lg *slog.Logger) error {
	idle := ReadMem()
	r.HeapIdle, r.RSSIdle = idle.Heap, idle.RSS
	m, err := kb.New(kb.Options{Dir: dir, Embedder: emb})
	if err != nil {
		return err
	}
	var small, large []time.Duration
	start := time.Now()
	for i, t := range tenants {
		s := time.Now()
		l, err := m.Library(ctx, t.id)
		if err != nil || l == nil {
			return fmt.Errorf("building server %s: %v", t.id, err)
		}
		d := time.Since(s)
		if t.large {
			large = append(large, d)
			r.LargePassages = len(l.Corpus().Chunks)
			r.EstimateLarge = kb.Estimate(l)
		} else {
			small = append(small, d)
			r.SmallPassages = len(l.Corpus().Chunks)
			r.EstimateSmall = kb.Estimate(l)
		}
		if i == o.Small-1 {
			r.PerSmall = (ReadMem().Heap - r.HeapIdle) / int64(max(o.Small, 1))
		}
	}
	r.Build = time.Since(start)
	r.SmallBuild, r.LargeBuild = Summarize(small), Summarize(large)
	all := ReadMem()
	r.HeapAll, r.RSSAll = all.Heap, all.RSS
	r.PerLarge = (r.HeapAll - r.HeapIdle - r.PerSmall*int64(o.Small)) / int64(max(o.Large, 1))
	r.EstimateAll = m.Stats().Bytes
	lg.Info("indexes built", "took", r.Build, "heap", r.HeapAll)
	return nil
}

// writeTenants writes every server's documents.
func writeTenants(dir string, o TenancyOptions) ([]tenant, error) {
	g := newGenerator(o.Seed)
	var out []tenant
	for i := range o.Small + o.Large {
		t := tenant{id: fmt.Sprintf("%018d", 100000000000000000+i), large: i >= o.Small}
		docs := o.SmallDocs
		if t.large {
			docs = o.LargeDocs
		}
		folder := filepath.Join(dir, t.id, "corpus")
		if err := os.MkdirAll(folder, 0o755); err != nil {
			return nil, fmt.Errorf("writing the servers: %w", err)
		}
		for d := range docs {
			var b strings.Builder
			fmt.Fprintf(&b, "# %s\n\n", strings.TrimSuffix(g.title(), "?"))
			for range entriesPerDoc {
				text := g.text(g.textLen())
				fmt.Fprintf(&b, "## %s\n\n%s\n\n", g.title(), text)
				if len(t.questions) < 20 && g.r.IntN(4) == 0 {
					t.questions = append(t.questions, quote(g, text))
				}
			}
			if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("page-%04d.md", d)), []byte(b.String()), 0o644); err != nil {
				return nil, fmt.Errorf("writing the servers: %w", err)
			}
		}
		if len(t.questions) == 0 {
			t.questions = []string{"what about " + g.word() + "?"}
		}
		out = append(out, t)
	}
	return out, nil
}

// quote asks about four to seven consecutive words of text.
func quote(g *generator, text string) string {
	w := strings.Fields(strings.ToLower(strings.ReplaceAll(text, ".", "")))
	n := min(4+g.r.IntN(4), len(w))
	at := g.r.IntN(len(w) - n + 1)
	return "how does " + strings.Join(w[at:at+n], " ") + " work?"
}

// evictionPass restarts (a new manager) under a memory budget and asks
// one question in every server, twice round in shuffled orders, timing
// each by where the server's index was.
func (r *TenancyReport) evictionPass(ctx context.Context, dir string, emb retrieval.Embedder, tenants []tenant, o TenancyOptions) error {
	r.BudgetBytes = int64(o.BudgetMB) << 20
	if r.BudgetBytes == 0 {
		r.BudgetBytes = r.EstimateAll / 3
	}
	m, err := kb.New(kb.Options{Dir: dir, Embedder: emb, MemoryBudget: r.BudgetBytes})
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(o.Seed, 2))
	seen := make(map[string]bool, len(tenants))
	var coldS, coldL, evS, evL, warm []time.Duration
	for round := range 2 {
		order := rnd.Perm(len(tenants))
		for n, i := range order {
			t := tenants[i]
			loads := m.Stats().Loads
			start := time.Now()
			if _, err := m.Searcher(t.id).Search(ctx, t.questions[round%len(t.questions)], 5); err != nil {
				return fmt.Errorf("asking server %s: %w", t.id, err)
			}
			d := time.Since(start)
			loaded := m.Stats().Loads > loads
			switch {
			case !loaded:
				warm = append(warm, d)
			case !seen[t.id] && t.large:
				coldL = append(coldL, d)
			case !seen[t.id]:
				coldS = append(coldS, d)
			case t.large:
				evL = append(evL, d)
			default:
				evS = append(evS, d)
			}
			seen[t.id] = true
			if n%100 == 99 {
				mem := ReadMem()
				r.HeapPeak, r.RSSPeak = max(r.HeapPeak, mem.Heap), max(r.RSSPeak, mem.RSS)
			}
		}
	}
	after := ReadMem()
	r.HeapAtBudget, r.RSSAtBudget = after.Heap, after.RSS
	r.HeapPeak, r.RSSPeak = max(r.HeapPeak, r.HeapAtBudget), max(r.RSSPeak, r.RSSAtBudget)
	st := m.Stats()
	r.Evictions, r.Loads = st.Evictions, st.Loads
	r.ColdSmall, r.ColdLarge, r.EvictedSmall, r.EvictedLarge, r.Warm = Summarize(coldS), Summarize(coldL), Summarize(evS), Summarize(evL), Summarize(warm)
	return nil
}

// refreshPass measures how one large server's refresh affects the others:
// questions to other servers, loaded, before and during the refresh, and
// a small server's upload alone and during it.
func (r *TenancyReport) refreshPass(ctx context.Context, dir string, emb retrieval.Embedder, tenants []tenant, o TenancyOptions) error {
	if o.Large == 0 || o.Small < 2 {
		return nil
	}
	m, err := kb.New(kb.Options{Dir: dir, Embedder: emb})
	if err != nil {
		return err
	}
	others := tenants[:min(o.Small, 200)]
	big := tenants[o.Small]
	for _, t := range append(others, big) {
		if _, err := m.Library(ctx, t.id); err != nil {
			return err
		}
	}
	ask := func(t tenant, i int) (time.Duration, error) {
		start := time.Now()
		_, err := m.Searcher(t.id).Search(ctx, t.questions[i%len(t.questions)], 5)
		return time.Since(start), err
	}
	var base []time.Duration
	for i := range 400 {
		d, err := ask(others[i%len(others)], i)
		if err != nil {
			return err
		}
		base = append(base, d)
	}
	r.Baseline = Summarize(base)
	page := []byte("# Opening hours\n\n## When are you open?\n\nWe open at nine and close at five, Monday to Friday.\n")
	start := time.Now()
	if _, _, err := m.AddDocument(ctx, others[0].id, "hours.md", page, library.AddOptions{}); err != nil {
		return err
	}
	r.UploadAlone = time.Since(start)

	// A quarter of the large server's pages change on disk: the refresh
	// re-embeds their passages.
	g := newGenerator(o.Seed + 7)
	folder := filepath.Join(dir, big.id, "corpus")
	for d := range o.LargeDocs / 4 {
		var b strings.Builder
		fmt.Fprintf(&b, "# %s\n\n", strings.TrimSuffix(g.title(), "?"))
		for range entriesPerDoc {
			fmt.Fprintf(&b, "## %s\n\n%s\n\n", g.title(), g.text(g.textLen()))
		}
		if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("page-%04d.md", d)), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	var refreshErr, uploadErr error
	wg.Go(func() {
		start := time.Now()
		_, refreshErr = m.Refresh(ctx, big.id)
		r.Refresh = time.Since(start)
		done.Store(true)
	})
	wg.Go(func() {
		start := time.Now()
		_, _, uploadErr = m.AddDocument(ctx, others[1].id, "hours.md", page, library.AddOptions{})
		r.UploadDuring = time.Since(start)
	})
	var during, own []time.Duration
	for i := 0; !done.Load(); i++ {
		t := others[i%len(others)]
		if i%10 == 9 {
			t = big
		}
		d, err := ask(t, i)
		if err != nil {
			return err
		}
		if t.id == big.id {
			own = append(own, d)
		} else {
			during = append(during, d)
		}
	}
	wg.Wait()
	if err := errors.Join(refreshErr, uploadErr); err != nil {
		return err
	}
	r.DuringRefresh, r.OwnDuringRefresh = Summarize(during), Summarize(own)
	return nil
}

// WriteMarkdown renders the report.
func (r *TenancyReport) WriteMarkdown(w io.Writer) error {
	o := r.Options
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s.  \n", r.Machine)
	fmt.Fprintf(&b, "Servers: %d small (%d pages, %d passages each) and %d large (%d pages, %d passages each), Markdown files on disk, built-in embedder, through the knowledge-base manager `faqbot serve` uses.\n\n",
		o.Small, o.SmallDocs, r.SmallPassages, o.Large, o.LargeDocs, r.LargePassages)
	b.WriteString("| step | result |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	row("write every server's pages", secs(r.Write))
	row("build every index (first question of each server, one after another)", fmt.Sprintf("%s; per server p50 %s ms small, %s ms large",
		secs(r.Build), ms(r.SmallBuild.P50), ms(r.LargeBuild.P50)))
	row("heap, no server loaded", mib(r.HeapIdle))
	row("heap per loaded server (measured / estimated)", fmt.Sprintf("small %s / %s, large %s / %s",
		kib(r.PerSmall), kib(r.EstimateSmall), mib(r.PerLarge), mib(r.EstimateLarge)))
	row("heap, every server loaded (estimate)", fmt.Sprintf("%s (%s)", mib(r.HeapAll), mib(r.EstimateAll)))
	row("memory budget (FAQBOT_MEMORY_MB) of the pass below", mib(r.BudgetBytes))
	row("heap during / after two questions to every server under the budget", fmt.Sprintf("peak %s, after %s; %d loads, %d evictions",
		mib(r.HeapPeak), mib(r.HeapAtBudget), r.Loads, r.Evictions))
	row("resident memory (RSS): no server loaded / every server loaded / peak and after the pass under the budget",
		fmt.Sprintf("%s / %s / %s, %s", mib(r.RSSIdle), mib(r.RSSAll), mib(r.RSSPeak), mib(r.RSSAtBudget)))
	lat := func(s Summary) string {
		if s.N == 0 {
			return "–"
		}
		return fmt.Sprintf("p50 %s, p95 %s, max %s ms (%d)", ms(s.P50), ms(s.P95), ms(s.Max), s.N)
	}
	row("first question after a restart (index loaded from disk): small", lat(r.ColdSmall))
	row("… large", lat(r.ColdLarge))
	row("first question after eviction: small", lat(r.EvictedSmall))
	row("… large", lat(r.EvictedLarge))
	row("question, index in memory", lat(r.Warm))
	row("other servers' questions, before a large server's refresh", lat(r.Baseline))
	row(fmt.Sprintf("… while it re-embeds %d pages (%s)", o.LargeDocs/4, secs(r.Refresh)), lat(r.DuringRefresh))
	row("the refreshing server's own questions meanwhile (previous index)", lat(r.OwnDuringRefresh))
	row("a small server's upload, alone / during the refresh", fmt.Sprintf("%s / %s ms", ms(r.UploadAlone), ms(r.UploadDuring)))
	_, err := io.WriteString(w, b.String())
	return err
}

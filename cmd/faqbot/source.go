package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/ingest"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// dataSourcesFile is the sources file in the data folder, read when
// FAQBOT_SOURCES_FILE is not set.
const dataSourcesFile = "sources.txt"

// whoCLI is who the change log names for changes made on the command line.
const whoCLI = "cli"

const sourceSynopsis = `source add [--guild ID] [--kind KIND] [--branch B] [--folder F] [--link URL] URL
       faqbot source list [--guild ID] [--json]
       faqbot source refresh [--guild ID] [ID]
       faqbot source remove ID`

func runSource(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stdout, "Usage: faqbot %s\n\n%s", sourceSynopsis, sourceHelp)
		if len(args) == 0 {
			return usagef("source needs a subcommand: add, list, refresh or remove")
		}
		return nil
	}
	switch args[0] {
	case "add":
		return runSourceAdd(ctx, e, args[1:])
	case "list":
		return runSourceList(ctx, e, args[1:])
	case "refresh":
		return runSourceRefresh(ctx, e, args[1:])
	case "remove", "rm":
		return runSourceRemove(ctx, e, args[1:])
	}
	return usageError{msg: fmt.Sprintf("unknown source subcommand %q", args[0]), hint: "Run 'faqbot source -h' for its subcommands."}
}

const sourceHelp = `Sources are web pages, sitemaps, sites and Git folders whose pages are
fetched into a knowledge base and kept current. Without --guild they feed
the base corpus (FAQBOT_CORPUS_DIR, or FAQBOT_DATA_DIR/corpus), which every
server answers from; with --guild, that server's own knowledge base, as
/corpus add url: does from Discord. serve refreshes every source each
FAQBOT_REFRESH_INTERVAL; the base's can also be listed in a sources file
(FAQBOT_SOURCES_FILE).

  add      fetch a source and add its pages (URL: a page, a sitemap, a site
           root whose sitemap is found, or a Git repository such as
           https://github.com/org/repo/tree/main/docs)
  list     the sources, with their pages, last refresh and errors
  refresh  fetch what changed, in one source or all of them
  remove   take a source and its pages out

While serve runs, send it a SIGHUP after these commands so that it answers
from the pages they wrote.
`

// sourcesEnv is what the source subcommands work with.
type sourcesEnv struct {
	cfg    config.Config
	lg     *slog.Logger
	db     store.Store
	syncer *ingest.Syncer
	// kbs are the knowledge bases the syncer changes, with their taught
	// phrasings.
	kbs   *kb.Manager
	close func()
}

// openSources opens the database, the base corpus, the servers' knowledge
// bases and a syncer with the operator's rights (local repositories, no
// per-server limits), and applies the sources file to the base.
func openSources(ctx context.Context, e *env, progress bool) (*sourcesEnv, error) {
	cfg, lg, err := e.setup(nil, true)
	if err != nil {
		return nil, err
	}
	if cfg.DatabaseURL == "" {
		if err := seedDataCorpus(&cfg, lg); err != nil {
			return nil, fmt.Errorf("preparing the corpus folder: %w", err)
		}
	}
	db, err := openStore(ctx, cfg, lg)
	if err != nil {
		return nil, err
	}
	shared, err := sharedCLI(ctx, &cfg, db, lg)
	if err != nil {
		db.Close()
		return nil, err
	}
	st, err := openStack(ctx, e, cfg, lg, progress)
	if err != nil {
		db.Close()
		return nil, err
	}
	kbs, err := cliManager(cfg, st, db, lg, shared)
	if err != nil {
		db.Close()
		return nil, err
	}
	var corpora ingest.Corpora = ingest.KnowledgeBases{Servers: kbs, Base: st.lib}
	if cfg.DatabaseURL != "" {
		corpora = sharedCorpora{kbs: kbs}
	}
	f, err := newFetcher(cfg, lg)
	if err != nil {
		db.Close()
		return nil, err
	}
	syncer, err := ingest.New(ingest.Options{
		Fetcher: f, Store: db, Corpora: corpora,
		Interval: cfg.RefreshInterval, Logger: lg,
	})
	if err != nil {
		f.Close()
		db.Close()
		return nil, err
	}
	se := &sourcesEnv{cfg: cfg, lg: lg, db: db, syncer: syncer, kbs: kbs, close: func() { f.Close(); db.Close() }}
	if err := declareSourcesFile(ctx, cfg, syncer, lg); err != nil {
		se.close()
		return nil, err
	}
	return se, nil
}

// newFetcher is the process's one fetcher: its per-host limits hold across
// every source it fetches. Local repositories are allowed: only the
// operator's base may have them (ingest refuses them for servers).
func newFetcher(cfg config.Config, lg *slog.Logger) (*sources.Fetcher, error) {
	return sources.New(sources.Options{AllowPrivate: cfg.AllowPrivateSources, AllowLocalRepos: true, Logger: lg})
}

// privateHint tells the operator, who can change it, the setting that lets
// a source on their own network be fetched; moderators in Discord are not
// told, as they cannot.
func privateHint(cfg config.Config, err error) string {
	if cfg.AllowPrivateSources || !errors.Is(err, sources.ErrBlocked) {
		return ""
	}
	return " (FAQBOT_ALLOW_PRIVATE_SOURCES=1 allows loopback, private and link-local addresses, never cloud metadata ones)"
}

// sourcesFilePath is the sources file: the setting, or the data folder's
// sources.txt when it exists ("" when neither).
func sourcesFilePath(cfg config.Config) string {
	if cfg.SourcesFile != "" {
		return cfg.SourcesFile
	}
	p := filepath.Join(cfg.DataDir, dataSourcesFile)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// declareSourcesFile makes the base's sources what the sources file says
// (see ingest.Declare). With no file, sources a file added before are
// left as they are: a missing data-folder file is not an empty list.
func declareSourcesFile(ctx context.Context, cfg config.Config, syncer *ingest.Syncer, lg *slog.Logger) error {
	path := sourcesFilePath(cfg)
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading the sources file (FAQBOT_SOURCES_FILE): %w", err)
	}
	defer f.Close()
	list, err := ingest.ParseFile(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	added, removed, err := syncer.Declare(ctx, store.BaseGuild, list)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(added)+len(removed) > 0 {
		lg.Info("sources file applied to the base corpus", "file", path, "added", len(added), "removed", len(removed))
	}
	return nil
}

func runSourceAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("source add", sourceSynopsis, e.stderr)
	guild := fs.String("guild", "", "add it to this server's knowledge base (default: the base corpus)")
	kind := fs.String("kind", "", "page, sitemap, site or git (default: guessed from the URL)")
	branch := fs.String("branch", "", "Git branch (default: the repository's default branch)")
	folder := fs.String("folder", "", "Git folder whose files are taken (default: the whole repository)")
	link := fs.String("link", "", "URL a Git folder is published at, for the pages' links (default: the forge's page of each file)")
	pos, err := parseCommand(fs, args, "")
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: "source add takes one URL", hint: flagsHint(fs)}
	}
	spec := []string{pos[0]}
	for k, v := range map[string]string{"kind": *kind, "branch": *branch, "folder": *folder, "link": *link} {
		if v != "" {
			spec = append(spec, k+"="+v)
		}
	}
	src, err := ingest.ParseSpec(spec)
	if err != nil {
		return usageError{msg: err.Error(), hint: flagsHint(fs)}
	}
	se, err := openSources(ctx, e, true)
	if err != nil {
		return err
	}
	defer se.close()
	rep, err := se.syncer.Add(ctx, *guild, src, whoCLI, e.fetchProgress("fetching "+src.URL))
	if err != nil {
		return fmt.Errorf("%s: %s%s", src, ingest.Reason(err), privateHint(se.cfg, err))
	}
	printReport(e.stdout, rep)
	return nil
}

func runSourceList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("source list", sourceSynopsis, e.stderr)
	guild := fs.String("guild", "", "only this server's sources (default: the base's, then every server's)")
	asJSON := fs.Bool("json", false, "print JSON, one object per source")
	if _, err := parseCommand(fs, args, "source list"); err != nil {
		return err
	}
	se, err := openSources(ctx, e, false)
	if err != nil {
		return err
	}
	defer se.close()
	guilds, err := sourceGuilds(ctx, se, *guild)
	if err != nil {
		return err
	}
	var all []sourceJSON
	for _, g := range guilds {
		list, err := se.syncer.List(ctx, g)
		if err != nil {
			return err
		}
		for _, in := range list {
			all = append(all, toSourceJSON(g, in))
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, s := range all {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	}
	if len(all) == 0 {
		fmt.Fprintln(e.stdout, "No sources yet. Add one with: faqbot source add URL")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKNOWLEDGE BASE\tSOURCE\tPAGES\tLAST REFRESH\tSTATUS")
	for _, s := range all {
		status := "ok: " + s.Summary
		switch {
		case s.Error != "":
			status = "FAILING, last good pages kept: " + s.Error
		case s.RefreshedAt == nil:
			status = "not fetched yet"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", s.ID, kbName(s.Guild), describe(s.Source), s.Pages, when(s.RefreshedAt), status)
	}
	return tw.Flush()
}

func runSourceRefresh(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("source refresh", sourceSynopsis, e.stderr)
	guild := fs.String("guild", "", "only this server's sources (default: every source)")
	pos, err := parseCommand(fs, args, "")
	if err != nil {
		return err
	}
	var id int64
	switch len(pos) {
	case 0:
	case 1:
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return usageError{msg: fmt.Sprintf("source refresh takes a source ID (see faqbot source list), got %q", pos[0]), hint: flagsHint(fs)}
		}
	default:
		return usageError{msg: "source refresh takes at most one source ID", hint: flagsHint(fs)}
	}
	se, err := openSources(ctx, e, true)
	if err != nil {
		return err
	}
	defer se.close()
	guilds, err := sourceGuilds(ctx, se, *guild)
	if err != nil {
		return err
	}
	if id != 0 {
		g, err := guildOfSource(ctx, se, guilds, id)
		if err != nil {
			return err
		}
		guilds = []string{g}
	}
	failed, n := 0, 0
	for _, g := range guilds {
		var progress func(sources.Source, int, int)
		if e.status != nil {
			progress = func(src sources.Source, done, total int) { e.fetchProgress("refreshing "+src.URL)(done, total) }
		}
		reps, err := se.syncer.Refresh(ctx, g, id, whoCLI, progress)
		if err != nil {
			return err
		}
		for _, r := range reps {
			if n > 0 {
				fmt.Fprintln(e.stdout)
			}
			n++
			printReport(e.stdout, r)
			if r.Err != nil {
				failed++
			}
		}
		if err := dropGoneTaught(ctx, e.stdout, se.kbs, se.db.Guild(g), "  ", "    ", se.lg); err != nil {
			return err
		}
	}
	switch {
	case n == 0:
		fmt.Fprintln(e.stdout, "No sources to refresh. Add one with: faqbot source add URL")
	case failed > 0:
		fmt.Fprintf(e.stderr, "faqbot: %s of %d failed; their last good pages are kept\n", count(failed, "source"), n)
		return errSilent
	}
	return nil
}

func runSourceRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("source remove", sourceSynopsis, e.stderr)
	pos, err := parseCommand(fs, args, "")
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{msg: "source remove takes one source ID (see faqbot source list)", hint: flagsHint(fs)}
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usageError{msg: fmt.Sprintf("source remove takes a source ID (see faqbot source list), got %q", pos[0]), hint: flagsHint(fs)}
	}
	se, err := openSources(ctx, e, false)
	if err != nil {
		return err
	}
	defer se.close()
	guilds, err := sourceGuilds(ctx, se, "")
	if err != nil {
		return err
	}
	g, err := guildOfSource(ctx, se, guilds, id)
	if err != nil {
		return err
	}
	list, err := se.db.Guild(g).Sources(ctx)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.ID == id && s.AddedBy == ingest.FromFile {
			return fmt.Errorf("source %d comes from the sources file %s: take its line out of the file instead", id, sourcesFilePath(se.cfg))
		}
	}
	rep, err := se.syncer.Remove(ctx, g, id, whoCLI)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Removed source %d from %s: %s, with its %s.\n", id, kbName(g), describe(rep.Source), count(len(rep.Removed), "page"))
	return dropGoneTaught(ctx, e.stdout, se.kbs, se.db.Guild(g), "  ", "    ", se.lg)
}

// sourceGuilds are the knowledge bases a command looks at: the one named,
// or the base and every server that has sources.
func sourceGuilds(ctx context.Context, se *sourcesEnv, guild string) ([]string, error) {
	if guild != "" {
		return []string{guild}, nil
	}
	all, err := se.db.Guilds(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{store.BaseGuild}
	for _, g := range all {
		if g == store.BaseGuild {
			continue
		}
		if list, err := se.db.Guild(g).Sources(ctx); err != nil {
			return nil, err
		} else if len(list) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// errNoSuchSource means no knowledge base has a source of that ID.
var errNoSuchSource = errors.New("no source has that ID (see faqbot source list)")

// guildOfSource finds which knowledge base has the source id: IDs are
// unique across them.
func guildOfSource(ctx context.Context, se *sourcesEnv, guilds []string, id int64) (string, error) {
	for _, g := range guilds {
		list, err := se.db.Guild(g).Sources(ctx)
		if err != nil {
			return "", err
		}
		for _, s := range list {
			if s.ID == id {
				return g, nil
			}
		}
	}
	return "", fmt.Errorf("source %d: %w", id, errNoSuchSource)
}

// sourceJSON is one source in `faqbot source list --json`.
type sourceJSON struct {
	ID          int64          `json:"id"`
	Guild       string         `json:"guild"`
	Source      sources.Source `json:"source"`
	AddedBy     string         `json:"added_by"`
	AddedAt     time.Time      `json:"added_at"`
	Pages       int            `json:"pages"`
	Failed      int            `json:"failed"`
	RefreshedAt *time.Time     `json:"refreshed_at"`
	SucceededAt *time.Time     `json:"succeeded_at"`
	Error       string         `json:"error"`
	Summary     string         `json:"summary"`
	Next        *time.Time     `json:"next_refresh"`
}

func toSourceJSON(guild string, in ingest.Info) sourceJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return sourceJSON{
		ID: in.ID, Guild: guild, Source: in.Source, AddedBy: in.AddedBy, AddedAt: in.AddedAt, Pages: in.Pages, Failed: in.Failed,
		RefreshedAt: opt(in.RefreshedAt), SucceededAt: opt(in.SucceededAt), Error: in.Error, Summary: in.Summary, Next: opt(in.Next),
	}
}

// printReport prints what a fetch did.
func printReport(w io.Writer, r ingest.Report) {
	fmt.Fprintf(w, "Source %d in %s: %s\n", r.ID, kbName(r.Guild), describe(r.Source))
	if r.Err != nil {
		fmt.Fprintf(w, "  FAILED: %s\n  Its last good pages are kept.\n", ingest.Reason(r.Err))
		return
	}
	fmt.Fprintf(w, "  %s\n", r.Summary())
	fmt.Fprintf(w, "  %s (%d answered 304 Not Modified), %s embedded, %d reused, in %s\n",
		count(r.Stats.Requests, "request"), r.Stats.NotModified, count(r.Change.Embedded, "passage"), r.Change.Reused, r.Took.Round(time.Millisecond))
	for _, d := range r.Details(10) {
		fmt.Fprintf(w, "  %s\n", d)
	}
}

// kbName names a knowledge base for the operator.
func kbName(guild string) string {
	if guild == store.BaseGuild {
		return "the base corpus"
	}
	return "server " + guild
}

// describe is a source in a few words.
func describe(s sources.Source) string {
	if s.URL == "" {
		return "(unreadable source)"
	}
	return s.String()
}

// when is a time for listings, or "never".
func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// fetchProgress draws a bar of the pages fetched on the status line, when
// stderr is a terminal; nil otherwise.
func (e *env) fetchProgress(label string) func(done, total int) {
	if e.status == nil {
		return nil
	}
	bar := e.status.BarOf(label, "pages")
	return func(done, total int) {
		bar(done, total)
		if done == total {
			e.status.Set("")
		}
	}
}

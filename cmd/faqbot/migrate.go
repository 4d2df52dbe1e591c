package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/store"
)

// migrateUsage is the command line of faqbot migrate.
const migrateUsage = "migrate to-postgres|to-sqlite"

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("migrate", migrateUsage, e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, `Usage: faqbot %s

Moves a bot's data between the embedded SQLite data folder (FAQBOT_DATA_DIR)
and the PostgreSQL database shared by shard processes (FAQBOT_DATABASE_URL):

  to-postgres  copies the data folder (faqbot.db, each server's documents in
               guilds/, the base corpus) into the database, which must hold no
               faqbot data yet
  to-sqlite    copies the database into the data folder, which must be new
               (no faqbot.db, corpus/ or guilds/)

The source is only read. Every table's records are counted per server on both
sides, and every server's documents; the command fails if any count differs.
Hashed member IDs are copied as stored: keep using the same key
(FAQBOT_USER_ID_KEY, or the key file FAQBOT_DATA_DIR/faqbot.key).
`, migrateUsage)
	}
	rest, err := parseCommand(fs, args, "")
	if err != nil {
		return err
	}
	if len(rest) != 1 || (rest[0] != "to-postgres" && rest[0] != "to-sqlite") {
		return usageError{msg: "migrate needs a direction: to-postgres or to-sqlite", hint: "Run 'faqbot migrate -h' for what each does."}
	}
	cfg, lg, err := e.setup(nil, true)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return usagef("migrate needs FAQBOT_DATABASE_URL: the PostgreSQL database to copy to or from")
	}
	if rest[0] == "to-postgres" {
		return migrateToPostgres(ctx, e.stdout, cfg, lg)
	}
	return migrateToSQLite(ctx, e.stdout, cfg, lg)
}

// migrateOptions are the store options of both sides: the same key, so
// that hashed member IDs copied as stored still match the members.
func migrateOptions(cfg config.Config, lg *slog.Logger) store.Options {
	opts := store.Options{
		UserIDs: store.Privacy(cfg.StoreUserIDs), KeyFile: filepath.Join(cfg.DataDir, dataKeyFile),
		ConversationMaxAge: cfg.ConversationRetention, Logger: lg,
	}
	if cfg.UserIDKey != "" {
		opts.Key = []byte(cfg.UserIDKey)
	}
	return opts
}

// migrateToPostgres copies the data folder into the database.
func migrateToPostgres(ctx context.Context, w io.Writer, cfg config.Config, lg *slog.Logger) error {
	if _, err := os.Stat(storePath(cfg)); err != nil {
		return fmt.Errorf("migrating to PostgreSQL: no database to copy at %s (FAQBOT_DATA_DIR): %w", storePath(cfg), err)
	}
	opts := migrateOptions(cfg, lg)
	lite, err := store.Open(ctx, storePath(cfg), opts)
	if err != nil {
		return err
	}
	defer lite.Close()
	// The key file exists now (Open made it if it had to): the database
	// side reads the same one.
	pg, err := openPostgresFor(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer pg.Close()
	// The documents are files in the data folder: published below.
	rep, err := store.Copy(ctx, lite, pg, store.DocumentTables...)
	if err != nil {
		return err
	}
	// In the data folder the documents are files; in the database they
	// are the documents' rows: each server's folder, and the base corpus,
	// are published there.
	docs := kb.StoreDocuments(pg)
	var counts []docCount
	guilds, err := guildFolders(guildsDir(cfg))
	if err != nil {
		return err
	}
	for _, g := range guilds {
		dir := filepath.Join(guildsDir(cfg), g, "corpus")
		c, err := publishCounted(ctx, docs, g, dir)
		if err != nil {
			return err
		}
		counts = append(counts, c)
	}
	if cfg.CorpusDir != "" {
		c, err := publishCounted(ctx, docs, store.BaseGuild, cfg.CorpusDir)
		if err != nil {
			return err
		}
		counts = append(counts, c)
	}
	fmt.Fprintf(w, "Copied the data folder %s into %s.\n\n", cfg.DataDir, cfg.DatabaseName())
	bad := printCounts(w, rep, counts, "data folder", "PostgreSQL")
	if bad > 0 {
		return fmt.Errorf("migrating to PostgreSQL: %d counts differ", bad)
	}
	fmt.Fprintf(w, "\nEvery count matches. The data folder is left as it was. Every shard needs the same user ID key:\n"+
		"set FAQBOT_USER_ID_KEY on each, or copy %s into each one's FAQBOT_DATA_DIR.\n", opts.KeyFile)
	return nil
}

// migrateToSQLite copies the database into a new data folder.
func migrateToSQLite(ctx context.Context, w io.Writer, cfg config.Config, lg *slog.Logger) error {
	baseDir := filepath.Join(cfg.DataDir, dataCorpusDir)
	for _, p := range []string{storePath(cfg), baseDir, guildsDir(cfg)} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("migrating to SQLite: %s already exists: point FAQBOT_DATA_DIR at a new, empty folder", p)
		}
	}
	opts := migrateOptions(cfg, lg)
	if opts.Key == nil && opts.UserIDs != store.PrivacyPlain {
		if _, err := os.Stat(opts.KeyFile); err != nil {
			return fmt.Errorf("migrating to SQLite: %w: the SQLite side would make a new key, and the hashed member IDs copied would match nobody (put the shards' key file at %s)",
				store.ErrNoSharedKey, opts.KeyFile)
		}
	}
	pg, err := openPostgresFor(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer pg.Close()
	lite, err := store.Open(ctx, storePath(cfg), opts)
	if err != nil {
		return err
	}
	defer lite.Close()
	// The documents become files in the data folder, below.
	rep, err := store.Copy(ctx, pg, lite, store.DocumentTables...)
	if err != nil {
		return err
	}
	versions, err := pg.DocumentVersions(ctx)
	if err != nil {
		return err
	}
	docs := kb.StoreDocuments(pg)
	var counts []docCount
	if err := os.MkdirAll(guildsDir(cfg), 0o750); err != nil {
		return fmt.Errorf("migrating to SQLite: %w", err)
	}
	for _, g := range slices.Sorted(maps.Keys(versions)) {
		dir := filepath.Join(guildsDir(cfg), g, "corpus")
		if g == store.BaseGuild {
			dir = baseDir
		}
		cp, err := kb.SyncFolder(ctx, docs, g, dir)
		if err != nil {
			return err
		}
		found, _, err := kb.ReadFolder(dir)
		if err != nil {
			return err
		}
		counts = append(counts, docCount{guild: g, source: int64(cp.Documents), target: int64(len(found))})
	}
	fmt.Fprintf(w, "Copied %s into the data folder %s.\n\n", cfg.DatabaseName(), cfg.DataDir)
	bad := printCounts(w, rep, counts, "PostgreSQL", "data folder")
	if bad > 0 {
		return fmt.Errorf("migrating to SQLite: %d counts differ", bad)
	}
	fmt.Fprintf(w, "\nEvery count matches. The database is left as it was. Run faqbot serve without FAQBOT_DATABASE_URL to use the data folder.\n")
	return nil
}

// docCount is a knowledge base's documents on both sides.
type docCount struct {
	guild          string
	source, target int64
}

// publishCounted publishes a corpus folder as guild's documents and
// counts them on both sides.
func publishCounted(ctx context.Context, docs kb.DocumentStore, guild, dir string) (docCount, error) {
	p, err := kb.Publish(ctx, docs, guild, dir, "migrate")
	if err != nil {
		return docCount{}, err
	}
	set, err := docs.Documents(ctx, guild, map[string]string{})
	if err != nil {
		return docCount{}, err
	}
	n := len(p.Change.DocumentsAdded) + len(p.Change.DocumentsChanged) + len(p.Change.DocumentsUnchanged)
	return docCount{guild: guild, source: int64(n), target: int64(len(set.Documents))}, nil
}

// guildFolders lists the server folders under dir.
func guildFolders(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the servers' folders: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// printCounts prints every count, records and documents, and returns how
// many differ.
func printCounts(w io.Writer, rep store.CopyReport, docs []docCount, from, to string) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "what\tserver\t%s\t%s\t\n", from, to)
	bad := 0
	mark := func(a, b int64) string {
		if a != b {
			bad++
			return "\tDIFFERS"
		}
		return ""
	}
	for _, c := range rep.Counts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", c.Table, countServer(c.Guild, c.HasGuild), c.Source, c.Target, mark(c.Source, c.Target))
	}
	for _, d := range docs {
		fmt.Fprintf(tw, "documents (files)\t%s\t%d\t%d\t%s\n", countServer(d.guild, true), d.source, d.target, mark(d.source, d.target))
	}
	tw.Flush()
	return bad
}

// countServer names a server in the counts.
func countServer(guild string, hasGuild bool) string {
	switch {
	case !hasGuild:
		return "-"
	case guild == store.BaseGuild:
		return "base"
	}
	return guild
}

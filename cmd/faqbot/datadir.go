package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

// The data folder's layout.
const (
	dataCorpusDir = "corpus"
	dataDBFile    = "faqbot.db"
	dataKeyFile   = "faqbot.key"
	dataGuildsDir = "guilds"
)

// useDataCorpus points cfg at the live corpus in the data folder,
// FAQBOT_DATA_DIR/corpus, when no corpus folder is configured and that
// folder exists: then ask, index and gaps see the corpus serve answers
// from, moderators' uploads included.
func useDataCorpus(cfg *config.Config) {
	if cfg.CorpusDir != "" || cfg.DataDir == "" {
		return
	}
	dir := filepath.Join(cfg.DataDir, dataCorpusDir)
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		cfg.CorpusDir = dir
	}
}

// seedDataCorpus is serve's first start: with no corpus folder configured,
// it copies the embedded corpus to FAQBOT_DATA_DIR/corpus (once; later
// starts keep what moderators made of it) and points cfg at it, so that
// /corpus add and remove have a folder to change.
func seedDataCorpus(cfg *config.Config, lg *slog.Logger) error {
	if cfg.CorpusDir != "" {
		return nil
	}
	dir := filepath.Join(cfg.DataDir, dataCorpusDir)
	seeded, err := library.SeedDir(dir, corpus.Default())
	if err != nil {
		return err
	}
	if seeded {
		lg.Info("copied the embedded corpus to the data folder; documents added or removed there are answered from", "dir", dir)
	}
	cfg.CorpusDir = dir
	return nil
}

// storePath is the database file in the data folder.
func storePath(cfg config.Config) string { return filepath.Join(cfg.DataDir, dataDBFile) }

// openStore opens the database: PostgreSQL at FAQBOT_DATABASE_URL when it
// is set, else SQLite in the data folder (created on first use), with the
// configured privacy and retention settings and user ID key (the setting,
// or the key file in the data folder).
func openStore(ctx context.Context, cfg config.Config, lg *slog.Logger) (store.Store, error) {
	opts := store.Options{
		UserIDs:            store.Privacy(cfg.StoreUserIDs),
		KeyFile:            filepath.Join(cfg.DataDir, dataKeyFile),
		ConversationMaxAge: cfg.ConversationRetention,
		Logger:             lg,
	}
	if cfg.UserIDKey != "" {
		opts.Key = []byte(cfg.UserIDKey)
	}
	// Records of a one-server bot that carry no server belong to it.
	if guilds := servedGuilds(cfg); len(guilds) == 1 {
		opts.LegacyGuild = guilds[0]
	}
	if cfg.DatabaseURL == "" {
		return store.Open(ctx, storePath(cfg), opts)
	}
	return openPostgresFor(ctx, cfg, opts)
}

// openPostgresFor opens the database of FAQBOT_DATABASE_URL with opts, for
// serve and the commands as for a copy by faqbot migrate. Every process
// sharing the database must hash with one key: a key file is used when the
// operator put one there, never made.
func openPostgresFor(ctx context.Context, cfg config.Config, opts store.Options) (*store.Postgres, error) {
	if _, err := os.Stat(opts.KeyFile); err != nil {
		opts.KeyFile = ""
	}
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	return store.OpenPostgres(ctx, cfg.DatabaseURL, opts)
}

// databaseTimeout bounds connecting to PostgreSQL and bringing its schema
// up to date at start: a database that does not answer is an error to
// report, not a hang.
const databaseTimeout = time.Minute

// databaseDesc names the database for logs and messages, without a
// password.
func databaseDesc(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseName()
	}
	return storePath(cfg)
}

// servedGuilds are the servers the bot serves: FAQBOT_GUILDS and
// DISCORD_GUILD_ID; none means every server.
func servedGuilds(cfg config.Config) []string {
	guilds := slices.Clone(cfg.Guilds)
	if cfg.DiscordGuildID != "" && !slices.Contains(guilds, cfg.DiscordGuildID) {
		guilds = append(guilds, cfg.DiscordGuildID)
	}
	return guilds
}

// errNoStore means the data folder holds no database yet.
var errNoStore = errors.New("no database yet")

// openExistingStore opens the database for reading reports, without
// creating one where there is none.
func openExistingStore(ctx context.Context, cfg config.Config, lg *slog.Logger) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		return openStore(ctx, cfg, lg)
	}
	if _, err := os.Stat(storePath(cfg)); errors.Is(err, fs.ErrNotExist) {
		return nil, errNoStore
	} else if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	return openStore(ctx, cfg, lg)
}

// recordRefresh writes the result of a refresh nobody asked for in Discord
// (the watcher, SIGHUP, `faqbot index`) to a change log — the base's, or a
// server's — as an edit; who says which. A refresh that changed nothing is
// not worth a line.
func recordRefresh(ctx context.Context, log store.Guild, who string, ch library.Change, err error) error {
	if err == nil && ch.Empty() {
		return nil
	}
	c := store.Change{At: time.Now(), Who: who, Action: store.ActionEdit, Summary: ch.Summary()}
	if err != nil {
		c.Summary, c.Error = "", err.Error()
	}
	return log.RecordChange(ctx, c)
}

// guildsDir is where each server's documents and index live.
func guildsDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, dataGuildsDir) }

// adoptServerLayout is the first start of a data folder with per-server
// knowledge bases: the corpus folder that every server used to share is
// now the base corpus, which answers in every server and which no
// server's moderators can change. Nothing moves; the documents that
// moderators once uploaded from Discord are named in the log, since they
// now answer in every server the bot serves and the operator may want to
// move some to a server's own folder. It runs once, when the folder of
// the servers' knowledge bases is made.
func adoptServerLayout(ctx context.Context, cfg config.Config, db store.Store, base *library.Library, lg *slog.Logger) error {
	dir := guildsDir(cfg)
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("preparing the servers' folder: %w", err)
	}
	if base != nil {
		added, err := db.Guild(store.BaseGuild).LastChange(ctx, store.ActionAdd)
		if err != nil {
			return fmt.Errorf("reading the change log: %w", err)
		}
		var uploaded []string
		for _, d := range base.Documents() {
			if c, ok := added[d.ID]; ok {
				uploaded = append(uploaded, d.ID+" (by "+c.Who+")")
			}
		}
		if len(uploaded) > 0 {
			lg.Warn("per-server knowledge bases: the shared corpus folder is now the base corpus, answered in every server; "+
				"these documents were uploaded from Discord before servers were kept apart. To keep one to one server, move it to that server's folder and run /reindex there",
				"base", cfg.CorpusDir, "servers_folder", dir, "uploaded", uploaded)
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("preparing the servers' folder: %w", err)
	}
	lg.Info("per-server knowledge bases ready", "dir", dir)
	return nil
}

// DefaultPruneInterval is how often serve deletes the conversations past
// FAQBOT_CONVERSATION_RETENTION: a thread's words should not outlive the
// retention by more than this, and a prune is one small DELETE.
const DefaultPruneInterval = time.Hour

// pruneConversations deletes the expired conversations now and then every
// interval until ctx ends, reporting each prune (report may be nil).
// Conversations that no one writes to again would otherwise be kept
// forever.
func pruneConversations(ctx context.Context, db store.Store, interval time.Duration, lg *slog.Logger, report func(n int, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := db.PruneConversations(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			lg.Error("pruning expired conversations", "err", err)
		case n > 0:
			lg.Info("expired conversations deleted", "conversations", n)
		}
		if report != nil {
			report(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

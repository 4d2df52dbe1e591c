package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/ingest"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

// With a shared database (FAQBOT_DATABASE_URL) the data folder holds only
// a cache: copies of the documents the database keeps, and the indexes
// built from them. Losing it loses nothing; a process on a new machine
// makes it again.
const dataCacheDir = "cache"

// sharedGuildsDir is where each server's copy and index live.
func sharedGuildsDir(cfg config.Config) string {
	return filepath.Join(cfg.DataDir, dataCacheDir, "guilds")
}

// sharedBaseDir is the copy of the base corpus.
func sharedBaseDir(cfg config.Config) string {
	return filepath.Join(cfg.DataDir, dataCacheDir, "base", "corpus")
}

// prepareSharedBase makes the base corpus of a shared database ready to
// index: the operator's corpus folder, when this process is given one, is
// published to the database (replacing what another process published);
// with none, the embedded corpus is published once, when the database
// has no base yet. The database's base is then copied into the cache,
// and cfg points at the copy (and, unless set, at an index beside it). It
// returns the operator's folder, or "".
func prepareSharedBase(ctx context.Context, cfg *config.Config, db store.Store, lg *slog.Logger) (string, error) {
	docs := kb.StoreDocuments(db)
	operator := cfg.CorpusDir
	if operator != "" {
		if err := publishBase(ctx, db, operator, "publish", lg); err != nil {
			return "", err
		}
	} else {
		v, err := db.Guild(store.BaseGuild).DocumentsVersion(ctx)
		if err != nil {
			return "", err
		}
		if v == 0 {
			p, err := kb.PublishFS(ctx, docs, store.BaseGuild, corpus.Default(), "the embedded corpus", "publish")
			if err != nil {
				return "", err
			}
			lg.Info("the database had no base corpus: published the embedded one", "documents", len(p.Change.DocumentsAdded), "version", p.Version)
		}
	}
	dir := sharedBaseDir(*cfg)
	cp, err := kb.SyncFolder(ctx, docs, store.BaseGuild, dir)
	if err != nil {
		return "", err
	}
	lg.Info("base corpus copied from the database", "dir", dir, "version", cp.Version, "documents", cp.Documents, "written", cp.Written, "deleted", cp.Deleted)
	cfg.CorpusDir = dir
	if cfg.IndexDir == "" {
		cfg.IndexDir = filepath.Join(filepath.Dir(dir), "index")
	}
	return operator, nil
}

// publishBase publishes the operator's folder as the base corpus and
// records what changed in the base's change log; who made it happen
// ("publish" at start, "watcher", "sighup") is recorded with it.
func publishBase(ctx context.Context, db store.Store, dir, who string, lg *slog.Logger) error {
	p, err := kb.Publish(ctx, kb.StoreDocuments(db), store.BaseGuild, dir, who)
	if rerr := recordRefresh(context.WithoutCancel(ctx), db.Guild(store.BaseGuild), who, p.Change, err); rerr != nil {
		lg.Error("writing the corpus change log", "trigger", who, "err", rerr)
	}
	if err != nil {
		return err
	}
	if !p.Change.Empty() {
		lg.Info("base corpus published to the database", "dir", dir, "trigger", who, "version", p.Version,
			"added", len(p.Change.DocumentsAdded), "removed", len(p.Change.DocumentsRemoved), "changed", len(p.Change.DocumentsChanged),
			"skipped", len(p.Change.Skips))
	}
	return nil
}

// watchOperatorFolder publishes the operator's folder again whenever a
// file in it is added, changed or deleted (checked every interval by
// names, sizes and times, as the library's watcher does), until ctx ends.
// Every process, this one included, then refreshes its base from the
// database.
func watchOperatorFolder(ctx context.Context, db store.Store, dir string, interval time.Duration, lg *slog.Logger) {
	if interval <= 0 {
		interval = library.DefaultWatchInterval
	}
	last, _ := folderStamp(dir)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stamp, err := folderStamp(dir)
		if err != nil || stamp == last {
			continue
		}
		if err := publishBase(ctx, db, dir, "watcher", lg); err != nil {
			if ctx.Err() == nil {
				lg.Error("publishing the corpus folder; trying again at the next change", "dir", dir, "err", err)
			}
			continue
		}
		last = stamp
	}
}

// folderStamp sums up the names, sizes and modification times of a
// folder's files: it changes when any file does.
func folderStamp(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// databaseHealth is /healthz's check of the database.
func databaseHealth(db store.Store) func(ctx context.Context) error {
	return func(ctx context.Context) error { return db.Ping(ctx) }
}

// watchDocuments tells the knowledge bases of every change to the
// database's documents, whichever process made it, until ctx ends; every
// is how often it reads the versions besides listening for changes.
func watchDocuments(ctx context.Context, db store.Store, kbs *kb.Manager, every time.Duration, lg *slog.Logger) {
	err := db.WatchDocuments(ctx, every, func(guild string, version int64) { kbs.Changed(ctx, guild, version) })
	if err != nil && ctx.Err() == nil {
		lg.Error("watching the database for document changes", "err", err)
	}
}

// sharedCorpora are the knowledge bases sources write to with a shared
// database: a server's through the manager (which keeps them in the
// database), and the base's into the database, from which every process's
// base is copied.
type sharedCorpora struct{ kbs *kb.Manager }

var _ ingest.Corpora = sharedCorpora{}

// Apply applies b to guild's knowledge base.
func (c sharedCorpora) Apply(ctx context.Context, guild string, b library.Batch) (library.Change, error) {
	if guild == store.BaseGuild {
		return c.kbs.ApplyBase(ctx, b)
	}
	return c.kbs.Apply(ctx, guild, b)
}

// Documents lists guild's own documents (the base's for store.BaseGuild).
func (c sharedCorpora) Documents(ctx context.Context, guild string) ([]library.DocumentInfo, error) {
	if guild == store.BaseGuild {
		if b := c.kbs.Base(""); b != nil {
			return b.Documents(), nil
		}
		return nil, kb.ErrNoSharedBase
	}
	own, _, err := c.kbs.Documents(ctx, guild)
	return own, err
}

// sharedCLI prepares a command-line command (faqbot teach, faqbot source)
// for a shared database as serve is prepared: the base corpus is the
// database's (see prepareSharedBase; cfg then points at its copy), and the
// servers' knowledge bases are copies of the database's documents, so that
// what the command changes is the database's, for every shard. It returns
// what to set on the command's kb.Options; without FAQBOT_DATABASE_URL it
// changes nothing.
func sharedCLI(ctx context.Context, cfg *config.Config, db store.Store, lg *slog.Logger) (func(*kb.Options), error) {
	if cfg.DatabaseURL == "" {
		return func(*kb.Options) {}, nil
	}
	if _, err := prepareSharedBase(ctx, cfg, db, lg); err != nil {
		return nil, fmt.Errorf("preparing the base corpus: %w", err)
	}
	baseDir := cfg.CorpusDir
	return func(o *kb.Options) {
		o.Dir, o.Documents = sharedGuildsDir(*cfg), kb.StoreDocuments(db)
		if o.Base != nil {
			o.BaseDir = baseDir
		}
	}, nil
}

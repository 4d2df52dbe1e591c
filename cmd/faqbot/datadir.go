package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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

// openStore opens (creating it on first use) the database in the data
// folder with the configured privacy and retention settings.
func openStore(ctx context.Context, cfg config.Config, lg *slog.Logger) (*store.Store, error) {
	return store.Open(ctx, storePath(cfg), store.Options{
		UserIDs:            store.Privacy(cfg.StoreUserIDs),
		ConversationMaxAge: cfg.ConversationRetention,
		Logger:             lg,
	})
}

// errNoStore means the data folder holds no database yet.
var errNoStore = errors.New("no database yet")

// openExistingStore opens the database for reading reports, without
// creating one where there is none.
func openExistingStore(ctx context.Context, cfg config.Config, lg *slog.Logger) (*store.Store, error) {
	if _, err := os.Stat(storePath(cfg)); errors.Is(err, fs.ErrNotExist) {
		return nil, errNoStore
	} else if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	return openStore(ctx, cfg, lg)
}

// recordRefresh writes the result of a refresh nobody asked for in Discord
// (the watcher, SIGHUP) to the change log as an edit; who says which. For
// the watcher, serve passes it as library.Options.WatchReport. A refresh
// that changed nothing is not worth a line.
func recordRefresh(ctx context.Context, st *store.Store, who string, ch library.Change, err error) error {
	if err == nil && ch.Empty() {
		return nil
	}
	c := store.Change{At: time.Now(), Who: who, Action: store.ActionEdit, Summary: ch.Summary()}
	if err != nil {
		c.Summary, c.Error = "", err.Error()
	}
	return st.RecordChange(ctx, c)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

func runServe(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlagSet("serve", "serve [--corpus DIR] [--index DIR]", e.stderr)
	var f indexFlags
	f.register(fs, false)
	if _, err := parseCommand(fs, args, "serve"); err != nil {
		return err
	}
	cfg, lg, err := e.setup(&f, false)
	if err != nil {
		return err
	}
	if cfg.DiscordToken == "" {
		return errors.New("serve needs a Discord bot token: set DISCORD_TOKEN (see the README's Discord section)")
	}
	// With no corpus folder configured, serve works from a copy of the
	// embedded corpus in the data folder, which moderators can change.
	if err := seedDataCorpus(&cfg, lg); err != nil {
		return fmt.Errorf("preparing the corpus folder: %w", err)
	}
	db, err := openStore(ctx, cfg, lg)
	if err != nil {
		return err
	}
	// Background work (the watcher, SIGHUP refreshes) writes to the store:
	// it ends before the store closes.
	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	defer func() {
		stopBG()
		bg.Wait()
		if cerr := db.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	st, err := openStack(ctx, e, cfg, lg, false, func(o *library.Options) {
		o.WatchReport = func(ch library.Change, err error) { logRefresh(bgCtx, db, lg, "watcher", ch, err) }
	})
	if err != nil {
		return err
	}
	lib := st.lib
	admin := corpusAdmin{lib: lib, st: db, maxUpload: int64(cfg.MaxUploadKB) * 1024, lg: lg}
	recs := storeRecords{st: db}
	b, err := bot.New(bot.Config{
		Token: cfg.DiscordToken, GuildID: cfg.DiscordGuildID, APIURL: cfg.DiscordAPIURL,
		ShardID: cfg.ShardID, ShardCount: cfg.ShardCount, ModeratorRoles: cfg.ModeratorRoles,
		RatePerMinute: cfg.RatePerMinute, MaxConcurrent: cfg.MaxConcurrent, MaxQuestionLen: cfg.MaxQuestionLen,
		QuestionTimeout: cfg.QuestionTimeout, HTTPAddr: cfg.HTTPAddr, MaxUploadBytes: admin.maxUpload,
	}, bot.Deps{
		Answerer:   st.engine,
		Reindexer:  admin,
		Corpus:     admin,
		Sources:    librarySources{lib},
		Feedback:   recs,
		Questions:  recs,
		Threads:    recs,
		Forgetter:  recs,
		Reports:    recs,
		IndexReady: func() bool { return lib.Index() != nil },
		Logger:     lg,
	})
	if err != nil {
		return fmt.Errorf("starting the bot: %w", err)
	}
	// SIGHUP re-reads the corpus folder, as /reindex does: for operators
	// who edit the files directly.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	bg.Go(func() {
		for {
			select {
			case <-bgCtx.Done():
				return
			case <-hup:
				ch, err := lib.Refresh(bgCtx)
				logRefresh(bgCtx, db, lg, "sighup", ch, err)
			}
		}
	})
	if cfg.Watch {
		bg.Go(func() {
			if err := lib.Watch(bgCtx, 0); err != nil {
				lg.Error("watching the corpus folder", "err", err)
			}
		})
		lg.Info("watching the corpus folder for changes", "dir", cfg.CorpusDir, "every", library.DefaultWatchInterval)
	}
	lg.Info("serving", "documents", len(lib.Corpus().Documents), "passages", len(lib.Corpus().Chunks), "mode", st.engine.Mode(),
		"corpus", cfg.CorpusDir, "database", storePath(cfg), "user_ids", cfg.StoreUserIDs)
	return b.Run(ctx)
}

// logRefresh logs a refresh nobody asked for in Discord and records it in
// the change log.
func logRefresh(ctx context.Context, db *store.Store, lg *slog.Logger, who string, ch library.Change, err error) {
	if err != nil {
		lg.Error("refreshing the corpus failed; still serving the previous index", "trigger", who, "err", err)
	}
	if rerr := recordRefresh(context.WithoutCancel(ctx), db, who, ch, err); rerr != nil {
		lg.Error("writing the corpus change log", "trigger", who, "err", rerr)
	}
}

// librarySources lists the corpus for /sources.
type librarySources struct{ lib *library.Library }

func (s librarySources) Documents(context.Context) ([]bot.Document, error) {
	var out []bot.Document
	for _, d := range s.lib.Documents() {
		out = append(out, bot.Document{ID: d.ID, Title: d.Title, URL: d.URL, Passages: d.Passages})
	}
	return out, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/ingest"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/sources"
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
	warnRoleNames(cfg, lg)
	// With a shared database, everything a server owns is the database's
	// and the data folder is a cache; otherwise the data folder holds it
	// all.
	shared := cfg.DatabaseURL != ""
	// With no corpus folder configured, serve works from a copy of the
	// embedded corpus in the data folder: the base corpus, which the
	// operator can change. (A shared database keeps the base itself.)
	if !shared {
		if err := seedDataCorpus(&cfg, lg); err != nil {
			return fmt.Errorf("preparing the corpus folder: %w", err)
		}
	}
	db, err := openStore(ctx, cfg, lg)
	if err != nil {
		return err
	}
	// Background work (the watcher, SIGHUP refreshes, pruning) writes to
	// the store: it ends before the store closes, and so do the knowledge
	// bases' refreshes that the database watcher starts.
	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	// kbs is set before the watchers start, the callers of WatchReport
	// and Changed.
	var kbs *kb.Manager
	defer func() {
		stopBG()
		bg.Wait()
		if kbs != nil {
			kbs.Wait()
		}
		if cerr := db.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// Conversations past their retention go now, then every hour, not
	// only when someone writes to a conversation again.
	if _, err := db.PruneConversations(ctx); err != nil {
		return err
	}
	bg.Go(func() { pruneConversations(bgCtx, db, DefaultPruneInterval, lg, nil) })

	baseLog := db.Guild(store.BaseGuild)
	// operator is the operator's corpus folder that a shared database's
	// base is published from, when this process has one.
	var operator string
	if shared {
		if operator, err = prepareSharedBase(ctx, &cfg, db, lg); err != nil {
			return fmt.Errorf("preparing the base corpus: %w", err)
		}
	}
	st, err := openStack(ctx, e, cfg, lg, false, func(o *library.Options) {
		o.Verify = true // a long-running process can afford to read it all once
		if shared {
			return // the base is the database's: refreshed by kbs.Changed
		}
		o.WatchReport = func(ch library.Change, err error) {
			logRefresh(bgCtx, baseLog, lg, "watcher", "", ch, err)
			if err == nil && !ch.Empty() {
				untaught(bgCtx, kbs, baseLog, store.BaseGuild, "watcher", lg)
			}
		}
	})
	if err != nil {
		return err
	}
	kbOpts := kbOptions(cfg, st, db, lg)
	base := kbOpts.Base
	if shared {
		// The servers' documents are the database's; the folders under
		// the cache are copies, refreshed when any process changes them.
		kbOpts.Dir, kbOpts.Documents = sharedGuildsDir(cfg), kb.StoreDocuments(db)
		if base != nil {
			kbOpts.BaseDir = cfg.CorpusDir
		}
	} else if err := adoptServerLayout(ctx, cfg, db, base, lg); err != nil {
		return err
	}
	if kbs, err = kb.New(kbOpts); err != nil {
		return err
	}
	if shared {
		bg.Go(func() { watchDocuments(bgCtx, db, kbs, cfg.DatabaseCheck, lg) })
	}
	// Sources: one fetcher for the process, so that its per-host limits
	// hold across everything fetched; the schedule runs in the background
	// and reports to each server's moderator channel.
	fetcher, err := newFetcher(cfg, lg)
	if err != nil {
		return err
	}
	defer fetcher.Close()
	var b *bot.Bot
	var corpora ingest.Corpora = ingest.KnowledgeBases{Servers: kbs, Base: st.lib}
	if shared {
		// Fetched pages of the base go to the database, like the
		// servers', for every shard to copy.
		corpora = sharedCorpora{kbs: kbs}
	}
	syncer, err := ingest.New(ingest.Options{
		Fetcher: fetcher, Store: db, Corpora: corpora,
		Limits:   sources.Limits{MaxSources: cfg.MaxSources, MaxPages: cfg.MaxSourcePages},
		Interval: cfg.RefreshInterval, Owns: owns(cfg, func() (int, int) { return b.Shard() }), Now: e.now, Until: e.until, Logger: lg,
		Notify: func(ctx context.Context, r ingest.Report) {
			refreshNotifier(b, lg, func(ctx context.Context, r ingest.Report) []string {
				if r.Err != nil || r.Change.Empty() {
					return nil
				}
				return untaughtLines(untaught(ctx, kbs, db.Guild(r.Guild), r.Guild, r.Who, lg))
			})(ctx, r)
		},
	})
	if err != nil {
		return err
	}
	if err := declareSourcesFile(ctx, cfg, syncer, lg); err != nil {
		return err
	}
	maxUpload := int64(cfg.MaxUploadKB) * 1024
	b, err = bot.New(bot.Config{
		Token: cfg.DiscordToken, Guilds: cfg.Guilds, GuildID: cfg.DiscordGuildID, APIURL: cfg.DiscordAPIURL,
		ShardID: cfg.ShardID, ShardCount: cfg.ShardCount, ModeratorRoles: cfg.ModeratorRoles,
		RatePerMinute: cfg.RatePerMinute, MaxConcurrent: cfg.MaxConcurrent, MaxQuestionLen: cfg.MaxQuestionLen,
		QuestionTimeout: cfg.QuestionTimeout, HTTPAddr: cfg.HTTPAddr, MaxUploadBytes: maxUpload,
		Secrets: cfg.SecretValues(),
	}, bot.Deps{
		Servers: servers{kbs: kbs, db: db, answer: st.answer, maxUpload: maxUpload, lg: lg,
			syncer: syncer, noSources: cfg.MaxSources == 0},
		Forgetter:      forgetter{db},
		IndexReady:     func() bool { return st.lib.Index() != nil },
		DatabaseHealth: databaseHealth(db),
		Logger:         lg,
	})
	if err != nil {
		return fmt.Errorf("starting the bot: %w", err)
	}
	// SIGHUP re-reads the base corpus folder and every loaded server's, as
	// /reindex does: for operators who edit the files directly.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	bg.Go(func() {
		for {
			select {
			case <-bgCtx.Done():
				return
			case <-hup:
				// The sources file may have changed too: its new sources
				// are fetched by the schedule at once.
				if err := declareSourcesFile(bgCtx, cfg, syncer, lg); err != nil {
					lg.Error("applying the sources file", "err", err)
				}
				// Phrasings taught meanwhile by `faqbot teach` are read
				// again, and those whose passage went are dropped.
				kbs.ForgetTaught()
				switch {
				case operator != "":
					// Published to the database; every shard's base
					// follows through kbs.Changed.
					if err := publishBase(bgCtx, db, operator, "sighup", lg); err != nil {
						lg.Error("publishing the corpus folder", "dir", operator, "err", err)
					}
				case !shared:
					ch, err := st.lib.Refresh(bgCtx)
					logRefresh(bgCtx, baseLog, lg, "sighup", "", ch, err)
					untaught(bgCtx, kbs, baseLog, store.BaseGuild, "sighup", lg)
				}
				kbs.RefreshLoaded(bgCtx, func(guild string, ch library.Change, err error) {
					logRefresh(bgCtx, db.Guild(guild), lg, "sighup", guild, ch, err)
					untaught(bgCtx, kbs, db.Guild(guild), guild, "sighup", lg)
				})
			}
		}
	})
	bg.Go(func() { syncer.Run(bgCtx) })
	switch {
	case cfg.Watch && operator != "":
		bg.Go(func() { watchOperatorFolder(bgCtx, db, operator, 0, lg) })
		lg.Info("watching the base corpus folder for changes, to publish them to the database", "dir", operator, "every", library.DefaultWatchInterval)
	case cfg.Watch && !shared:
		bg.Go(func() {
			if err := st.lib.Watch(bgCtx, 0); err != nil {
				lg.Error("watching the corpus folder", "err", err)
			}
		})
		lg.Info("watching the base corpus folder for changes", "dir", cfg.CorpusDir, "every", library.DefaultWatchInterval)
	}
	lg.Info("serving", "base_documents", st.lib.Stats().Documents, "base_passages", st.lib.Stats().Passages, "mode", st.engine.Mode(),
		"base_corpus", cfg.CorpusDir, "base_for", baseFor(cfg), "servers", serversDesc(cfg), "servers_folder", kbOpts.Dir,
		"database", databaseDesc(cfg), "user_ids", cfg.StoreUserIDs, "memory_mb", cfg.MemoryMB,
		"refresh_interval", cfg.RefreshInterval, "sources_file", sourcesFilePath(cfg))
	// discordgo logs gateway trouble itself, in a format of its own unless
	// routed through ours.
	defer bot.RouteDiscordgoLogs(lg.With("from", "discordgo"))()
	return b.Run(ctx)
}

// noBase reports whether FAQBOT_BASE_GUILDS=none gives the base to no
// server.
func noBase(cfg config.Config) bool {
	return len(cfg.BaseGuilds) == 1 && strings.EqualFold(cfg.BaseGuilds[0], "none")
}

func baseFor(cfg config.Config) string {
	switch {
	case noBase(cfg):
		return "no server"
	case len(cfg.BaseGuilds) == 0:
		return "every server"
	}
	return strings.Join(cfg.BaseGuilds, ",")
}

func serversDesc(cfg config.Config) string {
	if g := servedGuilds(cfg); len(g) > 0 {
		return strings.Join(g, ",")
	}
	return "any"
}

// warnRoleNames warns about FAQBOT_MODERATOR_ROLES entries that are not
// role IDs: names used to match a role of that name in any server, which
// anyone could create, so they are no longer matched.
func warnRoleNames(cfg config.Config, lg *slog.Logger) {
	var names []string
	for _, r := range cfg.ModeratorRoles {
		if strings.Trim(r, "0123456789") != "" {
			names = append(names, r)
		}
	}
	if len(names) > 0 {
		lg.Warn("FAQBOT_MODERATOR_ROLES takes role IDs; these look like names and match no role. Use role IDs, or let each server's admins choose with /moderators",
			"ignored", names)
	}
}

// logRefresh logs a refresh nobody asked for in Discord and records it in
// the change log of the base (guild "") or of a server.
func logRefresh(ctx context.Context, log store.Guild, lg *slog.Logger, who, guild string, ch library.Change, err error) {
	if err != nil {
		lg.Error("refreshing a corpus failed; still serving the previous index", "trigger", who, "guild", guild, "err", err)
	}
	if rerr := recordRefresh(context.WithoutCancel(ctx), log, who, ch, err); rerr != nil {
		lg.Error("writing the corpus change log", "trigger", who, "guild", guild, "err", rerr)
	}
}

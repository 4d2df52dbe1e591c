package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/library"
)

func runServe(ctx context.Context, e *env, args []string) error {
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
	st, err := openStack(ctx, e, cfg, lg, false)
	if err != nil {
		return err
	}
	lib := st.lib
	b, err := bot.New(bot.Config{
		Token: cfg.DiscordToken, GuildID: cfg.DiscordGuildID, APIURL: cfg.DiscordAPIURL,
		ShardID: cfg.ShardID, ShardCount: cfg.ShardCount, ModeratorRoles: cfg.ModeratorRoles,
		RatePerMinute: cfg.RatePerMinute, MaxConcurrent: cfg.MaxConcurrent, MaxQuestionLen: cfg.MaxQuestionLen,
		QuestionTimeout: cfg.QuestionTimeout, HTTPAddr: cfg.HTTPAddr,
	}, bot.Deps{
		Answerer:   st.engine,
		Reindex:    func(ctx context.Context) (bot.ReindexResult, error) { return reindex(ctx, lib) },
		Sources:    librarySources{lib},
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
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if _, err := reindex(ctx, lib); err != nil {
					lg.Error("reindex on SIGHUP failed; still serving the previous index", "err", err)
				}
			}
		}
	}()
	lg.Info("serving", "documents", len(lib.Corpus().Documents), "passages", len(lib.Corpus().Chunks), "mode", st.engine.Mode())
	return b.Run(ctx)
}

func reindex(ctx context.Context, lib *library.Library) (bot.ReindexResult, error) {
	ch, err := lib.Refresh(ctx)
	if err != nil {
		return bot.ReindexResult{}, err
	}
	return bot.ReindexResult{
		DocumentsAdded: len(ch.DocumentsAdded), DocumentsRemoved: len(ch.DocumentsRemoved),
		DocumentsChanged: len(ch.DocumentsChanged), DocumentsUnchanged: len(ch.DocumentsUnchanged),
		PassagesAdded: ch.PassagesAdded, PassagesRemoved: ch.PassagesRemoved, PassagesUnchanged: ch.PassagesUnchanged,
		Duration: ch.Took,
	}, nil
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

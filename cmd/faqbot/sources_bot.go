package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/ingest"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// maxReportDetails bounds the pages a report names as removed, failed or
// skipped.
const maxReportDetails = 10

// guildSources is a server's SourceManager: its sources in the syncer.
type guildSources struct {
	syncer *ingest.Syncer
	guild  string
	// off says the operator lets no server add sources
	// (FAQBOT_MAX_SOURCES=0).
	off bool
	// untaught, when set, drops the server's taught phrasings whose
	// passage a change removed and says which, a line each.
	untaught func(ctx context.Context, who string) []string
}

// withUntaught adds to out the taught phrasings a change by who dropped.
func (g guildSources) withUntaught(ctx context.Context, who string, out *bot.SourceReport) {
	if g.untaught == nil {
		return
	}
	if lines := g.untaught(ctx, who); len(lines) > 0 {
		out.Details = append(out.Details, lines...)
		out.Notable = true
	}
}

var _ bot.SourceManager = guildSources{}

// AddSource fetches and adds a source a moderator typed.
func (g guildSources) AddSource(ctx context.Context, raw, who string, progress func(done, total int)) (bot.SourceReport, error) {
	if g.off {
		return bot.SourceReport{}, bot.ErrSourcesOff
	}
	src, err := sources.ParseSource(raw)
	if err != nil {
		return bot.SourceReport{URL: raw, Error: ingest.Reason(err)}, err
	}
	rep, err := g.syncer.Add(ctx, g.guild, src, who, progress)
	out := sourceReport(rep)
	if err != nil && out.Error == "" {
		out.Error = ingest.Reason(err)
	}
	return out, err
}

// RemoveSource takes a source and its pages out.
func (g guildSources) RemoveSource(ctx context.Context, id int64, who string) (bot.SourceReport, error) {
	rep, err := g.syncer.Remove(ctx, g.guild, id, who)
	out := sourceReport(rep)
	if err == nil {
		g.withUntaught(ctx, who, &out)
	}
	return out, unknownSource(err)
}

// RefreshSources fetches one source, or all, now.
func (g guildSources) RefreshSources(ctx context.Context, id int64, who string, progress func(url string, done, total int)) ([]bot.SourceReport, error) {
	var each func(sources.Source, int, int)
	if progress != nil {
		each = func(src sources.Source, done, total int) { progress(src.URL, done, total) }
	}
	reps, err := g.syncer.Refresh(ctx, g.guild, id, who, each)
	out := make([]bot.SourceReport, len(reps))
	for i, r := range reps {
		out[i] = sourceReport(r)
	}
	if len(out) > 0 {
		g.withUntaught(ctx, who, &out[len(out)-1])
	}
	return out, unknownSource(err)
}

// ListSources lists the server's sources.
func (g guildSources) ListSources(ctx context.Context) ([]bot.SourceInfo, error) {
	list, err := g.syncer.List(ctx, g.guild)
	if err != nil {
		return nil, err
	}
	out := make([]bot.SourceInfo, len(list))
	for i, in := range list {
		out[i] = bot.SourceInfo{
			ID: in.ID, URL: in.Source.URL, Kind: string(in.Source.Kind), Detail: gitDetail(in.Source), AddedBy: in.AddedBy, AddedAt: in.AddedAt,
			Pages: in.Pages, Failed: in.Failed, RefreshedAt: in.RefreshedAt, SucceededAt: in.SucceededAt, Next: in.Next, Error: in.Error,
		}
	}
	return out, nil
}

// unknownSource says in the bot's words that a server has no such source.
func unknownSource(err error) error {
	if errors.Is(err, ingest.ErrUnknown) {
		return fmt.Errorf("%w: %w", bot.ErrUnknownSource, err)
	}
	return err
}

// gitDetail is a Git source's branch and folder, in words.
func gitDetail(s sources.Source) string {
	var parts []string
	if s.Branch != "" {
		parts = append(parts, "branch "+s.Branch)
	}
	if f := strings.Trim(s.Folder, "/"); f != "" {
		parts = append(parts, "folder "+f)
	}
	return strings.Join(parts, ", ")
}

// sourceReport converts a fetch's report for the bot.
func sourceReport(r ingest.Report) bot.SourceReport {
	out := bot.SourceReport{
		ID: r.ID, URL: r.Source.URL, Kind: string(r.Source.Kind), Summary: r.Summary(), Details: r.Details(maxReportDetails),
		Pages: r.Pages, Removed: len(r.Removed), Notable: r.Notable(), Embedded: r.Change.Embedded, Reused: r.Change.Reused, Took: r.Took,
	}
	if r.Err != nil {
		out.Error = ingest.Reason(r.Err)
	}
	return out
}

// channelLog is a server's moderator channel in the store, with each
// change written to its change log.
type channelLog struct{ g store.Guild }

var _ bot.ModeratorChannel = channelLog{}

// ModeratorChannel is the server's moderator channel.
func (c channelLog) ModeratorChannel(ctx context.Context) (string, error) {
	return c.g.ModeratorChannel(ctx)
}

// SetModeratorChannel sets it and records who did.
func (c channelLog) SetModeratorChannel(ctx context.Context, channelID, who string) error {
	if err := c.g.SetModeratorChannel(ctx, channelID, who); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), changeLogTimeout)
	defer cancel()
	return c.g.RecordChange(ctx, store.Change{At: time.Now(), Who: who, Action: store.ActionChannel, Document: channelID})
}

// owns says whether this process refreshes a guild's sources on schedule:
// not a server the bot no longer serves (FAQBOT_GUILDS), and with several
// shards, the shard Discord gives the guild's events to (its ID's
// timestamp bits modulo the shard count), and shard 0 for the base and
// for IDs that are no snowflake. shard gives the shard the bot runs as
// (count 0 until it knows: FAQBOT_SHARD_COUNT unset is asked of Discord
// when the bot starts); until then the settings decide, and a process
// whose count is not set yet owns everything as shard 0 and nothing as
// another.
func owns(cfg config.Config, shard func() (id, count int)) func(guild string) bool {
	served := servedGuilds(cfg)
	return func(guild string) bool {
		if guild != store.BaseGuild && len(served) > 0 && !slices.Contains(served, guild) {
			return false
		}
		id, count := cfg.ShardID, cfg.ShardCount
		if shard != nil {
			if i, n := shard(); n > 0 {
				id, count = i, n
			}
		}
		if count == 0 {
			return id <= 0
		}
		if count <= 1 {
			return true
		}
		n, err := strconv.ParseUint(guild, 10, 64)
		if guild == store.BaseGuild || err != nil {
			return id == 0
		}
		return int((n>>22)%uint64(count)) == id
	}
}

// refreshNotifier tells the moderators of a server what a scheduled
// refresh of its sources changed, in its moderator channel; the base's go
// to the log (the change log has both).
func refreshNotifier(b *bot.Bot, lg *slog.Logger, untaught func(ctx context.Context, r ingest.Report) []string) func(context.Context, ingest.Report) {
	return func(ctx context.Context, r ingest.Report) {
		dropped := untaught(ctx, r)
		if r.Guild == store.BaseGuild {
			lg.Info("base corpus source refreshed on schedule", "source", r.ID, "url", r.Source.URL, "summary", r.Summary(), "err", r.Err)
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restPostTimeout)
		defer cancel()
		rep := sourceReport(r)
		if len(dropped) > 0 {
			rep.Details, rep.Notable = append(rep.Details, dropped...), true
		}
		if err := b.RefreshReport(ctx, r.Guild, rep); err != nil {
			lg.Warn("posting a refresh summary to the moderator channel", "guild", r.Guild, "source", r.ID, "err", err)
		}
	}
}

// restPostTimeout bounds posting one summary to Discord.
const restPostTimeout = 30 * time.Second

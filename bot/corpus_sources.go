package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// SourceManager keeps a server's sources of fetched pages: web pages,
// sitemaps, sites and Git folders whose pages are added to the server's
// documents and refreshed. Each change is indexed before it returns and
// recorded in the server's change log with who made it.
type SourceManager interface {
	// AddSource fetches the source raw (a URL as a moderator typed it)
	// and adds its pages, telling progress (when set) of the pages
	// fetched so far. When it fails nothing is added, and the report says
	// why in its Error.
	AddSource(ctx context.Context, raw, who string, progress func(done, total int)) (SourceReport, error)
	// RemoveSource takes the source id and its pages out.
	RemoveSource(ctx context.Context, id int64, who string) (SourceReport, error)
	// RefreshSources fetches what changed in the source id now (every
	// source when id is 0), telling progress (when set) of each source's
	// pages fetched so far. A source that fails keeps its last good pages
	// and its report says why.
	RefreshSources(ctx context.Context, id int64, who string, progress func(url string, done, total int)) ([]SourceReport, error)
	// ListSources lists the server's sources, oldest first.
	ListSources(ctx context.Context) ([]SourceInfo, error)
}

// ErrUnknownSource means the server has no source of that ID.
var ErrUnknownSource = errors.New("no such source in this server")

// ErrSourcePage means a document that is a page of a source: it is
// removed by removing the source, not on its own (the next refresh would
// bring it back).
var ErrSourcePage = errors.New("the document is a page of a source")

// ErrSourcesOff means the bot's operator does not let moderators add
// sources (FAQBOT_MAX_SOURCES=0).
var ErrSourcesOff = errors.New("adding sources is turned off on this bot")

// SourceInfo is one source as /corpus sources lists it.
type SourceInfo struct {
	// ID identifies the source for /corpus refresh and /corpus remove.
	ID int64
	// URL is what was added; Kind says what it is (page, sitemap, site,
	// git), Detail the Git branch and folder ("" otherwise).
	URL, Kind, Detail string
	// AddedBy and AddedAt say who added it, when.
	AddedBy string
	AddedAt time.Time
	// Pages is how many pages it holds; Failed, how many failed at the
	// last refresh (each keeping its last good copy).
	Pages, Failed int
	// RefreshedAt is the last refresh tried, SucceededAt the last that
	// worked, Next the next scheduled; zero for never.
	RefreshedAt, SucceededAt, Next time.Time
	// Error is why the last refresh failed, "" when it worked.
	Error string
}

// SourceReport says what adding, refreshing or removing a source did.
type SourceReport struct {
	// ID, URL and Kind identify the source.
	ID        int64
	URL, Kind string
	// Error says, for people, why the source failed as a whole ("" when
	// it did not): its pages were kept as they were.
	Error string
	// Summary says what changed in a line: "3 added, 1 changed, ...".
	Summary string
	// Details are the first pages removed, failed or skipped, with why.
	Details []string
	// Pages is how many pages the source holds now; Removed, for a
	// removal, how many went.
	Pages, Removed int
	// Notable says the refresh changed something or has a problem to
	// report.
	Notable bool
	// Embedded and Reused count the passages embedded anew and reused.
	Embedded, Reused int
	Took             time.Duration
}

// ModeratorChannel keeps the channel where the bot posts notes for a
// server's moderators: what scheduled refreshes of its sources changed.
// store.Guild satisfies it.
type ModeratorChannel interface {
	// ModeratorChannel is the channel's ID, or "" for none.
	ModeratorChannel(ctx context.Context) (string, error)
	// SetModeratorChannel sets it; "" clears it.
	SetModeratorChannel(ctx context.Context, channelID, who string) error
}

// Option and subcommand names for sources.
const (
	subSources = "sources"
	subRefresh = "refresh"
	optURL     = "url"
	optSource  = "source"
	// maxURLLen bounds a URL typed into /corpus add url:.
	maxURLLen = 500
	// maxDetailLines bounds the pages a reply names as removed, failed or
	// skipped.
	maxDetailLines = 8
)

const msgNoSourceManager = "Adding web pages, sitemaps and Git folders isn't available on this bot."

// corpusAddURL handles /corpus add url:.
func (b *Bot) corpusAddURL(ctx context.Context, srv Server, i *discordgo.Interaction, raw string) {
	if srv.SourceManager == nil {
		b.respond(ctx, i, notice(msgNoSourceManager))
		return
	}
	b.slow(ctx, i, "/corpus add url:", func(ctx context.Context) Reply {
		var rep SourceReport
		var err error
		edits := b.progressEdits(ctx, i, "editing in a progress note")
		progress := func(done, total int) {
			edits.update(notice(fmt.Sprintf("⏳ Fetching `%s`: %d of %s…", codeSafe(Trim(raw, 200)), done, plural(total, "page"))))
		}
		if !b.exclusive(ctx, i.GuildID, func() { b.waitNote(ctx, i) }, func() { rep, err = srv.SourceManager.AddSource(ctx, raw, who(i), progress) }) {
			err = ctx.Err()
		}
		edits.stop()
		if err != nil {
			b.lg.Info("source not added", "guild", i.GuildID, "user", who(i), "url", raw, "err", err)
			return notice(sourceError(err, rep, raw))
		}
		b.lg.Info("source added", "guild", i.GuildID, "user", who(i), "source", rep.ID, "url", rep.URL, "pages", rep.Pages)
		var sb strings.Builder
		fmt.Fprintf(&sb, "✅ Added source #%d, `%s` (%s): %s, answered from now on.\n%s.\n%s embedded, %d reused, in %s.",
			rep.ID, codeSafe(Trim(rep.URL, 200)), rep.Kind, plural(rep.Pages, "page"), rep.Summary, plural(rep.Embedded, "passage"), rep.Reused, rep.Took.Round(time.Millisecond))
		sb.WriteString(detailLines(rep.Details))
		sb.WriteString("\nI fetch it again on a schedule; `/corpus sources` lists the sources, `/corpus refresh` fetches one now.")
		return notice(sb.String())
	})
}

// corpusSources handles /corpus sources.
func (b *Bot) corpusSources(ctx context.Context, srv Server) Reply {
	if srv.SourceManager == nil {
		return notice(msgNoSourceManager)
	}
	list, err := srv.SourceManager.ListSources(ctx)
	if err != nil {
		b.lg.Error("listing sources", "err", err)
		return notice("Sorry, I couldn't list the sources just now. Please try again.")
	}
	if len(list) == 0 {
		return notice("This server has no sources yet. Add a web page, a sitemap or a Git folder with `/corpus add url:`.")
	}
	pages, failing := 0, 0
	lines := make([]string, len(list))
	for n, s := range list {
		pages += s.Pages
		kind := s.Kind
		if s.Detail != "" {
			kind += ", " + s.Detail
		}
		line := fmt.Sprintf("• **#%d** `%s` (%s) — %s", s.ID, codeSafe(Trim(s.URL, 150)), codeSafe(kind), plural(s.Pages, "page"))
		if !s.RefreshedAt.IsZero() {
			line += ", refreshed " + stamp(s.RefreshedAt)
		}
		if !s.Next.IsZero() {
			line += ", next " + stamp(s.Next)
		}
		if s.Failed > 0 {
			line += fmt.Sprintf(", %d failing (last good copies kept)", s.Failed)
		}
		if s.Error != "" {
			failing++
			since := ""
			if !s.SucceededAt.IsZero() {
				since = " since " + stamp(s.SucceededAt)
			}
			line += fmt.Sprintf("\n  ⚠️ failing%s: %s — its last good pages are kept", since, Trim(defang(oneLine(s.Error)), 200))
		}
		lines[n] = line
	}
	title := fmt.Sprintf("🌐 %s, %s", plural(len(list), "source"), plural(pages, "page"))
	if failing > 0 {
		title += fmt.Sprintf(" — %d failing", failing)
	}
	e := &discordgo.MessageEmbed{
		Title:       title,
		Description: listDescription(lines, func(left int) string { return fmt.Sprintf("…and %d more.", left) }),
		Color:       colorAnswer,
		Footer:      &discordgo.MessageEmbedFooter{Text: "/corpus refresh fetches one now; /corpus remove source: takes one out with its pages."},
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

// corpusRefresh handles /corpus refresh [source:].
func (b *Bot) corpusRefresh(ctx context.Context, srv Server, i *discordgo.Interaction, raw string) {
	if srv.SourceManager == nil {
		b.respond(ctx, i, notice(msgNoSourceManager))
		return
	}
	var id int64
	if raw = strings.TrimSpace(raw); raw != "" {
		var ok bool
		if id, ok = sourceID(raw); !ok {
			b.respond(ctx, i, notice("Pick a source from the list `source:` offers (`/corpus sources` lists them)."))
			return
		}
	}
	b.slow(ctx, i, "/corpus refresh", func(ctx context.Context) Reply {
		var reps []SourceReport
		var err error
		edits := b.progressEdits(ctx, i, "editing in a progress note")
		progress := func(url string, done, total int) {
			edits.update(notice(fmt.Sprintf("⏳ Refreshing `%s`: %d of %s…", codeSafe(Trim(url, 200)), done, plural(total, "page"))))
		}
		if !b.exclusive(ctx, i.GuildID, func() { b.waitNote(ctx, i) }, func() { reps, err = srv.SourceManager.RefreshSources(ctx, id, who(i), progress) }) {
			err = ctx.Err()
		}
		edits.stop()
		if err != nil {
			b.lg.Warn("refreshing sources", "guild", i.GuildID, "user", who(i), "err", err)
			return notice(sourceError(err, SourceReport{}, raw))
		}
		if len(reps) == 0 {
			return notice("This server has no sources to refresh. Add one with `/corpus add url:`.")
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "🔄 Refreshed %s:", plural(len(reps), "source"))
		for _, r := range reps {
			sb.WriteString("\n" + reportLine(r))
			sb.WriteString(detailLines(r.Details))
		}
		return notice(sb.String())
	})
}

// corpusRemoveSource handles /corpus remove source:.
func (b *Bot) corpusRemoveSource(ctx context.Context, srv Server, i *discordgo.Interaction, raw string) Reply {
	if srv.SourceManager == nil {
		return notice(msgNoSourceManager)
	}
	id, ok := sourceID(raw)
	if !ok {
		return notice("Pick a source from the list `source:` offers (`/corpus sources` lists them).")
	}
	var rep SourceReport
	var err error
	if !b.exclusive(ctx, i.GuildID, func() { b.waitNote(ctx, i) }, func() { rep, err = srv.SourceManager.RemoveSource(ctx, id, who(i)) }) {
		err = ctx.Err()
	}
	if err != nil {
		b.lg.Warn("source not removed", "guild", i.GuildID, "user", who(i), "source", id, "err", err)
		return notice(sourceError(err, rep, raw))
	}
	b.lg.Info("source removed", "guild", i.GuildID, "user", who(i), "source", id, "pages", rep.Removed)
	return notice(fmt.Sprintf("🗑️ Removed source #%d, `%s`, and its %s: I no longer answer from them.%s",
		id, codeSafe(Trim(rep.URL, 200)), plural(rep.Removed, "page"), detailLines(rep.Details)))
}

// RefreshReport posts what a scheduled refresh of one of a server's
// sources changed to the server's moderator channel, if it has one. It is
// how moderators hear of pages added, changed, removed or failing without
// asking.
func (b *Bot) RefreshReport(ctx context.Context, guildID string, r SourceReport) error {
	srv, err := b.deps.Servers.Server(ctx, guildID)
	if err != nil || srv.ModeratorChannel == nil {
		return err
	}
	channel, err := srv.ModeratorChannel.ModeratorChannel(ctx)
	if err != nil || channel == "" {
		return err
	}
	var sb strings.Builder
	sb.WriteString("🔄 Scheduled refresh: " + reportLine(r))
	sb.WriteString(detailLines(r.Details))
	msg := &discordgo.MessageSend{Content: Trim(sb.String(), maxContent), AllowedMentions: noMentions()}
	if _, err := b.sess.ChannelMessageSendComplex(channel, msg, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("posting a refresh summary to the moderator channel: %w", err)
	}
	return nil
}

// reportLine is one source's refresh in a line.
func reportLine(r SourceReport) string {
	src := fmt.Sprintf("#%d `%s` (%s)", r.ID, codeSafe(Trim(r.URL, 150)), r.Kind)
	if r.Error != "" {
		return fmt.Sprintf("⚠️ %s failed: %s — its last good pages are kept.", src, Trim(defang(oneLine(r.Error)), 200))
	}
	return fmt.Sprintf("• %s — %s.", src, r.Summary)
}

// detailLines renders a report's details, one per line.
func detailLines(details []string) string {
	var sb strings.Builder
	for n, d := range details {
		if n == maxDetailLines {
			fmt.Fprintf(&sb, "\n  … and %d more.", len(details)-n)
			break
		}
		sb.WriteString("\n  ◦ " + Trim(defang(oneLine(d)), 200))
	}
	return sb.String()
}

// sourceError says why a source change failed, for the moderator.
func sourceError(err error, rep SourceReport, raw string) string {
	switch {
	case errors.Is(err, ErrSourcesOff):
		return "🔒 The bot's operator doesn't let servers add sources here (FAQBOT_MAX_SOURCES=0). Upload documents with `/corpus add file:`."
	case errors.Is(err, ErrUnknownSource):
		return "🔎 This server has no such source. `/corpus sources` lists them."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "⌛ That took too long, so I stopped; the FAQ is as it was. Please try again."
	case rep.Error != "":
		return fmt.Sprintf("❌ I couldn't add `%s`: %s. Nothing was added.", codeSafe(Trim(raw, 200)), Trim(defang(oneLine(rep.Error)), 300))
	}
	return "⚠️ That didn't work, so the FAQ is as it was. The details are in the bot's log."
}

// sourceID reads a source's ID as autocomplete gives it ("12") or as a
// moderator types it ("#12").
func sourceID(raw string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(raw), "#"), 10, 64)
	return id, err == nil && id > 0
}

// stamp renders a time in a listing: Discord shows a <t:...> mark in each
// reader's own time zone.
func stamp(t time.Time) string { return fmt.Sprintf("<t:%d:f>", t.Unix()) }

// sourceChoices suggests, of the server's sources, those whose URL
// contains typed, by ID.
func (b *Bot) sourceChoices(ctx context.Context, m SourceManager, typed string) []*discordgo.ApplicationCommandOptionChoice {
	choices := []*discordgo.ApplicationCommandOptionChoice{}
	if m == nil {
		return choices
	}
	list, err := m.ListSources(ctx)
	if err != nil {
		b.lg.Warn("listing sources for autocomplete", "err", err)
		return choices
	}
	typed = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(typed, "#")))
	for _, s := range list {
		id := strconv.FormatInt(s.ID, 10)
		if typed != "" && !strings.Contains(strings.ToLower(s.URL), typed) && id != typed {
			continue
		}
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{
			Name: trimLine(oneLine(fmt.Sprintf("#%d %s (%s)", s.ID, s.URL, s.Kind)), maxChoiceChars), Value: id,
		})
		if len(choices) == maxChoices {
			break
		}
	}
	return choices
}

// progressEdits edits what is so far (a partial answer, a progress note)
// into a deferred reply, at most once per edit interval (Discord
// rate-limits edits); stop it before the final reply, which it then
// cannot overtake. what names the edit in the log of a failure.
func (b *Bot) progressEdits(ctx context.Context, i *discordgo.Interaction, what string) *throttle {
	return newThrottle(b.cfg.EditInterval, func(r Reply) {
		_, err := b.sess.InteractionResponseEdit(i, r.edit(), discordgo.WithContext(ctx))
		b.logSendError(what, err)
	})
}

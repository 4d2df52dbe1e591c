package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// reindexTimeout bounds one rebuild: the interaction token that carries
// the reply is valid for 15 minutes.
const reindexTimeout = 12 * time.Minute

const (
	msgNoReindex   = "Rebuilding the index isn't available on this bot."
	msgReindexWait = "⏳ Another rebuild is running; yours will start when it finishes."
	msgReindexFail = "⚠️ The rebuild failed, so I'm still answering from the previous index. The details are in the bot's log."
)

// slashReindex handles /reindex: moderators only, checked here whatever
// the server's command permissions say.
func (b *Bot) slashReindex(ctx context.Context, srv Server, i *discordgo.Interaction) {
	if !b.moderatorOnly(ctx, srv, i, cmdReindex) {
		return
	}
	if srv.Reindexer == nil {
		b.respond(ctx, i, notice(msgNoReindex))
		return
	}
	b.slow(ctx, i, "/reindex", func(ctx context.Context) Reply {
		return b.reindex(ctx, srv, i.GuildID, who(i), func() {
			_, err := b.sess.InteractionResponseEdit(i, notice(msgReindexWait).edit(), discordgo.WithContext(ctx))
			b.logSendError("editing in the reindex wait note", err)
		})
	})
}

// reindex runs one rebuild of a server at a time; onWait is called when
// this one has to wait for another change of the same server.
func (b *Bot) reindex(ctx context.Context, srv Server, guild, user string, onWait func()) Reply {
	ctx, cancel := context.WithTimeout(ctx, reindexTimeout)
	defer cancel()
	unlock, ok := b.changing.lock(ctx, guild, onWait)
	if !ok {
		return notice(msgReindexFail)
	}
	defer unlock()

	b.lg.Info("reindex started", "guild", guild, "user", user)
	res, err := srv.Reindexer.Reindex(ctx, user)
	if err != nil {
		b.lg.Error("reindex failed", "guild", guild, "user", user, "err", err)
		return notice(msgReindexFail)
	}
	b.lg.Info("reindex done", "guild", guild, "user", user, "took", res.Duration,
		"documents_added", res.DocumentsAdded, "documents_removed", res.DocumentsRemoved,
		"documents_changed", res.DocumentsChanged, "documents_unchanged", res.DocumentsUnchanged,
		"passages_added", res.PassagesAdded, "passages_removed", res.PassagesRemoved, "passages_unchanged", res.PassagesUnchanged)
	return notice(reindexSummary(res))
}

// reindexSummary says what a rebuild changed, in a sentence or two.
func reindexSummary(r ReindexResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "✅ Index rebuilt in %s.\n", r.Duration.Round(time.Millisecond))
	if r.DocumentsAdded+r.DocumentsRemoved+r.DocumentsChanged+r.PassagesAdded+r.PassagesRemoved == 0 {
		fmt.Fprintf(&b, "Nothing changed: %s, %s.", plural(r.DocumentsUnchanged, "document"), plural(r.PassagesUnchanged, "passage"))
		return b.String() + skippedNote(r.Skipped) + droppedNote(r.Untaught)
	}
	fmt.Fprintf(&b, "**Documents:** %d added, %d changed, %d removed, %d unchanged.\n",
		r.DocumentsAdded, r.DocumentsChanged, r.DocumentsRemoved, r.DocumentsUnchanged)
	fmt.Fprintf(&b, "**Passages:** %d added, %d removed, %d unchanged.",
		r.PassagesAdded, r.PassagesRemoved, r.PassagesUnchanged)
	return b.String() + skippedNote(r.Skipped) + droppedNote(r.Untaught)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

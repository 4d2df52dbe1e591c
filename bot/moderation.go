package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// moderationTimeout bounds a moderator command's work (download, indexing,
// a report): the interaction token that carries its reply lasts 15 minutes.
const moderationTimeout = reindexTimeout

const (
	msgNotModeratorCmd = "🔒 Only moderators can use `/%s` (Manage Server, or a moderator role)."
	msgRolesUnchecked  = "I couldn't check your roles just now; please try again."
)

// moderatorOnly checks, in the handler whatever the server's command
// permissions say, that the member behind i is a moderator of its server.
// When not, it replies and returns false.
func (b *Bot) moderatorOnly(ctx context.Context, srv Server, i *discordgo.Interaction, command string) bool {
	ok, err := b.isModerator(ctx, srv, i.Member)
	if err != nil {
		b.lg.Warn("checking moderator roles", "guild", i.GuildID, "user", userID(i), "err", err)
		b.respond(ctx, i, notice(msgRolesUnchecked))
		return false
	}
	if !ok {
		b.lg.Info("moderator command refused", "command", command, "guild", i.GuildID, "user", userID(i))
		b.respond(ctx, i, notice(fmt.Sprintf(msgNotModeratorCmd, command)))
		return false
	}
	return true
}

// slow runs a command that may take longer than Discord's 3 seconds: it
// acknowledges at once with a private "thinking…", runs fn with
// moderationTimeout, and edits fn's reply in. At shutdown it says so
// instead of starting.
func (b *Bot) slow(ctx context.Context, i *discordgo.Interaction, what string, fn func(ctx context.Context) Reply) {
	done, ok := b.begin()
	if !ok {
		b.respond(ctx, i, notice(msgShutdown))
		return
	}
	defer done()
	if err := b.sess.InteractionRespond(i, deferred(true), discordgo.WithContext(ctx)); err != nil {
		b.logSendError("acknowledging "+what, err)
		return
	}
	work, cancel := context.WithTimeout(ctx, moderationTimeout)
	r := fn(work)
	cancel()
	ctx, cancel = finalContext(ctx)
	defer cancel()
	_, err := b.sess.InteractionResponseEdit(i, r.edit(), discordgo.WithContext(ctx))
	b.logSendError("editing in the reply to "+what, err)
}

// exclusive runs fn while no rebuild or other corpus change of the same
// server runs, calling onWait first when it has to wait; other servers'
// changes run meanwhile. It returns false, without running fn, when ctx
// ends while waiting.
func (b *Bot) exclusive(ctx context.Context, guild string, onWait func(), fn func()) bool {
	unlock, ok := b.changing.lock(ctx, guild, onWait)
	if !ok {
		return false
	}
	defer unlock()
	fn()
	return true
}

// who names the member behind i for the change log: their username and
// ID (usernames change; the ID does not).
func who(i *discordgo.Interaction) string {
	var u *discordgo.User
	switch {
	case i.Member != nil && i.Member.User != nil:
		u = i.Member.User
	case i.User != nil:
		u = i.User
	default:
		return "unknown"
	}
	if u.Username == "" {
		return u.ID
	}
	return u.Username + " (" + u.ID + ")"
}

// subcommand returns the subcommand of a command with subcommands, and its
// options; "" when there is none.
func subcommand(data discordgo.ApplicationCommandInteractionData) (string, []*discordgo.ApplicationCommandInteractionDataOption) {
	for _, o := range data.Options {
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			return o.Name, o.Options
		}
	}
	return "", nil
}

// intOption reads an integer option; JSON numbers arrive as float64.
func intOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string, def int) int {
	for _, o := range opts {
		if o.Name != name {
			continue
		}
		switch v := o.Value.(type) {
		case float64:
			return int(v)
		case int:
			return v
		case int64:
			return int(v)
		}
	}
	return def
}

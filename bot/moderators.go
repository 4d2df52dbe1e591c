package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Option and subcommand names of /moderators.
const (
	subModAdd     = "add"
	subModRemove  = "remove"
	subModList    = "list"
	subModChannel = "channel"
	optRole       = "role"
	optChannel    = "channel"
)

const (
	msgNotAdmin     = "🔒 Only server admins (Manage Server) can choose the moderator roles."
	msgNoModerators = "Moderator roles can't be set on this bot: it keeps no database. Members with Manage Server are its moderators."
)

// moderatorsCommand is /moderators: a server's admins choose the roles
// whose members may use the moderator commands there.
func moderatorsCommand(contexts *[]discordgo.InteractionContextType) *discordgo.ApplicationCommand {
	role := func(desc string) []*discordgo.ApplicationCommandOption {
		return []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionRole, Name: optRole, Description: desc, Required: true,
		}}
	}
	return &discordgo.ApplicationCommand{
		Name:                     cmdModerators,
		Description:              "Choose the roles that may manage the FAQ in this server (admins)",
		Contexts:                 contexts,
		DefaultMemberPermissions: &permManageGuild,
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subModAdd, Description: "Let members with a role use the moderator commands", Options: role("The role")},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subModRemove, Description: "Stop a role from using the moderator commands", Options: role("The role")},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subModList, Description: "List the moderator roles and channel"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: subModChannel, Description: "Choose where I post what scheduled refreshes of the sources changed",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionChannel, Name: optChannel, Description: "The channel (leave it out to stop posting)",
					ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText},
				}}},
		},
	}
}

// slashModerators handles /moderators. Only the server's admins may use
// it — not members of a moderator role, who could otherwise widen their
// own circle — and it changes that server's roles only: the role comes
// from Discord's resolved data of this interaction, by ID.
func (b *Bot) slashModerators(ctx context.Context, srv Server, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) {
	if !isAdmin(i.Member) {
		b.lg.Info("moderator roles change refused", "guild", i.GuildID, "user", userID(i))
		b.respond(ctx, i, notice(msgNotAdmin))
		return
	}
	sub, opts := subcommand(data)
	if sub == subModChannel {
		b.slow(ctx, i, "/moderators channel", func(ctx context.Context) Reply {
			return b.moderatorChannel(ctx, srv, i, strings.TrimSpace(stringOption(opts, optChannel)))
		})
		return
	}
	if srv.Moderators == nil {
		b.respond(ctx, i, notice(msgNoModerators))
		return
	}
	roleID := strings.TrimSpace(stringOption(opts, optRole))
	b.slow(ctx, i, "/moderators", func(ctx context.Context) Reply {
		switch sub {
		case subModAdd, subModRemove:
			if roleID == "" {
				return notice("Which role? Pick one with `role:`.")
			}
			if roleID == i.GuildID {
				return notice("That's @everyone: everyone would be a moderator. Pick a role that only moderators have.")
			}
			var changed bool
			var err error
			if sub == subModAdd {
				changed, err = srv.Moderators.AddModeratorRole(ctx, roleID, who(i))
			} else {
				changed, err = srv.Moderators.RemoveModeratorRole(ctx, roleID)
			}
			if err != nil {
				b.lg.Error("changing the moderator roles", "guild", i.GuildID, "err", err)
				return notice("Sorry, I couldn't change the moderator roles just now. Please try again.")
			}
			b.lg.Info("moderator roles changed", "guild", i.GuildID, "user", who(i), "action", sub, "role", roleID, "changed", changed)
			switch {
			case sub == subModAdd && changed:
				return notice(fmt.Sprintf("✅ Members with <@&%s> can now use `/corpus`, `/reindex`, `/gaps` and `/stats` here.", roleID))
			case sub == subModAdd:
				return notice(fmt.Sprintf("<@&%s> was already a moderator role.", roleID))
			case changed:
				return notice(fmt.Sprintf("✅ <@&%s> is no longer a moderator role.", roleID))
			default:
				return notice(fmt.Sprintf("<@&%s> wasn't a moderator role.", roleID))
			}
		case subModList:
			roles, err := srv.Moderators.ModeratorRoles(ctx)
			if err != nil {
				b.lg.Error("listing the moderator roles", "guild", i.GuildID, "err", err)
				return notice("Sorry, I couldn't list the moderator roles just now. Please try again.")
			}
			mentions := make([]string, 0, len(roles)+len(b.cfg.ModeratorRoles))
			for _, r := range roles {
				mentions = append(mentions, "<@&"+r+">")
			}
			msg := "Moderators here: members with Manage Server"
			if len(mentions) > 0 {
				msg += ", and members with " + strings.Join(mentions, ", ")
			}
			msg += ". Add a role with `/moderators add role:`."
			if srv.ModeratorChannel != nil {
				if ch, err := srv.ModeratorChannel.ModeratorChannel(ctx); err == nil && ch != "" {
					msg += fmt.Sprintf("\nScheduled refreshes of the sources are reported in <#%s>.", ch)
				}
			}
			return notice(msg)
		}
		return notice("Use `/moderators add`, `/moderators remove`, `/moderators list` or `/moderators channel`.")
	})
}

// moderatorChannel handles /moderators channel: the channel where
// scheduled refreshes are reported, set (checked by posting a first note
// there) or, with none given, cleared.
func (b *Bot) moderatorChannel(ctx context.Context, srv Server, i *discordgo.Interaction, channel string) Reply {
	if srv.ModeratorChannel == nil {
		return notice("A moderator channel can't be set on this bot: it keeps no database.")
	}
	if channel == "" {
		if err := srv.ModeratorChannel.SetModeratorChannel(ctx, "", who(i)); err != nil {
			b.lg.Error("clearing the moderator channel", "guild", i.GuildID, "err", err)
			return notice("Sorry, I couldn't change the moderator channel just now. Please try again.")
		}
		b.lg.Info("moderator channel cleared", "guild", i.GuildID, "user", who(i))
		return notice("✅ I'll no longer post refresh summaries; `/corpus sources` still shows how each source is doing.")
	}
	hello := &discordgo.MessageSend{
		Content:         "📣 I'll post here what scheduled refreshes of this server's sources change: pages added, changed, removed or failing.",
		AllowedMentions: noMentions(),
	}
	if _, err := b.sess.ChannelMessageSendComplex(channel, hello, discordgo.WithContext(ctx)); err != nil {
		b.lg.Info("moderator channel not set: cannot post there", "guild", i.GuildID, "channel", channel, "err", err)
		return notice(fmt.Sprintf("⚠️ I can't post in <#%s>, so I didn't choose it. Give me Send Messages there, or pick another channel.", channel))
	}
	if err := srv.ModeratorChannel.SetModeratorChannel(ctx, channel, who(i)); err != nil {
		b.lg.Error("setting the moderator channel", "guild", i.GuildID, "err", err)
		return notice("Sorry, I couldn't change the moderator channel just now. Please try again.")
	}
	b.lg.Info("moderator channel set", "guild", i.GuildID, "user", who(i), "channel", channel)
	return notice(fmt.Sprintf("✅ I'll post what scheduled refreshes of the sources change in <#%s>.", channel))
}

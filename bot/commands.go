package bot

import (
	"github.com/bwmarrin/discordgo"
)

// Command and option names.
const (
	cmdAsk     = "ask"
	cmdReindex = "reindex"
	cmdSources = "sources"
	cmdHelp    = "help"
	cmdCorpus  = "corpus"
	cmdGaps    = "gaps"
	cmdStats   = "stats"
	cmdForget  = "forget-me"

	cmdModerators = "moderators"

	optQuestion = "question"
	optPrivate  = "private"
	optDocument = "document"
)

// permManageGuild is the Manage Server permission, required by default
// for /reindex (server admins can change that, so the handler checks too).
var permManageGuild int64 = discordgo.PermissionManageGuild

// commands returns the slash commands, registered with one bulk overwrite.
func commands(maxQuestionLen int) []*discordgo.ApplicationCommand {
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	one := 1
	return []*discordgo.ApplicationCommand{
		{
			Name:        cmdAsk,
			Description: "Ask the FAQ a question",
			Contexts:    guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type: discordgo.ApplicationCommandOptionString, Name: optQuestion,
					Description: "Your question", Required: true,
					MinLength: &one, MaxLength: maxQuestionLen,
				},
				{
					Type: discordgo.ApplicationCommandOptionBoolean, Name: optPrivate,
					Description: "Only you see the answer",
				},
			},
		},
		{
			Name:                     cmdReindex,
			Description:              "Rebuild the FAQ index from the documents (moderators)",
			Contexts:                 guildOnly,
			DefaultMemberPermissions: &permManageGuild,
		},
		{
			Name:        cmdSources,
			Description: "List the documents the FAQ answers from",
			Contexts:    guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type: discordgo.ApplicationCommandOptionString, Name: optDocument,
					Description: "Show one document", Autocomplete: true,
				},
			},
		},
		{
			Name:        cmdHelp,
			Description: "How to use the FAQ bot",
			Contexts:    guildOnly,
		},
		corpusCommand(guildOnly, maxQuestionLen),
		reportCommand(cmdGaps, "Questions the FAQ could not answer well, grouped (moderators)", guildOnly),
		reportCommand(cmdStats, "Questions per day, refusals, votes, answer times (moderators)", guildOnly),
		{
			Name:        cmdForget,
			Description: "Delete the questions and votes of yours that the bot stored",
			Contexts:    guildOnly,
		},
		moderatorsCommand(guildOnly),
	}
}

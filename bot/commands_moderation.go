package bot

import (
	"github.com/bwmarrin/discordgo"
)

// corpusCommand is /corpus with its add, remove and list subcommands. It
// needs Manage Server by default; the handler checks too, since server
// admins can open a command to anyone.
func corpusCommand(contexts *[]discordgo.InteractionContextType) *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
		Name:                     cmdCorpus,
		Description:              "Add, remove or list the FAQ's documents (moderators)",
		Contexts:                 contexts,
		DefaultMemberPermissions: &permManageGuild,
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subAdd,
				Description: "Add a document (.txt, .md, .mdx, .rst or .html) to the FAQ",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionAttachment, Name: optFile, Description: "The document", Required: true},
					{Type: discordgo.ApplicationCommandOptionString, Name: optTitle, Description: "Its title, when the file has none", MaxLength: 200},
					{Type: discordgo.ApplicationCommandOptionBoolean, Name: optReplace, Description: "Replace a document of the same name"},
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subRemove,
				Description: "Take a document out of the FAQ (it is kept in removed/)",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: optDocument, Description: "The document", Required: true, Autocomplete: true},
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subList,
				Description: "List the documents, with passages, dates and who added them",
			},
		},
	}
}

// reportCommand is /gaps or /stats, with an optional period in days.
func reportCommand(name, description string, contexts *[]discordgo.InteractionContextType) *discordgo.ApplicationCommand {
	one := 1.0
	return &discordgo.ApplicationCommand{
		Name:                     name,
		Description:              description,
		Contexts:                 contexts,
		DefaultMemberPermissions: &permManageGuild,
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionInteger, Name: optDays,
				Description: "The last N days (7 by default)", MinValue: &one, MaxValue: maxReportDays,
			},
		},
	}
}

package bot

import (
	"github.com/bwmarrin/discordgo"
)

// corpusCommand is /corpus with its add, remove, list, sources, refresh,
// teach and unteach subcommands. It needs Manage Server by default; the
// handler checks too, since server admins can open a command to anyone.
func corpusCommand(contexts *[]discordgo.InteractionContextType, maxQuestionLen int) *discordgo.ApplicationCommand {
	cmd := &discordgo.ApplicationCommand{
		Name:                     cmdCorpus,
		Description:              "Add, remove or list the FAQ's documents and sources; teach it members' questions (moderators)",
		Contexts:                 contexts,
		DefaultMemberPermissions: &permManageGuild,
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subAdd,
				Description: "Add a document (.txt, .md, .mdx, .rst, .html), or a web page, sitemap or Git folder by URL",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionAttachment, Name: optFile, Description: "The document"},
					{Type: discordgo.ApplicationCommandOptionString, Name: optURL, Description: "A page, a sitemap, a site, or a Git repository folder (kept current)", MaxLength: maxURLLen},
					{Type: discordgo.ApplicationCommandOptionString, Name: optTitle, Description: "Its title, when the file has none", MaxLength: 200},
					{Type: discordgo.ApplicationCommandOptionBoolean, Name: optReplace, Description: "Replace a document of the same name"},
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subRemove,
				Description: "Take a document (kept in removed/) or a source and its pages out of the FAQ",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: optDocument, Description: "The document", Autocomplete: true},
					{Type: discordgo.ApplicationCommandOptionString, Name: optSource, Description: "The source (see /corpus sources)", Autocomplete: true},
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subList,
				Description: "List the documents, with passages, dates and who added them, and the taught phrasings",
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subSources,
				Description: "List the sources, with their pages, last refresh and errors",
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: subRefresh,
				Description: "Fetch what changed in the sources now",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: optSource, Description: "Only this source (default: all)", Autocomplete: true},
				},
			},
		},
	}
	cmd.Options = append(cmd.Options, teachCommands(maxQuestionLen)...)
	return cmd
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

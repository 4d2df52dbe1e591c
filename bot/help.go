package bot

import (
	"github.com/bwmarrin/discordgo"
)

// help is the reply to /help.
func help() Reply {
	e := &discordgo.MessageEmbed{
		Title: "How to ask the FAQ",
		Color: colorAnswer,
		Description: "I answer from this server's FAQ documents (and the bot's own base FAQ, when its operator gives one) and show where each answer comes from. " +
			"If the documents don't cover a question, I say so rather than guess.",
		Fields: []*discordgo.MessageEmbedField{
			{Name: "/ask question: … [private: true]", Value: "Ask a question. With `private`, only you see the answer."},
			{Name: "Mention me", Value: "Mention me with a question and I'll answer in a thread; reply there to ask follow-ups."},
			{Name: "/sources [document: …]", Value: "List the documents I answer from, or show one."},
			{Name: "Buttons", Value: "📚 shows the passages an answer cites; 👍 and 👎 tell the moderators how I did."},
			{Name: "/forget-me", Value: "Delete the questions and votes of yours that I stored."},
			{Name: "Moderators", Value: "`/corpus add|remove|list` change this server's documents; `/reindex` re-reads them; `/gaps` and `/stats` show what members could not get answered and how I'm doing. Server admins choose who else moderates with `/moderators`."},
		},
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

package bot

import (
	"github.com/bwmarrin/discordgo"
)

// Reply is what a handler returns: one message, however it is delivered
// (interaction response, edit, follow-up or channel message). The adapter
// converts it, always with noMentions.
type Reply struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	// Ephemeral replies are seen only by the user who asked; ignored for
	// channel messages and for edits (an edit keeps the flags of the
	// response it edits).
	Ephemeral bool
}

// notice returns a plain ephemeral reply.
func notice(s string) Reply { return Reply{Content: Trim(s, maxContent), Ephemeral: true} }

// noMentions is set on every message the bot sends: an empty parse list
// stops anything in an answer, a quoted passage or an echoed question from
// pinging @everyone, a role or a user. (A zero MessageAllowedMentions
// would marshal "parse": null, which Discord reads as "use the defaults".)
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func (r Reply) flags() discordgo.MessageFlags {
	if r.Ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

// response is r as an immediate interaction response (type 4).
func (r Reply) response() *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content:         r.Content,
			Embeds:          r.Embeds,
			Components:      r.Components,
			AllowedMentions: noMentions(),
			Flags:           r.flags(),
		},
	}
}

// deferred is the "thinking…" acknowledgement (type 5); whether the answer
// will be ephemeral is fixed here.
func deferred(ephemeral bool) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			AllowedMentions: noMentions(),
			Flags:           Reply{Ephemeral: ephemeral}.flags(),
		},
	}
}

// edit is r as an edit of the original response. Every field is sent, even
// when empty, so the edit replaces what an earlier one showed (a partial
// answer's footer, a queue note).
func (r Reply) edit() *discordgo.WebhookEdit {
	content := r.Content
	embeds := r.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	components := r.Components
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	return &discordgo.WebhookEdit{
		Content:         &content,
		Embeds:          &embeds,
		Components:      &components,
		AllowedMentions: noMentions(),
	}
}

// followup is r as a follow-up message to an interaction.
func (r Reply) followup() *discordgo.WebhookParams {
	return &discordgo.WebhookParams{
		Content:         r.Content,
		Embeds:          r.Embeds,
		Components:      r.Components,
		AllowedMentions: noMentions(),
		Flags:           r.flags(),
	}
}

// message is r as a channel message.
func (r Reply) message() *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Content:         r.Content,
		Embeds:          r.Embeds,
		Components:      r.Components,
		AllowedMentions: noMentions(),
	}
}

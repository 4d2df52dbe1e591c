package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/bwmarrin/discordgo"
)

// onInteraction routes an interaction to its handler and sends what the
// handler returns. The interaction's server is looked up first, once: a
// server the bot does not serve gets nothing, and every handler works on
// that server's knowledge base and records only. It switches on the type
// before reading the data: discordgo's ApplicationCommandData and
// MessageComponentData panic on the wrong type.
func (b *Bot) onInteraction(ctx context.Context, i *discordgo.Interaction) {
	defer b.recoverPanic("interaction")
	srv, ok := b.server(ctx, i.GuildID)
	if !ok {
		return
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data := i.ApplicationCommandData()
		switch data.Name {
		case cmdAsk:
			b.slashAsk(ctx, srv, i, data)
		case cmdReindex:
			b.slashReindex(ctx, srv, i)
		case cmdSources:
			b.respond(ctx, i, b.sources(ctx, srv, stringOption(data.Options, optDocument)))
		case cmdHelp:
			b.respond(ctx, i, help())
		case cmdCorpus:
			b.slashCorpus(ctx, srv, i, data)
		case cmdGaps, cmdStats:
			b.slashReport(ctx, srv, i, data)
		case cmdForget:
			b.slashForgetMe(ctx, i)
		case cmdModerators:
			b.slashModerators(ctx, srv, i, data)
		default:
			b.respond(ctx, i, notice("I don't know that command; try `/help`."))
		}
	case discordgo.InteractionApplicationCommandAutocomplete:
		data := i.ApplicationCommandData()
		opts := data.Options
		var list func(context.Context) ([]Document, error)
		switch sub, subOpts := subcommand(data); {
		case data.Name == cmdCorpus && (sub == subRemove || sub == subRefresh) && focusedName(subOpts) == optSource:
			// The server's sources, to moderators only.
			var choices []*discordgo.ApplicationCommandOptionChoice
			if ok, err := b.isModerator(ctx, srv, i.Member); ok && err == nil {
				choices = b.sourceChoices(ctx, srv.SourceManager, focusedValue(subOpts))
			}
			b.respondChoices(ctx, i, choices)
			return
		case data.Name == cmdCorpus && (sub == subTeach || sub == subUnteach):
			b.respondChoices(ctx, i, b.teachAutocomplete(ctx, srv, i, sub, subOpts))
			return
		case data.Name == cmdCorpus && sub == subRemove:
			// Only what this server's moderators can remove: not the
			// base's documents, and only to moderators.
			opts = subOpts
			if ok, err := b.isModerator(ctx, srv, i.Member); ok && err == nil && srv.Corpus != nil {
				list = removable(srv.Corpus)
			}
		case data.Name == cmdSources:
			if srv.Sources != nil {
				list = srv.Sources.Documents
			}
		default:
			return
		}
		b.respondChoices(ctx, i, b.autocomplete(ctx, list, focusedValue(opts)))
	case discordgo.InteractionMessageComponent:
		b.respond(ctx, i, b.button(ctx, srv, i.MessageComponentData().CustomID, i.GuildID, userID(i)))
	}
}

// slashAsk answers /ask: an immediate deferred acknowledgement (Discord
// allows 3 s), then the answer edited in, streamed when an LLM writes it.
func (b *Bot) slashAsk(ctx context.Context, srv Server, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) {
	q := question{
		Text: stringOption(data.Options, optQuestion), Via: viaSlash,
		GuildID: i.GuildID, ChannelID: i.ChannelID, UserID: userID(i), srv: srv,
	}
	private := boolOption(data.Options, optPrivate)
	done, ok := b.begin()
	if !ok {
		b.reject(q, "shutting_down")
		b.respond(ctx, i, notice(msgShutdown))
		return
	}
	defer done()
	if r, _, ok := b.admit(q); !ok {
		b.respond(ctx, i, r)
		return
	}
	start := time.Now()
	if err := b.sess.InteractionRespond(i, deferred(private), discordgo.WithContext(ctx)); err != nil {
		b.logSendError("acknowledging /ask", err)
		return
	}
	b.lg.Debug("acknowledged /ask", "interaction", i.ID, "took", time.Since(start))

	edits := b.progressEdits(ctx, i, "editing in a partial answer")
	out := b.answer(ctx, q, func(pos int) {
		_, err := b.sess.FollowupMessageCreate(i, true, notice(fmt.Sprintf(msgQueued, pos)).followup(), discordgo.WithContext(ctx))
		b.logSendError("sending the queue note", err)
	}, edits.update)
	edits.stop()
	ctx, cancel := finalContext(ctx)
	defer cancel()
	b.deliver(ctx, i, out.Replies, private)
}

// deliver edits the first reply into the deferred response and sends the
// rest as follow-ups with the same visibility.
func (b *Bot) deliver(ctx context.Context, i *discordgo.Interaction, replies []Reply, ephemeral bool) {
	for n, r := range replies {
		if n == 0 {
			_, err := b.sess.InteractionResponseEdit(i, r.edit(), discordgo.WithContext(ctx))
			b.logSendError("editing in the answer", err)
			continue
		}
		r.Ephemeral = ephemeral
		_, err := b.sess.FollowupMessageCreate(i, true, r.followup(), discordgo.WithContext(ctx))
		b.logSendError("sending the rest of the answer", err)
	}
}

// respond sends r as the interaction's immediate response.
func (b *Bot) respond(ctx context.Context, i *discordgo.Interaction, r Reply) {
	b.logSendError("responding to an interaction", b.sess.InteractionRespond(i, r.response(), discordgo.WithContext(ctx)))
}

func (b *Bot) logSendError(what string, err error) {
	if err != nil {
		b.lg.Warn("discord request failed", "doing", what, "err", err)
	}
}

// recoverPanic keeps one bad event from taking the bot down: discordgo runs
// handlers without recovering.
func (b *Bot) recoverPanic(what string) {
	if r := recover(); r != nil {
		b.lg.Error("handler panicked", "handling", what, "panic", r, "stack", string(debug.Stack()))
	}
}

// userID returns the ID of the user behind an interaction, in a server
// (Member) or a DM (User).
func userID(i *discordgo.Interaction) string {
	switch {
	case i.Member != nil && i.Member.User != nil:
		return i.Member.User.ID
	case i.User != nil:
		return i.User.ID
	}
	return ""
}

func stringOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	for _, o := range opts {
		if o.Name == name {
			s, _ := o.Value.(string) // not StringValue: it panics on a missing value
			return s
		}
	}
	return ""
}

func boolOption(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			v, _ := o.Value.(bool)
			return v
		}
	}
	return false
}

// focusedName returns the name of the option being autocompleted.
func focusedName(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o.Focused {
			return o.Name
		}
	}
	return ""
}

// respondChoices answers an autocomplete interaction with choices.
func (b *Bot) respondChoices(ctx context.Context, i *discordgo.Interaction, choices []*discordgo.ApplicationCommandOptionChoice) {
	b.logSendError("autocomplete", b.sess.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}, discordgo.WithContext(ctx)))
}

// focusedValue returns the text typed so far in the option being
// autocompleted.
func focusedValue(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o.Focused {
			s, _ := o.Value.(string)
			return s
		}
	}
	return ""
}

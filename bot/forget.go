package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

const msgNothingStored = "🙂 This bot keeps no database, so there is nothing stored about you to delete."

// slashForgetMe handles /forget-me: any member may delete their own stored
// questions and votes, and only their own (the user ID comes from the
// interaction, never from an option). The reply is private.
func (b *Bot) slashForgetMe(ctx context.Context, i *discordgo.Interaction) {
	user := userID(i)
	if user == "" {
		b.respond(ctx, i, notice(msgNothingStored))
		return
	}
	// What the bot holds in memory goes first, so that a vote cast on one
	// of the member's answers meanwhile cannot copy their words back in.
	b.recent.forget(user)
	b.threads.forget(user)
	if b.deps.Forgetter == nil {
		b.respond(ctx, i, notice(msgNothingStored))
		return
	}
	b.slow(ctx, i, "/forget-me", func(ctx context.Context) Reply {
		n, err := b.deps.Forgetter.ForgetUser(ctx, user)
		if err != nil {
			// The ID is not logged: this member asked to be forgotten.
			b.lg.Error("deleting a member's data", "err", err)
			return notice("Sorry, I couldn't delete your data just now. Please try again; if it keeps failing, tell a moderator.")
		}
		b.lg.Info("member's data deleted on request", "records", n)
		what := "I had no questions, votes or conversation turns of yours stored, in this server or any other"
		if n > 0 {
			what = fmt.Sprintf("Deleted %s: your questions (and the copies kept with others' votes on them), votes and conversation turns, in every server I'm in", plural(n, "stored record"))
		}
		return notice("🧹 " + what + ". Questions you ask from now on are recorded as usual.")
	})
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// Picks records which suggestion of a refused answer a member picked.
type Picks interface {
	// RecordPick stores that userID picked s among the suggestions of the
	// refused answer answerID. An answer the server never recorded fails
	// with ErrUnknownAnswer.
	RecordPick(ctx context.Context, answerID, userID string, s answer.Suggestion) error
}

// idSuggest prefixes a suggestion button's custom ID:
// faqbot:suggest:<answer ID>:<n>, n counted from 0.
const idSuggest = "faqbot:suggest:"

// suggestionsIntro follows the refusal when it offers the closest entries.
const suggestionsIntro = "**Did you mean one of these?** The closest entries in the FAQ — none of them answers the question as asked:"

// pickedNote is the footer of an answer from a picked suggestion: the
// member chose the passage, the bot did not judge it an answer.
const pickedNote = "You picked this entry among the closest ones; it may not be exactly what you asked."

// alternativesIntro follows a tentative answer that offers other close
// entries.
const alternativesIntro = "**Not what you asked?** Other close entries in the FAQ:"

// offered are the entries an answer offers as buttons: a refusal's
// suggestions, or a tentative answer's alternatives.
func offered(a answer.Answer) []answer.Suggestion {
	if a.Refused {
		return a.Suggestions
	}
	return a.Alternatives
}

// suggestionsText lists offered entries under intro, one line each, with
// the document they come from.
func suggestionsText(intro string, ss []answer.Suggestion) string {
	var b strings.Builder
	b.WriteString(intro)
	for n, s := range ss {
		fmt.Fprintf(&b, "\n%d. %s — `%s`", n+1, titleLink(s.Label(), s.URL), codeSafe(Trim(s.Source, 100)))
	}
	return b.String()
}

// suggestionButtons is a row of one button per suggestion, each of which
// answers from its passage.
func suggestionButtons(id string, ss []answer.Suggestion) discordgo.MessageComponent {
	row := discordgo.ActionsRow{}
	for n, s := range ss {
		row.Components = append(row.Components, discordgo.Button{
			Label:    trimLine(fmt.Sprintf("%d. %s", n+1, oneLine(s.Label())), maxButtonLabel),
			Style:    discordgo.PrimaryButton,
			CustomID: idSuggest + id + ":" + strconv.Itoa(n),
		})
	}
	return row
}

// maxButtonLabel is Discord's limit on a button's label.
const maxButtonLabel = 80

// pick answers a click on entry n offered by an answer (a refusal's
// suggestion or a tentative answer's alternative): the member's question
// answered from that passage, privately, with its own buttons; the pick is
// recorded for /gaps.
func (b *Bot) pick(ctx context.Context, srv Server, rest, guildID, user string) Reply {
	id, nStr, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(nStr)
	if !ok || err != nil || n < 0 {
		return notice(msgGone)
	}
	offer, asker, found := b.recent.entry(id, guildID)
	if !found || n >= len(offered(offer)) {
		return notice(msgGone)
	}
	s := offered(offer)[n]
	a := answer.FromSuggestion(offer.Question, s)
	a.Note = pickedNote
	// The new answer holds the asker's question: their request to be
	// forgotten must reach it too.
	newID := b.recent.add(a, guildID, asker)
	if srv.Picks != nil {
		sctx, cancel := storeContext(ctx)
		err := srv.Picks.RecordPick(sctx, id, user, s)
		cancel()
		if err != nil && !errors.Is(err, ErrUnknownAnswer) {
			b.lg.Error("recording a pick", "answer", id, "guild", guildID, "err", err)
		}
	}
	b.lg.Info("suggestion picked", "answer", id, "guild", guildID, "user", user, "passage", s.ChunkID, "rank", n+1)
	// An extractive answer from one passage fits one message (under 1,000
	// characters); should it not, the first part goes, with the buttons.
	replies := renderAnswer(newID, a)
	r := replies[0]
	r.Components = replies[len(replies)-1].Components
	r.Ephemeral = true
	return r
}

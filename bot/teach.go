package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Teacher keeps what a server's moderators taught the bot: members'
// questions answered by a passage of the server's FAQ, searched as extra
// phrasings of that passage (/corpus teach, unteach and list).
type Teacher interface {
	// Teach records that question is answered by the passage passageID
	// (of the server's documents or the base's), taught by who, and says
	// how the question is answered now. It fails with ErrNoPassage,
	// ErrBadPhrasing or ErrTooManyPhrasings.
	Teach(ctx context.Context, question, passageID, who string) (TeachResult, error)
	// Unteach removes the phrasing id, recording who; ErrNoPhrasing when
	// the server has none of that number.
	Unteach(ctx context.Context, id int64, who string) (Phrasing, error)
	// Phrasings lists what is taught, oldest first.
	Phrasings(ctx context.Context) ([]Phrasing, error)
	// DropGone drops the phrasings whose passage is gone (a change made
	// outside Discord, or to the base, removed it), recording who looked,
	// and returns them.
	DropGone(ctx context.Context, who string) ([]Phrasing, error)
	// QuestionChoices offers questions worth teaching (refused, voted
	// down or voted helpful, and those whose suggestions members picked),
	// matching typed.
	QuestionChoices(ctx context.Context, typed string) ([]Choice, error)
	// PassageChoices offers the passages that may answer question,
	// closest first (those members picked for it before them), matching
	// typed.
	PassageChoices(ctx context.Context, question, typed string) ([]Choice, error)
}

// Errors of a Teacher, for errors.Is.
var (
	// ErrNoPassage means the passage is in neither the server's documents
	// nor the base's.
	ErrNoPassage = errors.New("no such passage in this server's FAQ")
	// ErrBadPhrasing means a question with no words, or too long.
	ErrBadPhrasing = errors.New("not a question that can be taught")
	// ErrTooManyPhrasings means the server has the most phrasings allowed.
	ErrTooManyPhrasings = errors.New("this server has the most taught phrasings allowed")
	// ErrNoPhrasing means no taught phrasing of that number.
	ErrNoPhrasing = errors.New("no taught phrasing of that number")
)

// Choice is one autocomplete choice: what the member reads and the value
// the option gets.
type Choice struct {
	Name, Value string
}

// Phrasing is one taught phrasing.
type Phrasing struct {
	ID       int64
	Question string
	// PassageID, Title and Document name the passage that answers it.
	PassageID, Title, Document string
	// Base is set for a passage of the operator's base FAQ.
	Base bool
	// Who taught it, and when.
	Who string
	At  time.Time
}

// TeachResult says what teaching did.
type TeachResult struct {
	Phrasing Phrasing
	// Replaced is the passage the same words were taught for before, or
	// nil.
	Replaced *Phrasing
	// AnsweredFrom is the passage the question is answered from now, ""
	// when it is still refused.
	AnsweredFrom, AnsweredTitle string
}

// Option and subcommand names of /corpus teach and unteach.
const (
	subTeach    = "teach"
	subUnteach  = "unteach"
	optPassage  = "passage"
	optPhrasing = "phrasing"
	msgNoTeach  = "Teaching isn't available on this bot: it keeps no database."
)

// teachCommands are the /corpus subcommands that teach.
func teachCommands(maxQuestionLen int) []*discordgo.ApplicationCommandOption {
	one := 1
	return []*discordgo.ApplicationCommandOption{
		{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: subTeach,
			Description: "Teach that a member's question is answered by an FAQ entry or passage",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: optQuestion, Description: "The question, in the member's words",
					Required: true, Autocomplete: true, MinLength: &one, MaxLength: maxQuestionLen},
				{Type: discordgo.ApplicationCommandOptionString, Name: optPassage, Description: "The FAQ entry or passage that answers it",
					Required: true, Autocomplete: true},
			},
		},
		{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: subUnteach,
			Description: "Remove a taught phrasing",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: optPhrasing, Description: "The taught phrasing", Required: true, Autocomplete: true},
			},
		},
	}
}

// corpusTeach handles /corpus teach.
func (b *Bot) corpusTeach(ctx context.Context, srv Server, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	if srv.Teacher == nil {
		b.respond(ctx, i, notice(msgNoTeach))
		return
	}
	q := strings.TrimSpace(stringOption(opts, optQuestion))
	p := strings.TrimSpace(stringOption(opts, optPassage))
	if q == "" || p == "" {
		b.respond(ctx, i, notice("Give the member's question and pick the passage that answers it: `/corpus teach question: passage:`."))
		return
	}
	b.slow(ctx, i, "/corpus teach", func(ctx context.Context) Reply {
		res, err := srv.Teacher.Teach(ctx, q, p, who(i))
		if err != nil {
			b.lg.Info("phrasing not taught", "guild", i.GuildID, "user", who(i), "passage", p, "err", err)
			return notice(teachError(err))
		}
		b.lg.Info("phrasing taught", "guild", i.GuildID, "user", who(i), "passage", res.Phrasing.PassageID)
		var msg strings.Builder
		fmt.Fprintf(&msg, "✅ Taught (#%d): “%s” is answered by %s.", res.Phrasing.ID, Trim(oneLine(res.Phrasing.Question), 200), passageName(res.Phrasing))
		if r := res.Replaced; r != nil && r.PassageID != res.Phrasing.PassageID {
			fmt.Fprintf(&msg, "\nThe same words were taught before for %s; that is replaced.", passageName(*r))
		}
		switch {
		case res.AnsweredFrom == res.Phrasing.PassageID:
			msg.WriteString("\nAsked now, it is answered from that passage.")
		case res.AnsweredFrom == "":
			msg.WriteString("\n⚠️ Asked now, it is still not answered: the FAQ's own wording decides against it. A shorter phrasing, or an FAQ entry of its own, may do better.")
		default:
			fmt.Fprintf(&msg, "\n⚠️ Asked now, it is answered from “%s” (`%s`), which matches it better.", Trim(oneLine(res.AnsweredTitle), 100), codeSafe(res.AnsweredFrom))
		}
		return notice(msg.String())
	})
}

// passageName renders a phrasing's passage: “Title” (`file#n`).
func passageName(p Phrasing) string {
	id := p.PassageID
	if id == "" {
		id = p.Document
	}
	s := fmt.Sprintf("“%s” (`%s`)", Trim(oneLine(orPassage(p.Title, id)), 100), codeSafe(Trim(id, 100)))
	if p.Base {
		s += " of the base FAQ"
	}
	return s
}

// teachError says in the moderator's words why teaching failed.
func teachError(err error) string {
	switch {
	case errors.Is(err, ErrNoPassage):
		return "That passage isn't in this server's FAQ (any more). Pick one from the list `passage:` offers."
	case errors.Is(err, ErrBadPhrasing):
		return "That question can't be taught: it needs some words, and must be short enough to be a question."
	case errors.Is(err, ErrTooManyPhrasings):
		return "This server has taught the most phrasings allowed. Remove some with `/corpus unteach` first."
	case errors.Is(err, context.DeadlineExceeded):
		return msgTimeout
	}
	return "Sorry, I couldn't save that just now. Please try again."
}

// corpusUnteach handles /corpus unteach.
func (b *Bot) corpusUnteach(ctx context.Context, srv Server, i *discordgo.Interaction, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	if srv.Teacher == nil {
		b.respond(ctx, i, notice(msgNoTeach))
		return
	}
	raw := strings.TrimSpace(stringOption(opts, optPhrasing))
	id, err := strconv.ParseInt(strings.TrimPrefix(raw, "#"), 10, 64)
	if err != nil || id <= 0 {
		b.respond(ctx, i, notice("Pick the phrasing to remove from the list `phrasing:` offers (`/corpus list` shows them all, with their numbers)."))
		return
	}
	b.slow(ctx, i, "/corpus unteach", func(ctx context.Context) Reply {
		p, err := srv.Teacher.Unteach(ctx, id, who(i))
		switch {
		case errors.Is(err, ErrNoPhrasing):
			return notice(fmt.Sprintf("This server has no taught phrasing #%d (`/corpus list` shows them).", id))
		case err != nil:
			b.lg.Warn("phrasing not removed", "guild", i.GuildID, "user", who(i), "id", id, "err", err)
			return notice(teachError(err))
		}
		b.lg.Info("phrasing removed", "guild", i.GuildID, "user", who(i), "id", id)
		return notice(fmt.Sprintf("🗑️ Removed #%d: “%s” no longer stands for %s.", p.ID, Trim(oneLine(p.Question), 200), passageName(p)))
	})
}

// taughtEmbed lists a server's taught phrasings for /corpus list, with
// those just dropped because their passage went; nil when there are
// none of either.
func taughtEmbed(kept, dropped []Phrasing) *discordgo.MessageEmbed {
	if len(kept) == 0 && len(dropped) == 0 {
		return nil
	}
	lines := make([]string, 0, len(kept))
	for _, p := range kept {
		lines = append(lines, fmt.Sprintf("`#%d` “%s” → %s", p.ID, Trim(oneLine(p.Question), 100), passageName(p)))
	}
	desc := "Members' questions taught as phrasings of an FAQ passage; `/corpus unteach` removes one."
	if len(lines) > 0 {
		// The header and a newline come before the list.
		desc += "\n" + listDescription(lines, func(left int) string { return fmt.Sprintf("…and %d more.", left) })
	}
	e := &discordgo.MessageEmbed{
		Title:       fmt.Sprintf("🧠 %s taught", plural(len(kept), "phrasing")),
		Description: Trim(desc, maxDescription),
		Color:       colorAnswer,
	}
	if len(dropped) > 0 {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Dropped: their passage is gone", Value: droppedList(dropped)})
	}
	return e
}

// droppedList names dropped phrasings for a field or a message.
func droppedList(ps []Phrasing) string {
	var b strings.Builder
	for n, p := range ps {
		if n == maxSkippedListed {
			fmt.Fprintf(&b, "\n…and %d more.", len(ps)-n)
			break
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "• “%s” (was %s)", Trim(oneLine(p.Question), 100), passageName(p))
	}
	return Trim(b.String(), maxFieldValue)
}

// droppedNote tells a moderator whose change removed passages which taught
// phrasings went with them; "" when none did.
func droppedNote(ps []Phrasing) string {
	if len(ps) == 0 {
		return ""
	}
	return fmt.Sprintf("\n🧠 %s dropped, %s passage is gone:\n%s", plural(len(ps), "taught phrasing"), pronoun(len(ps)), droppedList(ps))
}

func pronoun(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}

// teachAutocomplete answers the autocomplete of /corpus teach and
// unteach: moderators only, and only this server's.
func (b *Bot) teachAutocomplete(ctx context.Context, srv Server, i *discordgo.Interaction, sub string, opts []*discordgo.ApplicationCommandInteractionDataOption) []*discordgo.ApplicationCommandOptionChoice {
	out := []*discordgo.ApplicationCommandOptionChoice{}
	if srv.Teacher == nil {
		return out
	}
	if ok, err := b.isModerator(ctx, srv, i.Member); !ok || err != nil {
		return out
	}
	focused, typed := focusedName(opts), focusedValue(opts)
	var cs []Choice
	var err error
	switch {
	case sub == subTeach && focused == optQuestion:
		cs, err = srv.Teacher.QuestionChoices(ctx, typed)
	case sub == subTeach && focused == optPassage:
		cs, err = srv.Teacher.PassageChoices(ctx, stringOption(opts, optQuestion), typed)
	case sub == subUnteach:
		// Autocomplete runs at every keystroke: it only reads.
		var kept []Phrasing
		kept, err = srv.Teacher.Phrasings(ctx)
		typed = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(typed, "#")))
		for _, p := range kept {
			name := fmt.Sprintf("#%d “%s” → %s", p.ID, oneLine(p.Question), oneLine(p.Title))
			if typed == "" || strings.Contains(strings.ToLower(name), typed) {
				cs = append(cs, Choice{Name: name, Value: strconv.FormatInt(p.ID, 10)})
			}
		}
	}
	if err != nil {
		b.lg.Warn("autocomplete of /corpus "+sub, "guild", i.GuildID, "err", err)
		return out
	}
	for _, c := range cs {
		if len(out) == maxChoices {
			break
		}
		if c.Value == "" || runeLen(c.Value) > maxChoiceChars {
			continue // Discord refuses the whole list for one long value
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: trimLine(oneLine(c.Name), maxChoiceChars), Value: c.Value})
	}
	return out
}

// withTaught adds the server's taught phrasings to the /corpus list reply
// r, dropping (and naming) those whose passage is gone.
func (b *Bot) withTaught(ctx context.Context, srv Server, i *discordgo.Interaction, r Reply) Reply {
	if srv.Teacher == nil {
		return r
	}
	dropped, err := srv.Teacher.DropGone(ctx, who(i))
	var kept []Phrasing
	if err == nil {
		kept, err = srv.Teacher.Phrasings(ctx)
	}
	if err != nil {
		b.lg.Error("listing taught phrasings", "guild", i.GuildID, "err", err)
		r.Content = Trim(strings.TrimSpace(r.Content+"\n(I couldn't list the taught phrasings just now.)"), maxContent)
		return r
	}
	e := taughtEmbed(kept, dropped)
	if e == nil {
		return r
	}
	// With no documents of the server's own the documents' part is a
	// notice's text; the phrasings' embed goes under it either way.
	r.Embeds = append(r.Embeds, e)
	return r
}

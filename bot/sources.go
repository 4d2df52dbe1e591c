package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// maxChoices is Discord's cap on autocomplete choices; 100 is its cap on a
// choice's name and value.
const (
	maxChoices     = 25
	maxChoiceChars = 100
)

const msgNoSources = "Listing the documents isn't available on this bot."

// sources handles /sources: the list of documents, or one document when
// doc names it (by ID, or by title ignoring case).
func (b *Bot) sources(ctx context.Context, srv Server, doc string) Reply {
	if srv.Sources == nil {
		return notice(msgNoSources)
	}
	docs, err := srv.Sources.Documents(ctx)
	if err != nil {
		b.lg.Error("listing documents", "err", err)
		return notice("Sorry, I couldn't list the documents just now. Please try again.")
	}
	if doc = strings.TrimSpace(doc); doc != "" {
		return documentReply(docs, doc)
	}
	if len(docs) == 0 {
		return notice("The FAQ has no documents yet.")
	}
	slices.SortFunc(docs, func(a, b Document) int { return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) })
	lines := make([]string, len(docs))
	for i, d := range docs {
		lines[i] = fmt.Sprintf("• %s — `%s` (%s)", titleLink(orID(d), d.URL), codeSafe(d.ID), plural(d.Passages, "passage"))
	}
	desc := listDescription(lines, func(left int) string {
		return fmt.Sprintf("…and %d more: use `/sources document:` to find one.", left)
	})
	e := &discordgo.MessageEmbed{
		Title:       fmt.Sprintf("📚 %s in the FAQ", plural(len(docs), "document")),
		Description: desc,
		Color:       colorAnswer,
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

func documentReply(docs []Document, name string) Reply {
	i := slices.IndexFunc(docs, func(d Document) bool { return d.ID == name })
	if i < 0 {
		i = slices.IndexFunc(docs, func(d Document) bool { return strings.EqualFold(d.Title, name) })
	}
	if i < 0 {
		return notice(fmt.Sprintf("I don't have a document called %q. Try `/sources` for the list.", Trim(oneLine(name), 100)))
	}
	d := docs[i]
	e := &discordgo.MessageEmbed{
		Title: trimLine(defang(oneLine(orID(d))), maxTitle),
		URL:   safeURL(d.URL),
		Color: colorAnswer,
		Fields: []*discordgo.MessageEmbedField{
			{Name: "File", Value: "`" + codeSafe(d.ID) + "`", Inline: true},
			{Name: "Passages", Value: fmt.Sprint(d.Passages), Inline: true},
		},
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

// autocomplete suggests, of the documents list returns, those whose ID or
// title contains typed, ignoring case; titles that start with it come
// first.
func (b *Bot) autocomplete(ctx context.Context, list func(context.Context) ([]Document, error), typed string) []*discordgo.ApplicationCommandOptionChoice {
	choices := []*discordgo.ApplicationCommandOptionChoice{}
	if list == nil {
		return choices
	}
	docs, err := list(ctx)
	if err != nil {
		b.lg.Warn("listing documents for autocomplete", "err", err)
		return choices
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	rank := func(d Document) int {
		switch t := strings.ToLower(orID(d)); {
		case strings.HasPrefix(t, typed):
			return 0
		case strings.Contains(t, typed) || strings.Contains(strings.ToLower(d.ID), typed):
			return 1
		}
		return -1
	}
	var matches []Document
	for _, d := range docs {
		if rank(d) >= 0 && runeLen(d.ID) <= maxChoiceChars {
			matches = append(matches, d)
		}
	}
	slices.SortStableFunc(matches, func(a, b Document) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(strings.ToLower(orID(a)), strings.ToLower(orID(b)))
	})
	for _, d := range matches[:min(len(matches), maxChoices)] {
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{
			Name:  trimLine(oneLine(orID(d)), maxChoiceChars),
			Value: d.ID,
		})
	}
	return choices
}

// removable lists the documents of c that its server's moderators can
// remove one by one: its own uploads, not the base's nor its sources'
// pages (which go with their source).
func removable(c Corpus) func(context.Context) ([]Document, error) {
	return func(ctx context.Context) ([]Document, error) {
		docs, err := c.List(ctx)
		if err != nil {
			return nil, err
		}
		var out []Document
		for _, d := range docs {
			if !d.ReadOnly && d.Source == 0 {
				out = append(out, Document{ID: d.ID, Title: d.Title, Passages: d.Passages})
			}
		}
		return out, nil
	}
}

func orID(d Document) string {
	if strings.TrimSpace(d.Title) != "" {
		return d.Title
	}
	return d.ID
}

// listDescription joins lines into an embed description. When they would
// pass Discord's limit it stops at a whole line and ends with more(the
// number of lines left out) instead.
func listDescription(lines []string, more func(left int) string) string {
	var desc strings.Builder
	for i, line := range lines {
		note := "\n" + more(len(lines)-i)
		if runeLen(desc.String())+1+runeLen(line)+runeLen(note) > maxDescription {
			desc.WriteString(note)
			break
		}
		if i > 0 {
			desc.WriteByte('\n')
		}
		desc.WriteString(line)
	}
	return desc.String()
}

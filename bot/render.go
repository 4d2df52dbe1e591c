package bot

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// Embed colours: Discord's blurple for answers, grey for refusals.
const (
	colorAnswer  = 0x5865F2
	colorRefusal = 0x99AAB5
)

// maxContinuations caps the extra messages one long answer may take; an
// answer longer than that is trimmed (with MaxAnswerTokens around 400 it
// never is).
const maxContinuations = 3

// writingFooter marks an answer that is still being streamed in.
const writingFooter = "✍️ Writing…"

// ungroundedNote is shown under an LLM answer that cites nothing.
const ungroundedNote = "⚠️ This answer cites no sources: double-check it."

// Button custom ID prefixes; the suffix is the answer's ID in the recent
// answers.
const (
	idSources = "faqbot:sources:"
	idUp      = "faqbot:up:"
	idDown    = "faqbot:down:"
)

// renderAnswer renders a final answer as one message, or several when it
// is too long for one: the first carries the question as title, the last
// the sources, the note and the buttons.
func renderAnswer(id string, a answer.Answer) []Reply {
	color := colorAnswer
	if a.Refused {
		color = colorRefusal
	}
	title := trimLine(defang(oneLine(a.Question)), maxTitle)
	var fields []*discordgo.MessageEmbedField
	if !a.Refused && len(a.Citations) > 0 {
		fields = append(fields, &discordgo.MessageEmbedField{Name: "Sources", Value: sourcesField(a.Citations)})
	}
	var footer *discordgo.MessageEmbedFooter
	if note := footerNote(a); note != "" {
		footer = &discordgo.MessageEmbedFooter{Text: Trim(note, maxFooter)}
	}

	// One limit for every part, leaving room for everything that may sit
	// beside it in its embed.
	overhead := runeLen(title)
	for _, f := range fields {
		overhead += runeLen(f.Name) + runeLen(f.Value)
	}
	if footer != nil {
		overhead += runeLen(footer.Text)
	}
	body := defang(strings.TrimSpace(a.Text))
	if body == "" {
		body = "…"
	}
	if offers := offered(a); len(offers) > 0 {
		// After defang: the suggestions' links are the bot's own, made
		// from the passages' URLs as the Sources field's are.
		intro := suggestionsIntro
		if !a.Refused {
			intro = alternativesIntro
		}
		body += "\n\n" + suggestionsText(intro, offers)
	}
	parts := Split(body, min(maxDescription, maxEmbedTotal-overhead))
	if len(parts) > 1+maxContinuations {
		parts = parts[:1+maxContinuations]
		last := &parts[len(parts)-1]
		*last = Trim(*last+"\n\n*(answer trimmed)*", min(maxDescription, maxEmbedTotal-overhead))
	}

	replies := make([]Reply, len(parts))
	for i, p := range parts {
		e := &discordgo.MessageEmbed{Description: p, Color: color}
		if i == 0 {
			e.Title = title
		}
		replies[i].Embeds = []*discordgo.MessageEmbed{e}
	}
	last := &replies[len(replies)-1]
	last.Embeds[0].Fields = fields
	last.Embeds[0].Footer = footer
	last.Components = answerButtons(id, !a.Refused && len(a.Citations) > 0)
	if offers := offered(a); len(offers) > 0 {
		last.Components = append([]discordgo.MessageComponent{suggestionButtons(id, offers)}, last.Components...)
	}
	return replies
}

// renderPartial renders an answer that is still being written.
func renderPartial(question, text string) Reply {
	e := &discordgo.MessageEmbed{
		Title:       trimLine(defang(oneLine(question)), maxTitle),
		Description: Trim(defang(strings.TrimSpace(text))+" ▌", maxDescription),
		Color:       colorAnswer,
		Footer:      &discordgo.MessageEmbedFooter{Text: writingFooter},
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}}
}

func footerNote(a answer.Answer) string {
	var notes []string
	if a.Note != "" {
		notes = append(notes, a.Note)
	}
	if !a.Refused && !a.Grounded && a.Mode == answer.ModeLLM {
		notes = append(notes, ungroundedNote)
	}
	return strings.Join(notes, "\n")
}

// sourcesField lists the cited documents, one line each: "[n] Title —
// `file`", the title a link when the document has a URL. Several passages
// of one document share its line ("[1][3] Title — `file`") rather than
// repeating it. Lines that do not fit in a field are summarised.
func sourcesField(cs []answer.Citation) string {
	groups := groupSources(cs)
	var b strings.Builder
	for i, g := range groups {
		file := codeSafe(Trim(g.source, 100))
		line := fmt.Sprintf("%s %s — `%s`", g.numbers(), titleLink(g.title, g.url), file)
		if runeLen(line) > maxFieldValue/4 {
			// A very long URL: keep the line, lose the link.
			line = fmt.Sprintf("%s %s — `%s`", g.numbers(), titleLink(g.title, ""), file)
		}
		more := ""
		if rest := len(groups) - i - 1; rest > 0 {
			more = fmt.Sprintf("\n…and %d more", rest)
		}
		if runeLen(b.String())+1+runeLen(line)+runeLen(more) > maxFieldValue {
			fmt.Fprintf(&b, "\n…and %d more", len(groups)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return strings.TrimSpace(b.String())
}

// sourceGroup is one document's line in the Sources field.
type sourceGroup struct {
	ns     []int // the citation numbers of its passages, in answer order
	title  string
	url    string
	source string
}

func (g sourceGroup) numbers() string {
	var b strings.Builder
	for _, n := range g.ns {
		fmt.Fprintf(&b, "[%d]", n)
	}
	return b.String()
}

// groupSources gathers the citations of one document (same file, same
// title), in the order the document is first cited. Its passages may link
// to different anchors of one page: the line then links to the page.
func groupSources(cs []answer.Citation) []sourceGroup {
	var groups []sourceGroup
	at := map[[2]string]int{}
	for _, c := range cs {
		key := [2]string{c.Source, docTitle(c)}
		i, ok := at[key]
		if !ok {
			at[key] = len(groups)
			groups = append(groups, sourceGroup{ns: []int{c.N}, title: key[1], url: c.URL, source: c.Source})
			continue
		}
		g := &groups[i]
		g.ns = append(g.ns, c.N)
		if g.url != c.URL {
			g.url = commonPage(g.url, c.URL)
		}
	}
	return groups
}

// commonPage returns the page two links of one document share, without
// their fragments (the one link when the other is empty), or "" when they
// are different pages.
func commonPage(a, b string) string {
	pa, _, _ := strings.Cut(a, "#")
	pb, _, _ := strings.Cut(b, "#")
	switch {
	case pa == "":
		return pb
	case pb == "" || pa == pb:
		return pa
	}
	return ""
}

func docTitle(c answer.Citation) string {
	for _, t := range []string{c.DocTitle, c.Title, c.Source} {
		if strings.TrimSpace(t) != "" {
			return t
		}
	}
	return "untitled"
}

// titleLink renders a title as a masked link when u is a web URL. Brackets
// in the title would end the link text early, so they become parentheses.
func titleLink(title, u string) string {
	title = Trim(strings.NewReplacer("[", "(", "]", ")").Replace(oneLine(title)), 100)
	if u = safeURL(u); u == "" {
		return title
	}
	return "[" + title + "](" + u + ")"
}

// safeURL returns u fit for a markdown link, or "" when it is not an http
// or https URL.
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	// A ")" would end the link early.
	return strings.NewReplacer(")", "%29", "(", "%28").Replace(p.String())
}

// codeSafe keeps a file name from closing its inline code span.
func codeSafe(s string) string { return strings.ReplaceAll(oneLine(s), "`", "'") }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func answerButtons(id string, sources bool) []discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	if sources {
		buttons = append(buttons, discordgo.Button{
			Label: "Show sources", Style: discordgo.SecondaryButton,
			Emoji: &discordgo.ComponentEmoji{Name: "📚"}, CustomID: idSources + id,
		})
	}
	buttons = append(buttons,
		discordgo.Button{Label: "Helpful", Style: discordgo.SecondaryButton, Emoji: &discordgo.ComponentEmoji{Name: "👍"}, CustomID: idUp + id},
		discordgo.Button{Label: "Not helpful", Style: discordgo.SecondaryButton, Emoji: &discordgo.ComponentEmoji{Name: "👎"}, CustomID: idDown + id},
	)
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
}

// renderSources renders the cited passages for "Show sources", each
// trimmed so that all of them fit in one embed.
func renderSources(a answer.Answer) Reply {
	if a.Refused || len(a.Citations) == 0 {
		return notice("That answer has no sources to show.")
	}
	cs := a.Citations[:min(len(a.Citations), maxFields)]
	const title = "Sources"
	names := make([]string, len(cs))
	budget := maxEmbedTotal - len(title)
	for i, c := range cs {
		// 100 rather than maxFieldName: 25 long names would leave no
		// room for the passages.
		names[i] = Trim(fmt.Sprintf("[%d] %s", c.N, defang(oneLine(passageTitle(c)))), 100)
		budget -= runeLen(names[i])
	}
	per := min(maxFieldValue, budget/len(cs))
	e := &discordgo.MessageEmbed{Title: title, Color: colorAnswer}
	for i, c := range cs {
		where := "`" + codeSafe(c.Source) + "`"
		if u := safeURL(c.URL); u != "" {
			where = titleLink(c.Source, u)
		}
		where = "\n— " + where
		passage := defang(strings.TrimSpace(c.Passage))
		if passage == "" {
			passage = defang(strings.TrimSpace(c.Snippet))
		}
		// ">>> " quotes the rest of the field: the passage and where it
		// comes from.
		const quote = ">>> "
		room := per - len(quote) - runeLen(where)
		if room < 20 {
			where, room = "", per-len(quote)
		}
		if passage == "" {
			passage = "(no text)"
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: names[i], Value: quote + Trim(passage, room) + where})
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

func passageTitle(c answer.Citation) string {
	if strings.TrimSpace(c.Title) != "" {
		return c.Title
	}
	return docTitle(c)
}

package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Reports computes what moderators read in /gaps and /stats.
type Reports interface {
	// Gaps returns the largest groups of questions asked since since that
	// were refused or voted down, largest first, at most limit.
	Gaps(ctx context.Context, since time.Time, limit int) ([]Gap, error)
	// Stats summarises the questions and votes since since.
	Stats(ctx context.Context, since time.Time) (Stats, error)
	// Endorsed returns the answered questions voted since since that
	// several members found helpful, best first, at most limit: their
	// wording is worth teaching. Votes alone teach nothing.
	Endorsed(ctx context.Context, since time.Time, limit int) ([]Endorsement, error)
}

// Endorsement is an answered question several members voted helpful.
type Endorsement struct {
	Question string
	// PassageID, Title and Document name the passage it was answered
	// from.
	PassageID, Title, Document string
	Up, Down                   int
}

// PickedPassage is a suggestion members picked after the refusals of a
// gap, and how many of them did.
type PickedPassage struct {
	PassageID, Title, Document string
	Members                    int
}

// Gap is a group of similar questions the FAQ did not answer well.
type Gap struct {
	// Question is the group's most frequent phrasing.
	Question string
	// Count is how often the group's questions were asked; Refused,
	// Downvoted and Redirected (answered, then another offered entry
	// picked) say how they fell short.
	Count, Refused, Downvoted, Redirected int
	LastAsked                             time.Time
	// Variants are other phrasings, most frequent first.
	Variants []string
	// Picked are the entries members picked among those offered after
	// these refusals and tentative answers, most picked first: the passage
	// they meant, worth teaching.
	Picked []PickedPassage
}

// Stats summarises questions and votes over a period.
type Stats struct {
	Questions, Refused int
	// PerDay counts questions per UTC day, oldest first.
	PerDay        []DayCount
	Up, Down      int
	MedianLatency time.Duration
	// TopSources are the most cited documents, most first.
	TopSources []SourceCount
}

// DayCount is one day's questions.
type DayCount struct {
	// Day is the UTC date, 2006-01-02.
	Day                string
	Questions, Refused int
}

// SourceCount is how many answers cited a document.
type SourceCount struct {
	Document string
	Count    int
}

// Report periods, in days: the default, and the range the option allows.
const (
	defaultReportDays = 7
	maxReportDays     = 365
	// gapsShown is how many gap groups /gaps lists: what fits in an embed
	// with their variants, and more than a moderator will act on at once.
	gapsShown = 10
	// variantsShown is how many other phrasings of a gap are listed.
	variantsShown = 3
	// pickedShown is how many picked suggestions of a gap are listed.
	pickedShown = 2
	// endorsedShown is how many helpful answers /gaps offers to teach.
	endorsedShown = 5
)

const msgNoReports = "Reports aren't available on this bot: it keeps no database."

// slashReport handles /gaps and /stats: moderators only, computed after a
// deferred acknowledgement.
func (b *Bot) slashReport(ctx context.Context, srv Server, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) {
	if !b.moderatorOnly(ctx, srv, i, data.Name) {
		return
	}
	if srv.Reports == nil {
		b.respond(ctx, i, notice(msgNoReports))
		return
	}
	days := min(max(intOption(data.Options, optDays, defaultReportDays), 1), maxReportDays)
	since := time.Now().AddDate(0, 0, -days)
	b.slow(ctx, i, "/"+data.Name, func(ctx context.Context) Reply {
		if data.Name == cmdGaps {
			return b.gaps(ctx, srv.Reports, days, since)
		}
		return b.stats(ctx, srv.Reports, days, since)
	})
}

// gaps renders the gaps report.
func (b *Bot) gaps(ctx context.Context, rep Reports, days int, since time.Time) Reply {
	gaps, err := rep.Gaps(ctx, since, gapsShown)
	if err != nil {
		b.lg.Error("computing the gaps report", "err", err)
		return notice("Sorry, I couldn't compute the report just now. Please try again.")
	}
	endorsed, err := rep.Endorsed(ctx, since, endorsedShown)
	if err != nil {
		b.lg.Error("computing the gaps report", "err", err)
		return notice("Sorry, I couldn't compute the report just now. Please try again.")
	}
	period := "the last " + plural(days, "day")
	if len(gaps) == 0 && len(endorsed) == 0 {
		return notice(fmt.Sprintf("🎉 No gaps in %s: every question was answered and no answer was voted down.", period))
	}
	e := &discordgo.MessageEmbed{
		Title: Trim("🕳️ What the FAQ missed in "+period, maxTitle),
		Description: "Questions I couldn't answer, whose answer was voted down, or after whose answer a member picked another entry I offered, grouped. Write an FAQ entry for the top ones and add it with `/corpus add`, " +
			"or, when an entry answers one in other words, teach it with `/corpus teach`.",
		Color: colorRefusal,
	}
	if len(gaps) == 0 {
		e.Description = fmt.Sprintf("No gaps in %s: every question was answered and no answer was voted down.", period)
	}
	budget := maxEmbedTotal - runeLen(e.Title) - runeLen(e.Description)
	for n, g := range gaps {
		name := Trim(fmt.Sprintf("%d. %s — “%s”", n+1, plural(g.Count, "time"), defang(oneLine(g.Question))), maxFieldName)
		var v strings.Builder
		fmt.Fprintf(&v, "refused %d, voted down %d, %slast asked %s", g.Refused, g.Downvoted, redirected(g.Redirected), g.LastAsked.UTC().Format("2006-01-02 15:04 UTC"))
		if len(g.Variants) > 0 {
			shown := g.Variants[:min(variantsShown, len(g.Variants))]
			quoted := make([]string, len(shown))
			for j, s := range shown {
				quoted[j] = "“" + Trim(defang(oneLine(s)), 80) + "”"
			}
			v.WriteString("\nalso asked as: " + strings.Join(quoted, ", "))
			if len(g.Variants) > len(shown) {
				v.WriteString(", …")
			}
		}
		if len(g.Picked) > 0 {
			shown := g.Picked[:min(pickedShown, len(g.Picked))]
			picked := make([]string, len(shown))
			for j, p := range shown {
				picked[j] = fmt.Sprintf("“%s” (`%s`, %s)", Trim(oneLine(orPassage(p.Title, p.PassageID)), 80), codeSafe(Trim(p.PassageID, 80)), plural(p.Members, "member"))
			}
			v.WriteString("\nmembers picked: " + strings.Join(picked, ", ") + " — worth `/corpus teach`")
		}
		value := Trim(v.String(), maxFieldValue)
		if budget -= runeLen(name) + runeLen(value); budget < 0 || len(e.Fields) == maxFields {
			break
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value})
	}
	if f := endorsedField(endorsed); f != nil && budget-runeLen(f.Name)-runeLen(f.Value) >= 0 && len(e.Fields) < maxFields {
		e.Fields = append(e.Fields, f)
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

// endorsedField offers the answers several members voted helpful as
// phrasings to keep; nil when there are none.
func endorsedField(es []Endorsement) *discordgo.MessageEmbedField {
	if len(es) == 0 {
		return nil
	}
	var v strings.Builder
	for n, en := range es {
		if n > 0 {
			v.WriteByte('\n')
		}
		fmt.Fprintf(&v, "• “%s” → “%s” (`%s`, 👍 %d / 👎 %d)", Trim(oneLine(en.Question), 100),
			Trim(oneLine(orPassage(en.Title, en.PassageID)), 80), codeSafe(Trim(en.PassageID, 80)), en.Up, en.Down)
	}
	return &discordgo.MessageEmbedField{
		Name:  "👍 Answers several members found helpful: keep their wording with /corpus teach",
		Value: Trim(v.String(), maxFieldValue),
	}
}

// orPassage is a passage's title, or its ID when it has none.
func orPassage(title, id string) string {
	if strings.TrimSpace(title) == "" {
		return id
	}
	return title
}

// stats renders the usage statistics.
func (b *Bot) stats(ctx context.Context, rep Reports, days int, since time.Time) Reply {
	st, err := rep.Stats(ctx, since)
	if err != nil {
		b.lg.Error("computing stats", "err", err)
		return notice("Sorry, I couldn't compute the statistics just now. Please try again.")
	}
	period := "the last " + plural(days, "day")
	if st.Questions == 0 && st.Up+st.Down == 0 {
		return notice(fmt.Sprintf("No questions in %s yet.", period))
	}
	rate := 0.0
	if st.Questions > 0 {
		rate = 100 * float64(st.Refused) / float64(st.Questions)
	}
	votes := "no votes"
	if st.Up+st.Down > 0 {
		votes = fmt.Sprintf("👍 %d / 👎 %d (%.0f%% helpful)", st.Up, st.Down, 100*float64(st.Up)/float64(st.Up+st.Down))
	}
	e := &discordgo.MessageEmbed{
		Title: Trim("📊 The FAQ in "+period, maxTitle),
		Color: colorAnswer,
		Fields: []*discordgo.MessageEmbedField{
			{Name: "Questions", Value: fmt.Sprint(st.Questions), Inline: true},
			{Name: "Refused", Value: fmt.Sprintf("%d (%.0f%%)", st.Refused, rate), Inline: true},
			{Name: "Median answer time", Value: answerTime(st.Questions, st.MedianLatency), Inline: true},
			{Name: "Votes", Value: votes},
		},
	}
	if len(st.PerDay) > 0 {
		var s strings.Builder
		for _, d := range st.PerDay[max(0, len(st.PerDay)-14):] {
			fmt.Fprintf(&s, "`%s` %d asked, %d refused\n", d.Day, d.Questions, d.Refused)
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Per day (latest 14)", Value: Trim(strings.TrimSpace(s.String()), maxFieldValue)})
	}
	if len(st.TopSources) > 0 {
		var s strings.Builder
		for n, sc := range st.TopSources {
			fmt.Fprintf(&s, "%d. `%s` — %s\n", n+1, codeSafe(Trim(sc.Document, 100)), plural(sc.Count, "answer"))
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Most cited documents", Value: Trim(strings.TrimSpace(s.String()), maxFieldValue)})
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

// answerTime renders the median answer time of n questions: answer times
// are recorded in whole milliseconds, and an extractive answer takes less
// than one, which rounded to "0s".
func answerTime(n int, median time.Duration) string {
	switch {
	case n == 0:
		return "–"
	case median < time.Millisecond:
		return "under 1ms"
	case median < time.Second:
		return median.Round(time.Millisecond).String()
	}
	return median.Round(100 * time.Millisecond).String()
}

// redirected is "another entry picked n, " for a gap whose answers members left for
// another offered entry n times, "" when they never did.
func redirected(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("another entry picked %d, ", n)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faqbot/faqbot/store"
)

// gapsVariantsShown is how many other phrasings of a gap are printed.
const gapsVariantsShown = 3

func runGaps(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("gaps", "gaps [--days N] [--limit N] [--guild ID]", e.stderr)
	days := fs.Int("days", 7, "look at the questions of the last N days (1-3650)")
	limit := fs.Int("limit", 20, "show at most N groups (1-1000), per server")
	guild := fs.String("guild", "", "only this server's questions (default: every server's, each on its own)")
	if _, err := parseCommand(fs, args, "gaps"); err != nil {
		return err
	}
	if *days < 1 || *days > 3650 {
		return usagef("--days wants a whole number from 1 to 3650, got %d", *days)
	}
	if *limit < 1 || *limit > 1000 {
		return usagef("--limit wants a whole number from 1 to 1000, got %d", *limit)
	}
	cfg, lg, err := e.setup(nil, true)
	if err != nil {
		return err
	}
	w := e.stdout
	st, err := openExistingStore(ctx, cfg, lg)
	if errors.Is(err, errNoStore) {
		fmt.Fprintf(w, "No questions recorded yet: %s does not exist.\nfaqbot records the questions members ask while `faqbot serve` runs (FAQBOT_DATA_DIR sets the folder).\n", storePath(cfg))
		return nil
	}
	if err != nil {
		return err
	}
	defer st.Close()
	since := time.Now().AddDate(0, 0, -*days)
	guilds := []string{*guild}
	if *guild == "" {
		if guilds, err = st.Guilds(ctx); err != nil {
			return err
		}
	}
	if len(guilds) == 0 {
		guilds = []string{store.BaseGuild}
	}
	for i, g := range guilds {
		gaps, err := st.Guild(g).Gaps(ctx, since, *limit)
		if err != nil {
			return err
		}
		endorsed, err := st.Guild(g).Endorsed(ctx, since, *limit)
		if err != nil {
			return err
		}
		if *guild == "" && len(gaps) == 0 && len(endorsed) == 0 && len(guilds) > 1 {
			continue // a server with nothing to report, among several
		}
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		if *guild == "" && (len(guilds) > 1 || g != store.BaseGuild) {
			fmt.Fprintf(e.stdout, "== %s ==\n", serverName(g))
		}
		printGaps(e, gaps, *days, since, g)
		printEndorsed(e, endorsed, g)
	}
	return nil
}

// printEndorsed offers the answers several members voted helpful as
// phrasings to keep: nothing is taught until someone teaches it.
func printEndorsed(e *env, es []store.Endorsement, guild string) {
	if len(es) == 0 {
		return
	}
	w := e.stdout
	fmt.Fprintf(w, "\nAnswers several members found helpful (at least %d more 👍 than 👎); their wording is worth keeping:\n", store.EndorsedNet)
	for _, en := range es {
		fmt.Fprintf(w, "  %q -> %s (👍 %d, 👎 %d)\n", en.Question, en.Sources[0], en.Up, en.Down)
	}
	fmt.Fprintf(w, "Keep one with: faqbot teach%s --passage ID \"QUESTION\" (or /corpus teach in Discord).\n", guildFlag(guild))
}

// serverName names a server's records for the operator.
func serverName(guild string) string {
	if guild == store.BaseGuild {
		return "records from before servers were kept apart, with no server to name"
	}
	return "server " + guild
}

// printGaps prints the gap report of guild, largest group first.
func printGaps(e *env, gaps []store.Gap, days int, since time.Time, guild string) {
	w := e.stdout
	period := "the last " + count(days, "day")
	if len(gaps) == 0 {
		fmt.Fprintf(w, "No gaps in %s: every question was answered and no answer was voted down.\n", period)
		return
	}
	fmt.Fprintf(w, "Questions faqbot could not answer, whose answer was voted down, or after whose answer a member picked another entry offered, in %s (since %s):\n",
		period, since.Format("2006-01-02"))
	for i, g := range gaps {
		fmt.Fprintf(w, "\n%2d. %s  %q\n", i+1, count(g.Count, "time"), g.Question)
		picked := ""
		if g.Redirected > 0 {
			picked = fmt.Sprintf("another entry picked %d, ", g.Redirected)
		}
		fmt.Fprintf(w, "    refused %d, voted down %d, %slast asked %s\n", g.Refused, g.Downvoted, picked, g.LastAsked.Local().Format("2006-01-02 15:04"))
		if len(g.Variants) > 0 {
			shown := g.Variants[:min(gapsVariantsShown, len(g.Variants))]
			quoted := make([]string, len(shown))
			for j, v := range shown {
				quoted[j] = strconv.Quote(v)
			}
			more := ""
			if len(g.Variants) > len(shown) {
				more = ", …"
			}
			fmt.Fprintf(w, "    also asked as: %s%s\n", strings.Join(quoted, ", "), more)
		}
		for _, p := range g.Picked {
			fmt.Fprintf(w, "    members picked the suggestion %s %q (%s): teach it with faqbot teach%s --passage %s %q\n",
				p.Passage.ChunkID, p.Passage.Title, count(p.Members, "member"), guildFlag(guild), p.Passage.ChunkID, g.Question)
		}
	}
	fmt.Fprintf(w, "\nWrite an FAQ entry for the top groups, then add it with /corpus add or put it in the corpus folder;\n"+
		"when an entry already answers one in other words, teach it (faqbot teach, or /corpus teach in Discord).\n")
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/evalset"
	"github.com/faqbot/faqbot/retrieval"
)

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("eval", "eval --questions FILE.jsonl [--corpus DIR] [--index DIR] [--min-relevance X] [-k N] [-v]", e.stderr)
	var f indexFlags
	f.register(fs, true)
	file := fs.String("questions", "", "question set, one JSON object per line (required)")
	verbose := fs.Bool("v", false, "print every question's result, not only the misses")
	if _, err := parseCommand(fs, args, "eval"); err != nil {
		return err
	}
	if *file == "" {
		return usagef("eval needs --questions FILE.jsonl")
	}
	r, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("opening the question set: %w", err)
	}
	defer r.Close()
	qs, err := evalset.Read(r)
	if err != nil {
		return fmt.Errorf("reading %s: %w", *file, err)
	}
	cfg, lg, err := e.setup(&f, true)
	if err != nil {
		return err
	}
	st, err := openStack(ctx, e, cfg, lg, false)
	if err != nil {
		return err
	}
	warnUnknownSources(e.stderr, *file, evalset.CheckSources(qs, docIDs(st.lib.Corpus())))
	res, err := evalset.Run(ctx, qs, st.engine, st.lib, cfg.TopK)
	if err != nil {
		return err
	}
	res.GroupBySharedWords(st.lib.Index().Chunks())
	cal := st.lib.Index().Calibration()
	writeCalibration(e.stdout, cal)
	fmt.Fprintln(e.stdout)
	writeEval(e.stdout, *file, res, cal, *verbose)
	return nil
}

// warnUnknownSources says when the set's sources name no document of the
// corpus: run against the wrong corpus, a set otherwise scores 0% with no
// hint why.
func warnUnknownSources(w io.Writer, name string, c evalset.SourceCheck) {
	if len(c.Unknown) == 0 {
		return
	}
	list := make([]string, 0, maxListedSources)
	for i, s := range c.Unknown {
		if i == maxListedSources {
			list = append(list, fmt.Sprintf("and %d more", len(c.Unknown)-maxListedSources))
			break
		}
		list = append(list, strconv.Quote(s))
	}
	if c.Orphans == c.Answerable {
		fmt.Fprintf(w, "faqbot: warning: no source named in %s matches a document of this corpus (%s): is --corpus the folder the set was written for? Every answerable question will count as a miss.\n",
			name, strings.Join(list, ", "))
		return
	}
	what := fmt.Sprintf("%d sources named in %s match", len(c.Unknown), name)
	if len(c.Unknown) == 1 {
		what = fmt.Sprintf("1 source named in %s matches", name)
	}
	fmt.Fprintf(w, "faqbot: warning: %s no document of this corpus (%s); %d of %d answerable questions name no source that does and will count as misses.\n",
		what, strings.Join(list, ", "), c.Orphans, c.Answerable)
}

// maxListedSources bounds the unknown sources a warning names.
const maxListedSources = 5

// docIDs lists the IDs of the corpus's documents.
func docIDs(set *corpus.Set) []string {
	ids := make([]string, len(set.Documents))
	for i, d := range set.Documents {
		ids[i] = d.ID
	}
	return ids
}

func writeEval(w io.Writer, name string, r evalset.Report, cal retrieval.Calibration, verbose bool) {
	fmt.Fprintf(w, "Question set: %s (%s: %d answerable, %d not)\n\n", name, count(r.Total, "question"), r.Answerable, r.Unanswerable)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tvalue\n")
	fmt.Fprintf(tw, "hit@%d (right document retrieved)\t%s\n", r.K, pct(r.HitAtK))
	fmt.Fprintf(tw, "MRR (retrieval)\t%.3f\n", r.MRR)
	fmt.Fprintf(tw, "right document among cited sources\t%s\n", pct(r.CitedRight))
	if r.TitledQuestions > 0 {
		fmt.Fprintf(tw, "right entry as top source\t%s\n", pct(r.TopTitleRight))
	}
	fmt.Fprintf(tw, "fact recall (all key facts in the answer)\t%s\n", pct(r.FactRecall))
	fmt.Fprintf(tw, "facts in answered answers (%d answered)\t%s\n", r.Answered, pct(r.AnsweredFacts))
	fmt.Fprintf(tw, "refusal accuracy (unanswerable refused)\t%s\n", pct(r.RefusalAccuracy))
	fmt.Fprintf(tw, "false refusals (answerable refused)\t%s\n", pct(r.FalseRefusals))
	if r.Answerable > 0 {
		fmt.Fprintf(tw, "answerable answered from another document\t%s\n", pct(r.AnsweredElsewhere))
	}
	if t := r.Tentative; t.RightOf+t.ElsewhereOf+t.OffTopicOf > 0 {
		fmt.Fprintf(tw, "answers marked tentative\t%d of %d right, %d of %d from another document or entry, %d of %d to off-topic questions\n",
			t.Right, t.RightOf, t.Elsewhere, t.ElsewhereOf, t.OffTopic, t.OffTopicOf)
		if t.Elsewhere > 0 {
			fmt.Fprintf(tw, "tentative answers from another document, offering the right one\t%d of %d\n", t.ElsewhereOffersRight, t.Elsewhere)
		}
	}
	if r.RefusedAnswerable > 0 {
		fmt.Fprintf(tw, "answerable refused, right document suggested\t%d of %d\n", r.RefusedRightSuggested, r.RefusedAnswerable)
	}
	if r.RefusedUnanswerable > 0 {
		fmt.Fprintf(tw, "unanswerable refused, offering suggestions\t%d of %d\n", r.RefusedUnanswerableSuggesting, r.RefusedUnanswerable)
	}
	fmt.Fprintf(tw, "latency p50 / p95 / max\t%s / %s / %s\n", ms(r.P50), ms(r.P95), ms(r.Max))
	if r.Answerable > 0 {
		a := r.AnswerableScores
		fmt.Fprintf(tw, "top confidence, answerable (min / median / max)\t%.3f / %.3f / %.3f\n", a.Min, a.Median, a.Max)
	}
	if r.Unanswerable > 0 {
		u := r.UnanswerableScores
		fmt.Fprintf(tw, "top confidence, unanswerable (min / median / max)\t%.3f / %.3f / %.3f\n", u.Min, u.Median, u.Max)
	}
	if g := r.FewShared; g.Questions > 0 {
		fmt.Fprintf(tw, "sharing <= %d content word with the answer (%s)\t%s answered right, %s refused, hit@%d %s\n",
			evalset.FewSharedWords, count(g.Questions, "question"), pct(g.Answered), pct(g.Refused), r.K, pct(g.HitAtK))
	}
	tw.Flush()
	writeBestCut(w, r, cal)

	var shown []evalset.Result
	for _, q := range r.Results {
		if verbose || !q.OK() {
			shown = append(shown, q)
		}
	}
	if len(shown) == 0 {
		fmt.Fprintln(w, "\nNo misses.")
		return
	}
	if verbose {
		fmt.Fprintln(w, "\nResults:")
	} else {
		fmt.Fprintln(w, "\nMisses:")
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].Line < shown[j].Line })
	for _, q := range shown {
		shares := ""
		if q.Shared >= 0 {
			shares = fmt.Sprintf(" (shares %s with its answer)", count(q.Shared, "content word"))
		}
		verdict := "answered"
		if q.Answer.Refused {
			verdict = "refused"
		}
		problems := strings.Join(q.Problems(), "; ")
		if problems == "" {
			problems = "ok" // -v lists the questions that passed too
		}
		fmt.Fprintf(w, "- line %d %q%s: %s (%s, margin %+.3f)\n", q.Line, q.Question.Question, shares, problems, verdict, q.Margin)
		if verbose || !q.OK() {
			fmt.Fprintf(w, "    answer: %s\n", answer.Snippet(q.Answer.Text, 200))
		}
	}
}

// writeBestCut says which threshold would have served the set best, so an
// operator can tell a misplaced threshold from evidence that cannot tell
// the set's questions apart, and has a value to try on a community's own
// set.
func writeBestCut(w io.Writer, r evalset.Report, cal retrieval.Calibration) {
	best, now, ok := r.BestCut(cal)
	if !ok {
		return
	}
	fmt.Fprintf(w, "\nRelevance threshold %.3f refused %s of the off-topic questions and %s of the answerable ones.\n",
		now.Relevance, pct(now.OffTopicRefused), pct(now.AnswerableRefused))
	if best == now {
		fmt.Fprintln(w, "No other threshold decides this set better.")
		return
	}
	fmt.Fprintf(w, "Measured on this set itself, %.3f would have decided it best: %s of the off-topic questions refused, %s of the answerable ones.\n",
		best.Relevance, pct(best.OffTopicRefused), pct(best.AnswerableRefused))
	fmt.Fprintf(w, "Check it on questions the set does not hold before setting it (--min-relevance %.3f, or FAQBOT_MIN_RELEVANCE).\n", best.Relevance)
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
)

// maxListedPairs bounds the near-duplicate pairs printed: a corpus of
// templated pages can have tens of thousands, and the count says enough.
const maxListedPairs = 20

func runIndex(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("index", "index [--corpus DIR] [--index DIR] [--min-relevance X]", e.stderr)
	var f indexFlags
	f.register(fs, false)
	if _, err := parseCommand(fs, args, "index"); err != nil {
		return err
	}
	// The report below says what the info logs would; on a terminal they
	// would only scroll the progress away.
	cfg, lg, err := e.setup(&f, true)
	if err != nil {
		return err
	}
	start := time.Now()
	saved := savedDocs(indexDir(cfg))
	// `faqbot index` reads the whole saved index to check it, which a
	// one-shot question does not. Its report lists the skipped files,
	// which a warning each would only repeat.
	st, err := openStack(ctx, e, cfg, lg, true, func(o *library.Options) { o.Verify, o.SkipsListed = true, true })
	if err != nil {
		return err
	}
	w := e.stdout
	stats, rep := st.lib.Stats(), st.lib.Report()
	fmt.Fprintf(w, "Corpus:     %s, %s\n", count(stats.Documents, "document"), count(stats.Passages, "passage"))
	if saved != nil {
		ch := docChanges(saved, st.lib)
		fmt.Fprintf(w, "Changes:    %s\n", ch.Summary())
		recordIndexChange(ctx, cfg, ch, lg)
	}
	for _, s := range stats.Skips {
		fmt.Fprintf(w, "Skipped:    %s (%s)\n", s.Path, s.Reason)
	}
	dups, err := st.lib.Duplicates()
	if err != nil {
		lg.Warn("near-duplicates unavailable", "err", err)
	}
	fmt.Fprintf(w, "Duplicates: %s, %s marked as duplicates\n", count(len(dups.Documents), "near-duplicate document pair"), count(dups.Passages, "passage"))
	for i, d := range dups.Documents {
		if i == maxListedPairs {
			fmt.Fprintf(w, "            … and %d more pairs\n", len(dups.Documents)-maxListedPairs)
			break
		}
		fmt.Fprintf(w, "            %s ~ %s (similarity %.2f)\n", d.A, d.B, d.Similarity)
	}
	fmt.Fprintf(w, "Index:      %s (%s)\n", st.dir, openSummary(rep))
	fmt.Fprintf(w, "Embedder:   %s, %d dimensions\n", st.emb.Name(), st.emb.Dim())
	writeCalibration(w, st.lib.Index().Calibration())
	if err := syncBaseTaught(ctx, w, cfg, st, lg); err != nil {
		return err
	}
	fmt.Fprintf(w, "Time:       %s\n", time.Since(start).Round(time.Millisecond))
	if rep.SaveErr != nil {
		// Answers still work, from an index rebuilt by every command, but
		// saving it is what index is for: say so, and exit non-zero.
		return fmt.Errorf("the index is not saved, so every command will rebuild it (--index or FAQBOT_INDEX_DIR must name a folder faqbot can write): %w", rep.SaveErr)
	}
	return nil
}

// openSummary says in one line whether the index was loaded or rebuilt.
func openSummary(r retrieval.OpenReport) string {
	var s string
	if r.Loaded {
		s = fmt.Sprintf("loaded in %s", r.Load.Round(time.Millisecond))
	} else {
		s = fmt.Sprintf("rebuilt: %s; %s embedded, %d reused, in %s", r.Reason, count(r.Embedded, "passage"), r.Reused, (r.Build + r.Save).Round(time.Millisecond))
	}
	switch {
	case r.SaveErr != nil:
		s += "; NOT SAVED"
	case r.Warning != "":
		s += "; warning: " + r.Warning
	}
	return s
}

// count renders n with its noun, singular or plural: "1 document",
// "2 documents", "0 passages".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeCalibration prints what the index measured about its corpus and
// embedder: how the built-in off-topic questions and the corpus's own
// reworded titles score, and the threshold between them.
func writeCalibration(w io.Writer, c retrieval.Calibration) {
	fmt.Fprintf(w, "Relevance:  threshold %.3f (%s)\n", c.Cut(), thresholdSource(c))
	fmt.Fprintf(w, "            off-topic questions  %s\n", c.OffTopic)
	fmt.Fprintf(w, "            answerable questions %s\n", c.Answerable)
	if c.Answerable.N > 0 && c.Answerable.P10 < c.OffTopic.P90 {
		fmt.Fprintf(w, "            the groups overlap: expect some off-topic questions answered and some answerable ones refused\n")
	}
	if c.VectorOn-c.VectorOff < retrieval.MinVectorSpread {
		fmt.Fprintf(w, "            cosine: off-topic %.3f, titles %.3f: too close to tell apart, words only\n", c.VectorOff, c.VectorOn)
	} else {
		fmt.Fprintf(w, "            cosine: off-topic up to %.3f, titles %.3f\n", c.VectorOff, c.VectorOn)
	}
	if c.Expander != "" {
		fmt.Fprintf(w, "            questions widened with related words (%s)\n", c.Expander)
	} else {
		fmt.Fprintf(w, "            questions not widened with related words (FAQBOT_SYNONYMS=0)\n")
	}
}

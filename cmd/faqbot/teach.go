package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/kb"
	"github.com/faqbot/faqbot/store"
)

// teachCandidates is how many passages `faqbot teach` lists when it is not
// told which passage answers the question.
const teachCandidates = 5

func runTeach(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("teach", "teach [--guild ID] --passage ID QUESTION | --list | --remove N[,N…]", e.stderr)
	var f indexFlags
	f.register(fs, false)
	guild := fs.String("guild", "", "the server whose FAQ is taught (default: the base corpus, which `faqbot ask` answers from and every server shares)")
	passage := fs.String("passage", "", "the passage that answers QUESTION, by ID (file#n); without it the closest passages are listed")
	list := fs.Bool("list", false, "list the taught phrasings and where each passage is now")
	remove := fs.String("remove", "", "remove the taught phrasings with these numbers (from --list), comma-separated")
	pos, err := parseCommand(fs, args, "")
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	modes := 0
	for _, on := range []bool{*list, *remove != "", question != ""} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return usagef("teach wants a QUESTION (with --passage), --list or --remove, one of them")
	}
	var ids []int64
	if *remove != "" {
		for _, s := range strings.Split(*remove, ",") {
			n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
			if err != nil || n <= 0 {
				return usagef("--remove wants the numbers --list shows, e.g. --remove 3,7; got %q", s)
			}
			ids = append(ids, n)
		}
	}
	cfg, lg, err := e.setup(&f, true)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, lg)
	if err != nil {
		return err
	}
	defer db.Close()
	shared, err := sharedCLI(ctx, &cfg, db, lg)
	if err != nil {
		return err
	}
	st, err := openStack(ctx, e, cfg, lg, false)
	if err != nil {
		return err
	}
	kbs, err := cliManager(cfg, st, db, lg, shared)
	if err != nil {
		return err
	}
	g := *guild
	if g == store.BaseGuild && noBase(cfg) {
		return usagef("there is no base corpus to teach (FAQBOT_BASE_GUILDS=none): name a server with --guild")
	}
	t := cliTeacher{e: e, kbs: kbs, log: db.Guild(g), guild: g, topK: cfg.TopK, lg: lg}
	switch {
	case *list:
		return t.list(ctx)
	case len(ids) > 0:
		return t.remove(ctx, ids)
	case *passage == "":
		if err := t.candidates(ctx, question); err != nil {
			return err
		}
		return usageError{msg: "say which passage answers it with --passage ID", hint: "The IDs above are the closest passages; --list shows what is taught."}
	}
	return t.teach(ctx, question, strings.TrimSpace(*passage))
}

// cliManager is a knowledge-base manager for the command line, set up as
// serve sets up its own (kbOptions), so that a server's index the command
// line builds or refreshes is calibrated, widened and judged as the bot's
// is (and serve need not calibrate it again); shared, when not nil, points
// it at a shared database's documents.
func cliManager(cfg config.Config, st *stack, db store.Store, lg *slog.Logger, shared func(*kb.Options)) (*kb.Manager, error) {
	opts := kbOptions(cfg, st, db, lg)
	if shared != nil {
		shared(&opts)
	}
	return kb.New(opts)
}

// kbOptions are the servers' knowledge bases as serve runs them: the base
// corpus unless FAQBOT_BASE_GUILDS is none, the relevance setting, the
// word expander and the memory budget of the settings, and the taught
// phrasings in db.
func kbOptions(cfg config.Config, st *stack, db store.Store, lg *slog.Logger) kb.Options {
	base := st.lib
	if noBase(cfg) {
		base = nil
	}
	return kb.Options{
		Dir: guildsDir(cfg), Base: base, BaseGuilds: cfg.BaseGuilds, Embedder: st.emb,
		MinRelevance: cfg.MinRelevance, Expander: st.exp, MemoryBudget: int64(cfg.MemoryMB) << 20,
		Teachings: kb.StoreTeachings(db), Logger: lg,
	}
}

// cliTeacher is `faqbot teach` for one server (or the base).
type cliTeacher struct {
	e     *env
	kbs   *kb.Manager
	log   store.Guild
	guild string
	topK  int
	lg    *slog.Logger
}

// where names the knowledge base taught, for messages.
func (t cliTeacher) where() string {
	if t.guild == store.BaseGuild {
		return "the base corpus"
	}
	return "server " + t.guild
}

func (t cliTeacher) teach(ctx context.Context, question, chunkID string) error {
	w := t.e.stdout
	stored, replaced, err := t.kbs.Teach(ctx, t.guild, question, chunkID, "cli", "cli")
	switch {
	case errors.Is(err, kb.ErrNoPassage):
		fmt.Fprintf(w, "%s has no passage %q.\n", t.where(), chunkID)
		if cerr := t.candidates(ctx, question); cerr != nil {
			return cerr
		}
		return usageError{msg: fmt.Sprintf("no passage %q in %s", chunkID, t.where()), hint: "Pick one of the IDs above."}
	case errors.Is(err, store.ErrBadPhrasing), errors.Is(err, store.ErrTooManyPhrasings):
		return usagef("%v", err)
	case err != nil:
		return err
	}
	recordTeaching(ctx, t.log, "cli", store.ActionTeach, stored, t.lg)
	fmt.Fprintf(w, "Taught in %s: %q is answered by %s %q (#%d).\n", t.where(), stored.Question, stored.Passage.ChunkID, stored.Passage.Title, stored.ID)
	if replaced.ID != 0 && replaced.Passage.ChunkID != stored.Passage.ChunkID {
		fmt.Fprintf(w, "It was taught before as answered by %s %q; that is replaced.\n", replaced.Passage.ChunkID, replaced.Passage.Title)
	}
	// What a member asking it now gets: the check that teaching worked.
	a, err := answer.New(t.kbs.Searcher(t.guild), answer.Options{K: t.topK}).Answer(ctx, answer.Question{Text: stored.Question})
	if err != nil {
		return fmt.Errorf("checking the answer: %w", err)
	}
	switch {
	case a.Refused:
		fmt.Fprintln(w, "Asked now, it is still refused: the FAQ's own wording decides against it. Try a shorter phrasing, or add an FAQ entry.")
	case len(a.Citations) > 0 && a.Citations[0].ChunkID != stored.Passage.ChunkID:
		fmt.Fprintf(w, "Asked now, it is answered from %s %q, which matches it better.\n", a.Citations[0].ChunkID, a.Citations[0].Title)
	default:
		fmt.Fprintln(w, "Asked now, it is answered from that passage.")
	}
	return nil
}

// candidates lists the passages closest to question, to teach one of.
func (t cliTeacher) candidates(ctx context.Context, question string) error {
	hits, err := t.kbs.Searcher(t.guild).Search(ctx, question, teachCandidates)
	if err != nil {
		return fmt.Errorf("searching %s: %w", t.where(), err)
	}
	w := t.e.stdout
	if len(hits) == 0 {
		fmt.Fprintf(w, "Nothing in %s is near %q.\n", t.where(), question)
		return nil
	}
	fmt.Fprintf(w, "The passages of %s closest to %q:\n", t.where(), question)
	for _, h := range hits {
		fmt.Fprintf(w, "  %-28s %s\n", h.Chunk.ID, answer.Snippet(h.Chunk.Title, 70))
	}
	fmt.Fprintf(w, "Teach it with: faqbot teach%s --passage ID %q\n", guildFlag(t.guild), question)
	return nil
}

func guildFlag(guild string) string {
	if guild == store.BaseGuild {
		return ""
	}
	return " --guild " + guild
}

func (t cliTeacher) list(ctx context.Context) error {
	ts, err := t.kbs.Taught(ctx, t.guild)
	if err != nil {
		return err
	}
	w := t.e.stdout
	if len(ts) == 0 {
		fmt.Fprintf(w, "Nothing is taught in %s yet: faqbot teach%s --passage ID QUESTION teaches a question.\n", t.where(), guildFlag(t.guild))
		return nil
	}
	fmt.Fprintf(w, "Taught phrasings of %s:\n", t.where())
	for _, p := range ts {
		state := ""
		switch {
		case p.Gone:
			state = "  [its passage is gone: dropped at the next change or reindex]"
		case p.Base && t.guild != store.BaseGuild:
			state = "  [a base passage]"
		}
		fmt.Fprintf(w, "  #%-4d %q -> %s %q, taught by %s on %s%s\n", p.ID, p.Question, p.Passage.ChunkID,
			answer.Snippet(p.Passage.Title, 60), whoOr(p.Who), p.At.Local().Format("2006-01-02"), state)
	}
	return nil
}

func whoOr(who string) string {
	if who == "" {
		return "unknown"
	}
	return who
}

func (t cliTeacher) remove(ctx context.Context, ids []int64) error {
	gone, err := t.kbs.Unteach(ctx, t.guild, ids...)
	if err != nil {
		return err
	}
	w := t.e.stdout
	for _, p := range gone {
		recordTeaching(ctx, t.log, "cli", store.ActionUnteach, p, t.lg)
		fmt.Fprintf(w, "Removed #%d %q (answered by %s).\n", p.ID, p.Question, p.Passage.ChunkID)
	}
	if len(gone) < len(ids) {
		return fmt.Errorf("%d of the numbers given are no taught phrasing of %s (see faqbot teach%s --list)", len(ids)-len(gone), t.where(), guildFlag(t.guild))
	}
	return nil
}

// recordTeaching writes a phrasing taught or removed to the change log; a
// failure is logged, the teaching is done either way.
func recordTeaching(ctx context.Context, log store.Guild, who string, action store.Action, p store.Phrasing, lg *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), changeLogTimeout)
	defer cancel()
	err := log.RecordChange(ctx, store.Change{At: time.Now(), Who: who, Action: action, Document: p.Passage.ChunkID, Summary: p.Question})
	if err != nil {
		lg.Error("writing the corpus change log", "guild", log.ID(), "action", action, "err", err)
	}
}

// recordDropped writes to the change log that phrasings were dropped
// because a change by who removed their passages.
func recordDropped(ctx context.Context, log store.Guild, who string, dropped []store.Phrasing, lg *slog.Logger) {
	for _, p := range dropped {
		p.Question += " (its passage is gone)"
		recordTeaching(ctx, log, who, store.ActionUnteach, p, lg)
	}
}

// taughtSearcher is the searcher of the base corpus with the phrasings the
// operator taught it (`faqbot teach` without --guild), when the data
// folder's database has any; nil otherwise. done closes the database.
// A database that cannot be read costs the phrasings, not the answer.
func taughtSearcher(ctx context.Context, cfg config.Config, st *stack, lg *slog.Logger) (answer.Searcher, func()) {
	db, err := openExistingStore(ctx, cfg, lg)
	if errors.Is(err, errNoStore) {
		return nil, nil
	}
	if err != nil {
		lg.Warn("answering without the taught phrasings", "err", err)
		return nil, nil
	}
	ps, err := db.Guild(store.BaseGuild).Phrasings(ctx)
	if err != nil || len(ps) == 0 {
		if err != nil {
			lg.Warn("answering without the taught phrasings", "err", err)
		}
		db.Close()
		return nil, nil
	}
	// The base as `faqbot ask` sees it is the base whatever
	// FAQBOT_BASE_GUILDS gives it to.
	kbs, err := kb.New(kb.Options{Dir: guildsDir(cfg), Base: st.lib, Embedder: st.emb, Teachings: kb.StoreTeachings(db), Logger: lg})
	if err != nil {
		db.Close()
		lg.Warn("answering without the taught phrasings", "err", err)
		return nil, nil
	}
	return kbs.Searcher(store.BaseGuild), func() { db.Close() }
}

// syncBaseTaught brings the operator's taught phrasings of the base in
// line with the corpus just indexed: moved passages are followed, and the
// phrasings whose passage is gone are dropped, recorded and listed on w.
// With no database there is nothing taught.
func syncBaseTaught(ctx context.Context, w io.Writer, cfg config.Config, st *stack, lg *slog.Logger) error {
	db, err := openExistingStore(ctx, cfg, lg)
	if errors.Is(err, errNoStore) {
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	kbs, err := kb.New(kb.Options{Dir: guildsDir(cfg), Base: st.lib, Embedder: st.emb, Teachings: kb.StoreTeachings(db), Logger: lg})
	if err != nil {
		return err
	}
	return dropGoneTaught(ctx, w, kbs, db.Guild(store.BaseGuild), "Taught:     ", "            ", lg)
}

// dropGoneTaught drops the taught phrasings of log's knowledge base whose
// passage a change took out, records each in the change log as the command
// line's, and lists them on w: a line starting with lead, then one line
// each, indented by indent.
func dropGoneTaught(ctx context.Context, w io.Writer, kbs *kb.Manager, log store.Guild, lead, indent string, lg *slog.Logger) error {
	dropped, err := kbs.SyncTaught(ctx, log.ID())
	if err != nil {
		return err
	}
	recordDropped(ctx, log, whoCLI, dropped, lg)
	if len(dropped) > 0 {
		fmt.Fprintf(w, "%sDropped %s whose passage is gone:\n", lead, count(len(dropped), "taught phrasing"))
		for _, p := range dropped {
			fmt.Fprintf(w, "%s#%d %q (was %s %q)\n", indent, p.ID, p.Question, p.Passage.ChunkID, answer.Snippet(p.Passage.Title, 60))
		}
	}
	return nil
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Corpus changes the documents a server's moderators manage from
// Discord. Each change is indexed before it returns, and recorded in the
// server's change log with who made it. The operator's base documents are
// listed but read-only: changing one fails with ErrReadOnly.
type Corpus interface {
	// Add saves an uploaded document and indexes it.
	Add(ctx context.Context, u Upload) (CorpusChange, error)
	// Remove takes the document id out of the corpus (recoverably).
	Remove(ctx context.Context, id, who string) (CorpusChange, error)
	// List returns the server's documents, then the base's (ReadOnly).
	List(ctx context.Context) ([]CorpusDocument, error)
}

// ErrReadOnly means a change to a document of the operator's base FAQ,
// which answers in every server and no server's moderators may change.
var ErrReadOnly = errors.New("the document belongs to the bot's base FAQ")

// Reindexer rebuilds the index from the corpus folder beside the live one
// and swaps it in (questions keep being answered meanwhile), recording who
// asked. The bot serialises calls.
type Reindexer interface {
	Reindex(ctx context.Context, who string) (ReindexResult, error)
}

// Upload is a document a moderator attached to /corpus add.
type Upload struct {
	// Name is the attachment's file name, as uploaded (not yet cleaned).
	Name string
	Data []byte
	// Title, when set, becomes the document's title.
	Title string
	// Replace allows replacing a document of the same name.
	Replace bool
	// Who is the moderator, for the change log.
	Who string
}

// CorpusChange says what a corpus change did.
type CorpusChange struct {
	// Document is the document's ID (its cleaned file name).
	Document string
	Title    string
	// Passages is how many passages the document gave (0 for a removal).
	Passages int
	// Replaced is set when an upload replaced a document of that name.
	Replaced bool
	// Embedded and Reused count passages embedded anew and reused.
	Embedded, Reused int
	// MovedTo is where a removed document went, relative to the corpus
	// folder, when known.
	MovedTo string
	Took    time.Duration
	// Skipped lists the corpus folder's files that are not loaded, each
	// as "path (reason)".
	Skipped []string
	// Untaught are the taught phrasings dropped because the change
	// removed their passage.
	Untaught []Phrasing
}

// CorpusDocument is one document as /corpus list shows it.
type CorpusDocument struct {
	ID, Title string
	Passages  int
	// Modified is the file's modification time; zero when unknown.
	Modified time.Time
	Size     int64
	// AddedBy and AddedAt say who last added it with /corpus add; empty
	// for documents put in the folder otherwise.
	AddedBy string
	AddedAt time.Time
	// ReadOnly marks a document of the operator's base FAQ.
	ReadOnly bool
	// Source is the ID of the source the document is a page of (0 for
	// an upload): it goes with its source, not on its own.
	Source int64
}

// Option and subcommand names of /corpus.
const (
	subAdd      = "add"
	subRemove   = "remove"
	subList     = "list"
	optFile     = "file"
	optTitle    = "title"
	optReplace  = "replace"
	optDays     = "days"
	msgNoCorpus = "Changing the corpus from Discord isn't available on this bot."
)

// slashCorpus routes /corpus; every subcommand is for moderators only.
func (b *Bot) slashCorpus(ctx context.Context, srv Server, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) {
	if !b.moderatorOnly(ctx, srv, i, cmdCorpus) {
		return
	}
	if srv.Corpus == nil {
		b.respond(ctx, i, notice(msgNoCorpus))
		return
	}
	sub, opts := subcommand(data)
	switch sub {
	case subAdd:
		url := strings.TrimSpace(stringOption(opts, optURL))
		file := stringOption(opts, optFile)
		switch {
		case url != "" && file != "":
			b.respond(ctx, i, notice("Give either a file or a URL, not both."))
		case url != "" && (stringOption(opts, optTitle) != "" || boolOption(opts, optReplace)):
			b.respond(ctx, i, notice("`title:` and `replace:` are for files: a source's pages keep their own titles, and a source is refreshed rather than replaced (`/corpus refresh`)."))
		case url != "":
			b.corpusAddURL(ctx, srv, i, url)
		default:
			b.corpusAdd(ctx, srv.Corpus, i, data, opts)
		}
	case subRemove:
		id := strings.TrimSpace(stringOption(opts, optDocument))
		src := strings.TrimSpace(stringOption(opts, optSource))
		switch {
		case id != "" && src != "":
			b.respond(ctx, i, notice("Remove a document or a source, one at a time."))
		case src != "":
			b.slow(ctx, i, "/corpus remove source:", func(ctx context.Context) Reply { return b.corpusRemoveSource(ctx, srv, i, src) })
		case id == "":
			b.respond(ctx, i, notice("Which one? Pick a document with `/corpus remove document:`, or a source with `/corpus remove source:`."))
		default:
			b.slow(ctx, i, "/corpus remove", func(ctx context.Context) Reply { return b.corpusRemove(ctx, srv.Corpus, i, id) })
		}
	case subList:
		b.slow(ctx, i, "/corpus list", func(ctx context.Context) Reply { return b.withTaught(ctx, srv, i, b.corpusList(ctx, srv.Corpus)) })
	case subSources:
		b.slow(ctx, i, "/corpus sources", func(ctx context.Context) Reply { return b.corpusSources(ctx, srv) })
	case subRefresh:
		b.corpusRefresh(ctx, srv, i, stringOption(opts, optSource))
	case subTeach:
		b.corpusTeach(ctx, srv, i, opts)
	case subUnteach:
		b.corpusUnteach(ctx, srv, i, opts)
	default:
		b.respond(ctx, i, notice("Use `/corpus add`, `/corpus remove`, `/corpus list`, `/corpus sources`, `/corpus refresh`, `/corpus teach` or `/corpus unteach`."))
	}
}

// corpusAdd handles /corpus add: the attachment is checked (name, declared
// size) before anything is downloaded, then downloaded with a hard cap,
// then saved and indexed.
func (b *Bot) corpusAdd(ctx context.Context, docs Corpus, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	att := attachment(data, stringOption(opts, optFile))
	if att == nil {
		b.respond(ctx, i, notice("Attach the document to add with `/corpus add file:`, or give a web page, a sitemap or a Git repository with `/corpus add url:`."))
		return
	}
	if err := checkAttachment(att, b.cfg.MaxUploadBytes); err != nil {
		b.lg.Info("upload refused before download", "user", userID(i), "file", att.Filename, "size", att.Size, "err", err)
		b.respond(ctx, i, notice(corpusError(err, b.cfg.MaxUploadBytes)))
		return
	}
	u := Upload{Name: att.Filename, Title: stringOption(opts, optTitle), Replace: boolOption(opts, optReplace), Who: who(i)}
	b.slow(ctx, i, "/corpus add", func(ctx context.Context) Reply {
		var err error
		if u.Data, err = b.download(ctx, att, b.cfg.MaxUploadBytes); err != nil {
			b.lg.Warn("downloading an upload", "user", userID(i), "file", att.Filename, "err", err)
			return notice(corpusError(err, b.cfg.MaxUploadBytes))
		}
		var ch CorpusChange
		ran := b.exclusive(ctx, i.GuildID, func() { b.waitNote(ctx, i) }, func() { ch, err = docs.Add(ctx, u) })
		if !ran {
			err = ctx.Err()
		}
		if err != nil {
			b.lg.Warn("document not added", "user", u.Who, "file", att.Filename, "err", err)
			return notice(corpusError(err, b.cfg.MaxUploadBytes))
		}
		b.lg.Info("document added", "guild", i.GuildID, "user", u.Who, "document", ch.Document, "passages", ch.Passages, "replaced", ch.Replaced)
		verb := "Added"
		if ch.Replaced {
			verb = "Replaced"
		}
		return notice(fmt.Sprintf("✅ %s `%s`%s: %s, answered from now on.\n%s embedded, %d reused, in %s.%s%s",
			verb, codeSafe(ch.Document), titled(ch.Title), plural(ch.Passages, "passage"), plural(ch.Embedded, "passage"), ch.Reused, ch.Took.Round(time.Millisecond),
			skippedNote(ch.Skipped), droppedNote(ch.Untaught)))
	})
}

// corpusRemove handles /corpus remove.
func (b *Bot) corpusRemove(ctx context.Context, docs Corpus, i *discordgo.Interaction, id string) Reply {
	var ch CorpusChange
	var err error
	if !b.exclusive(ctx, i.GuildID, func() { b.waitNote(ctx, i) }, func() { ch, err = docs.Remove(ctx, id, who(i)) }) {
		err = ctx.Err()
	}
	if err != nil {
		b.lg.Warn("document not removed", "user", who(i), "document", id, "err", err)
		return notice(corpusError(err, b.cfg.MaxUploadBytes))
	}
	b.lg.Info("document removed", "guild", i.GuildID, "user", who(i), "document", id, "moved_to", ch.MovedTo)
	where := "the `removed` folder"
	if ch.MovedTo != "" {
		where = "`" + codeSafe(ch.MovedTo) + "`"
	}
	return notice(fmt.Sprintf("🗑️ Removed `%s`%s: I no longer answer from it. The file was moved to %s in the corpus folder; move it back and run `/reindex` to restore it.%s",
		codeSafe(ch.Document), titled(ch.Title), where, droppedNote(ch.Untaught)))
}

// waitNote tells the moderator their change waits for another.
func (b *Bot) waitNote(ctx context.Context, i *discordgo.Interaction) {
	_, err := b.sess.InteractionResponseEdit(i, notice("⏳ Another corpus change is running; yours will start when it finishes.").edit(), discordgo.WithContext(ctx))
	b.logSendError("editing in the wait note", err)
}

// corpusList handles /corpus list: the server's own documents, and how
// many of the base FAQ's answer beside them.
func (b *Bot) corpusList(ctx context.Context, corpus Corpus) Reply {
	all, err := corpus.List(ctx)
	if err != nil {
		b.lg.Error("listing the corpus", "err", err)
		return notice("Sorry, I couldn't list the documents just now. Please try again.")
	}
	var docs []CorpusDocument
	base, basePassages := 0, 0
	pages, pagePassages, fromSources := 0, 0, map[int64]bool{}
	for _, d := range all {
		switch {
		case d.ReadOnly:
			base++
			basePassages += d.Passages
		case d.Source != 0:
			pages++
			pagePassages += d.Passages
			fromSources[d.Source] = true
		default:
			docs = append(docs, d)
		}
	}
	baseLine := ""
	if pages > 0 {
		baseLine = fmt.Sprintf("Also %s (%s) fetched from %s: `/corpus sources` lists them.",
			plural(pages, "page"), plural(pagePassages, "passage"), plural(len(fromSources), "source"))
	}
	if base > 0 {
		if baseLine != "" {
			baseLine += "\n"
		}
		baseLine += fmt.Sprintf("Also answering from the bot's base FAQ: %s, %s (kept by the bot's operator, read-only here; `/sources` lists them).",
			plural(base, "document"), plural(basePassages, "passage"))
	}
	if len(docs) == 0 {
		msg := "This server has no uploaded documents yet: add one with `/corpus add file:`, or a web page, sitemap or Git folder with `/corpus add url:`."
		if baseLine != "" {
			msg += "\n" + baseLine
		}
		return notice(msg)
	}
	slices.SortFunc(docs, func(a, b CorpusDocument) int { return strings.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID)) })
	total := 0
	for _, d := range docs {
		total += d.Passages
	}
	lines := make([]string, len(docs))
	for n, d := range docs {
		line := fmt.Sprintf("• `%s`%s — %s", codeSafe(d.ID), titled(d.Title), plural(d.Passages, "passage"))
		switch {
		case d.AddedBy != "":
			line += fmt.Sprintf(", added %s by %s", day(d.AddedAt), Trim(oneLine(d.AddedBy), 60))
		case !d.Modified.IsZero():
			line += ", changed " + day(d.Modified)
		}
		lines[n] = line
	}
	desc := listDescription(lines, func(left int) string { return fmt.Sprintf("…and %d more.", left) })
	e := &discordgo.MessageEmbed{
		Title:       fmt.Sprintf("📚 %s, %s", plural(len(docs), "document"), plural(total, "passage")),
		Description: desc,
		Color:       colorAnswer,
	}
	if baseLine != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: Trim(strings.NewReplacer("`", "").Replace(baseLine), maxFooter)}
	}
	return Reply{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
}

// titled renders a title after a file name: ` ("Title")`, or nothing.
func titled(title string) string {
	title = defang(oneLine(title))
	if title == "" {
		return ""
	}
	return " (“" + Trim(title, 100) + "”)"
}

// day renders a date for listings.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// maxSkippedListed bounds the files a reply names as not loaded, so that a
// folder full of images cannot push the reply past Discord's limit.
const maxSkippedListed = 10

// skippedNote names the corpus files that are not loaded, with why, for a
// moderator's reply; "" when every file is loaded.
func skippedNote(skipped []string) string {
	if len(skipped) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n⚠️ Not loaded (%d):", len(skipped))
	for i, s := range skipped {
		if i == maxSkippedListed {
			fmt.Fprintf(&b, "\n… and %d more (`faqbot index` lists them all).", len(skipped)-maxSkippedListed)
			break
		}
		path, reason, _ := strings.Cut(s, " (")
		fmt.Fprintf(&b, "\n• `%s` (%s", codeSafe(Trim(oneLine(path), 80)), Trim(oneLine(reason), 80))
	}
	return b.String()
}

package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// downloadTimeout bounds one attachment download: a megabyte or twenty
// from Discord's CDN takes seconds.
const downloadTimeout = 60 * time.Second

// Errors of an attachment, for errors.Is.
var (
	errNoFetch      = errors.New("the attachment is not on Discord's CDN")
	errDownloadFail = errors.New("downloading the attachment failed")
)

// attachment returns the attachment an option refers to: the option holds
// its ID, the object is in the resolved data.
func attachment(data discordgo.ApplicationCommandInteractionData, id string) *discordgo.MessageAttachment {
	if id == "" || data.Resolved == nil {
		return nil
	}
	return data.Resolved.Attachments[id]
}

// checkAttachment refuses, before any download, an attachment whose name
// cannot be a document or whose declared size is over limit.
func checkAttachment(a *discordgo.MessageAttachment, limit int64) error {
	if _, err := library.SanitizeName(a.Filename); err != nil {
		return err
	}
	if int64(a.Size) > limit {
		return fmt.Errorf("%w: %d bytes, the limit is %d", corpus.ErrTooLarge, a.Size, limit)
	}
	return nil
}

// download fetches an attachment through the session's HTTP client,
// reading at most limit+1 bytes: Discord's declared size is checked
// before, but the body is what counts.
func (b *Bot) download(ctx context.Context, a *discordgo.MessageAttachment, limit int64) ([]byte, error) {
	u, err := url.Parse(a.URL)
	if err != nil || !b.trustedURL(u) {
		return nil, fmt.Errorf("%w: %q", errNoFetch, a.URL)
	}
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDownloadFail, err)
	}
	c := *b.fetch
	// The session's client bounds REST calls (restTimeout); a download
	// gets downloadTimeout, which ctx now carries.
	c.Timeout = 0
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 3 || !b.trustedURL(r.URL) {
			return fmt.Errorf("%w: redirected to %s", errNoFetch, r.URL.Host)
		}
		return nil
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDownloadFail, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s", errDownloadFail, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDownloadFail, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes, though Discord said %d", corpus.ErrTooLarge, limit, a.Size)
	}
	return data, nil
}

// trustedURL reports whether u is on Discord's CDN over https, or on the
// configured API URL's host (a proxy, or a fake Discord). Downloads go
// nowhere else: the URL comes in the interaction, and a bot that fetched
// any URL it was handed could be made to probe the network it runs in.
func (b *Bot) trustedURL(u *url.URL) bool {
	if u == nil {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "cdn.discordapp.com", "media.discordapp.net":
		if u.Scheme == "https" {
			return true
		}
	}
	if b.cfg.APIURL == "" {
		return false
	}
	api, err := url.Parse(b.cfg.APIURL)
	return err == nil && u.Scheme == api.Scheme && strings.EqualFold(u.Host, api.Host)
}

// corpusError says, for a moderator, why a corpus change was refused or
// failed, and what to do about it. The cause itself goes to the log.
func corpusError(err error, limit int64) string {
	switch {
	case errors.Is(err, corpus.ErrTooLarge):
		return fmt.Sprintf("📏 That file is too big: the limit is %s (FAQBOT_MAX_UPLOAD_KB). Split it into smaller documents.", kb(limit))
	case errors.Is(err, corpus.ErrUnsupported):
		return "📄 I can only add `.txt`, `.md` (`.markdown`), `.mdx`, `.rst` and `.html` (`.htm`) files."
	case errors.Is(err, library.ErrBadName):
		return "🚫 I can't use that file name: it looks like a path, is hidden, is a reserved name, or is over 100 characters. Rename the file (letters, digits, `-`, `_` and `.`) and upload it again."
	case errors.Is(err, corpus.ErrBinary):
		return "🚫 That file isn't text (it looks like an image, a PDF or another binary file). Upload it as `.txt`, `.md`, `.mdx`, `.rst` or `.html`."
	case errors.Is(err, corpus.ErrEncoding):
		return "🔤 That file isn't UTF-8 text. Save it as UTF-8 in your editor and upload it again."
	case errors.Is(err, corpus.ErrEmpty):
		return "🕳️ That file is empty."
	case errors.Is(err, corpus.ErrNoText):
		return "🕳️ I found no text to answer from in that file once cleaned up (only markup, navigation or scripts?)."
	case errors.Is(err, library.ErrExists):
		return "📄 A document with that name already exists. Run `/corpus add` again with `replace: True` to replace it."
	case errors.Is(err, library.ErrNotRegular):
		return "🚫 That name is taken by a link or a folder in the corpus folder, which I never replace. Rename the file."
	case errors.Is(err, ErrSourcePage):
		return "🌐 That page comes from one of this server's sources, so the next refresh would bring it back. Remove the source with `/corpus remove source:` (`/corpus sources` lists them)."
	case errors.Is(err, ErrReadOnly):
		return "🔒 That's a document of the bot's base FAQ, which the bot's operator keeps and every server shares: it can't be changed, replaced or removed from a server. Upload yours under another name."
	case errors.Is(err, library.ErrNotFound):
		return "🔎 There's no document by that name. `/corpus list` shows them."
	case errors.Is(err, library.ErrNoDir):
		return "🔒 This bot answers from the corpus built into it, which can't be changed from Discord. Set FAQBOT_CORPUS_DIR, or leave it empty so the bot uses a folder in FAQBOT_DATA_DIR."
	case errors.Is(err, corpus.ErrNoDocuments):
		return "⚠️ That would leave the FAQ with no documents, so I kept it. Add another document first."
	case errors.Is(err, errNoFetch), errors.Is(err, errDownloadFail):
		return "⚠️ I couldn't download the attachment from Discord. Please try again."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "⌛ That took too long, so I stopped; the corpus is as it was. Please try again."
	}
	return "⚠️ That didn't work, so the corpus is as it was. The details are in the bot's log."
}

// kb renders a size limit: "1 MB", "512 KB".
func kb(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}

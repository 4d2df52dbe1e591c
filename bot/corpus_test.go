package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
)

// fakeCorpus is an in-memory Corpus and Reindexer that records calls.
type fakeCorpus struct {
	mu       sync.Mutex
	docs     map[string]CorpusDocument
	adds     []Upload
	removed  []string
	reindex  []string
	addErr   error
	calls    atomic.Int32
	rebuilds atomic.Int32
}

func newFakeCorpus() *fakeCorpus {
	return &fakeCorpus{docs: map[string]CorpusDocument{
		"refunds.md": {ID: "refunds.md", Title: "Refund policy", Passages: 4, Modified: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		"digital.md": {ID: "digital.md", Title: "Digital goods", Passages: 3, AddedBy: "mia (user-mia)", AddedAt: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)},
	}}
}

func (f *fakeCorpus) Add(_ context.Context, u Upload) (CorpusChange, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adds = append(f.adds, u)
	if f.addErr != nil {
		return CorpusChange{}, fmt.Errorf("adding document %q: %w", u.Name, f.addErr)
	}
	id, err := library.SanitizeName(u.Name)
	if err != nil {
		return CorpusChange{}, err
	}
	_, replaced := f.docs[id]
	if replaced && !u.Replace {
		return CorpusChange{}, fmt.Errorf("adding document %q: %w", u.Name, library.ErrExists)
	}
	f.docs[id] = CorpusDocument{ID: id, Title: u.Title, Passages: 2, AddedBy: u.Who, AddedAt: time.Now()}
	return CorpusChange{Document: id, Title: u.Title, Passages: 2, Replaced: replaced, Embedded: 2, Reused: 7, Took: 30 * time.Millisecond}, nil
}

func (f *fakeCorpus) Remove(_ context.Context, id, _ string) (CorpusChange, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.docs[id]
	if !ok {
		return CorpusChange{}, fmt.Errorf("removing document %q: %w", id, library.ErrNotFound)
	}
	if len(f.docs) == 1 {
		return CorpusChange{}, fmt.Errorf("removing document %q: %w", id, corpus.ErrNoDocuments)
	}
	delete(f.docs, id)
	f.removed = append(f.removed, id)
	return CorpusChange{Document: id, Title: d.Title, MovedTo: "removed/" + id}, nil
}

func (f *fakeCorpus) List(context.Context) ([]CorpusDocument, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []CorpusDocument
	for _, d := range f.docs {
		out = append(out, d)
	}
	return out, nil
}

func (f *fakeCorpus) Documents(context.Context) ([]Document, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Document
	for _, d := range f.docs {
		out = append(out, Document{ID: d.ID, Title: d.Title, Passages: d.Passages})
	}
	return out, nil
}

func (f *fakeCorpus) Reindex(_ context.Context, who string) (ReindexResult, error) {
	f.rebuilds.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reindex = append(f.reindex, who)
	return ReindexResult{DocumentsUnchanged: len(f.docs), Duration: time.Millisecond}, nil
}

// fileServer serves attachment bodies by path and counts downloads.
type fileServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	gets  int
}

func newFileServer(t *testing.T) *fileServer {
	fs := &fileServer{files: map[string][]byte{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.gets++
		data, ok := fs.files[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) downloads() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.gets
}

// attach serves data and returns the attachment Discord would resolve,
// declaring size (len(data) when negative).
func (fs *fileServer) attach(id, name string, data []byte, size int) *discordgo.MessageAttachment {
	if size < 0 {
		size = len(data)
	}
	p := "/attachments/" + id + "/file"
	fs.mu.Lock()
	fs.files[p] = data
	fs.mu.Unlock()
	return &discordgo.MessageAttachment{ID: id, Filename: name, Size: size, URL: fs.URL + p}
}

var (
	moderator = &discordgo.Member{User: &discordgo.User{ID: "user-mia", Username: "mia"}, Permissions: discordgo.PermissionManageGuild}
	member    = &discordgo.Member{User: &discordgo.User{ID: "user-bob", Username: "bob"}}
)

// corpusInteraction builds /corpus sub with options and attachments.
func corpusInteraction(m *discordgo.Member, sub string, opts []*discordgo.ApplicationCommandInteractionDataOption, atts ...*discordgo.MessageAttachment) *discordgo.Interaction {
	data := discordgo.ApplicationCommandInteractionData{Name: cmdCorpus, Options: []*discordgo.ApplicationCommandInteractionDataOption{
		{Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts},
	}}
	if len(atts) > 0 {
		data.Resolved = &discordgo.ApplicationCommandInteractionDataResolved{Attachments: map[string]*discordgo.MessageAttachment{}}
		for _, a := range atts {
			data.Resolved.Attachments[a.ID] = a
		}
	}
	return &discordgo.Interaction{ID: "i-" + sub, Type: discordgo.InteractionApplicationCommand, GuildID: "g1", ChannelID: "c1", Member: m, Data: data}
}

func opt(name string, v any) *discordgo.ApplicationCommandInteractionDataOption {
	t := discordgo.ApplicationCommandOptionString
	switch v.(type) {
	case bool:
		t = discordgo.ApplicationCommandOptionBoolean
	case float64:
		t = discordgo.ApplicationCommandOptionInteger
	}
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: t, Value: v}
}

// finalText is what the user finally reads: the last edit, or the
// immediate response, with whether it was private.
func finalText(t *testing.T, calls []call) (string, bool) {
	t.Helper()
	deferredPrivate := false
	text, private := "", false
	for _, c := range calls {
		switch c.Method {
		case "InteractionRespond":
			if c.Response.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource {
				deferredPrivate = c.Response.Data.Flags&discordgo.MessageFlagsEphemeral != 0
				continue
			}
			text = c.Response.Data.Content
			for _, e := range c.Response.Data.Embeds {
				text += "\n" + e.Title + "\n" + e.Description
			}
			private = c.Response.Data.Flags&discordgo.MessageFlagsEphemeral != 0
		case "InteractionResponseEdit":
			text = *c.Edit.Content
			for _, e := range *c.Edit.Embeds {
				text += "\n" + e.Title + "\n" + e.Description
				for _, f := range e.Fields {
					text += "\n" + f.Name + "\n" + f.Value
				}
			}
			private = deferredPrivate
		}
	}
	return text, private
}

func TestCorpusAdd(t *testing.T) {
	files := newFileServer(t)
	const limit = 1000
	md := []byte("# Parking\n\nStaff park in the north lot; visitors in the south lot.\n")
	tests := []struct {
		name    string
		att     *discordgo.MessageAttachment
		opts    []*discordgo.ApplicationCommandInteractionDataOption
		addErr  error
		want    string
		added   bool // the Corpus was asked to add it
		fetched bool // it was downloaded
	}{
		{name: "markdown", att: files.attach("a1", "Parking (2025).md", md, -1), opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optTitle, "Parking")},
			want: "✅ Added `Parking-2025.md` (“Parking”): 2 passages", added: true, fetched: true},
		{name: "existing name", att: files.attach("a2", "refunds.md", md, -1),
			want: "already exists", added: true, fetched: true},
		{name: "existing name, replace", att: files.attach("a3", "refunds.md", md, -1), opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optReplace, true)},
			want: "✅ Replaced `refunds.md`", added: true, fetched: true},
		{name: "binary content", att: files.attach("a4", "photo.md", []byte("\x89PNG\r\n\x1a\n\x00\x00"), -1), addErr: corpus.ErrBinary,
			want: "isn't text", added: true, fetched: true},
		{name: "not UTF-8", att: files.attach("a5", "latin1.txt", []byte("caf\xe9"), -1), addErr: corpus.ErrEncoding,
			want: "isn't UTF-8", added: true, fetched: true},
		{name: "declared size over the limit", att: files.attach("a6", "big.md", md, limit+1), want: "too big: the limit is 1 KB"},
		{name: "small declared size, big body", att: files.attach("a7", "liar.md", bytes.Repeat([]byte("a "), limit), 10), want: "too big", fetched: true},
		{name: "dot-dot path", att: files.attach("a8", "../../etc/passwd", md, -1), want: "can't use that file name"},
		{name: "dot-dot path with an extension", att: files.attach("a9", "../../home/bot/.bashrc.md", md, -1), want: "can't use that file name"},
		{name: "absolute path", att: files.attach("a10", "/etc/cron.d/x.md", md, -1), want: "can't use that file name"},
		{name: "windows separators", att: files.attach("a11", `..\..\win.ini.txt`, md, -1), want: "can't use that file name"},
		{name: "windows drive", att: files.attach("a12", `C:\x.txt`, md, -1), want: "can't use that file name"},
		{name: "fullwidth slashes", att: files.attach("a13", "..／..／etc／passwd.md", md, -1), want: "can't use that file name"},
		{name: "division slash", att: files.attach("a14", "..∕..∕etc∕passwd.md", md, -1), want: "can't use that file name"},
		{name: "hidden", att: files.attach("a15", ".env.md", md, -1), want: "can't use that file name"},
		{name: "device name", att: files.attach("a16", "CON.md", md, -1), want: "can't use that file name"},
		{name: "unsupported type", att: files.attach("a17", "slides.pdf", md, -1), want: "only add `.txt`, `.md`"},
		{name: "not on the CDN", att: &discordgo.MessageAttachment{ID: "a18", Filename: "x.md", Size: 10, URL: "http://169.254.169.254/latest/meta-data.md"},
			want: "couldn't download"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCorpus()
			fc.addErr = tt.addErr
			b, sess := newTestBot(t, Config{APIURL: files.URL, MaxUploadBytes: limit}, Deps{Servers: OneServer(Server{Corpus: fc})})
			before := files.downloads()
			opts := append([]*discordgo.ApplicationCommandInteractionDataOption{opt(optFile, tt.att.ID)}, tt.opts...)
			b.onInteraction(context.Background(), corpusInteraction(moderator, subAdd, opts, tt.att))
			got, private := finalText(t, sess.Calls())
			if !strings.Contains(got, tt.want) || !private {
				t.Errorf("reply %q (private %v), want a private reply with %q", got, private, tt.want)
			}
			if added := fc.calls.Load() > 0; added != tt.added {
				t.Errorf("asked the corpus to add: %v, want %v", added, tt.added)
			}
			if fetched := files.downloads() > before; fetched != tt.fetched {
				t.Errorf("downloaded: %v, want %v", fetched, tt.fetched)
			}
			if tt.added && tt.addErr == nil {
				u := fc.adds[0]
				if !bytes.Equal(u.Data, files.served(tt.att)) || u.Who != "mia (user-mia)" || u.Name != tt.att.Filename {
					t.Errorf("upload %q from %q named %q", u.Data, u.Who, u.Name)
				}
			}
		})
	}
}

// served returns what the server serves for a.
func (fs *fileServer) served(a *discordgo.MessageAttachment) []byte {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.files[strings.TrimPrefix(a.URL, fs.URL)]
}

// TestDownloadReadsAtMostLimitPlusOne serves an endless body behind a small
// declared size: the download stops after limit+1 bytes.
func TestDownloadReadsAtMostLimitPlusOne(t *testing.T) {
	const limit = 4096
	body := &countingReader{}
	b, _ := newTestBot(t, Config{APIURL: "https://proxy.example"}, Deps{})
	b.fetch = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: io.NopCloser(body), Request: r}, nil
	})}
	_, err := b.download(context.Background(), &discordgo.MessageAttachment{Filename: "x.md", Size: 10, URL: "https://cdn.discordapp.com/attachments/1/2/x.md"}, limit)
	if !errors.Is(err, corpus.ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
	if n := body.n.Load(); n != limit+1 {
		t.Errorf("read %d bytes, want %d", n, limit+1)
	}
}

// countingReader is an endless stream of 'a's that counts what is read.
type countingReader struct{ n atomic.Int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	r.n.Add(int64(len(p)))
	return len(p), nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCorpusErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{corpus.ErrTooLarge, "too big"},
		{corpus.ErrBinary, "isn't text"},
		{corpus.ErrEncoding, "UTF-8"},
		{corpus.ErrUnsupported, "`.txt`"},
		{corpus.ErrEmpty, "empty"},
		{corpus.ErrNoText, "no text"},
		{library.ErrBadName, "file name"},
		{library.ErrExists, "replace: True"},
		{library.ErrNotRegular, "link or a folder"},
		{library.ErrNotFound, "no document by that name"},
		{library.ErrNoDir, "built into it"},
		{corpus.ErrNoDocuments, "no documents"},
		{errDownloadFail, "couldn't download"},
		{context.DeadlineExceeded, "too long"},
		{errors.New("disk on fire"), "details are in the bot's log"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			got := corpusError(fmt.Errorf("adding document %q: %w", "x.md", tt.err), 1<<20)
			if !strings.Contains(got, tt.want) {
				t.Errorf("message %q lacks %q", got, tt.want)
			}
			if strings.Contains(got, tt.err.Error()) && tt.err.Error() == "disk on fire" {
				t.Errorf("message %q leaks the cause", got)
			}
		})
	}
}

func TestCorpusRemoveAndList(t *testing.T) {
	fc := newFakeCorpus()
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: fc, Sources: fc})})
	b.onInteraction(context.Background(), corpusInteraction(moderator, subList, nil))
	got, private := finalText(t, sess.Calls())
	for _, want := range []string{"2 documents, 7 passages", "• `digital.md` (“Digital goods”) — 3 passages, added 2025-03-02 by mia (user-mia)", "• `refunds.md` (“Refund policy”) — 4 passages, changed 2025-03-01"} {
		if !strings.Contains(got, want) || !private {
			t.Errorf("list %q (private %v) lacks %q", got, private, want)
		}
	}

	tests := []struct{ doc, want string }{
		{"refunds.md", "🗑️ Removed `refunds.md` (“Refund policy”)"},
		{"refunds.md", "no document by that name"},
		{"digital.md", "no documents"}, // the last one
	}
	for _, tt := range tests {
		sess := &recordingSession{}
		b.sess = sess
		b.onInteraction(context.Background(), corpusInteraction(moderator, subRemove, []*discordgo.ApplicationCommandInteractionDataOption{opt(optDocument, tt.doc)}))
		if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, tt.want) {
			t.Errorf("remove %s: %q, want %q", tt.doc, got, tt.want)
		}
	}
	if fmt.Sprint(fc.removed) != "[refunds.md]" {
		t.Errorf("removed %v", fc.removed)
	}
}

func TestCorpusRemoveAutocomplete(t *testing.T) {
	fc := newFakeCorpus()
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: fc, Sources: fc})})
	i := corpusInteraction(moderator, subRemove, []*discordgo.ApplicationCommandInteractionDataOption{
		{Name: optDocument, Type: discordgo.ApplicationCommandOptionString, Value: "dig", Focused: true},
	})
	i.Type = discordgo.InteractionApplicationCommandAutocomplete
	b.onInteraction(context.Background(), i)
	calls := sess.Calls()
	if len(calls) != 1 || calls[0].Response.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		t.Fatalf("calls %+v", calls)
	}
	var got []string
	for _, c := range calls[0].Response.Data.Choices {
		got = append(got, c.Value.(string))
	}
	if fmt.Sprint(got) != "[digital.md]" {
		t.Errorf("choices %v", got)
	}
}

// TestModeratorOnlyCommands sends every moderator command as a plain
// member, as if a server admin had opened the commands to everyone: each
// is refused privately and nothing runs, nothing is downloaded.
func TestModeratorOnlyCommands(t *testing.T) {
	files := newFileServer(t)
	att := files.attach("m1", "faq.md", []byte("# FAQ\n\nText here for a passage.\n"), -1)
	commands := map[string]*discordgo.Interaction{
		"corpus add":    corpusInteraction(member, subAdd, []*discordgo.ApplicationCommandInteractionDataOption{opt(optFile, att.ID)}, att),
		"corpus remove": corpusInteraction(member, subRemove, []*discordgo.ApplicationCommandInteractionDataOption{opt(optDocument, "refunds.md")}),
		"corpus list":   corpusInteraction(member, subList, nil),
		"corpus (none)": {Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: member, Data: discordgo.ApplicationCommandInteractionData{Name: cmdCorpus}},
		"gaps":          {Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: member, Data: discordgo.ApplicationCommandInteractionData{Name: cmdGaps}},
		"stats":         {Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: member, Data: discordgo.ApplicationCommandInteractionData{Name: cmdStats}},
		"reindex":       {Type: discordgo.InteractionApplicationCommand, GuildID: "g1", Member: member, Data: discordgo.ApplicationCommandInteractionData{Name: cmdReindex}},
		"corpus in a DM": {Type: discordgo.InteractionApplicationCommand, User: member.User,
			Data: discordgo.ApplicationCommandInteractionData{Name: cmdCorpus, Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: subList, Type: discordgo.ApplicationCommandOptionSubCommand}}}},
	}
	for name, i := range commands {
		t.Run(name, func(t *testing.T) {
			fc := newFakeCorpus()
			rep := &fakeReports{}
			b, sess := newTestBot(t, Config{APIURL: files.URL}, Deps{Servers: OneServer(Server{Corpus: fc, Sources: fc, Reindexer: fc, Reports: rep})})
			b.onInteraction(context.Background(), i)
			calls := sess.Calls()
			if i.GuildID == "" {
				// A DM is no server's: nothing answers it.
				if len(calls) != 0 {
					t.Errorf("calls %+v in a DM, want none", calls)
				}
				return
			}
			if len(calls) != 1 || calls[0].Method != "InteractionRespond" || calls[0].Response.Data.Flags != discordgo.MessageFlagsEphemeral ||
				!strings.Contains(calls[0].Response.Data.Content, "Only moderators") {
				t.Errorf("calls %+v, want one private refusal", calls)
			}
			if fc.calls.Load()+fc.rebuilds.Load()+rep.calls.Load() != 0 {
				t.Error("the command ran")
			}
		})
	}
	if files.downloads() != 0 {
		t.Errorf("%d downloads for members' commands", files.downloads())
	}
}

func TestCorpusChangesSerialised(t *testing.T) {
	files := newFileServer(t)
	fc := newFakeCorpus()
	b, rec := newTestBot(t, Config{APIURL: files.URL}, Deps{Servers: OneServer(Server{Corpus: fc})})
	sess := &notifyingSession{recordingSession: rec, edits: make(chan string, 10)}
	b.sess = sess
	// A rebuild of the same server holds its lock: the upload waits, says
	// so, then runs; another server's change does not wait.
	unlock, _ := b.changing.lock(context.Background(), "g1", nil)
	other, ok := b.changing.lock(context.Background(), "g2", func() { t.Error("another server's change waited") })
	if !ok {
		t.Fatal("another server's change could not start")
	}
	other()
	att := files.attach("s1", "later.md", []byte("# Later\n\nSome text.\n"), -1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.onInteraction(context.Background(), corpusInteraction(moderator, subAdd, []*discordgo.ApplicationCommandInteractionDataOption{opt(optFile, att.ID)}, att))
	}()
	if e := <-sess.edits; !strings.Contains(e, "Another corpus change is running") {
		t.Fatalf("first edit %q, want the wait note", e)
	}
	if fc.calls.Load() != 0 {
		t.Fatal("the upload ran during the rebuild")
	}
	unlock()
	<-done
	if got, _ := finalText(t, rec.Calls()); !strings.Contains(got, "✅ Added `later.md`") {
		t.Errorf("final reply %q", got)
	}
}

// notifyingSession is a recordingSession that also sends the content of
// every edit on a channel, for tests that wait on one.
type notifyingSession struct {
	*recordingSession
	edits chan string
}

func (s *notifyingSession) InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, o ...discordgo.RequestOption) (*discordgo.Message, error) {
	m, err := s.recordingSession.InteractionResponseEdit(i, e, o...)
	s.edits <- *e.Content
	return m, err
}

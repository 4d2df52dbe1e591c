package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// fakeSourceManager keeps a server's sources in memory and records calls.
type fakeSourceManager struct {
	mu      sync.Mutex
	list    []SourceInfo
	adds    []string
	who     []string
	removed []int64
	refresh []int64
	addErr  error
	addRep  SourceReport
	reps    []SourceReport
}

func (f *fakeSourceManager) AddSource(_ context.Context, raw, who string, progress func(done, total int)) (SourceReport, error) {
	if progress != nil {
		progress(1, 2)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.adds = append(f.adds, raw)
	f.who = append(f.who, who)
	if f.addErr != nil {
		return f.addRep, f.addErr
	}
	return f.addRep, nil
}

func (f *fakeSourceManager) RemoveSource(_ context.Context, id int64, _ string) (SourceReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for n, s := range f.list {
		if s.ID == id {
			f.list = append(f.list[:n], f.list[n+1:]...)
			f.removed = append(f.removed, id)
			return SourceReport{ID: id, URL: s.URL, Kind: s.Kind, Removed: s.Pages}, nil
		}
	}
	return SourceReport{}, fmt.Errorf("removing source %d: %w", id, ErrUnknownSource)
}

func (f *fakeSourceManager) RefreshSources(_ context.Context, id int64, _ string, _ func(string, int, int)) ([]SourceReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh = append(f.refresh, id)
	if id == 0 {
		return f.reps, nil
	}
	for _, r := range f.reps {
		if r.ID == id {
			return []SourceReport{r}, nil
		}
	}
	return nil, fmt.Errorf("refreshing source %d: %w", id, ErrUnknownSource)
}

func (f *fakeSourceManager) ListSources(context.Context) ([]SourceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SourceInfo(nil), f.list...), nil
}

// fakeChannel is a server's moderator channel in memory.
type fakeChannel struct {
	mu      sync.Mutex
	channel string
}

func (f *fakeChannel) ModeratorChannel(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.channel, nil
}

func (f *fakeChannel) SetModeratorChannel(_ context.Context, id, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channel = id
	return nil
}

var day0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

func twoSources() *fakeSourceManager {
	return &fakeSourceManager{
		list: []SourceInfo{
			{ID: 3, URL: "https://help.example.com/sitemap.xml", Kind: "sitemap", Pages: 42, RefreshedAt: day0, SucceededAt: day0, Next: day0.Add(24 * time.Hour)},
			{ID: 7, URL: "https://github.com/org/docs", Kind: "git", Detail: "branch main, folder docs", Pages: 12, Failed: 1, RefreshedAt: day0, SucceededAt: day0.Add(-48 * time.Hour),
				Error: "HTTP 503 Service Unavailable [click me](https://evil.example)"},
		},
		reps: []SourceReport{
			{ID: 3, URL: "https://help.example.com/sitemap.xml", Kind: "sitemap", Summary: "1 added, 2 changed, 39 unchanged, 1 removed, 0 failed (42 pages held)",
				Details: []string{"removed: https://help.example.com/old (no longer listed)"}, Notable: true},
			{ID: 7, URL: "https://github.com/org/docs", Kind: "git", Error: "repository not found", Notable: true},
		},
	}
}

func TestCorpusAddURL(t *testing.T) {
	tests := []struct {
		name    string
		m       *fakeSourceManager
		member  *discordgo.Member
		opts    []*discordgo.ApplicationCommandInteractionDataOption
		want    string
		added   bool
		noMgr   bool
		refused bool
	}{
		{name: "a sitemap", m: &fakeSourceManager{addRep: SourceReport{ID: 3, URL: "https://help.example.com/sitemap.xml", Kind: "sitemap", Pages: 42,
			Summary: "42 added, 0 changed, 0 unchanged, 0 removed, 1 failed (42 pages held)", Details: []string{"failed: https://help.example.com/x (HTTP 404 Not Found)"},
			Embedded: 180, Took: 1500 * time.Millisecond}},
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, " https://help.example.com/sitemap.xml ")},
			want: "✅ Added source #3, `https://help.example.com/sitemap.xml` (sitemap): 42 pages, answered from now on.", added: true},
		{name: "a failing source", m: &fakeSourceManager{addErr: errors.New("adding source: fetching: boom"), addRep: SourceReport{Error: "HTTP 404 Not Found"}},
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/nope")},
			want: "❌ I couldn't add `https://help.example.com/nope`: HTTP 404 Not Found. Nothing was added.", added: true},
		{name: "turned off", m: &fakeSourceManager{addErr: ErrSourcesOff},
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/")},
			want: "FAQBOT_MAX_SOURCES=0", added: true},
		{name: "a file and a URL", m: &fakeSourceManager{},
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/"), opt(optFile, "a1")},
			want: "either a file or a URL"},
		{name: "neither", m: &fakeSourceManager{}, want: "`/corpus add url:`"},
		{name: "a title for a URL", m: &fakeSourceManager{},
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/"), opt(optTitle, "Help")}, want: "are for files"},
		{name: "a member", m: &fakeSourceManager{}, member: member,
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/")}, want: "Only moderators"},
		{name: "no source manager", noMgr: true,
			opts: []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/")}, want: "isn't available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Server{Corpus: newFakeCorpus()}
			if !tt.noMgr {
				srv.SourceManager = tt.m
			}
			b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(srv)})
			m := tt.member
			if m == nil {
				m = moderator
			}
			b.onInteraction(context.Background(), corpusInteraction(m, subAdd, tt.opts))
			got, private := finalText(t, sess.Calls())
			if !strings.Contains(got, tt.want) || !private {
				t.Errorf("reply %q (private %v), want a private reply with %q", got, private, tt.want)
			}
			if tt.m == nil {
				return
			}
			if added := len(tt.m.adds) > 0; added != tt.added {
				t.Errorf("asked to add: %v, want %v", added, tt.added)
			}
			if tt.added && (tt.m.adds[0] != strings.TrimSpace(tt.opts[0].Value.(string)) || tt.m.who[0] != "mia (user-mia)") {
				t.Errorf("added %q for %q", tt.m.adds[0], tt.m.who[0])
			}
		})
	}
}

func TestCorpusSourcesList(t *testing.T) {
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: newFakeCorpus(), SourceManager: twoSources()})})
	b.onInteraction(context.Background(), corpusInteraction(moderator, subSources, nil))
	got, private := finalText(t, sess.Calls())
	for _, want := range []string{
		"🌐 2 sources, 54 pages — 1 failing",
		"**#3** `https://help.example.com/sitemap.xml` (sitemap) — 42 pages, refreshed <t:1748854800:f>, next <t:1748941200:f>",
		"**#7** `https://github.com/org/docs` (git, branch main, folder docs) — 12 pages",
		"1 failing (last good copies kept)",
		"⚠️ failing since <t:1748682000:f>: HTTP 503 Service Unavailable click me (https://evil.example) — its last good pages are kept",
	} {
		if !strings.Contains(got, want) || !private {
			t.Errorf("/corpus sources lacks %q:\n%s", want, got)
		}
	}

	b, sess = newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: newFakeCorpus(), SourceManager: &fakeSourceManager{}})})
	b.onInteraction(context.Background(), corpusInteraction(moderator, subSources, nil))
	if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, "no sources yet") {
		t.Errorf("no sources: %q", got)
	}
	b, sess = newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: newFakeCorpus(), SourceManager: twoSources()})})
	b.onInteraction(context.Background(), corpusInteraction(member, subSources, nil))
	if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, "Only moderators") {
		t.Errorf("a member listing the sources: %q", got)
	}
}

func TestCorpusRefresh(t *testing.T) {
	tests := []struct {
		name   string
		source string
		want   []string
		asked  []int64
	}{
		{"all", "", []string{"🔄 Refreshed 2 sources:", "• #3 `https://help.example.com/sitemap.xml` (sitemap) — 1 added, 2 changed",
			"◦ removed: https://help.example.com/old (no longer listed)",
			"⚠️ #7 `https://github.com/org/docs` (git) failed: repository not found — its last good pages are kept."}, []int64{0}},
		{"one", "7", []string{"🔄 Refreshed 1 source:", "#7"}, []int64{7}},
		{"typed with #", "#3", []string{"🔄 Refreshed 1 source:", "#3"}, []int64{3}},
		{"unknown", "9", []string{"no such source"}, []int64{9}},
		{"not an ID", "help", []string{"Pick a source"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := twoSources()
			b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: newFakeCorpus(), SourceManager: m})})
			var opts []*discordgo.ApplicationCommandInteractionDataOption
			if tt.source != "" {
				opts = append(opts, opt(optSource, tt.source))
			}
			b.onInteraction(context.Background(), corpusInteraction(moderator, subRefresh, opts))
			got, _ := finalText(t, sess.Calls())
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("reply lacks %q:\n%s", want, got)
				}
			}
			if fmt.Sprint(m.refresh) != fmt.Sprint(tt.asked) {
				t.Errorf("refreshed %v, want %v", m.refresh, tt.asked)
			}
		})
	}
}

func TestCorpusRemoveSource(t *testing.T) {
	m := twoSources()
	fc := newFakeCorpus()
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: fc, SourceManager: m})})
	b.onInteraction(context.Background(), corpusInteraction(moderator, subRemove, []*discordgo.ApplicationCommandInteractionDataOption{opt(optSource, "3")}))
	if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, "🗑️ Removed source #3, `https://help.example.com/sitemap.xml`, and its 42 pages") {
		t.Errorf("reply: %q", got)
	}
	for _, tt := range []struct {
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{[]*discordgo.ApplicationCommandInteractionDataOption{opt(optSource, "3")}, "no such source"},
		{[]*discordgo.ApplicationCommandInteractionDataOption{opt(optSource, "7"), opt(optDocument, "refunds.md")}, "one at a time"},
		{nil, "Which one?"},
	} {
		b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: fc, SourceManager: m})})
		b.onInteraction(context.Background(), corpusInteraction(moderator, subRemove, tt.opts))
		if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, tt.want) {
			t.Errorf("%v: reply %q, want %q", tt.opts, got, tt.want)
		}
	}
	if fmt.Sprint(m.removed) != "[3]" || len(fc.removed) != 0 {
		t.Errorf("sources removed %v, documents removed %v", m.removed, fc.removed)
	}
}

// TestSourcePagesGoWithTheirSource: /corpus list counts a source's pages
// apart from uploads, and autocomplete offers them neither for removal on
// their own; source: offers the server's sources to moderators only.
func TestSourcePagesGoWithTheirSource(t *testing.T) {
	fc := newFakeCorpus()
	fc.docs["sources/3/help.example.com-faq-1a2b3c4d.html"] = CorpusDocument{ID: "sources/3/help.example.com-faq-1a2b3c4d.html", Title: "Help FAQ", Passages: 9, Source: 3}
	m := twoSources()
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: fc, SourceManager: m})})
	b.onInteraction(context.Background(), corpusInteraction(moderator, subList, nil))
	got, _ := finalText(t, sess.Calls())
	if strings.Contains(got, "help.example.com-faq") || !strings.Contains(got, "2 documents") {
		t.Errorf("/corpus list: %s", got)
	}
	footer := ""
	for _, c := range sess.Calls() {
		if c.Edit != nil && c.Edit.Embeds != nil && len(*c.Edit.Embeds) > 0 && (*c.Edit.Embeds)[0].Footer != nil {
			footer = (*c.Edit.Embeds)[0].Footer.Text
		}
	}
	if !strings.Contains(footer, "Also 1 page (9 passages) fetched from 1 source") {
		t.Errorf("/corpus list footer: %q", footer)
	}

	complete := func(m *discordgo.Member, sub string, o *discordgo.ApplicationCommandInteractionDataOption) string {
		b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Corpus: fc, SourceManager: twoSources()})})
		o.Focused = true
		i := corpusInteraction(m, sub, []*discordgo.ApplicationCommandInteractionDataOption{o})
		i.Type = discordgo.InteractionApplicationCommandAutocomplete
		b.onInteraction(context.Background(), i)
		var names []string
		for _, c := range sess.Calls() {
			for _, ch := range c.Response.Data.Choices {
				names = append(names, fmt.Sprintf("%s=%v", ch.Name, ch.Value))
			}
		}
		return strings.Join(names, "; ")
	}
	if got := complete(moderator, subRemove, opt(optDocument, "")); strings.Contains(got, "sources/3") || !strings.Contains(got, "refunds.md") {
		t.Errorf("document: choices %q", got)
	}
	if got := complete(moderator, subRemove, opt(optSource, "github")); got != "#7 https://github.com/org/docs (git)=7" {
		t.Errorf("source: choices %q", got)
	}
	if got := complete(moderator, subRefresh, opt(optSource, "")); !strings.Contains(got, "=3") || !strings.Contains(got, "=7") {
		t.Errorf("refresh source: choices %q", got)
	}
	if got := complete(member, subRemove, opt(optSource, "")); got != "" {
		t.Errorf("a member was offered %q", got)
	}
}

// failingPosts is a session whose channel messages fail, as when the bot
// may not post in a channel.
type failingPosts struct{ *recordingSession }

func (failingPosts) ChannelMessageSendComplex(string, *discordgo.MessageSend, ...discordgo.RequestOption) (*discordgo.Message, error) {
	return nil, &discordgo.RESTError{Message: &discordgo.APIErrorMessage{Code: 50013, Message: "Missing Permissions"}}
}

func moderatorsInteraction(m *discordgo.Member, sub string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	data := discordgo.ApplicationCommandInteractionData{Name: cmdModerators, Options: []*discordgo.ApplicationCommandInteractionDataOption{
		{Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts},
	}}
	return &discordgo.Interaction{ID: "i-" + sub, Type: discordgo.InteractionApplicationCommand, GuildID: "g1", ChannelID: "c1", Member: m, Data: data}
}

// TestModeratorChannel: a server's admin chooses the channel (the bot
// checks it can post there first), lists it and clears it; scheduled
// refreshes are reported there, without mentions, and nowhere without one.
func TestModeratorChannel(t *testing.T) {
	ch := &fakeChannel{}
	srv := Server{Corpus: newFakeCorpus(), ModeratorChannel: ch, Moderators: &fakeModerators{}}
	b, sess := newTestBot(t, Config{}, Deps{Servers: OneServer(srv)})
	channelOpt := &discordgo.ApplicationCommandInteractionDataOption{Name: optChannel, Type: discordgo.ApplicationCommandOptionChannel, Value: "chan-mods"}
	b.onInteraction(context.Background(), moderatorsInteraction(moderator, subModChannel, channelOpt))
	got, _ := finalText(t, sess.Calls())
	if !strings.Contains(got, "in <#chan-mods>") || ch.channel != "chan-mods" {
		t.Errorf("setting the channel: %q, stored %q", got, ch.channel)
	}
	posted := false
	for _, c := range sess.Calls() {
		posted = posted || c.Method == "ChannelMessageSendComplex" && c.ChannelID == "chan-mods" && strings.Contains(c.Message.Content, "I'll post here")
	}
	if !posted {
		t.Error("the bot did not check it can post in the channel")
	}

	rep := twoSources().reps[0]
	rep.Details = append(rep.Details, "failed: https://help.example.com/x (@everyone)")
	if err := b.RefreshReport(context.Background(), "g1", rep); err != nil {
		t.Fatal(err)
	}
	calls := sess.Calls()
	last := calls[len(calls)-1]
	if last.Method != "ChannelMessageSendComplex" || last.ChannelID != "chan-mods" ||
		!strings.Contains(last.Message.Content, "🔄 Scheduled refresh: • #3 `https://help.example.com/sitemap.xml` (sitemap) — 1 added, 2 changed") ||
		!strings.Contains(last.Message.Content, "no longer listed") || last.Message.AllowedMentions == nil || len(last.Message.AllowedMentions.Parse) != 0 {
		t.Errorf("refresh report: %+v %+v", last, last.Message)
	}

	b.onInteraction(context.Background(), moderatorsInteraction(moderator, subModList))
	if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, "reported in <#chan-mods>") {
		t.Errorf("/moderators list: %q", got)
	}

	// A member may not choose it; an admin can clear it.
	b, sess = newTestBot(t, Config{}, Deps{Servers: OneServer(srv)})
	b.onInteraction(context.Background(), moderatorsInteraction(member, subModChannel, channelOpt))
	if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, "Only server admins") {
		t.Errorf("a member choosing the channel: %q", got)
	}
	b.onInteraction(context.Background(), moderatorsInteraction(moderator, subModChannel))
	if got, _ := finalText(t, sess.Calls()); !strings.Contains(got, "no longer post") || ch.channel != "" {
		t.Errorf("clearing: %q, stored %q", got, ch.channel)
	}
	n := len(sess.Calls())
	if err := b.RefreshReport(context.Background(), "g1", rep); err != nil || len(sess.Calls()) != n {
		t.Errorf("a report with no channel posted something (%v)", err)
	}

	// A channel the bot cannot post in is not chosen.
	cfg, _ := Config{Token: "t"}.withDefaults()
	fb := newBot(cfg, Deps{Servers: OneServer(srv), Logger: testLogger(t)}, failingPosts{&recordingSession{}})
	fs := fb.sess.(failingPosts)
	fb.onInteraction(context.Background(), moderatorsInteraction(moderator, subModChannel, channelOpt))
	if got, _ := finalText(t, fs.Calls()); !strings.Contains(got, "can't post in <#chan-mods>") || ch.channel != "" {
		t.Errorf("a channel the bot cannot post in: %q, stored %q", got, ch.channel)
	}
}

// editSignals is a session that tells the test of every edit.
type editSignals struct {
	*recordingSession
	edits chan string
}

func (s editSignals) InteractionResponseEdit(i *discordgo.Interaction, e *discordgo.WebhookEdit, o ...discordgo.RequestOption) (*discordgo.Message, error) {
	m, err := s.recordingSession.InteractionResponseEdit(i, e, o...)
	if e.Content != nil {
		s.edits <- *e.Content
	}
	return m, err
}

// blockingSources is a source manager whose add reports progress and
// waits for the moderator to have seen it.
type blockingSources struct {
	fakeSourceManager
	seen <-chan string
}

func (b *blockingSources) AddSource(ctx context.Context, raw, who string, progress func(done, total int)) (SourceReport, error) {
	progress(3, 40)
	for {
		select {
		case e := <-b.seen:
			if strings.HasPrefix(e, "⏳") {
				return SourceReport{ID: 1, URL: raw, Kind: "sitemap", Pages: 40}, nil
			}
		case <-ctx.Done():
			return SourceReport{}, ctx.Err()
		}
	}
}

// TestAddURLShowsProgress: while a source's pages are fetched, the reply
// says how far it got, and the final reply replaces it.
func TestAddURLShowsProgress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	edits := make(chan string, 10)
	m := &blockingSources{seen: edits}
	cfg, _ := Config{Token: "t"}.withDefaults()
	sess := editSignals{&recordingSession{}, edits}
	b := newBot(cfg, Deps{Servers: OneServer(Server{Corpus: newFakeCorpus(), SourceManager: m}), Logger: testLogger(t)}, sess)
	b.onInteraction(ctx, corpusInteraction(moderator, subAdd, []*discordgo.ApplicationCommandInteractionDataOption{opt(optURL, "https://help.example.com/sitemap.xml")}))
	var texts []string
	for _, c := range sess.Calls() {
		if c.Method == "InteractionResponseEdit" {
			texts = append(texts, *c.Edit.Content)
		}
	}
	if len(texts) != 2 || texts[0] != "⏳ Fetching `https://help.example.com/sitemap.xml`: 3 of 40 pages…" || !strings.HasPrefix(texts[1], "✅ Added source #1") {
		t.Errorf("edits: %q, want the progress then the result", texts)
	}
}

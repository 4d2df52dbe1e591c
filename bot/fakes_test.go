package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

// fakeAnswerer answers from a map of known questions and refuses the rest,
// like the engine. A question registered with stream is written in steps
// the test sends, as an LLM streams; one registered with block waits for
// its context to end.
type fakeAnswerer struct {
	mu      sync.Mutex
	answers map[string]answer.Answer
	streams map[string]chan string
	blocked map[string]bool
	asked   []answer.Question
	// started, when not nil, receives each question as Stream begins.
	started chan answer.Question
}

func newFakeAnswerer() *fakeAnswerer {
	f := &fakeAnswerer{
		answers: make(map[string]answer.Answer),
		streams: make(map[string]chan string),
		blocked: make(map[string]bool),
	}
	f.add("how do refunds work?", refundsAnswer)
	f.add("and for digital goods?", digitalAnswer)
	return f
}

func key(q string) string { return strings.ToLower(strings.TrimSpace(q)) }

func (f *fakeAnswerer) add(q string, a answer.Answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[key(q)] = a
}

// stream makes q's answer arrive in steps: each string sent is appended to
// the text so far; closing the channel ends the stream with the answer
// added for q.
func (f *fakeAnswerer) stream(q string) chan<- string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan string)
	f.streams[key(q)] = ch
	return ch
}

func (f *fakeAnswerer) block(q string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked[key(q)] = true
}

func (f *fakeAnswerer) questions() []answer.Question {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]answer.Question(nil), f.asked...)
}

func (f *fakeAnswerer) Stream(ctx context.Context, q answer.Question, onPartial func(string)) (answer.Answer, error) {
	if strings.TrimSpace(q.Text) == "" {
		return answer.Answer{}, answer.ErrEmptyQuestion
	}
	k := key(q.Text)
	f.mu.Lock()
	f.asked = append(f.asked, q)
	a, known := f.answers[k]
	steps := f.streams[k]
	blocked := f.blocked[k]
	started := f.started
	f.mu.Unlock()
	if started != nil {
		started <- q
	}
	if blocked {
		<-ctx.Done()
		return answer.Answer{}, fmt.Errorf("fake answer: %w", ctx.Err())
	}
	if steps != nil {
		text := ""
	loop:
		for {
			select {
			case s, ok := <-steps:
				if !ok {
					break loop
				}
				text += s
				if onPartial != nil {
					onPartial(text)
				}
			case <-ctx.Done():
				return answer.Answer{}, fmt.Errorf("fake answer: %w", ctx.Err())
			}
		}
	}
	if !known {
		return answer.Answer{Question: q.Text, Query: q.Text, Text: answer.RefusalText, Refused: true, Mode: answer.ModeExtractive, Grounded: true}, nil
	}
	a.Question, a.Query = q.Text, q.Text
	return a, nil
}

var refundsAnswer = answer.Answer{
	Text:     "Refunds are issued within 5 days of the return arriving [1]. Digital goods can be refunded within 14 days [2].",
	Mode:     answer.ModeExtractive,
	Grounded: true,
	Citations: []answer.Citation{
		{N: 1, Source: "refunds.md", ChunkID: "refunds.md#0", Title: "How do refunds work?", DocTitle: "Refund policy",
			URL: "https://example.com/refunds", Passage: "Refunds are issued within 5 days of the return arriving at our warehouse."},
		{N: 2, Source: "digital.md", ChunkID: "digital.md#2", Title: "Digital goods", DocTitle: "Digital goods",
			Passage: "Digital goods can be refunded within 14 days if they have not been downloaded."},
	},
}

var digitalAnswer = answer.Answer{
	Text:     "Digital goods can be refunded within 14 days if not downloaded [1].",
	Mode:     answer.ModeExtractive,
	Grounded: true,
	Citations: []answer.Citation{
		{N: 1, Source: "digital.md", ChunkID: "digital.md#2", Title: "Digital goods", DocTitle: "Digital goods",
			Passage: "Digital goods can be refunded within 14 days if they have not been downloaded."},
	},
}

// fakeSources lists a fixed corpus.
type fakeSources []Document

func (s fakeSources) Documents(context.Context) ([]Document, error) {
	return append([]Document(nil), s...), nil
}

var testDocs = fakeSources{
	{ID: "refunds.md", Title: "Refund policy", URL: "https://example.com/refunds", Passages: 4},
	{ID: "digital.md", Title: "Digital goods", Passages: 3},
	{ID: "shipping.md", Title: "Shipping", Passages: 6},
}

// call is one session method call recorded by recordingSession.
type call struct {
	Method    string
	ChannelID string
	Response  *discordgo.InteractionResponse
	Edit      *discordgo.WebhookEdit
	Params    *discordgo.WebhookParams
	Message   *discordgo.MessageSend
	Thread    *discordgo.ThreadStart
	Commands  []*discordgo.ApplicationCommand
}

// recordingSession is a session that records calls and succeeds, for
// handler tests that do not need the wire.
type recordingSession struct {
	mu     sync.Mutex
	calls  []call
	nextID int
}

func (s *recordingSession) record(c call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *recordingSession) Calls() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]call(nil), s.calls...)
}

func (s *recordingSession) id() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return fmt.Sprint("rec-", s.nextID)
}

func (s *recordingSession) ApplicationCommandBulkOverwrite(_, _ string, cmds []*discordgo.ApplicationCommand, _ ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error) {
	s.record(call{Method: "ApplicationCommandBulkOverwrite", Commands: cmds})
	return cmds, nil
}

func (s *recordingSession) InteractionRespond(_ *discordgo.Interaction, r *discordgo.InteractionResponse, _ ...discordgo.RequestOption) error {
	s.record(call{Method: "InteractionRespond", Response: r})
	return nil
}

func (s *recordingSession) InteractionResponseEdit(_ *discordgo.Interaction, e *discordgo.WebhookEdit, _ ...discordgo.RequestOption) (*discordgo.Message, error) {
	s.record(call{Method: "InteractionResponseEdit", Edit: e})
	return &discordgo.Message{ID: s.id()}, nil
}

func (s *recordingSession) FollowupMessageCreate(_ *discordgo.Interaction, _ bool, p *discordgo.WebhookParams, _ ...discordgo.RequestOption) (*discordgo.Message, error) {
	s.record(call{Method: "FollowupMessageCreate", Params: p})
	return &discordgo.Message{ID: s.id()}, nil
}

func (s *recordingSession) ChannelMessageSendComplex(channelID string, m *discordgo.MessageSend, _ ...discordgo.RequestOption) (*discordgo.Message, error) {
	s.record(call{Method: "ChannelMessageSendComplex", ChannelID: channelID, Message: m})
	return &discordgo.Message{ID: s.id(), ChannelID: channelID}, nil
}

func (s *recordingSession) MessageThreadStartComplex(channelID, _ string, t *discordgo.ThreadStart, _ ...discordgo.RequestOption) (*discordgo.Channel, error) {
	id := "thread-" + s.id()
	s.record(call{Method: "MessageThreadStartComplex", ChannelID: channelID, Thread: t})
	return &discordgo.Channel{ID: id, ParentID: channelID, Type: discordgo.ChannelTypeGuildPublicThread}, nil
}

func (s *recordingSession) GuildLeave(guildID string, _ ...discordgo.RequestOption) error {
	s.record(call{Method: "GuildLeave", ChannelID: guildID})
	return nil
}

// fakeModerators keeps a server's moderator roles in memory; err, when
// set, fails every call.
type fakeModerators struct {
	mu    sync.Mutex
	roles []string
	err   error
}

func (f *fakeModerators) ModeratorRoles(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.roles), f.err
}

func (f *fakeModerators) AddModeratorRole(_ context.Context, id, _ string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil || slices.Contains(f.roles, id) {
		return false, f.err
	}
	f.roles = append(f.roles, id)
	return true, nil
}

func (f *fakeModerators) RemoveModeratorRole(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.Index(f.roles, id)
	if f.err != nil || i < 0 {
		return false, f.err
	}
	f.roles = slices.Delete(f.roles, i, i+1)
	return true, nil
}

// testLogger logs through t.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newTestBot returns a Bot on a recordingSession with cfg's defaults.
func newTestBot(t *testing.T, cfg Config, deps Deps) (*Bot, *recordingSession) {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = "test-token"
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	// Servers without an Answerer get a fake one, as do tests that set no
	// Servers at all.
	inner := deps.Servers
	if inner == nil {
		inner = OneServer(Server{})
	}
	fallback := newFakeAnswerer()
	deps.Servers = ServersFunc(func(ctx context.Context, guild string) (Server, error) {
		s, err := inner.Server(ctx, guild)
		if s.Answerer == nil {
			s.Answerer = fallback
		}
		return s, err
	})
	if deps.Logger == nil {
		deps.Logger = testLogger(t)
	}
	sess := &recordingSession{}
	b := newBot(cfg, deps, sess)
	b.selfID = "bot-1"
	return b, sess
}

// inServer fills in q's server (g1 unless q names one) as the bot does.
func inServer(t *testing.T, b *Bot, q question) question {
	t.Helper()
	if q.GuildID == "" {
		q.GuildID = "g1"
	}
	srv, ok := b.server(context.Background(), q.GuildID)
	if !ok {
		t.Fatalf("no server for guild %q", q.GuildID)
	}
	q.srv = srv
	return q
}

// srvOf returns the bot's Server for g1.
func srvOf(t *testing.T, b *Bot) Server {
	t.Helper()
	srv, ok := b.server(context.Background(), "g1")
	if !ok {
		t.Fatal("no server for g1")
	}
	return srv
}

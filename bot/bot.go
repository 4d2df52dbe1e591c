package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// intents are the gateway events the bot needs: guilds (thread and role
// events), guild messages (mentions and thread replies) and message
// content, a privileged intent that must be enabled in the developer
// portal — without it, message text arrives empty. Slash commands need
// none of these.
const intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent

// interruptGrace bounds the wait, after the shutdown grace period, for
// interrupted answers to send their "please ask again" reply.
const interruptGrace = 3 * time.Second

// restTimeout bounds a REST call that has no deadline of its own (the
// gateway lookup in Open); calls made for a question carry its context.
const restTimeout = 20 * time.Second

// Bot is a Discord front end for an Answerer. Create it with New and start
// it with Run.
type Bot struct {
	cfg     Config
	deps    Deps
	lg      *slog.Logger
	sess    session
	gw      *discordgo.Session // nil in handler tests
	recent  *recentAnswers
	threads *conversations
	// notThreads are channels the store said are no conversation of the
	// bot's, so their messages skip the lookup.
	notThreads *channelSet
	// fetch downloads /corpus add attachments: the session's HTTP client.
	fetch   *http.Client
	limiter *rateLimiter
	// turnAways limits the turn-aways posted for message questions.
	turnAways *turnAways
	queue     *queue
	metrics   *metrics
	// memFeedback keeps the votes of servers that have no Feedback.
	memFeedback *MemoryFeedback
	// scrub takes the token and keys out of answers.
	scrub scrubber

	// allowed are the servers the bot serves; nil: any.
	allowed map[string]bool
	// left are the servers the bot has left (or is leaving), so that
	// their events are ignored without another request.
	leftMu sync.Mutex
	left   map[string]bool

	// changing serialises each server's corpus changes and rebuilds;
	// different servers' run side by side.
	changing *keyedLocks

	selfMu sync.RWMutex
	selfID string // the bot's user ID, from READY

	// shardID and shardCount are the shard the bot runs as, once known
	// (count 0 until then), for other goroutines: see Shard.
	shardID, shardCount atomic.Int64

	connected  atomic.Bool // gateway up, for /healthz
	registered atomic.Bool // commands registered this run
	running    atomic.Bool

	lifeMu   sync.Mutex
	draining bool
	// stopping is Run's ctx.Done(): once it is closed no question is
	// taken, even before Run has woken up to drain.
	stopping <-chan struct{}
	inflight sync.WaitGroup

	// graceTimer starts the shutdown grace period's timer (time.After);
	// tests end the period when they choose rather than racing a clock.
	graceTimer func(time.Duration) <-chan time.Time
}

// New checks cfg and returns a Bot that is not yet connected.
func New(cfg Config, deps Deps) (*Bot, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("configuring the Discord bot: %w", err)
	}
	if deps.Servers == nil {
		return nil, errors.New("configuring the Discord bot: Servers are required")
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("creating the Discord session: %w", err)
	}
	s.Identify.Intents = intents
	// Warnings include gateway disconnections, which operators want to
	// see; RouteDiscordgoLogs gives them our log format.
	s.LogLevel = discordgo.LogWarning
	s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount
	// The bot keeps what it needs itself; discordgo's state cache would
	// hold every guild's channels and members for nothing.
	s.StateEnabled = false
	s.Client = &http.Client{Timeout: restTimeout}
	if cfg.APIURL != "" {
		t, err := newRewriteTransport(cfg.APIURL)
		if err != nil {
			return nil, fmt.Errorf("configuring the Discord API URL: %w", err)
		}
		s.Client.Transport = t
	}
	b := newBot(cfg, deps, s)
	b.gw = s
	b.fetch = s.Client
	return b, nil
}

// newBot assembles a Bot around sess; cfg must have its defaults.
func newBot(cfg Config, deps Deps, sess session) *Bot {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		cfg:         cfg,
		deps:        deps,
		lg:          deps.Logger,
		sess:        sess,
		recent:      newRecentAnswers(maxRecentAnswers),
		threads:     newConversations(maxThreadTurns, maxThreads),
		notThreads:  newChannelSet(maxNotThreads),
		fetch:       &http.Client{Timeout: restTimeout},
		limiter:     newRateLimiter(cfg.RatePerMinute, time.Now),
		turnAways:   newTurnAways(time.Now),
		memFeedback: NewMemoryFeedback(),
		scrub:       newScrubber(cfg.Token, cfg.Secrets),
		left:        make(map[string]bool),
		changing:    newKeyedLocks(),
		graceTimer:  time.After,
	}
	if len(cfg.Guilds) > 0 {
		b.allowed = make(map[string]bool, len(cfg.Guilds))
		for _, g := range cfg.Guilds {
			b.allowed[g] = true
		}
	}
	b.metrics = newMetrics(b.connected.Load)
	b.queue = newQueue(cfg.MaxConcurrent, func(n int) { b.metrics.queueDepth.Set(float64(n)) })
	return b
}

// Run connects to Discord, registers the commands when the gateway is
// ready, and answers until ctx is done. It then stops taking questions
// (new ones get a friendly "restarting" reply), waits up to
// Config.ShutdownGrace for answers in flight, and closes the connection.
// Run may be called once.
func (b *Bot) Run(ctx context.Context) error {
	if b.gw == nil || !b.running.CompareAndSwap(false, true) {
		return errors.New("running the Discord bot: Run may be called once, on a Bot from New")
	}
	// Answers outlive ctx by the grace period, so they get their own
	// context, cancelled once the grace period is over.
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	b.lifeMu.Lock()
	b.stopping = ctx.Done()
	b.lifeMu.Unlock()
	for _, h := range []any{
		func(_ *discordgo.Session, r *discordgo.Ready) { b.onReady(base, r) },
		func(_ *discordgo.Session, _ *discordgo.Resumed) { b.connected.Store(true) },
		func(_ *discordgo.Session, _ *discordgo.Disconnect) { b.connected.Store(false) },
		func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { b.onInteraction(base, ic.Interaction) },
		func(_ *discordgo.Session, mc *discordgo.MessageCreate) { b.onMessage(base, mc.Message) },
		func(_ *discordgo.Session, gc *discordgo.GuildCreate) { b.onGuild(base, gc.Guild) },
	} {
		defer b.gw.AddHandler(h)()
	}

	stopHTTP, err := b.serveHTTP()
	if err != nil {
		return err
	}
	defer stopHTTP()

	if b.cfg.ShardCount == 0 {
		// The count Discord recommends, asked now rather than fixed at
		// deployment: it grows with the number of servers.
		gb, err := b.gw.GatewayBot()
		if err != nil {
			return fmt.Errorf("asking Discord how many shards the bot needs (set FAQBOT_SHARD_COUNT to skip this): %w", err)
		}
		id, err := shardOf(b.cfg.ShardID, max(gb.Shards, 1), true)
		if err != nil {
			return err
		}
		b.cfg.ShardID, b.cfg.ShardCount = id, max(gb.Shards, 1)
		b.gw.ShardID, b.gw.ShardCount = b.cfg.ShardID, b.cfg.ShardCount
	}
	b.shardID.Store(int64(b.cfg.ShardID))
	b.shardCount.Store(int64(b.cfg.ShardCount))
	b.lg.Info("connecting to Discord", "shard", b.cfg.ShardID, "shards", b.cfg.ShardCount, "servers", b.cfg.Guilds)
	if err := b.gw.Open(); err != nil {
		return fmt.Errorf("connecting to the Discord gateway: %w", err)
	}
	<-ctx.Done()

	b.lg.Info("shutting down: finishing the answers in flight", "grace", b.cfg.ShutdownGrace)
	if !b.drain(b.graceTimer(b.cfg.ShutdownGrace)) {
		b.lg.Warn("shutdown grace period over; interrupting the answers still in flight")
		cancel()
		// Cancelled answers end at once; give them a moment to tell
		// their users (finalContext) before the process goes away.
		if !b.drain(time.After(interruptGrace)) {
			b.lg.Warn("some interrupted answers could not tell their users")
		}
	}
	cancel()
	if err := b.gw.Close(); err != nil {
		return fmt.Errorf("closing the Discord connection: %w", err)
	}
	b.connected.Store(false)
	b.lg.Info("disconnected from Discord")
	return nil
}

// onReady registers the commands, once per run: they do not change while
// the bot runs, and re-registering on every reconnect would spend rate
// limit for nothing. With a list of servers they are registered on each
// (instantly); without one, globally. Servers READY lists that are not
// on the list are left.
func (b *Bot) onReady(ctx context.Context, r *discordgo.Ready) {
	defer b.recoverPanic("ready")
	if r.User == nil {
		b.lg.Error("READY without a user; cannot tell my own messages apart")
		return
	}
	b.selfMu.Lock()
	b.selfID = r.User.ID
	b.selfMu.Unlock()
	b.connected.Store(true)
	b.lg.Info("connected to Discord", "user", r.User.Username, "id", r.User.ID, "guilds", len(r.Guilds))
	for _, g := range r.Guilds {
		if g != nil {
			b.onGuild(ctx, g)
		}
	}
	if !b.registered.CompareAndSwap(false, true) {
		return
	}
	appID := r.User.ID // equal to the application ID for bots made since 2020
	if r.Application != nil && r.Application.ID != "" {
		appID = r.Application.ID
	}
	scopes := b.cfg.Guilds
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	for _, guild := range scopes {
		ctx, cancel := context.WithTimeout(ctx, restTimeout)
		cmds, err := b.sess.ApplicationCommandBulkOverwrite(appID, guild, commands(b.cfg.MaxQuestionLen), discordgo.WithContext(ctx))
		cancel()
		if err != nil {
			b.registered.Store(false) // try again on the next READY
			b.lg.Error("registering slash commands", "guild", guild, "err", err)
			continue
		}
		scope := "global (may take up to an hour to appear)"
		if guild != "" {
			scope = "guild " + guild
		}
		b.lg.Info("registered slash commands", "count", len(cmds), "scope", scope)
	}
}

// Shard returns the shard the bot runs as and the shard count, once they
// are known: count is 0 before Run has them (from Config, or from Discord
// when Config.ShardCount is 0), and for a nil Bot.
func (b *Bot) Shard() (id, count int) {
	if b == nil {
		return 0, 0
	}
	return int(b.shardID.Load()), int(b.shardCount.Load())
}

// serves reports whether the bot serves guild: a server on the list, or
// any server when there is no list. Direct messages (no guild) are no
// server's, so no knowledge base answers them.
func (b *Bot) serves(guild string) bool {
	return guild != "" && (b.allowed == nil || b.allowed[guild])
}

// onGuild leaves a server the bot was added to (or finds itself in) that
// is not on the list of servers it serves, saying why in the log.
func (b *Bot) onGuild(ctx context.Context, g *discordgo.Guild) {
	defer b.recoverPanic("guild")
	if g == nil || g.ID == "" || b.serves(g.ID) {
		return
	}
	b.leave(ctx, g.ID, g.Name)
}

// leave leaves a server that is not on the list, once.
func (b *Bot) leave(ctx context.Context, guild, name string) {
	b.leftMu.Lock()
	done := b.left[guild]
	b.left[guild] = true
	b.leftMu.Unlock()
	if done {
		return
	}
	b.lg.Warn("leaving a server that is not on FAQBOT_GUILDS (or DISCORD_GUILD_ID)", "guild", guild, "name", name)
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	if err := b.sess.GuildLeave(guild, discordgo.WithContext(ctx)); err != nil {
		b.lg.Error("leaving a server not on the list", "guild", guild, "err", err)
		b.leftMu.Lock()
		delete(b.left, guild) // try again on its next event
		b.leftMu.Unlock()
	}
}

// server returns guild's Server, or false (having logged why) when the
// bot does not serve it or it cannot be had.
func (b *Bot) server(ctx context.Context, guild string) (Server, bool) {
	if !b.serves(guild) {
		if guild != "" {
			b.leave(ctx, guild, "")
		}
		return Server{}, false
	}
	srv, err := b.deps.Servers.Server(ctx, guild)
	if err != nil {
		b.lg.Error("opening a server's knowledge base", "guild", guild, "err", err)
		return Server{}, false
	}
	if srv.Feedback == nil {
		srv.Feedback = b.memFeedback
	}
	return srv, true
}

func (b *Bot) self() string {
	b.selfMu.RLock()
	defer b.selfMu.RUnlock()
	return b.selfID
}

// begin registers a question (or rebuild) in flight; it returns false once
// shutdown has begun: from the moment Run's ctx is done, not only once Run
// has got round to draining, so a question that arrives in between is told
// the bot is restarting like any later one.
func (b *Bot) begin() (done func(), ok bool) {
	b.lifeMu.Lock()
	defer b.lifeMu.Unlock()
	if b.draining {
		return nil, false
	}
	select {
	case <-b.stopping:
		return nil, false
	default:
	}
	b.inflight.Add(1)
	return b.inflight.Done, true
}

// drain stops new questions and waits, until timeout fires, for those in
// flight. It reports whether they all finished.
func (b *Bot) drain(timeout <-chan time.Time) bool {
	b.lifeMu.Lock()
	b.draining = true
	b.lifeMu.Unlock()
	done := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-timeout:
		return false
	}
}

// serveHTTP starts the operator listener when HTTPAddr is set, and returns
// a function that stops it.
func (b *Bot) serveHTTP() (stop func(), err error) {
	if b.cfg.HTTPAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", b.cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for /healthz and /metrics: %w", b.cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: b.httpHandler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.lg.Error("operator HTTP listener stopped", "err", err)
		}
	}()
	b.lg.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

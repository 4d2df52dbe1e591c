package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/internal/pgtest"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/llm/llmtest"
	"github.com/faqbot/faqbot/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// startDeadline bounds a serve process's start, up to its IDENTIFY.
const startDeadline = 2 * time.Minute

// taughtWords is a member's question that the lockers page's words do not
// answer until a moderator teaches them.
const taughtWords = "any spot to stash my backpack"

// cluster is a fake Discord, one PostgreSQL and the faqbot serve
// processes sharing them, each a child process with a data folder of its
// own, as on machines of their own.
type cluster struct {
	// top is the test the processes belong to: they outlive subtests.
	top   testing.TB
	ctx   context.Context
	fake  *discordtest.Server
	dbURL string
	key   string
	embed string // the embeddings server's URL
	n     atomic.Int64
}

// shard is one faqbot serve process.
type shard struct {
	*child
	id  int
	env map[string]string
}

// start runs faqbot serve as shard id ("" count: Discord's recommended
// count) with extra settings, and waits until it has identified to the
// gateway: by then its knowledge bases are ready to answer.
func (c *cluster) start(t testing.TB, id int, count, data string, extra map[string]string) *shard {
	t.Helper()
	env := map[string]string{
		"DISCORD_TOKEN": "shard-token", "FAQBOT_DISCORD_API_URL": c.fake.URL,
		"FAQBOT_DATABASE_URL": c.dbURL, "FAQBOT_USER_ID_KEY": c.key,
		"FAQBOT_DATA_DIR": data, "FAQBOT_SHARD_ID": fmt.Sprint(id), "FAQBOT_SHARD_COUNT": count,
		"FAQBOT_EMBED_BASE_URL": c.embed, "FAQBOT_EMBED_MODEL": "test-embed",
		"FAQBOT_RATE_PER_MINUTE": "1000",
		// No process reads the versions again while the test runs: a
		// change reaches another process by PostgreSQL's notification or
		// not at all, which the test sees without timing it.
		"FAQBOT_DATABASE_CHECK": "24h",
	}
	for k, v := range extra {
		env[k] = v
	}
	started := time.Now()
	ch := startChild(c.top, env, "serve")
	// Generous, for a busy machine: it only bounds a process that fails
	// to start, whose stderr then says why.
	ctx, cancel := context.WithTimeout(c.ctx, startDeadline)
	defer cancel()
	if _, err := c.fake.WaitForFrame(ctx, func(f discordtest.Frame) bool {
		return f.Op == discordtest.OpIdentify && f.At.After(started) && identifiesAs(f, id)
	}); err != nil {
		_ = ch.cmd.Process.Kill()
		_, stderr, code := ch.finish(t)
		t.Fatalf("shard %d never identified (%v; exit %d):\n%s", id, err, code, stderr)
	}
	return &shard{child: ch, id: id, env: env}
}

// stop ends the process: gracefully with SIGTERM, or at once with SIGKILL.
func (s *shard) stop(t testing.TB, sig syscall.Signal) {
	t.Helper()
	err := s.cmd.Process.Signal(sig)
	_, stderr, code := s.finish(t)
	if err != nil {
		t.Fatalf("shard %d had already exited (%d):\n%s", s.id, code, stderr)
	}
}

// member is a member of a server; mods have Manage Server.
func member(id string, mod bool) discordtest.Member {
	m := discordtest.Member{ID: id, Username: id}
	if mod {
		m.Permissions = 32
	}
	return m
}

func (c *cluster) interaction(guild string, m discordtest.Member) discordtest.Interaction {
	return discordtest.Interaction{ID: fmt.Sprintf("shards-%d-%d", os.Getpid(), c.n.Add(1)), GuildID: guild, ChannelID: "chan-" + guild, Member: m}
}

// reply waits for the edit that finishes interaction i and returns it.
func (c *cluster) reply(t testing.TB, i discordtest.Interaction) discordtest.Request {
	t.Helper()
	edit := fmt.Sprintf("%s/webhooks/%s/%s/messages/@original", discordtest.APIPrefix, c.fake.AppID, i.Token())
	r, err := c.fake.WaitFor(c.ctx, func(r discordtest.Request) bool {
		return r.Method == "PATCH" && r.Path == edit && answered(string(r.Body))
	})
	if err != nil {
		t.Fatalf("no reply to %s in %s: %v", i.ID, i.GuildID, err)
	}
	return r
}

// ask asks q in guild and returns the reply.
func (c *cluster) ask(t testing.TB, guild, user, q string) discordtest.Request {
	t.Helper()
	i := c.interaction(guild, member(user, false))
	if err := c.fake.Dispatch(c.ctx, "INTERACTION_CREATE", c.fake.SlashCommand(i, "ask", discordtest.StringOption("question", q))); err != nil {
		t.Fatal(err)
	}
	return c.reply(t, i)
}

// upload starts /corpus add of a document in guild, by a moderator.
func (c *cluster) upload(t *testing.T, guild, name, text string) discordtest.Interaction {
	t.Helper()
	a := c.fake.AddAttachment(discordtest.Attachment{Filename: name, ContentType: "text/markdown", Data: []byte(text)})
	i := c.interaction(guild, member("mod-"+guild, true))
	if err := c.fake.Dispatch(c.ctx, "INTERACTION_CREATE", c.fake.SlashSubcommand(i, "corpus", "add", []discordtest.Option{discordtest.AttachmentOption("file", a)}, a)); err != nil {
		t.Fatal(err)
	}
	return i
}

// added uploads a document and waits for the moderator to be told it is
// added: from then on it must never be lost.
func (c *cluster) added(t *testing.T, guild, name, text string) {
	t.Helper()
	i := c.upload(t, guild, name, text)
	if body := string(c.reply(t, i).Body); !strings.Contains(body, "Added `"+name+"`") {
		t.Fatalf("uploading %s in %s: %s", name, guild, body)
	}
}

// voteUp clicks 👍 on an answer and waits for the thanks.
func (c *cluster) voteUp(t *testing.T, guild, user string, answer discordtest.Request) string {
	t.Helper()
	up := buttonID(t, answer.Body, "faqbot:up:")
	i := c.interaction(guild, member(user, false))
	if err := c.fake.Dispatch(c.ctx, "INTERACTION_CREATE", c.fake.ButtonClick(i, "msg-"+i.ID, up)); err != nil {
		t.Fatal(err)
	}
	callback := fmt.Sprintf("%s/interactions/%s/%s/callback", discordtest.APIPrefix, i.ID, i.Token())
	if _, err := c.fake.WaitFor(c.ctx, func(r discordtest.Request) bool {
		return r.Path == callback && strings.Contains(string(r.Body), "Thanks for the feedback")
	}); err != nil {
		t.Fatalf("the vote in %s was not acknowledged: %v", guild, err)
	}
	return strings.TrimPrefix(up, "faqbot:up:")
}

// guildOn returns a snowflake server ID on the given shard of each count
// (shards[i] of counts[i]).
func guildOn(t testing.TB, skip int, pairs ...[2]int) string {
	t.Helper()
	const base = 1200000000000000000
	for id := uint64(base) + uint64(skip)<<22; id < base+1<<40; id += 1 << 22 {
		g := fmt.Sprint(id)
		ok := true
		for _, p := range pairs {
			ok = ok && discordtest.ShardOf(g, p[1]) == p[0]
		}
		if ok {
			return g
		}
	}
	t.Fatal("no such server ID")
	return ""
}

func faqPage(title, q, a string) string { return fmt.Sprintf("# %s\n\n## %s\n\n%s\n", title, q, a) }

// TestShardsShareOnePostgreSQL runs two faqbot serve processes as shards 0
// and 1 (the count from Discord's recommendation) against the fake
// Discord and one PostgreSQL, each with a data folder of its own:
//   - an upload in a server of shard 0 is answered there, and not in a
//     server of shard 1;
//   - a change to the base corpus, made through shard 0 (its corpus folder
//     is watched), is answered by shard 1, which hears of it by
//     PostgreSQL's notification (no process checks the database by itself
//     during the test); how soon is logged;
//   - shard 0 killed in the middle of an upload loses nothing it
//     acknowledged: earlier uploads and votes are in the database and
//     answered after the restart, from the index it saved on its data
//     folder (nothing acknowledged is embedded again);
//   - a server moved from shard 0 to shard 1 (three shards instead of two)
//     keeps its documents, votes and taught phrasings;
//   - /healthz reports the database.
func TestShardsShareOnePostgreSQL(t *testing.T) {
	dbURL := pgtest.Database(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// Embeddings come from a server the test can hold, to kill a shard
	// in the middle of indexing an upload.
	held := make(chan struct{}, 1)
	var release atomic.Bool
	embed := llmtest.Embeddings(64)
	// hoursEmbedded counts the requests that embed hours.md's passage: a
	// shard that restarts on its data folder reuses the index it saved.
	var hoursEmbedded atomic.Int64
	model := llmtest.NewServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if bytes.Contains(body, []byte("close at five")) {
			hoursEmbedded.Add(1)
		}
		if bytes.Contains(body, []byte("Zebras")) && !release.Load() {
			select {
			case held <- struct{}{}:
			default:
			}
			<-r.Context().Done() // until the client is killed
			return
		}
		embed(w, r, body)
	})
	go func() { // the server records every request; nobody reads them
		for range model.Got {
		}
	}()

	fake := discordtest.New(t)
	fake.SetRecommendedShards(2)
	c := &cluster{top: t, ctx: ctx, fake: fake, dbURL: dbURL, key: strings.Repeat("shared-key-", 4), embed: model.URL()}
	g0 := guildOn(t, 0, [2]int{0, 2})
	g1 := guildOn(t, 0, [2]int{1, 2})
	moving := guildOn(t, 7, [2]int{0, 2}, [2]int{1, 3})

	operator := t.TempDir()
	for name, text := range map[string]string{
		"wifi.md":    faqPage("Wifi", "What is the guest wifi password?", "The guest wifi password is printed on the back of the visitor badge."),
		"holiday.md": faqPage("Holidays", "When is the office closed?", "The office is closed on public holidays and between Christmas and New Year."),
	} {
		if err := os.WriteFile(filepath.Join(operator, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dataA, dataB := t.TempDir(), t.TempDir()
	addr := freeAddr(t)
	a := c.start(t, 0, "", dataA, map[string]string{"FAQBOT_CORPUS_DIR": operator, "FAQBOT_WATCH": "1", "FAQBOT_HTTP_ADDR": addr})
	b := c.start(t, 1, "", dataB, nil)

	t.Run("healthz reports the database", func(t *testing.T) {
		var health map[string]any
		deadline := time.Now().Add(time.Minute)
		for {
			code, body := get(t, "http://"+addr+"/healthz")
			_ = json.Unmarshal([]byte(body), &health)
			if code == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("/healthz: %d %s", code, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if health["database_ok"] != true {
			t.Errorf("/healthz: %v, want database_ok", health)
		}
	})

	t.Run("an upload on shard 0 is answered there", func(t *testing.T) {
		c.added(t, g0, "parking.md", faqPage("Parking", "Where do staff park?", "Staff park in the north lot behind the warehouse with a blue permit."))
		if body := string(c.ask(t, g0, "ann", "where do staff park?").Body); !strings.Contains(body, "parking.md") || !strings.Contains(body, "north lot") {
			t.Errorf("shard 0's answer: %s", body)
		}
		if body := string(c.ask(t, g1, "bo", "where do staff park with a blue permit?").Body); strings.Contains(body, "parking.md") {
			t.Errorf("a server of shard 1 was answered from another server's upload: %s", body)
		}
	})

	t.Run("a base change through shard 0 is answered by shard 1, told by notification", func(t *testing.T) {
		if body := string(c.ask(t, g1, "cy", "when does the canteen serve lunch?").Body); strings.Contains(body, "canteen.md") {
			t.Fatalf("answered from canteen.md before it exists: %s", body)
		}
		page := faqPage("Canteen", "When does the canteen serve lunch?", "The canteen serves lunch from noon until half past two, on weekdays only.")
		written := time.Now()
		if err := os.WriteFile(filepath.Join(operator, "canteen.md"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		// Shard 0's watcher sees the file and publishes the folder to the
		// database: the change is made. Shard 1 hears of it from the
		// database and says when its base is refreshed.
		a.waitLine(t, ctx, "trigger=watcher") // "base corpus published to the database", by the watcher
		published := time.Now()
		b.waitLine(t, ctx, "base corpus refreshed from the database")
		body := string(c.ask(t, g1, "cy", "when does the canteen serve lunch?").Body)
		took := time.Since(published)
		if !strings.Contains(body, "canteen.md") || !strings.Contains(body, "half past two") {
			t.Fatalf("shard 1 refreshed its base but does not answer from canteen.md: %s", body)
		}
		// The issue asks for five seconds: a figure to read here (and
		// in the README's measurements), not a pass/fail on a busy
		// machine. What passes or fails is that the change arrived at all
		// with shard 1 never checking the database by itself.
		t.Logf("shard 1 answered from the new base document %v after shard 0 published it (%v after the file was written, shard 0's watcher checking every %v)",
			took.Round(time.Millisecond), time.Since(written).Round(time.Millisecond), library.DefaultWatchInterval)
	})

	var movedAnswer string
	t.Run("a server on shard 0 gets documents, votes and a taught phrasing", func(t *testing.T) {
		c.added(t, moving, "lockers.md", faqPage("Lockers", "Where are the lockers?", "Lockers are on the second floor next to the kitchen; bring your own padlock."))
		ans := c.ask(t, moving, "dee", "where are the lockers?")
		if !strings.Contains(string(ans.Body), "lockers.md") {
			t.Fatalf("answer in the server to move: %s", ans.Body)
		}
		movedAnswer = c.voteUp(t, moving, "dee", ans)
		// A member's words the FAQ's do not reach, taught by a moderator.
		if body := string(c.ask(t, moving, "dee", taughtWords).Body); strings.Contains(body, "lockers.md") {
			t.Fatalf("%q was answered from lockers.md before it was taught: the test needs words the FAQ misses: %s", taughtWords, body)
		}
		i := c.interaction(moving, member("mod-"+moving, true))
		if err := fake.Dispatch(ctx, "INTERACTION_CREATE", fake.SlashSubcommand(i, "corpus", "teach",
			[]discordtest.Option{discordtest.StringOption("question", taughtWords), discordtest.StringOption("passage", "lockers.md#0")})); err != nil {
			t.Fatal(err)
		}
		if body := string(c.reply(t, i).Body); !strings.Contains(body, "Taught (#") {
			t.Fatalf("/corpus teach: %s", body)
		}
	})

	t.Run("killed mid-upload, shard 0 loses nothing it acknowledged", func(t *testing.T) {
		c.added(t, g0, "hours.md", faqPage("Hours", "When are you open?", "We open at nine and close at five, Monday to Friday."))
		voted := c.voteUp(t, g0, "eve", c.ask(t, g0, "eve", "when are you open?"))
		c.upload(t, g0, "zebras.md", faqPage("Zebras", "Do zebras have stripes?", "Zebras have black and white stripes that differ for every animal."))
		select {
		case <-held:
		case <-ctx.Done():
			t.Fatal("the upload never reached the embedder")
		}
		a.stop(t, syscall.SIGKILL)

		st := c.open(t)
		set, err := st.Guild(g0).Documents(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, d := range set.Documents {
			names[d.Name] = true
		}
		if !names["parking.md"] || !names["hours.md"] {
			t.Errorf("after the kill the database holds %v; the acknowledged parking.md and hours.md must be there", names)
		}
		t.Logf("the upload in progress when shard 0 was killed is in the database: %v", names["zebras.md"])
		if up, down, err := st.Guild(g0).Votes(ctx, voted); err != nil || up != 1 || down != 0 {
			t.Errorf("the acknowledged vote: %d up %d down (%v), want 1 up", up, down, err)
		}

		release.Store(true)
		embedded := hoursEmbedded.Load()
		if embedded == 0 {
			t.Fatal("hours.md's passage was never embedded: the count below checks nothing")
		}
		a = c.start(t, 0, "", dataA, map[string]string{"FAQBOT_CORPUS_DIR": operator, "FAQBOT_WATCH": "1"})
		if body := string(c.ask(t, g0, "fay", "when are you open?").Body); !strings.Contains(body, "hours.md") {
			t.Errorf("after the restart: %s", body)
		}
		if n := hoursEmbedded.Load() - embedded; n != 0 {
			t.Errorf("after the restart hours.md was embedded again (%d requests): the saved index, keyed by the documents' content, was not reused", n)
		}
		if body := string(c.ask(t, g0, "fay", "do zebras have stripes?").Body); strings.Contains(body, "zebras.md") != names["zebras.md"] {
			t.Errorf("zebras.md in the database: %v, but the answer says otherwise: %s", names["zebras.md"], body)
		}
	})

	t.Run("a server moved from shard 0 to shard 1 keeps everything", func(t *testing.T) {
		a.stop(t, syscall.SIGTERM)
		b.stop(t, syscall.SIGTERM)
		// Three shards now: the server is shard 1's. Shard 1 runs on a
		// machine that never served it.
		a = c.start(t, 0, "3", dataA, map[string]string{"FAQBOT_CORPUS_DIR": operator})
		b = c.start(t, 1, "3", t.TempDir(), nil)
		ans := c.ask(t, moving, "gus", "where are the lockers?")
		if !strings.Contains(string(ans.Body), "lockers.md") || !strings.Contains(string(ans.Body), "second floor") {
			t.Errorf("the moved server's answer on shard 1: %s", ans.Body)
		}
		if body := string(c.ask(t, moving, "gus", taughtWords).Body); !strings.Contains(body, "lockers.md") {
			t.Errorf("the taught %q on shard 1, after the move: %s", taughtWords, body)
		}
		st := c.open(t)
		g := st.Guild(moving)
		if up, _, err := g.Votes(ctx, movedAnswer); err != nil || up != 1 {
			t.Errorf("the moved server's vote: %d up (%v), want 1", up, err)
		}
		if ps, err := g.Phrasings(ctx); err != nil || len(ps) != 1 || ps[0].Question != taughtWords {
			t.Errorf("the moved server's taught phrasings: %+v (%v)", ps, err)
		}
		if stats, err := g.Stats(ctx, time.Time{}); err != nil || stats.Questions != 4 || stats.Up != 1 {
			t.Errorf("the moved server's stats: %+v (%v), want its 4 questions and 1 vote", stats, err)
		}
		a.stop(t, syscall.SIGTERM)
		b.stop(t, syscall.SIGTERM)
	})
}

// open opens the shared database as one more process would.
func (c *cluster) open(t *testing.T) store.Store {
	t.Helper()
	st, err := store.OpenPostgres(c.ctx, c.dbURL, store.Options{UserIDs: store.PrivacyHashed, Key: []byte(c.key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// freeAddr is a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// get fetches url and returns the status and body (0 when it cannot).
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// identifiesAs reports whether an IDENTIFY is shard id's: discordgo sends
// no shard for an unsharded bot, which is shard 0.
func identifiesAs(f discordtest.Frame, id int) bool {
	var identify struct {
		Shard *[2]int `json:"shard"`
	}
	if json.Unmarshal(f.Data, &identify) != nil {
		return false
	}
	if identify.Shard == nil {
		return id == 0
	}
	return identify.Shard[0] == id
}

// TestHealthzReportsTheDatabase: /healthz of a serve on PostgreSQL turns
// 503, saying the database does not answer, while the database refuses
// connections and its connections are cut, and 200 again once it takes
// them.
func TestHealthzReportsTheDatabase(t *testing.T) {
	dbURL := pgtest.Database(t)
	root := t.TempDir()
	addr := freeAddr(t)
	s := serveWith(t, map[string]string{
		"FAQBOT_DATABASE_URL": dbURL, "FAQBOT_USER_ID_KEY": strings.Repeat("shared-key-", 4),
		"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_HTTP_ADDR": addr,
	})
	defer s.stop()
	outage := pgtest.NewOutage(s.ctx, t, dbURL)
	cfg, err := pgx.ParseConfig(dbURL) // for the password /healthz must not show
	if err != nil {
		t.Fatal(err)
	}
	health := func() (int, map[string]any) {
		t.Helper()
		code, body := get(t, "http://"+addr+"/healthz")
		var h map[string]any
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("/healthz: %d %q: %v", code, body, err)
		}
		return code, h
	}

	// The gateway is up once the commands are registered, and the base is
	// loaded before serve connects.
	if code, h := health(); code != http.StatusOK || h["database_ok"] != true {
		t.Fatalf("/healthz with the database up: %d %v", code, h)
	}
	outage.Allow(s.ctx, false)
	outage.Cut(s.ctx, "")
	code, h := health()
	if code != http.StatusServiceUnavailable || h["database_ok"] != false || h["database_error"] == nil {
		t.Errorf("/healthz with the database refusing connections: %d %v, want 503 and database_ok false with the error", code, h)
	}
	if h["gateway_connected"] != true {
		t.Errorf("/healthz: %v; the gateway is still connected", h)
	}
	if e, _ := h["database_error"].(string); strings.Contains(e, "shared-key") || (cfg.Password != "" && strings.Contains(e, cfg.Password)) {
		t.Errorf("/healthz shows a secret: %q", e)
	}
	outage.Allow(s.ctx, true)
	// The first look after the database is back: the connections cut
	// while it was away are not its health.
	if code, h := health(); code != http.StatusOK || h["database_ok"] != true {
		t.Errorf("/healthz with the database back: %d %v", code, h)
	}
}

package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
	"github.com/faqbot/faqbot/store"
)

// served is one `faqbot serve` run against its own fake Discord.
type served struct {
	fake *discordtest.Server
	ctx  context.Context // bounds the test's waits
	logs *syncWriter
	stop func()
	n    int
}

// serveWith runs `faqbot serve` with env until stop (or the test's end),
// and waits for the commands to be registered on every server it serves
// (guild-1 unless env sets FAQBOT_GUILDS or DISCORD_GUILD_ID).
func serveWith(t *testing.T, env map[string]string) *served {
	t.Helper()
	return serveWithClock(t, env, nil, nil)
}

// serveWithClock is serveWith with the source schedule's clock (nil: the
// real one).
func serveWithClock(t *testing.T, settings map[string]string, now func() time.Time, until func(time.Time) <-chan time.Time) *served {
	t.Helper()
	fake := discordtest.New(t)
	full := map[string]string{"DISCORD_TOKEN": "canary-token", "DISCORD_GUILD_ID": "guild-1", "FAQBOT_DISCORD_API_URL": fake.URL}
	for k, v := range settings {
		full[k] = v
	}
	s := &served{fake: fake, logs: &syncWriter{w: &strings.Builder{}}}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		e := &env{getenv: func(k string) string { return full[k] }, stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: s.logs, now: now, until: until}
		done <- e.run(runCtx, []string{"serve"})
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve returned %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
	}
	t.Cleanup(s.stop)
	ctx, cancelWait := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancelWait)
	s.ctx = ctx
	for _, g := range strings.Split(full["FAQBOT_GUILDS"]+","+full["DISCORD_GUILD_ID"], ",") {
		if g == "" {
			continue
		}
		commands := fmt.Sprintf("%s/applications/%s/guilds/%s/commands", discordtest.APIPrefix, fake.AppID, g)
		if _, err := fake.WaitFor(ctx, func(r discordtest.Request) bool { return r.Method == "PUT" && r.Path == commands }); err != nil {
			s.stop()
			t.Fatalf("commands never registered on %s: %v\nlogs:\n%s", g, err, logsOf(s.logs))
		}
	}
	return s
}

func logsOf(w *syncWriter) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.String()
}

var (
	modMia    = discordtest.Member{ID: "user-mia", Username: "mia", Permissions: 32} // Manage Server
	memberBob = discordtest.Member{ID: "user-bob", Username: "bob"}
)

// interaction returns a fresh interaction from m in guild-1.
func (s *served) interaction(m discordtest.Member) discordtest.Interaction {
	return s.interactionIn("guild-1", m)
}

// interactionIn returns a fresh interaction from m in guild.
func (s *served) interactionIn(guild string, m discordtest.Member) discordtest.Interaction {
	s.n++
	return discordtest.Interaction{ID: fmt.Sprintf("i-%d", s.n), GuildID: guild, ChannelID: "chan-" + guild, Member: m}
}

func (s *served) dispatch(t *testing.T, event string, payload map[string]any) {
	t.Helper()
	if err := s.fake.Dispatch(s.ctx, event, payload); err != nil {
		t.Fatal(err)
	}
}

// reply waits for what the user reads: an immediate response (type 4) or
// an edit of the deferred one, for which final says it is the last.
func (s *served) reply(t *testing.T, i discordtest.Interaction, final func(body string) bool) string {
	t.Helper()
	callback := fmt.Sprintf("%s/interactions/%s/%s/callback", discordtest.APIPrefix, i.ID, i.Token())
	edit := fmt.Sprintf("%s/webhooks/%s/%s/messages/@original", discordtest.APIPrefix, s.fake.AppID, i.Token())
	r, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
		if r.Method == "POST" && r.Path == callback {
			return r.JSON()["type"] == 4.0
		}
		return r.Method == "PATCH" && r.Path == edit && final(string(r.Body))
	})
	if err != nil {
		t.Fatalf("no reply to %s: %v\nlogs:\n%s", i.ID, err, logsOf(s.logs))
	}
	return string(r.Body)
}

// notThinking accepts the edit that ends a moderator command: not a note
// edited in meanwhile ("⏳ Fetching … 3 of 40 pages", "⏳ Another corpus
// change is running").
func notThinking(body string) bool { return !strings.Contains(body, "⏳") }

// answered accepts the edit that carries an answer's buttons, or a notice.
func answered(body string) bool {
	return strings.Contains(body, `"custom_id"`) || !strings.Contains(body, `"embeds":[{`)
}

// addFile sends /corpus add from m and returns the reply.
func (s *served) addFile(t *testing.T, m discordtest.Member, a discordtest.Attachment, opts ...discordtest.Option) (string, discordtest.Attachment) {
	t.Helper()
	a = s.fake.AddAttachment(a)
	i := s.interaction(m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashSubcommand(i, "corpus", "add", append([]discordtest.Option{discordtest.AttachmentOption("file", a)}, opts...), a))
	return s.reply(t, i, notThinking), a
}

func (s *served) command(t *testing.T, m discordtest.Member, name string, opts ...discordtest.Option) string {
	t.Helper()
	i := s.interaction(m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, name, opts...))
	return s.reply(t, i, notThinking)
}

func (s *served) sub(t *testing.T, m discordtest.Member, name, sub string, opts ...discordtest.Option) string {
	t.Helper()
	i := s.interaction(m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashSubcommand(i, name, sub, opts))
	return s.reply(t, i, notThinking)
}

func (s *served) ask(t *testing.T, user, q string) string {
	t.Helper()
	i := s.interaction(discordtest.Member{ID: user, Username: user})
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, "ask", discordtest.StringOption("question", q)))
	return s.reply(t, i, answered)
}

// files lists every file under root, relative, sorted.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestServeCorpusFromDiscord runs serve on a fresh data folder, as
// deployed: the embedded corpus is copied there as the base, moderators
// add, list and remove their server's documents and reindex from Discord,
// hostile uploads are refused without a byte written outside the server's
// folder, every change lands in the server's change log, and /gaps
// reports the seeded questions.
func TestServeCorpusFromDiscord(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"How do I reset my password?", "how do i reset my password", "password reset not working"} {
		if _, err := db.Guild("guild-1").RecordQuestion(context.Background(), store.QuestionRecord{Question: q, Refused: true}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := serveWith(t, map[string]string{
		"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"), "FAQBOT_MAX_UPLOAD_KB": "4",
	})
	baseDir := filepath.Join(data, "corpus")
	seeded := files(t, baseDir)
	if len(seeded) == 0 {
		t.Fatal("the embedded corpus was not copied to the data folder")
	}
	corpusDir := filepath.Join(data, "guilds", "guild-1", "corpus")
	outside := func() []string {
		var out []string
		for _, f := range files(t, root) {
			if !strings.HasPrefix(f, "data/guilds/guild-1/") && !strings.HasPrefix(f, "index/") && !strings.HasPrefix(f, "data/faqbot.db") {
				out = append(out, f)
			}
		}
		return out
	}
	before := outside()

	parking := "# Staff parking\n\n## Where do staff park?\n\nStaff park in the north lot behind the warehouse, using the blue permit.\n"
	t.Run("add", func(t *testing.T) {
		got, _ := s.addFile(t, modMia, discordtest.Attachment{Filename: "Parking rules.md", Data: []byte(parking)})
		if !strings.Contains(got, "Added `Parking-rules.md`") {
			t.Fatalf("reply %s", got)
		}
		if !strings.Contains(got, "1 passage embedded,") {
			t.Errorf("reply %s, want the one passage counted in the singular", got)
		}
		if b, err := os.ReadFile(filepath.Join(corpusDir, "Parking-rules.md")); err != nil || string(b) != parking {
			t.Errorf("saved %q, %v", b, err)
		}
		if ans := s.ask(t, "user-ann", "Where do staff park?"); !strings.Contains(ans, "north lot") || !strings.Contains(ans, "Parking-rules.md") {
			t.Errorf("the answer does not come from the new document: %s", ans)
		}
	})

	t.Run("refused uploads", func(t *testing.T) {
		tests := []struct {
			name string
			att  discordtest.Attachment
			want string
		}{
			{"dot-dot", discordtest.Attachment{Filename: "../../etc/passwd", Data: []byte(parking)}, "file name"},
			{"dot-dot markdown", discordtest.Attachment{Filename: "../../../escape.md", Data: []byte(parking)}, "file name"},
			{"absolute", discordtest.Attachment{Filename: filepath.Join(root, "abs.md"), Data: []byte(parking)}, "file name"},
			{"windows", discordtest.Attachment{Filename: `..\..\escape.md`, Data: []byte(parking)}, "file name"},
			{"fullwidth", discordtest.Attachment{Filename: "..／..／escape.md", Data: []byte(parking)}, "file name"},
			{"division slash", discordtest.Attachment{Filename: "..∕..∕escape.md", Data: []byte(parking)}, "file name"},
			{"png as markdown", discordtest.Attachment{Filename: "photo.md", Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}, "isn't text"},
			{"pdf", discordtest.Attachment{Filename: "manual.md", Data: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")}, "isn't text"},
			{"latin-1", discordtest.Attachment{Filename: "cafe.txt", Data: []byte("Le caf\xe9 ouvre \xe0 8 heures du matin pour tout le monde.")}, "UTF-8"},
			{"declared too big", discordtest.Attachment{Filename: "big.md", Size: 4097, Data: []byte(parking)}, "too big"},
			{"lying size", discordtest.Attachment{Filename: "liar.md", Size: 100, Data: []byte(strings.Repeat("Staff park here. ", 400))}, "too big"},
			{"exists", discordtest.Attachment{Filename: "Parking-rules.md", Data: []byte(parking)}, "already exists"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, a := s.addFile(t, modMia, tt.att)
				if !strings.Contains(got, tt.want) || !strings.Contains(got, `"parse":[]`) {
					t.Errorf("reply %s, want %q", got, tt.want)
				}
				if tt.name == "declared too big" {
					for _, r := range s.fake.Requests() {
						if r.Path == discordtest.AttachmentPath(a) {
							t.Error("downloaded an attachment declared over the limit")
						}
					}
				}
			})
		}
		if got := outside(); !slices.Equal(got, before) {
			t.Errorf("files outside the corpus folder changed:\n%q\nwas\n%q", got, before)
		}
		if got := files(t, corpusDir); !slices.Equal(got, []string{"Parking-rules.md"}) {
			t.Errorf("the server's folder holds %q, want the one upload", got)
		}
		if got := files(t, baseDir); !slices.Equal(got, seeded) {
			t.Errorf("the base corpus changed: %q, was %q", got, seeded)
		}
	})

	t.Run("a member is refused", func(t *testing.T) {
		got, _ := s.addFile(t, memberBob, discordtest.Attachment{Filename: "members.md", Data: []byte(parking)})
		if !strings.Contains(got, "Only moderators") {
			t.Errorf("reply %s", got)
		}
		if _, err := os.Stat(filepath.Join(corpusDir, "members.md")); err == nil {
			t.Error("a member's upload was saved")
		}
	})

	t.Run("list, remove, reindex, gaps", func(t *testing.T) {
		if got := s.sub(t, modMia, "corpus", "list"); !strings.Contains(got, "Parking-rules.md") || !strings.Contains(got, "by mia (user-mia)") {
			t.Errorf("list %s", got)
		}
		if got := s.sub(t, modMia, "corpus", "remove", discordtest.StringOption("document", "Parking-rules.md")); !strings.Contains(got, "Removed `Parking-rules.md`") {
			t.Errorf("remove %s", got)
		}
		if _, err := os.Stat(filepath.Join(corpusDir, "removed", "Parking-rules.md")); err != nil {
			t.Errorf("not moved to removed/: %v", err)
		}
		if ans := s.ask(t, "user-cy", "Where do staff park?"); strings.Contains(ans, "Parking-rules.md") {
			t.Errorf("still cites the removed document: %s", ans)
		}
		if got := s.command(t, modMia, "reindex"); !strings.Contains(got, "Index rebuilt") {
			t.Errorf("reindex %s", got)
		}
		got := s.command(t, modMia, "gaps", discordtest.IntOption("days", 30))
		if !strings.Contains(got, "3 times") || !strings.Contains(got, "reset my password") {
			t.Errorf("gaps %s", got)
		}
		// The three seeded refusals and the two questions above, one of
		// them answered from the upload: the store's statistics as the
		// moderator reads them.
		if got := s.command(t, modMia, "stats"); !strings.Contains(got, `{"name":"Questions","value":"5"`) ||
			!strings.Contains(got, `{"name":"Refused","value":"4 (80%)"`) || !strings.Contains(got, "1. `Parking-rules.md` — 1 answer") {
			t.Errorf("stats %s", got)
		}
	})

	t.Run("an MDX page, with a file that is not loaded", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(corpusDir, "floor-plan.pdf"), []byte("%PDF-1.7"), 0o644); err != nil {
			t.Fatal(err)
		}
		page := "---\ntitle: Lockers\n---\nimport { Note } from '/snippets/note.mdx'\n\n<Note>\n  Lockers are on the second floor, next to the kitchen; bring your own padlock.\n</Note>\n"
		got, _ := s.addFile(t, modMia, discordtest.Attachment{Filename: "lockers.mdx", Data: []byte(page)})
		if !strings.Contains(got, "Added `lockers.mdx`") || !strings.Contains(got, "Not loaded (1)") ||
			!strings.Contains(got, "`floor-plan.pdf` (unsupported file type)") {
			t.Errorf("reply %s", got)
		}
		if ans := s.ask(t, "user-ann", "where are the lockers?"); !strings.Contains(ans, "second floor") || strings.Contains(ans, "import") {
			t.Errorf("the answer does not come from the MDX page's text: %s", ans)
		}
		if got := s.command(t, modMia, "reindex"); !strings.Contains(got, "`floor-plan.pdf` (unsupported file type)") {
			t.Errorf("reindex %s", got)
		}
	})
	s.stop()

	db, err = store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	changes, err := db.Guild("guild-1").Changes(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, c := range changes {
		ok := "ok"
		if c.Error != "" {
			ok = "refused"
		}
		log = append(log, fmt.Sprintf("%s %s %s %s", c.Who, c.Action, c.Document, ok))
	}
	slices.Reverse(log)
	for _, want := range []string{
		"mia (user-mia) add Parking-rules.md ok", "mia (user-mia) add photo.md refused",
		"mia (user-mia) remove Parking-rules.md ok", "mia (user-mia) reindex  ok",
	} {
		if !slices.Contains(log, want) {
			t.Errorf("change log lacks %q:\n%s", want, strings.Join(log, "\n"))
		}
	}
}

// TestServeReindexWhileAnswering answers 50 questions while /reindex
// swaps the server's documents (edited on disk by the operator) for others
// with other names: no question fails, and no answer cites documents of
// both sets.
func TestServeReindexWhileAnswering(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data", "guilds", "guild-1", "corpus")
	write := func(prefix string) {
		for _, topic := range []string{"refunds", "shipping", "returns"} {
			body := fmt.Sprintf("# %s %s\n\n## How long do refunds and shipping take?\n\nFor %s, refunds take five days and shipping takes three days. "+
				"Returns are free within thirty days of delivery.\n", prefix, topic, topic)
			if err := os.WriteFile(filepath.Join(dir, prefix+"-"+topic+".md"), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write("alpha")
	s := serveWith(t, map[string]string{
		"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
		"FAQBOT_MAX_CONCURRENT": "4", "FAQBOT_BASE_GUILDS": "none",
	})
	// The server's documents load on its first question.
	if first := s.ask(t, "user-first", "How long do refunds and shipping take?"); !strings.Contains(first, "alpha-") {
		t.Fatalf("first answer: %s", first)
	}
	// The new documents are on disk; the live index still holds the old
	// ones until the reindex swaps them in, in the middle of the questions.
	for _, topic := range []string{"refunds", "shipping", "returns"} {
		if err := os.Remove(filepath.Join(dir, "alpha-"+topic+".md")); err != nil {
			t.Fatal(err)
		}
	}
	write("beta")

	const questions = 50
	var asked []discordtest.Interaction
	var reindex discordtest.Interaction
	for n := range questions {
		if n == questions/3 {
			reindex = s.interaction(modMia)
			s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(reindex, "reindex"))
		}
		i := s.interaction(discordtest.Member{ID: fmt.Sprint("user-", n), Username: fmt.Sprint("user", n)})
		s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, "ask", discordtest.StringOption("question", "How long do refunds and shipping take?")))
		asked = append(asked, i)
	}
	if got := s.reply(t, reindex, notThinking); !strings.Contains(got, "Index rebuilt") {
		t.Fatalf("reindex: %s", got)
	}
	counts := map[string]int{}
	for _, i := range asked {
		body := s.reply(t, i, answered)
		alpha, beta := strings.Contains(body, "alpha-"), strings.Contains(body, "beta-")
		switch {
		case alpha && beta:
			t.Errorf("%s cites both corpora: %s", i.ID, body)
		case !alpha && !beta:
			t.Errorf("%s was not answered from either corpus: %s", i.ID, body)
		case alpha:
			counts["alpha"]++
		default:
			counts["beta"]++
		}
	}
	t.Logf("answers from the old corpus: %d, from the new: %d", counts["alpha"], counts["beta"])
	if after := s.ask(t, "user-late", "How long do refunds and shipping take?"); !strings.Contains(after, "beta-") {
		t.Errorf("after the reindex: %s", after)
	}
}

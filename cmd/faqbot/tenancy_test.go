package main

import (
	"context"
	"database/sql"
	"fmt"
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

// Members of the two servers of the tenancy tests. Each server's admin has
// Manage Server there only.
var (
	adminA  = discordtest.Member{ID: "user-ada", Username: "ada", Permissions: 32}
	adminB  = discordtest.Member{ID: "user-bea", Username: "bea", Permissions: 32}
	memberA = discordtest.Member{ID: "user-amy", Username: "amy"}
	memberB = discordtest.Member{ID: "user-ben", Username: "ben"}
)

func (s *served) askIn(t *testing.T, guild string, m discordtest.Member, q string) string {
	t.Helper()
	i := s.interactionIn(guild, m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, "ask", discordtest.StringOption("question", q)))
	return s.reply(t, i, answered)
}

// mentionIn posts text, mentioning the bot, as message id of channel in
// guild by m, and waits for the thread the bot starts from it and for the
// thread's first post, its reply; it returns the thread's ID and the post.
func (s *served) mentionIn(t *testing.T, guild, channel, id string, m discordtest.Member, text string) (string, discordtest.Request) {
	t.Helper()
	s.dispatch(t, "MESSAGE_CREATE", s.fake.MessageCreate(discordtest.Message{
		ID: id, GuildID: guild, ChannelID: channel, Author: m,
		Content: s.fake.Mention() + " " + text, MentionsBot: true,
	}))
	start, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
		return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/"+channel+"/messages/"+id+"/threads"
	})
	if err != nil {
		t.Fatalf("the mention in %s started no thread: %v\nlogs:\n%s", guild, err, logsOf(s.logs))
	}
	thread := start.ResponseJSON()["id"].(string)
	r, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
		return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/"+thread+"/messages"
	})
	if err != nil {
		t.Fatalf("the mention in %s got no reply: %v\nlogs:\n%s", guild, err, logsOf(s.logs))
	}
	return thread, r
}

func (s *served) commandIn(t *testing.T, guild string, m discordtest.Member, name string, opts ...discordtest.Option) string {
	t.Helper()
	i := s.interactionIn(guild, m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, name, opts...))
	return s.reply(t, i, notThinking)
}

func (s *served) subIn(t *testing.T, guild string, m discordtest.Member, name, sub string, opts ...discordtest.Option) string {
	t.Helper()
	i := s.interactionIn(guild, m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashSubcommand(i, name, sub, opts))
	return s.reply(t, i, notThinking)
}

func (s *served) addFileIn(t *testing.T, guild string, m discordtest.Member, name, content string) string {
	t.Helper()
	a := s.fake.AddAttachment(discordtest.Attachment{Filename: name, Data: []byte(content)})
	i := s.interactionIn(guild, m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashSubcommand(i, "corpus", "add", []discordtest.Option{discordtest.AttachmentOption("file", a)}, a))
	return s.reply(t, i, notThinking)
}

// autocompleteIn returns the choices offered for /corpus remove document:
// after typed.
func (s *served) autocompleteIn(t *testing.T, guild string, m discordtest.Member, typed string) string {
	t.Helper()
	i := s.interactionIn(guild, m)
	s.dispatch(t, "INTERACTION_CREATE", s.fake.AutocompleteSubcommand(i, "corpus", "remove", discordtest.Option{Name: "document", Type: 3, Value: typed, Focused: true}))
	callback := fmt.Sprintf("%s/interactions/%s/%s/callback", discordtest.APIPrefix, i.ID, i.Token())
	r, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool { return r.Method == "POST" && r.Path == callback })
	if err != nil {
		t.Fatal(err)
	}
	return string(r.Body)
}

const (
	parkingA = "# Staff parking\n\n## Where do staff park?\n\nStaff park in the north lot behind the warehouse, with the blue permit from reception.\n"
	scamB    = "# Parking refunds\n\n## How do I get a parking refund?\n\nTo get a parking refund, DM your account password to the user ScamBot and wait for the refund.\n"
)

// TestServersKeptApart runs one `faqbot serve` for two servers, A and B,
// with the shipped corpus as the base: what one server's moderators do
// never reaches the other's members, the base answers in both and is
// read-only, and each server's reports, lists, roles and votes are its own.
func TestServersKeptApart(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	s := serveWith(t, map[string]string{
		"FAQBOT_GUILDS": "guild-a,guild-b", "DISCORD_GUILD_ID": "",
		"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
	})
	folderA := filepath.Join(data, "guilds", "guild-a", "corpus")

	t.Run("uploads answer in their own server only", func(t *testing.T) {
		if got := s.addFileIn(t, "guild-b", adminB, "parking-refunds.md", scamB); !strings.Contains(got, "Added `parking-refunds.md`") {
			t.Fatalf("B's upload: %s", got)
		}
		if got := s.addFileIn(t, "guild-a", adminA, "parking.md", parkingA); !strings.Contains(got, "Added `parking.md`") {
			t.Fatalf("A's upload: %s", got)
		}
		if got := s.askIn(t, "guild-a", memberA, "How do I get a parking refund?"); strings.Contains(got, "ScamBot") || strings.Contains(got, "parking-refunds.md") {
			t.Errorf("A's member was answered from B's document: %s", got)
		}
		if got := s.askIn(t, "guild-b", memberB, "How do I get a parking refund?"); !strings.Contains(got, "parking-refunds.md") {
			t.Errorf("B's member was not answered from B's document: %s", got)
		}
		if got := s.askIn(t, "guild-a", memberA, "Where do staff park?"); !strings.Contains(got, "north lot") || !strings.Contains(got, "parking.md") {
			t.Errorf("A's member was not answered from A's document: %s", got)
		}
		if got := s.askIn(t, "guild-b", memberB, "Where do staff park with the blue permit?"); strings.Contains(got, "north lot") {
			t.Errorf("B's member was answered from A's document: %s", got)
		}
	})

	t.Run("the base answers in both and is read-only", func(t *testing.T) {
		for _, g := range []string{"guild-a", "guild-b"} {
			if got := s.askIn(t, g, discordtest.Member{ID: "user-base-" + g, Username: "x"}, "How long did the talks in Florida last?"); !strings.Contains(got, "four hours") {
				t.Errorf("%s: the base did not answer: %s", g, got)
			}
		}
		baseDoc := files(t, filepath.Join(data, "corpus"))[0]
		if got := s.subIn(t, "guild-b", adminB, "corpus", "remove", discordtest.StringOption("document", baseDoc)); !strings.Contains(got, "base FAQ") {
			t.Errorf("B removing a base document: %s", got)
		}
		if got := s.addFileIn(t, "guild-b", adminB, strings.ToUpper(baseDoc[:1])+baseDoc[1:], "Replacement text that would shadow the base document."); !strings.Contains(got, "base FAQ") {
			t.Errorf("B shadowing a base document: %s", got)
		}
		if _, err := os.Stat(filepath.Join(data, "corpus", baseDoc)); err != nil {
			t.Errorf("the base document is gone: %v", err)
		}
		if got := s.askIn(t, "guild-a", discordtest.Member{ID: "user-base-2", Username: "x"}, "How long did the talks in Florida last?"); !strings.Contains(got, "four hours") {
			t.Errorf("after B's attempts the base no longer answers in A: %s", got)
		}
	})

	t.Run("B's moderators cannot change, list or see A's documents", func(t *testing.T) {
		if got := s.subIn(t, "guild-b", adminB, "corpus", "remove", discordtest.StringOption("document", "parking.md")); !strings.Contains(got, "no document by that name") {
			t.Errorf("B removing A's document: %s", got)
		}
		if _, err := os.Stat(filepath.Join(folderA, "parking.md")); err != nil {
			t.Errorf("A's document was touched: %v", err)
		}
		if got := s.subIn(t, "guild-b", adminB, "corpus", "list"); strings.Contains(got, "parking.md") || !strings.Contains(got, "parking-refunds.md") {
			t.Errorf("B's /corpus list: %s", got)
		}
		if got := s.commandIn(t, "guild-b", memberB, "sources"); strings.Contains(got, "parking.md`") || !strings.Contains(got, "parking-refunds.md") {
			t.Errorf("B's /sources: %s", got)
		}
		if got := s.autocompleteIn(t, "guild-b", adminB, "park"); strings.Contains(got, `"parking.md"`) || !strings.Contains(got, "parking-refunds.md") {
			t.Errorf("B's autocomplete: %s", got)
		}
		if got := s.askIn(t, "guild-a", memberA, "Where do staff park?"); !strings.Contains(got, "parking.md") {
			t.Errorf("A's document no longer answers: %s", got)
		}
	})

	t.Run("reports are each server's own", func(t *testing.T) {
		secret := "what is the door code of the server room in building seven"
		if got := s.askIn(t, "guild-a", memberA, secret); !strings.Contains(got, "couldn't find") {
			t.Fatalf("the unanswerable question was answered: %s", got)
		}
		if got := s.commandIn(t, "guild-b", adminB, "gaps", discordtest.IntOption("days", 30)); strings.Contains(got, "door code") {
			t.Errorf("B's /gaps shows A's question: %s", got)
		}
		if got := s.commandIn(t, "guild-a", adminA, "gaps", discordtest.IntOption("days", 30)); !strings.Contains(got, "door code") {
			t.Errorf("A's /gaps lacks A's question: %s", got)
		}
		stats := func(g string, m discordtest.Member) int {
			got := s.commandIn(t, g, m, "stats")
			_, rest, _ := strings.Cut(got, `"name":"Questions","value":"`)
			n := 0
			fmt.Sscan(rest, &n)
			return n
		}
		// A was asked about refunds, parking, the talks (twice), parking
		// again and the door code; B about refunds, parking and the talks.
		if a, b := stats("guild-a", adminA), stats("guild-b", adminB); a != 6 || b != 3 {
			t.Errorf("/stats counts %d questions in A and %d in B, want 6 and 3", a, b)
		}
	})

	t.Run("moderator roles are set per server, by ID, by its admins", func(t *testing.T) {
		if got := s.subIn(t, "guild-a", memberA, "moderators", "add", discordtest.RoleOption("role", "role-a-mods")); !strings.Contains(got, "Only server admins") {
			t.Errorf("a member set a moderator role: %s", got)
		}
		if got := s.subIn(t, "guild-a", adminA, "moderators", "add", discordtest.RoleOption("role", "role-a-mods")); !strings.Contains(got, "can now use") {
			t.Errorf("A's admin adding a role: %s", got)
		}
		modA := discordtest.Member{ID: "user-mod-a", Username: "moda", Roles: []string{"role-a-mods"}}
		if got := s.subIn(t, "guild-a", modA, "corpus", "list"); !strings.Contains(got, "parking.md") {
			t.Errorf("A's role moderator: %s", got)
		}
		// B never allowed that role: a member of B carrying the same ID
		// gets nowhere, and B's list does not show it.
		modB := discordtest.Member{ID: "user-mod-b", Username: "modb", Roles: []string{"role-a-mods"}}
		if got := s.subIn(t, "guild-b", modB, "corpus", "list"); !strings.Contains(got, "Only moderators") {
			t.Errorf("A's role worked in B: %s", got)
		}
		if got := s.subIn(t, "guild-b", adminB, "moderators", "list"); strings.Contains(got, "role-a-mods") {
			t.Errorf("B's moderator roles show A's: %s", got)
		}
		if got := s.subIn(t, "guild-b", adminB, "moderators", "remove", discordtest.RoleOption("role", "role-a-mods")); !strings.Contains(got, "wasn't a moderator role") {
			t.Errorf("B removing A's role: %s", got)
		}
		if got := s.subIn(t, "guild-a", modA, "corpus", "list"); !strings.Contains(got, "parking.md") {
			t.Errorf("after B's attempt A's moderator lost the role: %s", got)
		}
	})

	t.Run("an answer's buttons work in its own server only", func(t *testing.T) {
		i := s.interactionIn("guild-a", memberA)
		s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, "ask", discordtest.StringOption("question", "Where do staff park, please?")))
		body := s.reply(t, i, answered)
		up := buttonID(t, []byte(body), "faqbot:up:")
		click := s.interactionIn("guild-b", memberB)
		s.dispatch(t, "INTERACTION_CREATE", s.fake.ButtonClick(click, "msg-a", up))
		if got := s.reply(t, click, notThinking); !strings.Contains(got, "no longer have that answer") {
			t.Errorf("B's member voted on A's answer: %s", got)
		}
		sources := s.interactionIn("guild-b", memberB)
		s.dispatch(t, "INTERACTION_CREATE", s.fake.ButtonClick(sources, "msg-a", strings.Replace(up, ":up:", ":sources:", 1)))
		if got := s.reply(t, sources, notThinking); strings.Contains(got, "north lot") {
			t.Errorf("B's member saw A's sources: %s", got)
		}
	})
	s.stop()

	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, g := range []string{"guild-a", "guild-b"} {
		st, err := db.Guild(g).Stats(context.Background(), time.Time{})
		if err != nil || st.Up+st.Down != 0 {
			t.Errorf("%s: votes %+v (%v), want none: the cross-server click was not recorded", g, st, err)
		}
	}
	changes, err := db.Guild("guild-b").Changes(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Document == "parking.md" && c.Error == "" {
			t.Errorf("B's change log shows a change to A's document: %+v", c)
		}
	}
}

// TestServerNotOnListIsLeft: in a server that is not on FAQBOT_GUILDS the
// bot answers nothing — commands, mentions — and leaves it, saying why in
// the log. DISCORD_GUILD_ID alone is a one-server list.
func TestServerNotOnListIsLeft(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
	}{
		{"FAQBOT_GUILDS", map[string]string{"FAQBOT_GUILDS": "guild-a", "DISCORD_GUILD_ID": ""}},
		{"DISCORD_GUILD_ID", map[string]string{"DISCORD_GUILD_ID": "guild-a"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			env := map[string]string{"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index")}
			for k, v := range tt.env {
				env[k] = v
			}
			s := serveWith(t, env)
			// Invited to another server: left at once.
			s.dispatch(t, "GUILD_CREATE", s.fake.GuildCreate("guild-x", "Somebody's server"))
			if _, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool { return discordtest.LeftGuild(r, "guild-x") }); err != nil {
				t.Fatalf("the bot did not leave guild-x: %v\nlogs:\n%s", err, logsOf(s.logs))
			}
			// A command and a mention from a server it is still in (the
			// leave raced them): nothing answers, and it leaves.
			i := s.interactionIn("guild-y", memberB)
			s.dispatch(t, "INTERACTION_CREATE", s.fake.SlashCommand(i, "ask", discordtest.StringOption("question", "How long did the talks in Florida last?")))
			s.dispatch(t, "MESSAGE_CREATE", s.fake.MessageCreate(discordtest.Message{
				ID: "m-z", GuildID: "guild-z", ChannelID: "chan-z", Author: memberB,
				Content: s.fake.Mention() + " How long did the talks in Florida last?", MentionsBot: true,
			}))
			for _, g := range []string{"guild-y", "guild-z"} {
				if _, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool { return discordtest.LeftGuild(r, g) }); err != nil {
					t.Fatalf("the bot did not leave %s: %v", g, err)
				}
			}
			// Its own server is answered, which also shows the events
			// above were handled before it.
			if got := s.askIn(t, "guild-a", memberA, "How long did the talks in Florida last?"); !strings.Contains(got, "four hours") {
				t.Errorf("guild-a: %s", got)
			}
			for _, r := range s.fake.Requests() {
				if strings.Contains(r.Path, "token-"+i.ID) || strings.Contains(r.Path, "chan-z") || strings.Contains(r.Path, "m-z") {
					t.Errorf("answered a server not on the list: %s", r)
				}
				if r.Method == "DELETE" && discordtest.LeftGuild(r, "guild-a") {
					t.Error("left its own server")
				}
			}
			if logs := logsOf(s.logs); !strings.Contains(logs, "leaving a server that is not on FAQBOT_GUILDS") || !strings.Contains(logs, "guild=guild-x") {
				t.Errorf("the log does not say why it left:\n%s", logs)
			}
		})
	}
}

// TestMigratesOldDataFolder starts serve on a data folder written before
// servers were kept apart — a shared corpus folder with a document a
// moderator uploaded, and a database of schema 1 with questions, votes
// and conversations — configured as such a bot was (DISCORD_GUILD_ID).
// Nothing is lost: every document answers (as the base), every question
// and vote is in the server's reports, a thread's conversation continues,
// the user ID key moved to a 0600 file, and the log names the uploaded
// document that now answers everywhere.
func TestMigratesOldDataFolder(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	oldCorpus := filepath.Join(data, "corpus")
	if err := os.MkdirAll(oldCorpus, 0o755); err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"parking.md": parkingA,
		"refunds.md": "# Refunds\n\n## How do refunds work?\n\nRefunds are paid back to the original card within five working days.\n",
	}
	for name, body := range docs {
		if err := os.WriteFile(filepath.Join(oldCorpus, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixture, err := os.ReadFile("../../store/testdata/v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(data, "faqbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(string(fixture)); err != nil {
		t.Fatal(err)
	}
	// The fixture's records are from March 2025: bring them within the
	// reports' reach, keeping their order.
	shift := time.Now().Add(-24*time.Hour).UnixMilli() - 1741600300000
	for _, q := range []string{`UPDATE questions SET asked_at = asked_at + ?`, `UPDATE feedback SET voted_at = voted_at + ?`} {
		if _, err := raw.Exec(q, shift); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	s := serveWith(t, map[string]string{
		"DISCORD_GUILD_ID": "111", "FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
		"FAQBOT_STORE_USER_IDS": "hashed", "FAQBOT_CONVERSATION_RETENTION": "876000h",
	})
	for q, want := range map[string]string{"Where do staff park?": "parking.md", "How do refunds work?": "refunds.md"} {
		if got := s.askIn(t, "111", memberA, q); !strings.Contains(got, want) {
			t.Errorf("%q is not answered from %s: %s", q, want, got)
		}
	}
	if got := s.commandIn(t, "111", adminA, "stats", discordtest.IntOption("days", 365)); !strings.Contains(got, `"name":"Votes","value":"👍 1 / 👎 2`) {
		t.Errorf("/stats after the migration: %s", got)
	}
	gaps := s.commandIn(t, "111", adminA, "gaps", discordtest.IntOption("days", 365))
	for _, want := range []string{"is the canteen open on sundays", "and visitors?", "how do refunds work"} {
		if !strings.Contains(gaps, want) {
			t.Errorf("/gaps lacks %q: %s", want, gaps)
		}
	}
	// A follow-up in the old thread continues its conversation.
	s.dispatch(t, "MESSAGE_CREATE", s.fake.MessageCreate(discordtest.Message{
		ID: "m-follow", GuildID: "111", ChannelID: "thread-9", Author: memberA, Content: "and where do visitors park?",
	}))
	if _, err := s.fake.WaitFor(s.ctx, func(r discordtest.Request) bool {
		return r.Method == "POST" && r.Path == discordtest.APIPrefix+"/channels/thread-9/messages"
	}); err != nil {
		t.Fatalf("the old thread's follow-up was not answered: %v", err)
	}
	// The uploaded document is the base's now: read-only from the server.
	if got := s.subIn(t, "111", adminA, "corpus", "remove", discordtest.StringOption("document", "parking.md")); !strings.Contains(got, "base FAQ") {
		t.Errorf("removing the old upload: %s", got)
	}
	s.stop()
	logs := logsOf(s.logs)
	if !strings.Contains(logs, "parking.md (by mia (222))") {
		t.Errorf("the log does not name the document uploaded from Discord:\n%s", logs)
	}
	if !strings.Contains(logs, "follow_up=true") {
		t.Error("the old thread's follow-up was answered without its history")
	}
	if got := files(t, oldCorpus); !slices.Equal(got, []string{"parking.md", "refunds.md"}) {
		t.Errorf("the corpus folder holds %q", got)
	}
	info, err := os.Stat(filepath.Join(data, "faqbot.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{UserIDs: store.PrivacyHashed})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Guild("111").Stats(context.Background(), time.Time{})
	if err != nil || st.Questions != 3+3 || st.Up != 1 || st.Down != 2 {
		t.Errorf("server 111: %+v (%v), want the 3 old questions and the 3 new, and the 3 old votes", st, err)
	}
	// The old hashes still match the member they were made for.
	if n, err := db.DeleteUser(context.Background(), "user-ann"); err != nil || n < 3 {
		t.Errorf("forgetting user-ann, stored hashed before the migration: %d records (%v), want at least her 2 questions and 1 vote", n, err)
	}
}

// TestRetentionPrunedOnStart: a conversation past the retention period is
// deleted when serve starts, not only when someone writes to it again.
func TestRetentionPrunedOnStart(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	long := time.Now().Add(-48 * time.Hour)
	db, err := store.Open(context.Background(), filepath.Join(data, "faqbot.db"), store.Options{Now: func() time.Time { return long }})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Guild("guild-1").AppendTurn(context.Background(), "thread-old", store.Turn{Question: "an old question", Answer: "an old answer"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := serveWith(t, map[string]string{"FAQBOT_DATA_DIR": data, "FAQBOT_INDEX_DIR": filepath.Join(root, "index"), "FAQBOT_CONVERSATION_RETENTION": "24h"})
	defer s.stop()
	if got := dumpText(t, filepath.Join(data, "faqbot.db")); strings.Contains(got, "an old question") {
		t.Errorf("the expired conversation is still stored after serve started")
	}
}

// TestRetentionPrunedPeriodically: the prune also runs on a timer, for
// conversations that expire while serve runs.
func TestRetentionPrunedPeriodically(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "faqbot.db"), store.Options{ConversationMaxAge: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Guild("g").AppendTurn(ctx, "thread", store.Turn{Question: "q", Answer: "a"}); err != nil {
		t.Fatal(err)
	}
	pruned := make(chan int, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pruneConversations(ctx, db, time.Millisecond, discard(), func(n int, err error) {
			if err == nil {
				pruned <- n
			}
		})
	}()
	if n := <-pruned; n != 0 {
		t.Fatalf("the first prune removed %d live conversations", n)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour) // the conversation expires while serve runs
	mu.Unlock()
	for n := range pruned {
		if n == 1 {
			break
		}
	}
	cancel()
	<-done
	if _, ok, _ := db.Guild("g").LoadConversation(context.Background(), "thread"); ok {
		t.Error("the expired conversation is still there")
	}
}

// dumpText returns every text value of the SQLite database at path.
func dumpText(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{`SELECT question || ' ' || answer FROM conversation_turns`, `SELECT question || ' ' || answer FROM questions`, `SELECT question FROM feedback`} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			b.WriteString(v + "\n")
		}
		rows.Close()
	}
	return b.String()
}

// TestBaseGuildsAndNoFAQYet: with FAQBOT_BASE_GUILDS naming A only, the
// base answers in A and not in B. B, with no documents of its own, tells a
// member asking by command or by mention that it has no FAQ yet and how a
// moderator adds one, never quoting the base; after B's first upload it
// answers from that upload, and still not from the base.
func TestBaseGuildsAndNoFAQYet(t *testing.T) {
	root := t.TempDir()
	s := serveWith(t, map[string]string{
		"FAQBOT_GUILDS": "guild-a,guild-b", "DISCORD_GUILD_ID": "", "FAQBOT_BASE_GUILDS": "guild-a",
		"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index"),
	})
	const baseQuestion = "How long did the talks in Florida last?"
	noFAQ := func(where, got string) {
		t.Helper()
		if !strings.Contains(got, "no FAQ yet") || !strings.Contains(got, "/corpus add") {
			t.Errorf("%s: want the no-FAQ-yet notice with how to add one: %s", where, got)
		}
		if strings.Contains(got, "four hours") || strings.Contains(got, `"embeds":[{`) {
			t.Errorf("%s: answered from the base, or as an answer: %s", where, got)
		}
	}

	if got := s.askIn(t, "guild-a", memberA, baseQuestion); !strings.Contains(got, "four hours") {
		t.Errorf("A, given the base, is not answered from it: %s", got)
	}
	noFAQ("/ask in B", s.askIn(t, "guild-b", memberB, baseQuestion))

	// A mention is answered in a thread started from it: the thread's
	// first post is the reply.
	_, r := s.mentionIn(t, "guild-b", "chan-b", "m-b", memberB, baseQuestion)
	noFAQ("a mention in B", string(r.Body))

	if got := s.addFileIn(t, "guild-b", adminB, "parking-refunds.md", scamB); !strings.Contains(got, "Added `parking-refunds.md`") {
		t.Fatalf("B's first upload: %s", got)
	}
	if got := s.askIn(t, "guild-b", memberB, "How do I get a parking refund?"); !strings.Contains(got, "parking-refunds.md") {
		t.Errorf("B is not answered from its own upload: %s", got)
	}
	if got := s.askIn(t, "guild-b", memberB, baseQuestion); strings.Contains(got, "four hours") || strings.Contains(got, "no FAQ yet") {
		t.Errorf("B, with its own FAQ now, answers from the base or says it has none: %s", got)
	}
	if got := s.askIn(t, "guild-a", memberA, "How do I get a parking refund?"); strings.Contains(got, "ScamBot") {
		t.Errorf("A is answered from B's upload: %s", got)
	}
}

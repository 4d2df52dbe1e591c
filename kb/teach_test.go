package kb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/retrieval"
	"github.com/faqbot/faqbot/store"
)

// rules is a server's FAQ: three entries, none of which says "xray" or
// "mods" the way members do.
const rules = `# Server rules

## Are client modifications that reveal hidden ores allowed?

No. Cheat clients and resource packs that show ores through walls are banned on sight; appeals go to the staff email.

## When does the world reset?

The resource world is regenerated on the first Sunday of every month at 18:00 UTC.

## Can I sell items for real money?

Trading in-game items for real money is forbidden and leads to a permanent ban.
`

// openTeaching returns a manager over a base and a real SQLite store, and
// the store.
func openTeaching(t *testing.T) (*Manager, *store.SQLite) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "faqbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	emb := retrieval.NewHashEmbedder(0)
	m := newManager(t, Options{Base: baseLibrary(t, emb), Embedder: emb, Teachings: StoreTeachings(db)})
	if _, _, err := m.AddDocument(ctx, "guild-a", "rules.md", []byte(rules), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	return m, db
}

// top is the passage guild answers q from, "" when it refuses, and the
// taught phrasing it was found through.
func top(t *testing.T, m *Manager, guild, q string) (chunk, taught string) {
	t.Helper()
	hits, err := m.Searcher(guild).Search(context.Background(), q, 5)
	if err != nil {
		t.Fatal(err)
	}
	d := retrieval.Decide(hits)
	if d.Verdict != retrieval.Answer {
		return "", ""
	}
	return d.Hits[0].Chunk.ID, d.Hits[0].Taught
}

// chunkTitled is the ID of guild's passage with the given title.
func chunkTitled(t *testing.T, m *Manager, guild, title string) string {
	t.Helper()
	l, err := m.Library(context.Background(), guild)
	if err != nil || l == nil {
		t.Fatalf("library of %s: %v", guild, err)
	}
	for _, c := range l.Corpus().Chunks {
		if c.Title == title {
			return c.ID
		}
	}
	t.Fatalf("%s has no passage titled %q", guild, title)
	return ""
}

// TestTeachAnswersThroughTheRealStore: a member's question the FAQ's words
// do not reach is refused; taught by a moderator it is answered from the
// passage, in that server only; it follows its passage through a reindex
// that renumbers and edits it, and is dropped, and reported, when the
// passage goes.
func TestTeachAnswersThroughTheRealStore(t *testing.T) {
	ctx := context.Background()
	m, db := openTeaching(t)
	const q = "is xray allowed or nah"
	if got, _ := top(t, m, "guild-a", q); got != "" {
		t.Fatalf("before teaching, %q was answered from %s: the test needs a question the FAQ's words miss", q, got)
	}
	xray := chunkTitled(t, m, "guild-a", "Are client modifications that reveal hidden ores allowed?")
	if _, _, err := m.Teach(ctx, "guild-a", q, "rules.md#99", "mia", "discord"); !errors.Is(err, ErrNoPassage) {
		t.Errorf("teaching an unknown passage: %v, want ErrNoPassage", err)
	}
	stored, replaced, err := m.Teach(ctx, "guild-a", q, xray, "mia (user-mia)", "discord")
	if err != nil || replaced.ID != 0 || stored.Passage.Title != "Are client modifications that reveal hidden ores allowed?" {
		t.Fatalf("Teach: %+v %+v %v", stored, replaced, err)
	}
	for _, ask := range []string{q, "Is X-ray allowed?", "xray allowed??"} {
		if got, via := top(t, m, "guild-a", ask); got != xray || via != q {
			t.Errorf("%q after teaching: answered from %q via %q, want %s via the taught phrasing", ask, got, via, xray)
		}
	}
	// Another server with the same document learnt nothing.
	if _, _, err := m.AddDocument(ctx, "guild-b", "rules.md", []byte(rules), library.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := top(t, m, "guild-b", q); got != "" {
		t.Errorf("guild-b answered %q from %s: it was taught in guild-a only", q, got)
	}

	t.Run("kept across a reindex that renumbers and edits its passage", func(t *testing.T) {
		dir := filepath.Join(m.opts.Dir, "guild-a", corpusDir)
		edited := "# Server rules\n\n## Where is spawn?\n\nSpawn is at 0, 64, 0.\n\n" +
			"## Are client modifications that reveal hidden ores allowed?\n\nNo. X-ray packs and cheat clients are banned on sight.\n"
		if err := os.WriteFile(filepath.Join(dir, "rules.md"), []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Refresh(ctx, "guild-a"); err != nil {
			t.Fatal(err)
		}
		dropped, err := m.SyncTaught(ctx, "guild-a")
		if err != nil || len(dropped) != 0 {
			t.Fatalf("SyncTaught after the edit: dropped %+v (%v), want none", dropped, err)
		}
		now := chunkTitled(t, m, "guild-a", "Are client modifications that reveal hidden ores allowed?")
		if now == xray {
			t.Fatalf("the edit did not renumber the passage (%s): the test checks nothing", now)
		}
		ps, err := db.Guild("guild-a").Phrasings(ctx)
		if err != nil || len(ps) != 1 || ps[0].Passage.ChunkID != now {
			t.Errorf("stored phrasings %+v (%v), want the phrasing relinked to %s", ps, err, now)
		}
		if got, via := top(t, m, "guild-a", q); got != now || via != q {
			t.Errorf("after the reindex %q is answered from %q via %q, want %s", q, got, via, now)
		}
	})

	t.Run("dropped and reported when its passage goes", func(t *testing.T) {
		if _, err := m.RemoveDocument(ctx, "guild-a", "rules.md"); err != nil {
			t.Fatal(err)
		}
		dropped, err := m.SyncTaught(ctx, "guild-a")
		if err != nil || len(dropped) != 1 || dropped[0].Question != q {
			t.Fatalf("SyncTaught after the removal: %+v (%v), want the phrasing reported", dropped, err)
		}
		if ps, err := db.Guild("guild-a").Phrasings(ctx); err != nil || len(ps) != 0 {
			t.Errorf("stored phrasings after the drop: %+v (%v)", ps, err)
		}
		if got, _ := top(t, m, "guild-a", q); got != "" {
			t.Errorf("after the removal %q is answered from %s", q, got)
		}
	})
}

// TestTeachBasePassages: a server may teach a phrasing of a base passage
// (it applies in that server only); the operator's phrasings of the base
// apply wherever the base answers.
func TestTeachBasePassages(t *testing.T) {
	ctx := context.Background()
	m, _ := openTeaching(t)
	const q = "whats the code for the internet"
	for _, g := range []string{"guild-a", "guild-c", store.BaseGuild} {
		if got, _ := top(t, m, g, q); got != "" {
			t.Fatalf("%q answered from %s before teaching", q, got)
		}
	}
	wifi := titled(t, m.opts.Base, "What about wifi?")
	if _, _, err := m.Teach(ctx, "guild-a", q, wifi, "mia", "discord"); err != nil {
		t.Fatal(err)
	}
	if got, via := top(t, m, "guild-a", q); got != wifi || via != q {
		t.Errorf("guild-a: %q from %q via %q, want %s", q, got, via, wifi)
	}
	if got, _ := top(t, m, "guild-c", q); got != "" {
		t.Errorf("guild-c answered guild-a's phrasing from %s", got)
	}
	ts, err := m.Taught(ctx, "guild-a")
	if err != nil || len(ts) != 1 || !ts[0].Base || ts[0].Gone {
		t.Errorf("Taught: %+v (%v), want one phrasing of a base passage", ts, err)
	}

	const op = "wheres the holiday calendar"
	holidays := titled(t, m.opts.Base, "What about holidays?")
	if _, _, err := m.Teach(ctx, store.BaseGuild, op, holidays, "cli", "cli"); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"guild-a", "guild-c", store.BaseGuild} {
		if got, via := top(t, m, g, op); got != holidays || via != op {
			t.Errorf("%q: the operator's phrasing gives %q via %q, want %s", g, got, via, holidays)
		}
	}
}

// titled is the ID of l's passage with the given title.
func titled(t *testing.T, l *library.Library, title string) string {
	t.Helper()
	for _, c := range l.Corpus().Chunks {
		if c.Title == title {
			return c.ID
		}
	}
	t.Fatalf("no passage titled %q", title)
	return ""
}

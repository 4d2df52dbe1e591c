package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/store"
)

// passage is a passage named as the knowledge base names it.
func passage(doc string, n int, title string) store.Passage {
	return store.Passage{ChunkID: corpus.ChunkID(doc, n), Document: doc, Title: title, Hash: fmt.Sprintf("hash-%s-%d", doc, n)}
}

// testTaughtPhrasings: phrasings are taught, listed oldest first, moved by
// teaching the same words again, relinked, removed, bounded, kept to
// their server, and survive a reopen.
func testTaughtPhrasings(t *testing.T, fresh func(*testing.T) Backend) {
	b := fresh(t)
	ctx := context.Background()
	c := &clock{t: day0}
	s := open(t, b, store.Options{MaxPhrasings: 3, Now: c.now})
	a, other := s.Guild("guild-a"), s.Guild("guild-b")
	pw, refunds := passage("faq.md", 2, "Resetting your password"), passage("billing.md", 0, "Refunds")

	first, replaced, err := a.Teach(ctx, store.Phrasing{Question: "  forgot my pw, now what?? ", Passage: pw, Who: "mia (user-mia)", Via: "discord"})
	must(t, err)
	if first.ID == 0 || replaced.ID != 0 || first.Question != "forgot my pw, now what??" || !first.At.Equal(day0) {
		t.Errorf("first teach: stored %+v, replaced %+v", first, replaced)
	}
	c.set(day0.Add(time.Minute))
	second, _, err := a.Teach(ctx, store.Phrasing{Question: "can i get my money back", Passage: refunds, Who: "cli", Via: "cli"})
	must(t, err)
	// The same words, spelled differently, move to another passage.
	moved, replaced, err := a.Teach(ctx, store.Phrasing{Question: "Forgot my PW... now what", Passage: refunds, Who: "max (user-max)", Via: "discord"})
	must(t, err)
	if moved.ID != first.ID || replaced.ID != first.ID || replaced.Passage != pw || moved.Passage != refunds || moved.Question != "Forgot my PW... now what" {
		t.Errorf("re-teaching: stored %+v, replaced %+v; want the same row moved, the old passage reported", moved, replaced)
	}
	for _, bad := range []store.Phrasing{
		{Question: "?!", Passage: pw},
		{Question: "a real question", Passage: store.Passage{}},
		{Question: strings.Repeat("long ", store.MaxPhrasingLen), Passage: pw},
	} {
		if _, _, err := a.Teach(ctx, bad); !errors.Is(err, store.ErrBadPhrasing) {
			t.Errorf("Teach(%.20q, %+v): %v, want ErrBadPhrasing", bad.Question, bad.Passage, err)
		}
	}
	_, _, err = a.Teach(ctx, store.Phrasing{Question: "third", Passage: pw})
	must(t, err)
	if _, _, err := a.Teach(ctx, store.Phrasing{Question: "fourth", Passage: pw}); !errors.Is(err, store.ErrTooManyPhrasings) {
		t.Errorf("a fourth phrasing past MaxPhrasings 3: %v, want ErrTooManyPhrasings", err)
	}
	// Moving a phrasing is no new one, even at the limit.
	if _, _, err := a.Teach(ctx, store.Phrasing{Question: "THIRD", Passage: refunds}); err != nil {
		t.Errorf("re-teaching at the limit: %v", err)
	}

	// Another server sees none of them, and cannot remove or relink them.
	if ps, err := other.Phrasings(ctx); err != nil || len(ps) != 0 {
		t.Errorf("guild-b's phrasings: %+v (%v), want none", ps, err)
	}
	if gone, err := other.Unteach(ctx, first.ID, second.ID); err != nil || len(gone) != 0 {
		t.Errorf("guild-b removed guild-a's phrasings: %+v (%v)", gone, err)
	}
	if ok, err := other.Relink(ctx, first.ID, pw); err != nil || ok {
		t.Errorf("guild-b relinked guild-a's phrasing: %v (%v)", ok, err)
	}
	// The same words in another server are that server's own.
	if _, replaced, err := other.Teach(ctx, store.Phrasing{Question: "can I get my money back?", Passage: pw}); err != nil || replaced.ID != 0 {
		t.Errorf("guild-b teaching words guild-a taught: replaced %+v (%v), want a phrasing of its own", replaced, err)
	}

	renumbered := passage("billing.md", 4, "Refunds")
	if ok, err := a.Relink(ctx, second.ID, renumbered); err != nil || !ok {
		t.Errorf("Relink: %v (%v)", ok, err)
	}
	must(t, s.Close())

	s = open(t, b, store.Options{MaxPhrasings: 3, Now: c.now})
	a = s.Guild("guild-a")
	ps, err := a.Phrasings(ctx)
	must(t, err)
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%s -> %s (%s, %s)", p.Question, p.Passage.ChunkID, p.Passage.Title, p.Who))
	}
	want := []string{
		"Forgot my PW... now what -> billing.md#0 (Refunds, max (user-max))",
		"can i get my money back -> billing.md#4 (Refunds, cli)",
		"THIRD -> billing.md#0 (Refunds, )",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("phrasings after reopen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	gone, err := a.Unteach(ctx, ps[2].ID, ps[0].ID, 999999)
	must(t, err)
	if len(gone) != 2 || gone[0].ID != ps[0].ID || gone[1].ID != ps[2].ID {
		t.Errorf("Unteach returned %+v, want the two phrasings by ID", gone)
	}
	if ps, err := a.Phrasings(ctx); err != nil || len(ps) != 1 || ps[0].Question != "can i get my money back" {
		t.Errorf("after Unteach: %+v (%v)", ps, err)
	}
	if guilds, err := s.Guilds(ctx); err != nil || strings.Join(guilds, ",") != "guild-a,guild-b" {
		t.Errorf("Guilds = %q (%v), want the servers with phrasings", guilds, err)
	}
}

// testPicksInGaps: the suggestions members picked after a refusal are
// reported with the refused question's gap, counted once per member.
func testPicksInGaps(t *testing.T, fresh func(*testing.T) Backend) {
	for _, mode := range []store.Privacy{store.PrivacyPlain, store.PrivacyNone} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			s := open(t, fresh(t), store.Options{UserIDs: mode, Now: func() time.Time { return day0 }})
			g := s.Guild("g")
			pw, tos := passage("faq.md", 2, "Resetting your password"), passage("rules.md", 0, "Terms")
			for i, q := range []string{"forgot my pw", "Forgot my pw!", "forgot pw again"} {
				_, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: fmt.Sprint("r", i), Question: q, Refused: true, UserID: "asker"})
				must(t, err)
			}
			for _, p := range []store.Pick{
				{AnswerID: "r0", UserID: "ann", Passage: pw},
				{AnswerID: "r0", UserID: "ann", Passage: pw}, // again: once
				{AnswerID: "r0", UserID: "ann", Passage: tos},
				{AnswerID: "r1", UserID: "bob", Passage: pw},
				{AnswerID: "r2", UserID: "cat", Passage: pw},
			} {
				must(t, g.RecordPick(ctx, p))
			}
			if err := g.RecordPick(ctx, store.Pick{AnswerID: "never", UserID: "ann", Passage: pw}); !errors.Is(err, store.ErrUnknownAnswer) {
				t.Errorf("a pick on an answer never recorded: %v, want ErrUnknownAnswer", err)
			}
			if err := s.Guild("other").RecordPick(ctx, store.Pick{AnswerID: "r0", UserID: "eve", Passage: tos}); !errors.Is(err, store.ErrUnknownAnswer) {
				t.Errorf("another server's pick on this server's answer: %v, want ErrUnknownAnswer", err)
			}
			gaps, err := g.Gaps(ctx, day0.Add(-time.Hour), 0)
			must(t, err)
			if len(gaps) != 1 {
				t.Fatalf("gaps: %+v, want one group", gaps)
			}
			var got []string
			for _, p := range gaps[0].Picked {
				got = append(got, fmt.Sprintf("%s %s %d", p.Passage.ChunkID, p.Passage.Title, p.Members))
			}
			if want := "faq.md#2 Resetting your password 3|rules.md#0 Terms 1"; strings.Join(got, "|") != want {
				t.Errorf("picked %q, want %q", strings.Join(got, "|"), want)
			}
		})
	}
}

// testRedirectedInGaps: an answered question after which a member picked
// another entry offered (a tentative answer's alternative) is a gap,
// counted as redirected, with the pick; an answered question nobody
// redirected or voted down is not.
func testRedirectedInGaps(t *testing.T, fresh func(*testing.T) Backend) {
	ctx := context.Background()
	s := open(t, fresh(t), store.Options{Now: func() time.Time { return day0 }})
	g := s.Guild("g")
	mods := passage("rules.md", 0, "Are client modifications that reveal hidden ores allowed?")
	for id, q := range map[string]string{"a0": "can i use a minimap", "a1": "what is the server ip"} {
		_, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: id, Question: q, Sources: []string{"rules.md#2"}, UserID: "asker"})
		must(t, err)
	}
	must(t, g.RecordPick(ctx, store.Pick{AnswerID: "a0", UserID: "ann", Passage: mods}))
	gaps, err := g.Gaps(ctx, day0.Add(-time.Hour), 0)
	must(t, err)
	if len(gaps) != 1 {
		t.Fatalf("gaps: %+v, want only the redirected question", gaps)
	}
	gp := gaps[0]
	if gp.Question != "can i use a minimap" || gp.Count != 1 || gp.Redirected != 1 || gp.Refused != 0 || gp.Downvoted != 0 {
		t.Errorf("gap %+v, want the minimap question asked once, redirected once", gp)
	}
	if len(gp.Picked) != 1 || gp.Picked[0].Passage.ChunkID != "rules.md#0" || gp.Picked[0].Members != 1 {
		t.Errorf("picked %+v, want the entry the member chose", gp.Picked)
	}
	if later, err := g.Gaps(ctx, day0.Add(time.Hour), 0); err != nil || len(later) != 0 {
		t.Errorf("gaps since after the pick: %+v (%v), want none", later, err)
	}
}

// testEndorsedNeedsSeveralMembers: an answer is offered as a phrasing to
// keep only when several members voted it helpful; one member's votes,
// however many answers they vote on, offer nothing, and nothing is ever
// taught by votes.
func testEndorsedNeedsSeveralMembers(t *testing.T, fresh func(*testing.T) Backend) {
	for _, mode := range []store.Privacy{store.PrivacyPlain, store.PrivacyHashed, store.PrivacyNone} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			g := open(t, fresh(t), store.Options{UserIDs: mode, Now: func() time.Time { return day0 }}).Guild("g")
			record := func(id, q string, refused bool, sources ...string) {
				t.Helper()
				_, err := g.RecordQuestion(ctx, store.QuestionRecord{AnswerID: id, Question: q, Refused: refused, Sources: sources, UserID: "asker"})
				must(t, err)
			}
			vote := func(id, user string, v store.Vote) {
				t.Helper()
				must(t, g.RecordFeedback(ctx, store.Feedback{AnswerID: id, UserID: user, Vote: v}))
			}
			// One member votes 👍 on ten answers of the same question, and
			// again and again on one of them.
			for i := range 10 {
				id := fmt.Sprint("solo-", i)
				record(id, "is the nether reset monthly", false, "worlds.md#3")
				vote(id, "mallory", store.VoteUp)
				vote(id, "mallory", store.VoteUp)
			}
			// Three members: offered.
			record("liked", "when do tourneys start", false, "events.md#1", "events.md#0")
			for _, u := range []string{"ann", "bob", "cat"} {
				vote("liked", u, store.VoteUp)
			}
			// The same question asked again and liked too: offered once.
			record("liked-again", "When do tourneys start?", false, "events.md#1")
			for _, u := range []string{"dan", "eve", "fay"} {
				vote("liked-again", u, store.VoteUp)
			}
			// Three up, one down: not enough more.
			record("split", "can i use optifine", false, "rules.md#2")
			for _, u := range []string{"ann", "bob", "cat"} {
				vote("split", u, store.VoteUp)
			}
			vote("split", "dan", store.VoteDown)
			// A refusal liked by many is no phrasing of any passage.
			record("refused", "what is the meaning of life", true)
			for _, u := range []string{"ann", "bob", "cat", "dan"} {
				vote("refused", u, store.VoteUp)
			}
			// Already taught: not offered again.
			record("taught", "how do i claim land", false, "land.md#0")
			for _, u := range []string{"ann", "bob", "cat"} {
				vote("taught", u, store.VoteUp)
			}
			_, _, err := g.Teach(ctx, store.Phrasing{Question: "How do I claim land?", Passage: passage("land.md", 0, "Claims")})
			must(t, err)

			got, err := g.Endorsed(ctx, day0.Add(-time.Hour), 0)
			must(t, err)
			if len(got) != 1 || got[0].AnswerID != "liked" && got[0].AnswerID != "liked-again" || got[0].Up != 3 ||
				got[0].Sources[0] != "events.md#1" || !strings.Contains(strings.ToLower(got[0].Question), "tourneys") {
				t.Errorf("Endorsed = %+v, want only the tourney question, once", got)
			}
			ps, err := g.Phrasings(ctx)
			must(t, err)
			if len(ps) != 1 {
				t.Errorf("phrasings after votes: %+v, want only the one a moderator taught", ps)
			}
			if later, err := g.Endorsed(ctx, day0.Add(time.Hour), 0); err != nil || len(later) != 0 {
				t.Errorf("Endorsed since after the votes: %+v (%v), want none", later, err)
			}
		})
	}
}

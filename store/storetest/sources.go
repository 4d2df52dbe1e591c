package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/faqbot/faqbot/store"
)

// testSources: a server's sources are its own, one per key, and a refresh
// that fails keeps the last good state while recording the error.
func testSources(t *testing.T, fresh func(*testing.T) Backend) {
	ctx := context.Background()
	b := fresh(t)
	var c clock
	c.set(day0)
	s := open(t, b, store.Options{Now: c.now})
	a, other := s.Guild("guild-a"), s.Guild("guild-b")

	faq, err := a.AddSource(ctx, store.Source{Key: "page https://example.com/faq", Spec: `{"kind":"page","url":"https://example.com/faq"}`, AddedBy: "ada (1)"})
	must(t, err)
	if faq.ID == 0 || !faq.AddedAt.Equal(day0) {
		t.Errorf("added source: %+v, want an ID and AddedAt %v", faq, day0)
	}
	docs, err := a.AddSource(ctx, store.Source{Key: "git https://example.com/r.git main docs", Spec: `{"kind":"git"}`})
	must(t, err)
	if docs.ID == faq.ID {
		t.Errorf("two sources share ID %d", docs.ID)
	}
	if _, err := a.AddSource(ctx, store.Source{Key: faq.Key, Spec: faq.Spec}); !errors.Is(err, store.ErrSourceExists) {
		t.Errorf("the same key twice: %v, want ErrSourceExists", err)
	}
	// Another server may have the same source.
	theirs, err := other.AddSource(ctx, store.Source{Key: faq.Key, Spec: faq.Spec})
	must(t, err)

	c.set(day0.Add(time.Hour))
	must(t, a.RecordSourceRefresh(ctx, faq.ID, store.SourceRefresh{State: `{"pages":1}`, Pages: 12, Failed: 1, Summary: "12 added"}))
	c.set(day0.Add(2 * time.Hour))
	must(t, a.RecordSourceRefresh(ctx, faq.ID, store.SourceRefresh{Error: "HTTP 503", State: "ignored", Pages: 0}))

	// A reopened store has it all, in the order added.
	must(t, s.Close())
	s = open(t, b, store.Options{Now: c.now})
	a, other = s.Guild("guild-a"), s.Guild("guild-b")
	got, err := a.Sources(ctx)
	must(t, err)
	if len(got) != 2 || got[0].ID != faq.ID || got[1].ID != docs.ID {
		t.Fatalf("sources: %+v, want the page then the repository", got)
	}
	f := got[0]
	want := store.Source{ID: faq.ID, Key: faq.Key, Spec: faq.Spec, AddedBy: "ada (1)", AddedAt: day0, State: `{"pages":1}`, Pages: 12, Failed: 1,
		RefreshedAt: day0.Add(2 * time.Hour), SucceededAt: day0.Add(time.Hour), Error: "HTTP 503", Summary: "12 added"}
	if f != want {
		t.Errorf("after a success and a failure:\n got %+v\nwant %+v", f, want)
	}
	if !got[1].RefreshedAt.IsZero() || !got[1].SucceededAt.IsZero() || got[1].State != "" {
		t.Errorf("a source never refreshed: %+v", got[1])
	}

	// Success clears the error.
	must(t, a.RecordSourceRefresh(ctx, faq.ID, store.SourceRefresh{State: `{"pages":2}`, Pages: 13}))
	got, err = a.Sources(ctx)
	must(t, err)
	if got[0].Error != "" || got[0].State != `{"pages":2}` || got[0].Pages != 13 || got[0].Failed != 0 {
		t.Errorf("after a later success: %+v", got[0])
	}

	// Another server can neither see, refresh nor remove a's sources.
	if got, err := other.Sources(ctx); err != nil || len(got) != 1 || got[0].ID != theirs.ID {
		t.Errorf("guild-b's sources: %+v (%v), want only its own", got, err)
	}
	if err := other.RecordSourceRefresh(ctx, faq.ID, store.SourceRefresh{State: "x"}); !errors.Is(err, store.ErrNoSource) {
		t.Errorf("guild-b refreshing guild-a's source: %v, want ErrNoSource", err)
	}
	if ok, err := other.RemoveSource(ctx, faq.ID); ok || err != nil {
		t.Errorf("guild-b removing guild-a's source: %v %v", ok, err)
	}
	if ok, err := a.RemoveSource(ctx, faq.ID); !ok || err != nil {
		t.Errorf("removing a source: %v %v", ok, err)
	}
	if ok, err := a.RemoveSource(ctx, faq.ID); ok || err != nil {
		t.Errorf("removing it again: %v %v, want false", ok, err)
	}
	// A refresh that finishes after its source was removed is refused.
	if err := a.RecordSourceRefresh(ctx, faq.ID, store.SourceRefresh{State: "x"}); !errors.Is(err, store.ErrNoSource) {
		t.Errorf("recording a refresh of a removed source: %v, want ErrNoSource", err)
	}
	if got, err := a.Sources(ctx); err != nil || len(got) != 1 || got[0].ID != docs.ID {
		t.Errorf("after removal: %+v (%v)", got, err)
	}
	// The key is free again.
	if _, err := a.AddSource(ctx, store.Source{Key: faq.Key, Spec: faq.Spec}); err != nil {
		t.Errorf("adding a removed source back: %v", err)
	}

	// A server that has only sources is one of the servers.
	_, err = s.Guild("guild-c").AddSource(ctx, store.Source{Key: "page https://c.example/", Spec: "{}"})
	must(t, err)
	guilds, err := s.Guilds(ctx)
	must(t, err)
	if !slices.Contains(guilds, "guild-c") {
		t.Errorf("Guilds: %q, want guild-c, which has a source", guilds)
	}
}

// testModeratorChannel: each server has its own moderator channel, which
// can be changed and cleared.
func testModeratorChannel(t *testing.T, fresh func(*testing.T) Backend) {
	ctx := context.Background()
	b := fresh(t)
	s := open(t, b, store.Options{})
	a, other := s.Guild("guild-a"), s.Guild("guild-b")
	if ch, err := a.ModeratorChannel(ctx); ch != "" || err != nil {
		t.Errorf("before any: %q %v", ch, err)
	}
	must(t, a.SetModeratorChannel(ctx, "chan-1", "ada"))
	must(t, a.SetModeratorChannel(ctx, "chan-2", "ada"))
	must(t, other.SetModeratorChannel(ctx, "chan-b", "bea"))
	must(t, s.Close())
	s = open(t, b, store.Options{})
	a, other = s.Guild("guild-a"), s.Guild("guild-b")
	if ch, err := a.ModeratorChannel(ctx); ch != "chan-2" || err != nil {
		t.Errorf("guild-a: %q %v, want chan-2", ch, err)
	}
	must(t, a.SetModeratorChannel(ctx, "", "ada"))
	if ch, err := a.ModeratorChannel(ctx); ch != "" || err != nil {
		t.Errorf("cleared: %q %v", ch, err)
	}
	if ch, err := other.ModeratorChannel(ctx); ch != "chan-b" || err != nil {
		t.Errorf("guild-b: %q %v, want its own", ch, err)
	}
}

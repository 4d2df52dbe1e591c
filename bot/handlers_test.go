package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/faqbot/faqbot/answer"
)

func TestButtons(t *testing.T) {
	fb := NewMemoryFeedback()
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Feedback: fb})})
	asked := refundsAnswer
	asked.Question = "How do refunds work?"
	id := b.recent.add(asked, "g1", "asker")
	refusalID := b.recent.add(answer.Answer{Question: "?", Text: answer.RefusalText, Refused: true}, "g1", "asker")
	otherServer := b.recent.add(asked, "g2", "asker")

	tests := []struct {
		name, customID, user string
		want                 []string // fragments of the reply
	}{
		{name: "show sources", customID: idSources + id, user: "u1",
			want: []string{"[1] How do refunds work?", ">>> Refunds are issued within 5 days", "[refunds.md](https://example.com/refunds)", "[2] Digital goods", "`digital.md`"}},
		{name: "vote up", customID: idUp + id, user: "u1", want: []string{"Thanks for the feedback! 👍"}},
		{name: "same vote again", customID: idUp + id, user: "u1", want: []string{"You already voted 👍"}},
		{name: "vote changed", customID: idDown + id, user: "u1", want: []string{"Changed your vote to 👎"}},
		{name: "another user", customID: idDown + id, user: "u2", want: []string{"Thanks for the feedback — a moderator"}},
		{name: "sources of a refusal", customID: idSources + refusalID, user: "u1", want: []string{"no sources to show"}},
		{name: "vote on a refusal", customID: idDown + refusalID, user: "u1", want: []string{"Thanks for the feedback"}},
		{name: "forgotten answer", customID: idUp + "nope", user: "u1", want: []string{msgGone}},
		{name: "another server's answer: sources", customID: idSources + otherServer, user: "u1", want: []string{msgGone}},
		{name: "another server's answer: vote", customID: idUp + otherServer, user: "u1", want: []string{msgGone}},
		{name: "foreign button", customID: "other:thing", user: "u1", want: []string{"isn't mine"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.button(context.Background(), srvOf(t, b), tt.customID, "g1", tt.user)
			if !r.Ephemeral {
				t.Error("button reply is not ephemeral")
			}
			got := replyText(r)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("reply %q lacks %q", got, w)
				}
			}
		})
	}

	entries := fb.Entries()
	var got []string
	for _, e := range entries {
		got = append(got, fmt.Sprintf("%s %s %s %v", e.UserID, e.Vote, e.Question, e.Sources))
	}
	want := []string{
		"u1 👎 How do refunds work? [refunds.md#0 digital.md#2]",
		"u2 👎 How do refunds work? [refunds.md#0 digital.md#2]",
		"u1 👎 ? []",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("feedback\n got %q\nwant %q", got, want)
	}
}

// replyText flattens a reply's text for checks.
func replyText(r Reply) string {
	var sb strings.Builder
	sb.WriteString(r.Content)
	for _, e := range r.Embeds {
		sb.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			sb.WriteString("\n" + f.Name + "\n" + f.Value)
		}
		if e.Footer != nil {
			sb.WriteString("\n" + e.Footer.Text)
		}
	}
	return sb.String()
}

func TestIsModerator(t *testing.T) {
	tests := []struct {
		name       string
		member     *discordgo.Member
		configured []string // the operator's, by ID
		server     []string // the server's, set with /moderators
		want       bool
	}{
		{name: "DM", member: nil, configured: []string{"r-mod"}},
		{name: "manage server", member: &discordgo.Member{Permissions: discordgo.PermissionManageGuild}, want: true},
		{name: "administrator", member: &discordgo.Member{Permissions: discordgo.PermissionAdministrator}, want: true},
		{name: "no roles allowed", member: &discordgo.Member{Roles: []string{"r-mod"}, Permissions: discordgo.PermissionSendMessages}},
		{name: "operator's role by ID", member: &discordgo.Member{Roles: []string{"r-mod"}}, configured: []string{"r-mod"}, want: true},
		{name: "server's role by ID", member: &discordgo.Member{Roles: []string{"r-member", "r-mod"}}, server: []string{"r-mod"}, want: true},
		// A name matched a same-named role in any server: no longer.
		{name: "a role name is not an ID", member: &discordgo.Member{Roles: []string{"r-member"}}, configured: []string{"Moderators", "@moderators"}},
		{name: "other roles", member: &discordgo.Member{Roles: []string{"r-member"}}, configured: []string{"r-mod"}, server: []string{"r-mod2"}},
		{name: "no roles", member: &discordgo.Member{}, server: []string{"r-mod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, sess := newTestBot(t, Config{ModeratorRoles: tt.configured}, Deps{})
			got, err := b.isModerator(context.Background(), Server{Moderators: &fakeModerators{roles: tt.server}}, tt.member)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("isModerator = %v, want %v", got, tt.want)
			}
			if n := len(sess.Calls()); n > 0 {
				t.Errorf("the check made %d Discord calls, want none", n)
			}
		})
	}
}

func TestReindexSerialised(t *testing.T) {
	var mu sync.Mutex
	running, most := 0, 0
	release := make(chan struct{})
	started := make(chan struct{})
	reindex := ReindexFunc(func(ctx context.Context, _ string) (ReindexResult, error) {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		started <- struct{}{}
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return ReindexResult{DocumentsUnchanged: 3, PassagesUnchanged: 10}, nil
	})
	b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Reindexer: reindex})})

	first := make(chan Reply)
	srv := srvOf(t, b)
	go func() {
		first <- b.reindex(context.Background(), srv, "g1", "u1", func() { t.Error("the first rebuild waited") })
	}()
	<-started
	waited := make(chan struct{})
	second := make(chan Reply)
	go func() { second <- b.reindex(context.Background(), srv, "g1", "u2", func() { close(waited) }) }()
	<-waited // the second is waiting for the first
	release <- struct{}{}
	if r := <-first; !strings.Contains(r.Content, "Nothing changed: 3 documents, 10 passages.") {
		t.Errorf("first reply %q", r.Content)
	}
	<-started
	release <- struct{}{}
	<-second
	if most != 1 {
		t.Errorf("%d rebuilds ran at once, want 1", most)
	}
}

func TestReindexFailure(t *testing.T) {
	b, _ := newTestBot(t, Config{}, Deps{
		Servers: OneServer(Server{
			Reindexer: ReindexFunc(func(context.Context, string) (ReindexResult, error) {
				return ReindexResult{}, errors.New("disk full")
			}),
		}),
	})
	if r := b.reindex(context.Background(), srvOf(t, b), "g1", "u1", func() {}); r.Content != msgReindexFail || !r.Ephemeral {
		t.Errorf("got %+v, want an ephemeral %q", r, msgReindexFail)
	}
}

func TestSources(t *testing.T) {
	tests := []struct {
		name    string
		sources Sources
		doc     string
		want    []string
	}{
		{name: "list", sources: testDocs, want: []string{
			"📚 3 documents in the FAQ",
			"• Digital goods — `digital.md` (3 passages)\n• [Refund policy](https://example.com/refunds) — `refunds.md` (4 passages)\n• Shipping — `shipping.md` (6 passages)",
		}},
		{name: "one by ID", sources: testDocs, doc: "shipping.md", want: []string{"Shipping", "`shipping.md`", "Passages\n6"}},
		{name: "one by title", sources: testDocs, doc: "refund POLICY", want: []string{"Refund policy", "`refunds.md`"}},
		{name: "unknown", sources: testDocs, doc: "nope", want: []string{`I don't have a document called "nope"`}},
		{name: "empty corpus", sources: fakeSources{}, want: []string{"no documents yet"}},
		{name: "unavailable", want: []string{msgNoSources}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Sources: tt.sources})})
			r := b.sources(context.Background(), srvOf(t, b), tt.doc)
			got := replyText(r)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("reply %q lacks %q", got, w)
				}
			}
			if !r.Ephemeral {
				t.Error("not ephemeral")
			}
		})
	}
}

func TestAutocomplete(t *testing.T) {
	tests := []struct {
		typed string
		want  []string
	}{
		{typed: "", want: []string{"digital.md", "refunds.md", "shipping.md"}},
		{typed: "s", want: []string{"shipping.md", "digital.md", "refunds.md"}}, // title prefix first
		{typed: "REFUNDS.MD", want: []string{"refunds.md"}},
		{typed: "zzz", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			b, _ := newTestBot(t, Config{}, Deps{Servers: OneServer(Server{Sources: testDocs})})
			var got []string
			for _, c := range b.autocomplete(context.Background(), srvOf(t, b).Sources.Documents, tt.typed) {
				got = append(got, c.Value.(string))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("autocomplete(%q) = %q, want %q", tt.typed, got, tt.want)
			}
		})
	}
}

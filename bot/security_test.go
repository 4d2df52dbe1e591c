package bot

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// moderatorCommands are the registered commands with a default member
// permission: those Discord hides from plain members until a server admin
// opens them up. Each is sent with its first subcommand, if it has any.
func moderatorCommands() []discordgo.ApplicationCommandInteractionData {
	var out []discordgo.ApplicationCommandInteractionData
	for _, c := range commands(DefaultMaxQuestionLen) {
		if c.DefaultMemberPermissions == nil {
			continue
		}
		data := discordgo.ApplicationCommandInteractionData{ID: "cmd-" + c.Name, Name: c.Name}
		for _, o := range c.Options {
			if o.Type == discordgo.ApplicationCommandOptionSubCommand {
				data.Options = []*discordgo.ApplicationCommandInteractionDataOption{{Name: o.Name, Type: o.Type}}
				break
			}
		}
		out = append(out, data)
	}
	return out
}

// TestModeratorCommandsRefusedToMembers sends every moderator command as
// members who must not run it, as if a server admin had opened the
// commands to everyone in Discord's settings: each gets a private refusal
// and nothing else happens (no acknowledgement that work started, no
// rebuild). A moderator, for contrast, gets /reindex done.
func TestModeratorCommandsRefusedToMembers(t *testing.T) {
	cmds := moderatorCommands()
	if len(cmds) == 0 {
		t.Fatal("no moderator commands registered")
	}
	members := []struct {
		name   string
		member *discordgo.Member
		user   *discordgo.User // for a DM
	}{
		{name: "no roles, no permissions", member: &discordgo.Member{User: &discordgo.User{ID: "u1"}}},
		{name: "plain member role", member: &discordgo.Member{User: &discordgo.User{ID: "u2"}, Roles: []string{"r-member"}}},
		{name: "a role named like the configured name", member: &discordgo.Member{User: &discordgo.User{ID: "u3"}, Roles: []string{"r-named-moderators"}}},
		{name: "another server's moderator role", member: &discordgo.Member{User: &discordgo.User{ID: "u3"}, Roles: []string{"r-mod-elsewhere"}}},
		{name: "unknown role ID", member: &discordgo.Member{User: &discordgo.User{ID: "u4"}, Roles: []string{"r-deleted"}}},
		{name: "strong but not Manage Server", member: &discordgo.Member{User: &discordgo.User{ID: "u5"},
			Permissions: discordgo.PermissionManageMessages | discordgo.PermissionKickMembers | discordgo.PermissionBanMembers |
				discordgo.PermissionManageChannels | discordgo.PermissionManageRoles | discordgo.PermissionMentionEveryone}},
		{name: "direct message", user: &discordgo.User{ID: "u6"}},
	}
	for _, data := range cmds {
		for _, m := range members {
			t.Run(data.Name+"/"+m.name, func(t *testing.T) {
				var ran atomic.Int32
				// "Moderators" is a role name, which is never matched; the
				// server allows its own r-mod by ID, and the operator a
				// role of another server.
				b, sess := newTestBot(t, Config{ModeratorRoles: []string{"Moderators", "r-mod-elsewhere-g2"}}, Deps{
					Servers: OneServer(Server{
						Reindexer:  ReindexFunc(func(context.Context, string) (ReindexResult, error) { ran.Add(1); return ReindexResult{}, nil }),
						Moderators: &fakeModerators{roles: []string{"r-mod"}},
					}),
				})
				i := &discordgo.Interaction{ID: "i1", Type: discordgo.InteractionApplicationCommand, GuildID: "g1",
					Member: m.member, User: m.user, Data: data}
				if m.user != nil {
					i.GuildID = ""
				}
				b.onInteraction(context.Background(), i)
				if n := ran.Load(); n != 0 {
					t.Fatalf("/%s rebuilt the index %d times for a member who is not a moderator", data.Name, n)
				}
				var responses []call
				for _, c := range sess.Calls() {
					switch c.Method {
					case "InteractionRespond":
						responses = append(responses, c)
					default:
						t.Errorf("/%s by a member made a %s call", data.Name, c.Method)
					}
				}
				if m.user != nil {
					// A DM is no server's: nothing answers it.
					if len(responses) != 0 {
						t.Errorf("/%s in a DM got %d responses, want none", data.Name, len(responses))
					}
					return
				}
				if len(responses) != 1 {
					t.Fatalf("/%s: %d responses, want one refusal", data.Name, len(responses))
				}
				r := responses[0].Response
				if r.Type != discordgo.InteractionResponseChannelMessageWithSource || r.Data.Flags != discordgo.MessageFlagsEphemeral ||
					!strings.Contains(strings.ToLower(r.Data.Content), "moderator") {
					t.Errorf("/%s: response %+v %+v, want a private refusal", data.Name, r, r.Data)
				}
			})
		}
	}
	t.Run("reindex/moderator role", func(t *testing.T) {
		var ran atomic.Int32
		b, _ := newTestBot(t, Config{}, Deps{
			Servers: OneServer(Server{
				Reindexer:  ReindexFunc(func(context.Context, string) (ReindexResult, error) { ran.Add(1); return ReindexResult{}, nil }),
				Moderators: &fakeModerators{roles: []string{"r-mod"}},
			}),
		})
		i := &discordgo.Interaction{ID: "i1", Type: discordgo.InteractionApplicationCommand, GuildID: "g1",
			Member: &discordgo.Member{User: &discordgo.User{ID: "mod"}, Roles: []string{"r-mod"}}, Data: discordgo.ApplicationCommandInteractionData{Name: cmdReindex}}
		b.onInteraction(context.Background(), i)
		if ran.Load() != 1 {
			t.Error("/reindex did not run for a moderator")
		}
	})
}

// TestModeratorCheckFailsClosed makes the role lookup fail: the member is
// told to try again and nothing runs.
func TestModeratorCheckFailsClosed(t *testing.T) {
	var ran atomic.Int32
	b, sess := newTestBot(t, Config{}, Deps{
		Servers: OneServer(Server{
			Reindexer:  ReindexFunc(func(context.Context, string) (ReindexResult, error) { ran.Add(1); return ReindexResult{}, nil }),
			Moderators: &fakeModerators{err: errors.New("database is locked")},
		}),
	})
	i := &discordgo.Interaction{ID: "i1", Type: discordgo.InteractionApplicationCommand, GuildID: "g1",
		Member: &discordgo.Member{User: &discordgo.User{ID: "u1"}, Roles: []string{"r-mod"}}, Data: discordgo.ApplicationCommandInteractionData{Name: cmdReindex}}
	b.onInteraction(context.Background(), i)
	if ran.Load() != 0 {
		t.Error("reindex ran although the roles could not be checked")
	}
	calls := sess.Calls()
	if last := calls[len(calls)-1]; last.Response == nil || !strings.Contains(last.Response.Data.Content, "couldn't check") {
		t.Errorf("reply %+v", last)
	}
}

// TestOneLineNames checks the names the bot derives from what members
// type: a question that opens a code fence and runs past the limit must
// not gain a line break and a closing fence in its thread name or title.
func TestOneLineNames(t *testing.T) {
	q := "```\n# " + strings.Repeat("HUGE ", 60) + "\n@everyone"
	for _, got := range []string{threadName(q), renderPartial(q, "x").Embeds[0].Title} {
		if strings.Contains(got, "\n") || strings.Contains(got, "…\n") || strings.HasSuffix(got, "```") {
			t.Errorf("name %q is not one line of plain text", got)
		}
	}
	if n := runeLen(threadName(q)); n > maxThreadName {
		t.Errorf("thread name of %d characters", n)
	}
}

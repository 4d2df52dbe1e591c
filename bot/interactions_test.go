package bot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// loadInteraction reads a recorded INTERACTION_CREATE payload.
func loadInteraction(t *testing.T, name string) *discordgo.Interaction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ic discordgo.InteractionCreate
	if err := json.Unmarshal(data, &ic); err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	return ic.Interaction
}

// TestInteractionFixtures replays recorded interactions through the
// adapter and checks what it sent, in order.
func TestInteractionFixtures(t *testing.T) {
	reindexed := ReindexResult{DocumentsAdded: 1, DocumentsUnchanged: 2, PassagesAdded: 4, PassagesUnchanged: 9, Duration: 1500 * time.Millisecond}
	tests := []struct {
		fixture string
		// want lists the calls: method, then a fragment of what it sent.
		want [][2]string
		// ephemeral is whether the first response must be ephemeral.
		ephemeral bool
	}{
		{fixture: "ask_public.json", want: [][2]string{
			{"InteractionRespond", `"type":5`},
			{"InteractionResponseEdit", `"description":"Refunds are issued within 5 days`},
		}},
		{fixture: "ask_private.json", ephemeral: true, want: [][2]string{
			{"InteractionRespond", `"type":5`},
			{"InteractionResponseEdit", `"title":"How do refunds work? @everyone"`},
		}},
		{fixture: "ask_empty.json", ephemeral: true, want: [][2]string{
			{"InteractionRespond", "Ask me a question"},
		}},
		{fixture: "reindex_member.json", ephemeral: true, want: [][2]string{
			{"InteractionRespond", "Only moderators"},
		}},
		{fixture: "reindex_moderator_role.json", ephemeral: true, want: [][2]string{
			{"InteractionRespond", `"type":5`},
			{"InteractionResponseEdit", "**Documents:** 1 added, 0 changed, 0 removed, 2 unchanged."},
		}},
		{fixture: "sources_autocomplete.json", want: [][2]string{
			{"InteractionRespond", `"choices":[{"name":"Digital goods","value":"digital.md"}]`},
		}},
		{fixture: "button_unknown.json", ephemeral: true, want: [][2]string{
			{"InteractionRespond", "I no longer have that answer"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			b, sess := newTestBot(t, Config{}, Deps{
				Servers: OneServer(Server{
					Sources:    testDocs,
					Reindexer:  ReindexFunc(func(context.Context, string) (ReindexResult, error) { return reindexed, nil }),
					Moderators: &fakeModerators{roles: []string{"1100000000000000200"}},
				}),
			})
			b.onInteraction(context.Background(), loadInteraction(t, tt.fixture))

			calls := sess.Calls()
			if len(calls) != len(tt.want) {
				t.Fatalf("got %d calls %v, want %d", len(calls), methods(calls), len(tt.want))
			}
			for n, c := range calls {
				body := callJSON(t, c)
				if c.Method != tt.want[n][0] || !strings.Contains(body, tt.want[n][1]) {
					t.Errorf("call %d: got %s %s\nwant %s containing %s", n, c.Method, body, tt.want[n][0], tt.want[n][1])
				}
				if c.Method != "ApplicationCommandBulkOverwrite" && !strings.Contains(body, `"allowed_mentions":{"parse":[]`) && !strings.Contains(body, `"choices"`) {
					t.Errorf("call %d (%s) does not set allowed_mentions to parse nothing: %s", n, c.Method, body)
				}
			}
			for _, c := range calls {
				if c.Response != nil {
					if eph := c.Response.Data.Flags&discordgo.MessageFlagsEphemeral != 0; eph != tt.ephemeral && c.Response.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
						t.Errorf("response ephemeral = %v, want %v", eph, tt.ephemeral)
					}
					break
				}
			}
		})
	}
}

func methods(calls []call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Method)
	}
	return out
}

// callJSON renders what a call sent as Discord would receive it.
func callJSON(t *testing.T, c call) string {
	t.Helper()
	var v any
	switch {
	case c.Response != nil:
		v = c.Response
	case c.Edit != nil:
		v = c.Edit
	case c.Params != nil:
		v = c.Params
	case c.Message != nil:
		v = c.Message
	case c.Thread != nil:
		v = c.Thread
	default:
		return ""
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

package bot

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// The forwarding itself; that faqbot serve routes a real session's
// messages is tested in cmd/faqbot (here, setting the process-wide
// discordgo.Logger would race with the sessions of other tests).
func TestDiscordgoLogFunc(t *testing.T) {
	var buf bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	current := lg
	log := discordgoLogFunc(func() *slog.Logger { return current })
	log(discordgo.LogError, 2, "error connecting to gateway %s, %s", "wss://x", "refused")
	log(discordgo.LogWarning, 2, "error reading from gateway %s websocket, %s\n", "wss://x", "EOF")
	log(discordgo.LogInformational, 2, "called")
	log(discordgo.LogDebug, 2, "sending heartbeat") // below debug: dropped
	current = nil
	log(discordgo.LogError, 2, "after the bot stopped") // no logger: dropped
	want := []string{
		`level=ERROR msg="error connecting to gateway wss://x, refused"`,
		`level=WARN msg="error reading from gateway wss://x websocket, EOF"`,
		`level=DEBUG msg=called`,
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("logged %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d: %s\nwant it to contain %s", i, lines[i], w)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/bot/discordtest"
)

// serve against an unreachable FAQBOT_DISCORD_API_URL names the server it
// dialled, not discord.com, whose URL discordgo's requests carry.
func TestServeNamesTheUnreachableAPIURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	api := srv.URL
	srv.Close() // nothing listens there any more
	_, errs, code := runCLI(t, map[string]string{"DISCORD_TOKEN": "x", "FAQBOT_DISCORD_API_URL": api}, "serve")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	last := errs[strings.LastIndex(strings.TrimSuffix(errs, "\n"), "\n")+1:]
	if !strings.HasPrefix(last, "faqbot: ") || !strings.Contains(last, "sent to "+api+"/api/v9/gateway") {
		t.Errorf("the error does not name %s:\n%s", api, errs)
	}
}

// A dropped gateway connection is logged by discordgo itself; serve routes
// that through its own structured log rather than leaving discordgo's
// "[DG1] wsapi.go:…" lines beside it.
func TestServeLogsGatewayTroubleInItsOwnFormat(t *testing.T) {
	fake := discordtest.New(t)
	env := map[string]string{
		"DISCORD_TOKEN": "x", "DISCORD_GUILD_ID": "guild-1", "FAQBOT_DISCORD_API_URL": fake.URL, "FAQBOT_LOG_FORMAT": "json",
		"FAQBOT_INDEX_DIR": filepath.Join(t.TempDir(), "index"), "FAQBOT_DATA_DIR": filepath.Join(t.TempDir(), "data"),
	}
	var logs strings.Builder
	// discordgo's goroutines may still log after serve returned: the
	// log is read under the writer's lock.
	lw := &syncWriter{w: &logs}
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &strings.Builder{}, lw)
	}()
	// Generous: the deadline only bounds a hang on a busy machine.
	wait, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	// The commands are registered once READY has made the connection live.
	commands := fmt.Sprintf("%s/applications/%s/guilds/guild-1/commands", discordtest.APIPrefix, fake.AppID)
	if _, err := fake.WaitFor(wait, func(r discordtest.Request) bool { return r.Method == "PUT" && r.Path == commands }); err != nil {
		stop()
		t.Fatalf("serve never connected: %v (serve returned %v)", err, <-done)
	}
	if err := fake.DropConnection(); err != nil {
		t.Fatal(err)
	}
	// discordgo logs the broken read before it reconnects and resumes.
	if _, err := fake.WaitForFrame(wait, func(f discordtest.Frame) bool { return f.Op == discordtest.OpResume }); err != nil {
		t.Fatalf("serve never resumed: %v", err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(lw.String()), "\n") {
		var rec struct{ Level, Msg, From string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		if rec.From == "discordgo" && rec.Level == "WARN" && strings.Contains(rec.Msg, "error reading from gateway") {
			found = true
		}
	}
	if !found {
		t.Errorf("no discordgo warning about the dropped connection in the log:\n%s", logs.String())
	}
}

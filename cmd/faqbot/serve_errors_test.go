package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/bot/discordtest"
)

// Each change a moderator makes from Discord is logged once, with who made
// it and on which server: the library below the bot logged it a second
// time, without either.
func TestServeLogsEachCorpusChangeOnce(t *testing.T) {
	root := t.TempDir()
	s := serveWith(t, map[string]string{"FAQBOT_DATA_DIR": filepath.Join(root, "data"), "FAQBOT_INDEX_DIR": filepath.Join(root, "index")})
	// The first upload creates the server's corpus; the second adds to it.
	for _, name := range []string{"parking.md", "lunch.md"} {
		text := "# " + name + "\n\n## Where is it?\n\nBehind the warehouse, by the blue door.\n"
		if got, _ := s.addFile(t, modMia, discordtest.Attachment{Filename: name, Data: []byte(text)}); !strings.Contains(got, "Added") {
			t.Fatalf("adding %s: %s", name, got)
		}
	}
	if got := s.sub(t, modMia, "corpus", "remove", discordtest.StringOption("document", "lunch.md")); !strings.Contains(got, "Removed") {
		t.Fatalf("remove: %s", got)
	}
	s.stop()
	counts := map[string]int{}
	for _, line := range strings.Split(logsOf(s.logs), "\n") {
		for _, msg := range []string{`msg="document added"`, `msg="document removed"`} {
			if strings.Contains(line, msg) {
				counts[msg]++
				if !strings.Contains(line, "guild=guild-1") || !strings.Contains(line, `user="mia (user-mia)"`) {
					t.Errorf("logged without the server or the moderator: %s", line)
				}
			}
		}
	}
	if counts[`msg="document added"`] != 2 || counts[`msg="document removed"`] != 1 {
		t.Errorf("logged %v, want 2 additions and 1 removal, once each:\n%s", counts, logsOf(s.logs))
	}
}

package library

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/retrieval"
)

// Each skipped file is logged once, when it first appears: at Warn for a
// caller whose log is the only report (serve), at Debug for one that lists
// the skips itself (`faqbot index`), and at Debug whatever the caller for
// files of a type faqbot does not read.
func TestSkipsLoggedOnce(t *testing.T) {
	tests := []struct {
		name   string
		listed bool
		level  string // of the empty files' records
	}{
		{"the log is the only report", false, "WARN"},
		{"the caller lists the skips", true, "DEBUG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "dogs.md", dogs)
			write(t, dir, "empty.md", "")
			write(t, dir, "logo.png", "\x89PNG")
			var logs bytes.Buffer
			l, err := Open(context.Background(), Options{
				Dir: dir, IndexDir: filepath.Join(t.TempDir(), "index"), Embedder: retrieval.NewHashEmbedder(0),
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), SkipsListed: tt.listed,
			})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			write(t, dir, "empty2.md", "")
			for range 2 {
				if _, err := l.Refresh(context.Background()); err != nil {
					t.Fatalf("Refresh: %v", err)
				}
			}
			for _, want := range []struct{ path, level string }{
				{"empty.md", tt.level}, {"empty2.md", tt.level}, {"logo.png", "DEBUG"},
			} {
				var got []string
				for _, line := range strings.Split(logs.String(), "\n") {
					if strings.Contains(line, `msg="skipping corpus file" path=`+want.path+" ") {
						got = append(got, line)
					}
				}
				if len(got) != 1 || !strings.Contains(got[0], "level="+want.level+" ") {
					t.Errorf("%s logged as %q, want once at %s", want.path, got, want.level)
				}
			}
			if n := len(l.Stats().Skips); n != 3 {
				t.Errorf("Stats lists %d skips, want 3: %v", n, l.Stats().Skips)
			}
		})
	}
}

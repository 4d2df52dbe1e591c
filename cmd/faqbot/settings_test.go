package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A misspelled FAQBOT_ name, in the environment or in .env, is reported
// with the setting it most likely means, instead of being ignored while
// the default stays in force.
func TestUnknownSettingsAreWarnedAbout(t *testing.T) {
	tests := []struct {
		name    string
		dotenv  string
		environ map[string]string
		want    []string // lines of stderr, in part
		notWant string
	}{
		{
			name:    "typo in .env",
			dotenv:  "FAQBOT_TOPK=3\nDISCORD_GUILD_ID=1\n",
			environ: map[string]string{"PATH": "/bin"},
			want:    []string{`name=FAQBOT_TOPK in=.env did_you_mean=FAQBOT_TOP_K`},
		},
		{
			name:    "typo in the environment",
			environ: map[string]string{"FAQBOT_LOG_LEVLE": "debug", "FAQBOT_DISCORD_TOKEN": "x", "FAQBOT_COLOUR": "blue", "HOME": "/root"},
			want: []string{
				`name=FAQBOT_COLOUR in=environment` + "\n",
				`name=FAQBOT_DISCORD_TOKEN in=environment did_you_mean=DISCORD_TOKEN`,
				`name=FAQBOT_LOG_LEVLE in=environment did_you_mean=FAQBOT_LOG_LEVEL`,
			},
		},
		{
			name:    "only settings",
			dotenv:  "FAQBOT_TOP_K=3\n",
			environ: map[string]string{"FAQBOT_CHAT_MODEL": "x", "GOPATH": "/go"},
			notWant: "unknown setting",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.dotenv != "" {
				if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(tt.dotenv), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir) // .env is read from the working folder
			env := map[string]string{"FAQBOT_INDEX_DIR": filepath.Join(dir, "index"), "FAQBOT_DATA_DIR": filepath.Join(dir, "data")}
			var environ []string
			for k, v := range tt.environ {
				env[k] = v
			}
			for k, v := range env {
				environ = append(environ, k+"="+v)
			}
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"ask", "--json", "how long did the talks in Florida last?"},
				func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb, environ...)
			if code := exitCode(err, &errb); code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
			if tt.notWant != "" && strings.Contains(errb.String(), tt.notWant) {
				t.Errorf("stderr has %q:\n%s", tt.notWant, errb.String())
			}
		})
	}
}

package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestExampleInStep keeps .env.example in step with Settings: run
// `go run ./cmd/faqbot settings > .env.example` after adding a setting.
func TestExampleInStep(t *testing.T) {
	got, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatalf("reading .env.example: %v", err)
	}
	if string(got) != Example() {
		t.Errorf(".env.example is out of date; regenerate it with: go run ./cmd/faqbot settings > .env.example")
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.TopK != 5 || c.LLMTimeout != 60*time.Second || c.ShardCount != 1 || c.LogLevel != "info" {
		t.Errorf("defaults = %+v", c)
	}
	if c.LLMEnabled() {
		t.Errorf("LLMEnabled() = true with no key and no base URL")
	}
	if c.DataDir != "./data" || c.Watch || c.StoreUserIDs != "hashed" || c.ConversationRetention != 720*time.Hour || c.MaxUploadKB != 1024 {
		t.Errorf("data defaults = %q %v %q %v %d", c.DataDir, c.Watch, c.StoreUserIDs, c.ConversationRetention, c.MaxUploadKB)
	}
}

func TestLoadDataSettings(t *testing.T) {
	env := map[string]string{"FAQBOT_WATCH": "true", "FAQBOT_STORE_USER_IDS": "None", "FAQBOT_CONVERSATION_RETENTION": "48h", "FAQBOT_MAX_UPLOAD_KB": "64"}
	c, err := Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !c.Watch || c.StoreUserIDs != "none" || c.ConversationRetention != 48*time.Hour || c.MaxUploadKB != 64 {
		t.Errorf("got watch %v, user IDs %q, retention %v, upload %d", c.Watch, c.StoreUserIDs, c.ConversationRetention, c.MaxUploadKB)
	}
}

func TestLoadPrecedence(t *testing.T) {
	env := map[string]string{"FAQBOT_TOP_K": "7", "OPENAI_BASE_URL": "http://localhost:11434/v1/"}
	dotenv := map[string]string{"FAQBOT_TOP_K": "9", "FAQBOT_CHAT_MODEL": "llama3.2", "FAQBOT_MODERATOR_ROLES": "Mods, Admins ,"}
	c, err := Load(func(k string) string { return env[k] }, dotenv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.TopK != 7 {
		t.Errorf("TopK = %d, want 7 (environment over .env)", c.TopK)
	}
	if c.ChatModel != "llama3.2" {
		t.Errorf("ChatModel = %q, want llama3.2 (.env over default)", c.ChatModel)
	}
	if c.OpenAIBaseURL != "http://localhost:11434/v1" || !c.LLMEnabled() {
		t.Errorf("OpenAIBaseURL = %q, LLMEnabled = %v", c.OpenAIBaseURL, c.LLMEnabled())
	}
	if strings.Join(c.ModeratorRoles, "|") != "Mods|Admins" {
		t.Errorf("ModeratorRoles = %q", c.ModeratorRoles)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bad int", map[string]string{"FAQBOT_TOP_K": "many"}, []string{"FAQBOT_TOP_K", "many"}},
		{"out of range", map[string]string{"FAQBOT_TOP_K": "99"}, []string{"FAQBOT_TOP_K", "1 to 20"}},
		{"bad duration", map[string]string{"FAQBOT_LLM_TIMEOUT": "5"}, []string{"FAQBOT_LLM_TIMEOUT"}},
		{"two errors", map[string]string{"FAQBOT_TEMPERATURE": "3", "FAQBOT_LOG_LEVEL": "loud"}, []string{"FAQBOT_TEMPERATURE", "FAQBOT_LOG_LEVEL"}},
		{"bad bool", map[string]string{"FAQBOT_WATCH": "maybe"}, []string{"FAQBOT_WATCH", "maybe"}},
		{"bad privacy", map[string]string{"FAQBOT_STORE_USER_IDS": "encrypted"}, []string{"FAQBOT_STORE_USER_IDS", "plain, hashed, none"}},
		{"upload too big", map[string]string{"FAQBOT_MAX_UPLOAD_KB": "30000"}, []string{"FAQBOT_MAX_UPLOAD_KB"}},
		{"shard", map[string]string{"FAQBOT_SHARD_ID": "2", "FAQBOT_SHARD_COUNT": "2"}, []string{"FAQBOT_SHARD_ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(func(k string) string { return tt.env[k] }, nil)
			if err == nil {
				t.Fatal("Load: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSecretsNotInExample(t *testing.T) {
	for _, s := range Settings() {
		if s.Secret && s.Default != "" {
			t.Errorf("%s is secret but has a default", s.Env)
		}
	}
}

func TestParseDotenv(t *testing.T) {
	in := "# comment\n\nexport A=1\nB = \"two words\"\nC='x=y'\n"
	got, err := ParseDotenv(strings.NewReader(in))
	if err != nil {
		t.Fatalf("ParseDotenv: %v", err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "x=y"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := ParseDotenv(strings.NewReader("oops\n")); err == nil {
		t.Error("ParseDotenv(\"oops\"): no error")
	}
}

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
	if c.TopK != 5 || c.LLMTimeout != 60*time.Second || c.ShardCount != 0 || c.ShardID != -1 || c.LogLevel != "info" {
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
		{"shard count 0", map[string]string{"FAQBOT_SHARD_COUNT": "0"}, []string{"FAQBOT_SHARD_COUNT"}},
		{"negative shard", map[string]string{"FAQBOT_SHARD_ID": "-1"}, []string{"FAQBOT_SHARD_ID"}},
		{"database not postgres", map[string]string{"FAQBOT_DATABASE_URL": "mysql://u:p@h/db"}, []string{"FAQBOT_DATABASE_URL", "postgres://"}},
		{"database no host", map[string]string{"FAQBOT_DATABASE_URL": "postgres:///faqbot"}, []string{"FAQBOT_DATABASE_URL"}},
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

func TestEmbedServer(t *testing.T) {
	tests := []struct {
		name            string
		env             map[string]string
		wantURL, wantKy string
		wantOK          bool
	}{
		{"nothing configured", nil, "", "", false},
		{"the chat server", map[string]string{"OPENAI_BASE_URL": "http://chat/v1", "OPENAI_API_KEY": "sk-chat"}, "http://chat/v1", "sk-chat", true},
		{"OpenAI with a key", map[string]string{"OPENAI_API_KEY": "sk-chat"}, "", "sk-chat", true},
		{"another server gets no chat key", map[string]string{"OPENAI_API_KEY": "sk-chat", "FAQBOT_EMBED_BASE_URL": "http://ollama:11434/v1/"}, "http://ollama:11434/v1", "", true},
		{"another server with its own key", map[string]string{"OPENAI_API_KEY": "sk-chat", "FAQBOT_EMBED_BASE_URL": "http://embed/v1", "FAQBOT_EMBED_API_KEY": "sk-embed"}, "http://embed/v1", "sk-embed", true},
		{"the same server named twice keeps the key", map[string]string{"OPENAI_BASE_URL": "http://chat/v1", "OPENAI_API_KEY": "sk-chat", "FAQBOT_EMBED_BASE_URL": "http://chat/v1"}, "http://chat/v1", "sk-chat", true},
		{"another key on the chat server", map[string]string{"OPENAI_API_KEY": "sk-chat", "FAQBOT_EMBED_API_KEY": "sk-embed"}, "", "sk-embed", true},
		{"embeddings only, no chat", map[string]string{"FAQBOT_EMBED_BASE_URL": "http://ollama:11434/v1"}, "http://ollama:11434/v1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(func(k string) string { return tt.env[k] }, nil)
			if err != nil {
				t.Fatal(err)
			}
			url, key, ok := c.EmbedServer()
			if url != tt.wantURL || key != tt.wantKy || ok != tt.wantOK {
				t.Errorf("EmbedServer() = %q, %q, %v; want %q, %q, %v", url, key, ok, tt.wantURL, tt.wantKy, tt.wantOK)
			}
		})
	}
}

func TestEmbeddingAndReasoningSettings(t *testing.T) {
	env := map[string]string{
		"FAQBOT_EMBED_QUERY_PREFIX": "search_query: ", "FAQBOT_EMBED_TIMEOUT": "5s",
		"FAQBOT_REASONING_EFFORT": "Low", "FAQBOT_REASONING_TOKENS": "2000", "FAQBOT_REWRITE_TIMEOUT": "3s",
	}
	// A quoted .env value keeps its trailing space too.
	dotenv, err := ParseDotenv(strings.NewReader("FAQBOT_EMBED_DOCUMENT_PREFIX=\"passage: \"\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(func(k string) string { return env[k] }, dotenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.EmbedQueryPrefix != "search_query: " || c.EmbedDocumentPrefix != "passage: " {
		t.Errorf("prefixes %q, %q; want their trailing spaces kept", c.EmbedQueryPrefix, c.EmbedDocumentPrefix)
	}
	if c.EmbedTimeout != 5*time.Second || c.ReasoningEffort != "low" || c.ReasoningTokens != 2000 || c.RewriteTimeout != 3*time.Second {
		t.Errorf("got timeout %v, effort %q, tokens %d, rewrite timeout %v", c.EmbedTimeout, c.ReasoningEffort, c.ReasoningTokens, c.RewriteTimeout)
	}
	d, err := Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.EmbedTimeout != 30*time.Second || d.RewriteTimeout != 15*time.Second || d.ReasoningEffort != "" || d.EmbedQueryPrefix != "" {
		t.Errorf("defaults: embed timeout %v, rewrite timeout %v, effort %q, prefix %q", d.EmbedTimeout, d.RewriteTimeout, d.ReasoningEffort, d.EmbedQueryPrefix)
	}
	for _, bad := range []map[string]string{{"FAQBOT_REASONING_EFFORT": "extreme"}, {"FAQBOT_EMBED_TIMEOUT": "0s"}, {"FAQBOT_REASONING_TOKENS": "-1"}} {
		if _, err := Load(func(k string) string { return bad[k] }, nil); err == nil {
			t.Errorf("Load(%v) succeeded, want an error", bad)
		}
	}
}

// TestSecretValuesCoverEverySecret: every setting marked secret is among
// the values the bot scrubs from answers.
func TestSecretValuesCoverEverySecret(t *testing.T) {
	env := map[string]string{}
	for _, s := range Settings() {
		if s.Secret {
			env[s.Env] = "secret-value-of-" + s.Env + "-0123456789abcdef0123"
		}
		if s.Env == "FAQBOT_DATABASE_URL" {
			env[s.Env] = "postgres://faqbot:secret-value-of-the-password-0123@db:5432/faqbot"
		}
	}
	c, err := Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.SecretValues(), "\n")
	for k, v := range env {
		if !strings.Contains(got, v) {
			t.Errorf("%s is not among the secret values", k)
		}
	}
}

// TestShardsAndDatabase: a shard ID alone takes its count from Discord
// later; the database URL's password is a secret, and the name logged
// leaves it out.
func TestShardsAndDatabase(t *testing.T) {
	env := map[string]string{"FAQBOT_SHARD_ID": "3", "FAQBOT_DATABASE_URL": "postgresql://faqbot:pa%24%24word@db.internal:5433/faqbot?sslmode=require"}
	c, err := Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ShardID != 3 || c.ShardCount != 0 {
		t.Errorf("shard %d of %d, want 3 of 0 (Discord's count)", c.ShardID, c.ShardCount)
	}
	if c.DatabasePassword() != "pa$$word" || !strings.Contains(strings.Join(c.SecretValues(), "\n"), "pa$$word") {
		t.Errorf("password %q, secrets %q", c.DatabasePassword(), c.SecretValues())
	}
	if got := c.DatabaseName(); got != "PostgreSQL db.internal:5433/faqbot" {
		t.Errorf("DatabaseName() = %q", got)
	}
}

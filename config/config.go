// Package config is the one place that knows faqbot's settings: their
// environment names, defaults and descriptions. It loads them from the
// environment and a .env file into one validated struct, and renders the
// documented list that .env.example and `faqbot help settings` show.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/faqbot/faqbot/corpus"
)

// Config holds every setting. Zero values are never used directly: Load
// fills in the defaults from Settings.
type Config struct {
	// Corpus and index.
	CorpusDir    string
	IndexDir     string
	TopK         int
	MinRelevance float64
	// Synonyms widens questions with related words from the built-in
	// word table (lexicon.WordNet).
	Synonyms bool
	// SourceURL maps a corpus file to its page on the published site
	// (corpus.SourceURLTemplate's form, checked).
	SourceURL string

	// Data and moderation.
	DataDir               string
	Watch                 bool
	StoreUserIDs          string // plain, hashed or none
	UserIDKey             string
	ConversationRetention time.Duration
	MaxUploadKB           int

	// DatabaseURL is a postgres:// URL: when set, the state that shard
	// processes share lives there instead of in SQLite.
	DatabaseURL string
	// DatabaseCheck is how often a process sharing DatabaseURL reads
	// every knowledge base's version, in case it missed PostgreSQL's
	// notification of a change.
	DatabaseCheck time.Duration

	// Servers (tenancy).
	Guilds     []string
	BaseGuilds []string
	MemoryMB   int

	// Sources of fetched pages.
	AllowPrivateSources bool
	RefreshInterval     time.Duration
	MaxSources          int
	MaxSourcePages      int
	SourcesFile         string

	// LLM (any OpenAI-compatible server).
	OpenAIKey       string
	OpenAIBaseURL   string
	ChatModel       string
	LLMTimeout      time.Duration
	MaxAnswerTokens int
	Temperature     float64
	ContextTokens   int
	EmbedModel      string
	EmbedDimensions int
	PromptsDir      string
	RewriteTimeout  time.Duration
	ReasoningEffort string
	ReasoningTokens int

	// Embeddings server, when it is not the chat server, and how it is used.
	EmbedBaseURL        string
	EmbedAPIKey         string
	EmbedTimeout        time.Duration
	EmbedQueryPrefix    string
	EmbedDocumentPrefix string

	// Discord.
	DiscordToken   string
	DiscordGuildID string
	DiscordAPIURL  string
	// ShardID is -1 when not set; ShardCount 0 when not set (Discord's
	// recommendation is asked for).
	ShardID         int
	ShardCount      int
	ModeratorRoles  []string
	RatePerMinute   int
	MaxConcurrent   int
	MaxQuestionLen  int
	QuestionTimeout time.Duration
	HTTPAddr        string

	// Logging.
	LogLevel  string
	LogFormat string
}

// SecretValues are the values of the secret settings (the token and keys)
// that are set: what must never be shown or stored. The bot scrubs them
// from answers. A test keeps the list in step with Settings.
func (c Config) SecretValues() []string {
	var out []string
	for _, v := range []string{c.DiscordToken, c.OpenAIKey, c.EmbedAPIKey, c.UserIDKey, c.DatabaseURL, c.DatabasePassword()} {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// DatabasePassword is the password in DatabaseURL, or "".
func (c Config) DatabasePassword() string {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// DatabaseName describes DatabaseURL without its password, for logs:
// host, port and database.
func (c Config) DatabaseName() string {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL " + u.Host + u.Path
}

// LLMEnabled reports whether an LLM is configured: a base URL or an API key.
func (c Config) LLMEnabled() bool { return c.OpenAIBaseURL != "" || c.OpenAIKey != "" }

// EmbedServer says where embeddings come from: the base URL ("" is
// OpenAI's) and the key to send, and ok false when no embeddings server is
// configured at all (the built-in embedder is the only choice then).
// FAQBOT_EMBED_BASE_URL and FAQBOT_EMBED_API_KEY win; otherwise the chat
// server's settings apply. The chat key is never sent to a different
// embeddings server: a key for one provider is a secret from another.
func (c Config) EmbedServer() (baseURL, key string, ok bool) {
	if c.EmbedBaseURL == "" && c.EmbedAPIKey == "" && !c.LLMEnabled() {
		return "", "", false
	}
	baseURL, key = c.OpenAIBaseURL, c.OpenAIKey
	if c.EmbedBaseURL != "" {
		baseURL = c.EmbedBaseURL
		if c.EmbedBaseURL != c.OpenAIBaseURL {
			key = ""
		}
	}
	if c.EmbedAPIKey != "" {
		key = c.EmbedAPIKey
	}
	return baseURL, key, true
}

// Setting describes one environment variable.
type Setting struct {
	// Env is the environment variable's name.
	Env string
	// Default is the value used when the variable is unset or empty.
	Default string
	// Help says what the setting does, in one or two sentences.
	Help string
	// Group is the heading it is listed under.
	Group string
	// Secret settings are never printed.
	Secret bool
	// keepSpace keeps a value's leading and trailing spaces (a prefix
	// such as "query: " ends in one); other values are trimmed.
	keepSpace bool
	set       func(c *Config, v string) error
}

// Settings lists every setting in the order they are documented.
func Settings() []Setting {
	return []Setting{
		{Group: "Corpus and index", Env: "FAQBOT_CORPUS_DIR", Help: "Folder of .txt, .md, .mdx, .rst and .html documents to answer from. Empty: FAQBOT_DATA_DIR/corpus, which serve fills with the embedded corpus on its first start; until then the embedded corpus.",
			set: func(c *Config, v string) error { c.CorpusDir = v; return nil }},
		{Group: "Corpus and index", Env: "FAQBOT_INDEX_DIR", Help: "Folder where the index is saved. Empty: a folder per corpus under the user's cache directory.",
			set: func(c *Config, v string) error { c.IndexDir = v; return nil }},
		{Group: "Corpus and index", Env: "FAQBOT_SOURCE_URL", Help: "Where the corpus's pages are published, so that sources link to them: a URL in which {path} is a file's path in the corpus folder without its extension ({file}: with it), e.g. https://docs.example.com/{path}; a passage's link adds its heading's #anchor. Documents with their own link (front-matter url, an HTML canonical link) keep it; a front-matter permalink or slug moves the page. Empty: only those own links.",
			set: func(c *Config, v string) error {
				t, err := corpus.SourceURLTemplate(v)
				if err != nil {
					return err
				}
				c.SourceURL = t
				return nil
			}},
		{Group: "Corpus and index", Env: "FAQBOT_TOP_K", Default: "5", Help: "How many passages are retrieved per question (1-20).",
			set: intIn(func(c *Config) *int { return &c.TopK }, 1, 20)},
		{Group: "Corpus and index", Env: "FAQBOT_MIN_RELEVANCE", Default: "0", Help: "Relevance a passage needs for the bot to answer from it, overriding the threshold the index measured for this corpus and embedder (faqbot index prints it, with the scores it was set from). 0: the measured one.",
			set: func(c *Config, v string) error {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 10 || f != f {
					return fmt.Errorf("want a number from 0 to 10 (0: the calibrated threshold), got %q", v)
				}
				c.MinRelevance = f
				return nil
			}},
		{Group: "Corpus and index", Env: "FAQBOT_SYNONYMS", Default: "1", Help: "1 to widen each question with related words from the built-in English word table (WordNet 3.0: synonyms, derived forms, other names of a place), counted below the member's own words and only where the corpus uses them; 0 to match the member's own words only. Changing it recalibrates the index.",
			set: boolean(func(c *Config) *bool { return &c.Synonyms })},

		{Group: "Data and moderation", Env: "FAQBOT_DATA_DIR", Default: "./data", Help: "Folder for the database (faqbot.db: each server's questions, votes, change log, conversations, moderator roles and taught phrasings), its key file (faqbot.key), each server's documents and index (guilds/ID/) and, unless FAQBOT_CORPUS_DIR is set, the base corpus (corpus/).",
			set: func(c *Config, v string) error { c.DataDir = v; return nil }},
		{Group: "Data and moderation", Env: "FAQBOT_WATCH", Default: "0", Help: "1 to watch the corpus folder and re-index within seconds when a document is added, changed or deleted there. Without it, run faqbot index or send serve a SIGHUP.",
			set: boolean(func(c *Config) *bool { return &c.Watch })},
		{Group: "Data and moderation", Env: "FAQBOT_STORE_USER_IDS", Default: "hashed", Help: "How members' user IDs are stored with their questions and votes: plain, hashed (a keyed hash: a member's data can still be deleted on request) or none.",
			set: oneOf(func(c *Config) *string { return &c.StoreUserIDs }, "plain", "hashed", "none")},
		{Group: "Data and moderation", Env: "FAQBOT_USER_ID_KEY", Secret: true, Help: "Key (at least 32 characters) for hashing member IDs. Empty: a random key kept in FAQBOT_DATA_DIR/faqbot.key (mode 0600), never in the database. Set it when several processes share one database.",
			set: func(c *Config, v string) error {
				if v != "" && len(v) < 32 {
					return fmt.Errorf("want at least 32 characters, got %d", len(v))
				}
				c.UserIDKey = v
				return nil
			}},
		{Group: "Data and moderation", Env: "FAQBOT_DATABASE_URL", Secret: true, Help: "A postgres:// URL (e.g. postgres://faqbot:PASSWORD@db:5432/faqbot) to keep everything that shard processes must share in PostgreSQL: each server's documents, settings and moderator roles, questions, votes, conversations and change log, and the base corpus. Each process keeps its indexes in FAQBOT_DATA_DIR/cache, built from the database. Set FAQBOT_USER_ID_KEY too, the same on every process. Empty: SQLite in FAQBOT_DATA_DIR. faqbot migrate moves the data between the two.",
			set: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
					return errors.New("want a postgres://user:password@host:port/database URL")
				}
				c.DatabaseURL = v
				return nil
			}},
		{Group: "Data and moderation", Env: "FAQBOT_DATABASE_CHECK", Default: "30s", Help: "With FAQBOT_DATABASE_URL: how often each process reads every server's documents version, to catch a change whose PostgreSQL notification it missed (a dropped connection). Changes made by other processes normally arrive within moments, by notification.",
			set: durationMin(func(c *Config) *time.Duration { return &c.DatabaseCheck }, time.Second)},
		{Group: "Data and moderation", Env: "FAQBOT_CONVERSATION_RETENTION", Default: "720h", Help: "How long a thread conversation is kept after its last message, so follow-ups survive a restart (720h is 30 days).",
			set: durationMin(func(c *Config) *time.Duration { return &c.ConversationRetention }, time.Minute)},
		{Group: "Data and moderation", Env: "FAQBOT_MAX_UPLOAD_KB", Default: "1024", Help: "Largest document a moderator may upload with /corpus add, in kilobytes (at most 20480).",
			set: intIn(func(c *Config) *int { return &c.MaxUploadKB }, 1, 20480)},

		{Group: "Servers", Env: "FAQBOT_GUILDS", Help: "Comma-separated IDs of the Discord servers the bot serves (with DISCORD_GUILD_ID). In any other server it answers nothing and leaves. Empty: every server it is invited to.",
			set: func(c *Config, v string) error { c.Guilds = splitList(v); return nil }},
		{Group: "Servers", Env: "FAQBOT_BASE_GUILDS", Help: "Comma-separated IDs of the servers that answer from the base corpus (FAQBOT_CORPUS_DIR, or the shipped one) besides their own documents; none for no server. Empty: every server.",
			set: func(c *Config, v string) error { c.BaseGuilds = splitList(v); return nil }},
		{Group: "Servers", Env: "FAQBOT_MEMORY_MB", Default: "1024", Help: "Memory budget for the servers' loaded indexes, in megabytes: past it the least recently used are unloaded, to load again (from disk) on their next question. 0: no limit.",
			set: intIn(func(c *Config) *int { return &c.MemoryMB }, 0, 1<<20)},

		{Group: "Sources (web pages, sitemaps, Git folders)", Env: "FAQBOT_SOURCES_FILE", Help: "File listing the base corpus's sources, one per line: a page, sitemap or site URL, or a Git repository (e.g. https://github.com/org/repo/tree/main/docs), then optional kind=, branch=, folder= and link= (the site a Git folder is published at); # starts a comment. Sources it lists are fetched into the base corpus and refreshed; one taken out of the file is removed with its pages. Empty: FAQBOT_DATA_DIR/sources.txt when it exists.",
			set: func(c *Config, v string) error { c.SourcesFile = v; return nil }},
		{Group: "Sources (web pages, sitemaps, Git folders)", Env: "FAQBOT_REFRESH_INTERVAL", Default: "24h", Help: "How often every source is fetched again, each moved by up to a tenth of it either way so that sources do not all refresh at once; an unchanged page costs a 304. 0: only when asked (/corpus refresh, faqbot source refresh).",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 || d > 0 && d < time.Minute {
					return fmt.Errorf("want 0 or a duration of at least 1m such as 6h or 24h, got %q", v)
				}
				c.RefreshInterval = d
				return nil
			}},
		{Group: "Sources (web pages, sitemaps, Git folders)", Env: "FAQBOT_MAX_SOURCES", Default: "10", Help: "Most sources a server's moderators may add with /corpus add url:. 0: none (moderators upload files only).",
			set: intIn(func(c *Config) *int { return &c.MaxSources }, 0, 10000)},
		{Group: "Sources (web pages, sitemaps, Git folders)", Env: "FAQBOT_MAX_SOURCE_PAGES", Default: "500", Help: "Most pages a server's sources may hold in all; pages past it are skipped and reported. The base corpus's sources are not limited.",
			set: intIn(func(c *Config) *int { return &c.MaxSourcePages }, 1, 1000000)},
		{Group: "Sources (web pages, sitemaps, Git folders)", Env: "FAQBOT_ALLOW_PRIVATE_SOURCES", Default: "0", Help: "1 to let sources reach loopback, private and link-local addresses (a docs server on your own network). Cloud metadata addresses are never fetched. Off by default: moderators type the sources, and the bot must not become a way into the host's network.",
			set: boolean(func(c *Config) *bool { return &c.AllowPrivateSources })},

		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "OPENAI_API_KEY", Secret: true, Help: "API key. With a key or a base URL set, answers come from the LLM; without either, answers are extractive.",
			set: func(c *Config, v string) error { c.OpenAIKey = v; return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "OPENAI_BASE_URL", Help: "Base URL of the API, e.g. http://localhost:11434/v1 for Ollama. Empty: OpenAI's.",
			set: func(c *Config, v string) error { c.OpenAIBaseURL = strings.TrimRight(v, "/"); return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_CHAT_MODEL", Default: "gpt-4o-mini", Help: "Chat model name, e.g. gpt-4o-mini or llama3.2 on Ollama.",
			set: func(c *Config, v string) error { c.ChatModel = v; return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_LLM_TIMEOUT", Default: "60s", Help: "Longest time one LLM answer may take, retries included; past it the answer falls back to extractive.",
			set: durationMin(func(c *Config) *time.Duration { return &c.LLMTimeout }, time.Second)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_MAX_ANSWER_TOKENS", Default: "400", Help: "Most tokens the LLM may write per answer (keeps answers Discord-sized).",
			set: intIn(func(c *Config) *int { return &c.MaxAnswerTokens }, 16, 32768)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_TEMPERATURE", Default: "0.1", Help: "Sampling temperature, 0-2. 0 sends nothing, so the server's default applies.",
			set: func(c *Config, v string) error {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 2 {
					return fmt.Errorf("want a number from 0 to 2, got %q", v)
				}
				c.Temperature = f
				return nil
			}},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_CONTEXT_TOKENS", Default: "1200", Help: "Token budget for the sources in the prompt; the highest-ranked passages that fit are kept.",
			set: intIn(func(c *Config) *int { return &c.ContextTokens }, 100, 1000000)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_REWRITE_TIMEOUT", Default: "15s", Help: "Longest the LLM may take to turn a question into search queries (a standalone question and keyword queries, in the FAQ's language). Past it, or on any failure, the question is searched as asked.",
			set: durationMin(func(c *Config) *time.Duration { return &c.RewriteTimeout }, time.Millisecond)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_REASONING_EFFORT", Help: "reasoning_effort sent to the chat model: none, minimal, low, medium, high, xhigh or max (which ones a model takes depends on the model). Empty: nothing is sent and the model's default applies.",
			set: func(c *Config, v string) error {
				v = strings.ToLower(v)
				switch v {
				case "", "none", "minimal", "low", "medium", "high", "xhigh", "max":
					c.ReasoningEffort = v
					return nil
				}
				return fmt.Errorf("want none, minimal, low, medium, high, xhigh or max, got %q", v)
			}},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_REASONING_TOKENS", Default: "0", Help: "Tokens a reasoning model may spend thinking, on top of FAQBOT_MAX_ANSWER_TOKENS, so that thinking cannot use up the answer's budget. Applies to the o-series and gpt-5, and to any model when FAQBOT_REASONING_EFFORT or this is set. 0: by effort (minimal 1024, low 4096, medium or unset 8192, high 16384).",
			set: intIn(func(c *Config) *int { return &c.ReasoningTokens }, 0, 1000000)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_MODEL", Help: "Embedding model (e.g. text-embedding-3-small, nomic-embed-text) on the chat server or on FAQBOT_EMBED_BASE_URL. Empty: the built-in offline embedder. Changing it rebuilds the index.",
			set: func(c *Config, v string) error { c.EmbedModel = v; return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_DIMENSIONS", Default: "0", Help: "Vector size. With FAQBOT_EMBED_MODEL, asks the model for shorter vectors (OpenAI's dimensions parameter); with the built-in embedder, its size. 0 keeps the default (the model's size, or 512). Changing it rebuilds the index.",
			set: intIn(func(c *Config) *int { return &c.EmbedDimensions }, 0, 65536)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_BASE_URL", Help: "Base URL of the server for FAQBOT_EMBED_MODEL when it is not the chat server, e.g. http://localhost:11434/v1 for embeddings from Ollama beside a hosted chat model. Empty: OPENAI_BASE_URL. The server is part of the index's identity: changing it rebuilds the index.",
			set: func(c *Config, v string) error { c.EmbedBaseURL = strings.TrimRight(v, "/"); return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_API_KEY", Secret: true, Help: "API key for the embeddings server. Empty: OPENAI_API_KEY when embeddings come from the chat server, and no key when FAQBOT_EMBED_BASE_URL names another (the chat key is never sent there).",
			set: func(c *Config, v string) error { c.EmbedAPIKey = v; return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_TIMEOUT", Default: "30s", Help: "Longest one embeddings request may take. Past it, faqbot index fails with an error, and a question is searched by its words alone and answered with a note saying so.",
			set: durationMin(func(c *Config) *time.Duration { return &c.EmbedTimeout }, time.Millisecond)},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_QUERY_PREFIX", keepSpace: true, Help: "Text put before every question embedded, for models trained with one. Empty: the model's known prefix (nomic-embed-text \"search_query: \", e5 \"query: \", mxbai-embed-large and bge their search instruction, others none); none: no prefix. Quote a value that ends in a space. Changing it rebuilds the index.",
			set: func(c *Config, v string) error { c.EmbedQueryPrefix = v; return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_EMBED_DOCUMENT_PREFIX", keepSpace: true, Help: "Text put before every passage embedded. Empty: the model's known prefix (nomic-embed-text \"search_document: \", e5 \"passage: \", others none); none: no prefix. Quote a value that ends in a space. Changing it rebuilds the index.",
			set: func(c *Config, v string) error { c.EmbedDocumentPrefix = v; return nil }},
		{Group: "LLM (optional; any OpenAI-compatible server)", Env: "FAQBOT_PROMPTS_DIR", Help: "Folder of prompt templates that replace the built-in ones (same file names).",
			set: func(c *Config, v string) error { c.PromptsDir = v; return nil }},

		{Group: "Discord (faqbot serve)", Env: "DISCORD_TOKEN", Secret: true, Help: "Bot token from the Discord developer portal. Required for serve.",
			set: func(c *Config, v string) error { c.DiscordToken = v; return nil }},
		{Group: "Discord (faqbot serve)", Env: "DISCORD_GUILD_ID", Help: "One server for FAQBOT_GUILDS: the bot serves it (and the servers of FAQBOT_GUILDS) only, and registers its slash commands there (instant) instead of globally.",
			set: func(c *Config, v string) error { c.DiscordGuildID = v; return nil }},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_DISCORD_API_URL", Help: "Base URL that replaces https://discord.com for every REST call (a rate-limit proxy, or tests). The gateway URL is what its GET /gateway returns.",
			set: func(c *Config, v string) error { c.DiscordAPIURL = strings.TrimRight(v, "/"); return nil }},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_SHARD_ID", Help: "This process's shard, from 0: it serves the servers whose (ID >> 22) % FAQBOT_SHARD_COUNT is this. Empty: 0 when the bot has one shard; with several, each process must be given its own (and all must share FAQBOT_DATABASE_URL).",
			set: func(c *Config, v string) error {
				if v == "" {
					c.ShardID = -1
					return nil
				}
				return intIn(func(c *Config) *int { return &c.ShardID }, 0, 1<<20)(c, v)
			}},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_SHARD_COUNT", Help: "Total number of shards. Empty: the number Discord recommends for the bot (GET /gateway/bot), asked at start.",
			set: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				return intIn(func(c *Config) *int { return &c.ShardCount }, 1, 1<<20)(c, v)
			}},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_MODERATOR_ROLES", Help: "Comma-separated role IDs whose members may use moderator commands in their server, besides members with Manage Server and the roles each server's admins choose with /moderators. Role names are not matched.",
			set: func(c *Config, v string) error { c.ModeratorRoles = splitList(v); return nil }},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_RATE_PER_MINUTE", Default: "6", Help: "Questions one user may ask per minute.",
			set: intIn(func(c *Config) *int { return &c.RatePerMinute }, 1, 10000)},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_MAX_CONCURRENT", Default: "4", Help: "Answers computed at once; further questions wait in a queue.",
			set: intIn(func(c *Config) *int { return &c.MaxConcurrent }, 1, 1000)},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_MAX_QUESTION_LEN", Default: "500", Help: "Longest question accepted, in characters.",
			set: intIn(func(c *Config) *int { return &c.MaxQuestionLen }, 10, 4000)},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_QUESTION_TIMEOUT", Default: "90s", Help: "Longest time one question may take, queueing included.",
			set: durationMin(func(c *Config) *time.Duration { return &c.QuestionTimeout }, time.Second)},
		{Group: "Discord (faqbot serve)", Env: "FAQBOT_HTTP_ADDR", Help: "Address for the operator HTTP listener (/healthz, /metrics), e.g. :8080. Empty: off.",
			set: func(c *Config, v string) error { c.HTTPAddr = v; return nil }},

		{Group: "Logging", Env: "FAQBOT_LOG_LEVEL", Default: "info", Help: "debug, info, warn or error. Logs go to stderr.",
			set: oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")},
		{Group: "Logging", Env: "FAQBOT_LOG_FORMAT", Default: "text", Help: "text or json.",
			set: oneOf(func(c *Config) *string { return &c.LogFormat }, "text", "json")},
	}
}

// Load builds a Config from getenv, falling back to the values of a .env
// file (dotenv, may be nil) and then to the defaults. Every invalid value
// is reported, not just the first.
func Load(getenv func(string) string, dotenv map[string]string) (Config, error) {
	var c Config
	var errs []error
	for _, s := range Settings() {
		v := s.clean(getenv(s.Env))
		if v == "" {
			v = s.clean(dotenv[s.Env])
		}
		if v == "" {
			v = s.Default
		}
		if v == "" && s.Default == "" {
			if err := s.set(&c, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.Env, err))
			}
			continue
		}
		if err := s.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Env, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("reading settings: %w", err)
	}
	if c.ShardCount > 0 && c.ShardID >= c.ShardCount {
		return Config{}, fmt.Errorf("reading settings: FAQBOT_SHARD_ID %d must be below FAQBOT_SHARD_COUNT %d", c.ShardID, c.ShardCount)
	}
	return c, nil
}

// clean trims a value, unless the setting keeps its spaces; a value of
// spaces only is empty either way.
func (s Setting) clean(v string) string {
	if strings.TrimSpace(v) == "" || !s.keepSpace {
		return strings.TrimSpace(v)
	}
	return v
}

// ReadDotenv parses a .env file: KEY=VALUE lines, # comments, optional
// "export " prefixes and single or double quotes around values. A missing
// file is not an error.
func ReadDotenv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	return ParseDotenv(f)
}

// ParseDotenv parses .env content; see ReadDotenv.
func ParseDotenv(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("parsing .env line %d: want KEY=VALUE", n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading .env: %w", err)
	}
	return out, nil
}

// Example renders the documented settings in .env file form, every value
// commented out at its default: the content of .env.example.
func Example() string {
	var b strings.Builder
	b.WriteString("# faqbot settings. Copy to .env (which git ignores) and uncomment what you change.\n")
	b.WriteString("# Precedence: command-line flags > environment > .env > these defaults.\n")
	group := ""
	for _, s := range Settings() {
		if s.Group != group {
			group = s.Group
			fmt.Fprintf(&b, "\n## %s\n", group)
		}
		for _, line := range wrap(s.Help, 100) {
			fmt.Fprintf(&b, "# %s\n", line)
		}
		fmt.Fprintf(&b, "# %s=%s\n", s.Env, s.Default)
	}
	return b.String()
}

func wrap(s string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		if cur != "" && len(cur)+1+len(w) > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func intIn(field func(*Config) *int, lo, hi int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want a whole number from %d to %d, got %q", lo, hi, v)
		}
		*field(c) = n
		return nil
	}
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			*field(c) = true
		case "0", "false", "no", "off":
			*field(c) = false
		default:
			return fmt.Errorf("want 1 or 0, got %q", v)
		}
		return nil
	}
}

func durationMin(field func(*Config) *time.Duration, lo time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo {
			return fmt.Errorf("want a duration of at least %s such as 30s or 2m, got %q", lo, v)
		}
		*field(c) = d
		return nil
	}
}

func oneOf(field func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.ToLower(v)
		for _, a := range allowed {
			if v == a {
				*field(c) = v
				return nil
			}
		}
		return fmt.Errorf("want one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}

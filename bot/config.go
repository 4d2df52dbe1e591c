package bot

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults for the zero values of Config; they match the documented
// defaults of the config package.
const (
	DefaultRatePerMinute   = 6
	DefaultMaxConcurrent   = 4
	DefaultMaxQuestionLen  = 500
	DefaultQuestionTimeout = 90 * time.Second
	// DefaultEditInterval is how often a streaming answer is edited in:
	// Discord allows about five edits per 5 s per message, and once a
	// second reads smoothly without using that budget up.
	DefaultEditInterval = time.Second
	// DefaultShutdownGrace bounds how long shutdown waits for answers in
	// flight: long enough for an LLM to finish a typical answer, short
	// enough for a container's stop timeout (Docker's is 10 s by default,
	// so operators should raise it or lower this).
	DefaultShutdownGrace = 8 * time.Second
	// DefaultMaxUploadBytes is the largest /corpus add attachment: a long
	// FAQ page is tens of kilobytes; the cap bounds what one command makes
	// the bot download, keep in memory and embed.
	DefaultMaxUploadBytes = 1 << 20
)

// maxOptionLength is Discord's cap on a string option's max_length.
const maxOptionLength = 6000

// Config holds the bot's settings. Zero values take the defaults above.
type Config struct {
	// Token is the bot token (with or without the "Bot " prefix). Required.
	Token string
	// Guilds are the servers the bot serves: in any other it answers
	// nothing and leaves. Empty: every server it is in. The commands are
	// registered on each listed server (instantly) instead of globally.
	Guilds []string
	// GuildID is one more server for Guilds (DISCORD_GUILD_ID, the
	// one-server list of earlier versions).
	GuildID string
	// APIURL replaces https://discord.com for every REST call (a rate-limit
	// proxy, or a fake Discord in tests); the gateway URL is whatever its
	// GET /api/v9/gateway returns. "" talks to Discord.
	APIURL string
	// ShardID and ShardCount select this process's shard: Discord sends
	// it the events of the servers whose (ID >> 22) % ShardCount is
	// ShardID. ShardCount 0 asks Discord for the count it recommends
	// (GET /gateway/bot) when Run starts; ShardID -1 is 0 when that count
	// is 1, and an error when it is more (each process must be told its
	// shard).
	ShardID    int
	ShardCount int
	// ModeratorRoles are role IDs whose members may use moderator
	// commands in their server, besides members with Manage Server and the
	// roles a server's admins allow with /moderators. Role IDs are unique
	// across Discord, so each matches in its own server only; names are
	// never matched (any server can make a role of any name).
	ModeratorRoles []string
	// RatePerMinute is how many questions one user may ask per minute.
	RatePerMinute int
	// MaxConcurrent caps the answers computed at once; more wait in a queue.
	MaxConcurrent int
	// MaxQuestionLen is the longest question accepted, in characters.
	MaxQuestionLen int
	// QuestionTimeout bounds one question, queueing included.
	QuestionTimeout time.Duration
	// HTTPAddr, when set, serves /healthz and /metrics there.
	HTTPAddr string
	// EditInterval is the least time between edits of a streaming answer.
	EditInterval time.Duration
	// ShutdownGrace bounds the wait for answers in flight at shutdown.
	ShutdownGrace time.Duration
	// MaxUploadBytes is the largest attachment /corpus add accepts.
	MaxUploadBytes int64
	// Secrets are values that must never be shown or stored, besides the
	// token (an API key, say): answers are scrubbed of them.
	Secrets []string
}

// withDefaults validates c and fills in its zero values.
func (c Config) withDefaults() (Config, error) {
	c.Token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Token), "Bot "))
	if c.Token == "" {
		return c, errors.New("a Discord bot token is required (set DISCORD_TOKEN)")
	}
	if c.ShardCount > 0 {
		var err error
		if c.ShardID, err = shardOf(c.ShardID, c.ShardCount, false); err != nil {
			return c, err
		}
	} else if c.ShardCount < 0 || c.ShardID < -1 {
		return c, fmt.Errorf("shard %d of %d: the shard ID must be from 0 to the shard count minus one", c.ShardID, c.ShardCount)
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("the Discord API URL %q must be an http or https URL", c.APIURL)
		}
	}
	if c.RatePerMinute <= 0 {
		c.RatePerMinute = DefaultRatePerMinute
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.MaxQuestionLen <= 0 {
		c.MaxQuestionLen = DefaultMaxQuestionLen
	}
	c.MaxQuestionLen = min(c.MaxQuestionLen, maxOptionLength)
	if c.QuestionTimeout <= 0 {
		c.QuestionTimeout = DefaultQuestionTimeout
	}
	if c.EditInterval <= 0 {
		c.EditInterval = DefaultEditInterval
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	c.ModeratorRoles = cleanList(c.ModeratorRoles)
	c.Guilds = cleanList(append(slices.Clone(c.Guilds), c.GuildID))
	return c, nil
}

// cleanList trims the entries of l and drops empty and repeated ones,
// keeping the first order.
func cleanList(l []string) []string {
	var out []string
	for _, v := range l {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// shardOf checks a shard ID (-1: not given) against the shard count and
// returns the ID to use; recommended says the count is Discord's.
func shardOf(id, count int, recommended bool) (int, error) {
	switch {
	case id == -1 && count == 1:
		return 0, nil
	case id == -1 && recommended:
		return 0, fmt.Errorf("sharding needed: Discord recommends %d shards for this bot: run %d processes, with FAQBOT_SHARD_ID 0 to %d and FAQBOT_SHARD_COUNT=%d, all sharing one FAQBOT_DATABASE_URL", count, count, count-1, count)
	case id == -1:
		return 0, fmt.Errorf("%d shards: set FAQBOT_SHARD_ID (0 to %d) on each process", count, count-1)
	case id < 0 || id >= count:
		return 0, fmt.Errorf("shard %d of %d: the shard ID must be from 0 to the shard count minus one", id, count)
	}
	return id, nil
}

package discordtest

import (
	"strconv"
)

// Member is the user behind an interaction or a message.
type Member struct {
	ID       string
	Username string
	// Roles are role IDs.
	Roles []string
	// Permissions are the member's computed permissions in the channel.
	Permissions int64
	Bot         bool
}

func (m Member) user() map[string]any {
	return map[string]any{"id": m.ID, "username": m.Username, "discriminator": "0", "bot": m.Bot}
}

func (m Member) member() map[string]any {
	roles := m.Roles
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{
		"user": m.user(), "roles": roles, "permissions": strconv.FormatInt(m.Permissions, 10),
		"joined_at": "2024-01-01T00:00:00Z",
	}
}

// Option is a slash command option as an interaction carries it.
type Option struct {
	Name string
	// Type is Discord's option type: 3 string, 5 boolean.
	Type    int
	Value   any
	Focused bool
}

// StringOption returns a string option.
func StringOption(name, value string) Option { return Option{Name: name, Type: 3, Value: value} }

// BoolOption returns a boolean option.
func BoolOption(name string, value bool) Option { return Option{Name: name, Type: 5, Value: value} }

// ChannelOption is a channel option whose value is the channel's ID.
func ChannelOption(name, channelID string) Option {
	return Option{Name: name, Type: 7, Value: channelID}
}

// RoleOption returns a role option: its value is the role's ID.
func RoleOption(name, roleID string) Option { return Option{Name: name, Type: 8, Value: roleID} }

// GuildCreate returns the payload of GUILD_CREATE, which Discord sends for
// every server the bot is in when it connects, and when it joins one.
func (s *Server) GuildCreate(id, name string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "owner_id": "1", "unavailable": false, "member_count": 2,
		"roles": []any{}, "channels": []any{}, "members": []any{}, "threads": []any{},
		"joined_at": "2024-01-01T00:00:00Z",
	}
}

// LeftGuild reports whether r is the bot leaving the server guildID.
func LeftGuild(r Request, guildID string) bool {
	return r.Method == "DELETE" && r.Path == APIPrefix+"/users/@me/guilds/"+guildID
}

// Interaction describes an INTERACTION_CREATE to build.
type Interaction struct {
	// ID must be unique in a test; the token is "token-" + ID.
	ID        string
	GuildID   string
	ChannelID string
	Member    Member
}

// Token returns the interaction's token.
func (i Interaction) Token() string { return "token-" + i.ID }

func (s *Server) interaction(i Interaction, typ int, data map[string]any) map[string]any {
	return map[string]any{
		"id": i.ID, "application_id": s.AppID, "type": typ, "token": i.Token(), "version": 1,
		"guild_id": i.GuildID, "channel_id": i.ChannelID, "member": i.Member.member(),
		"app_permissions": "0", "locale": "en-US", "data": data,
	}
}

// SlashCommand returns the payload of a chat-input command.
func (s *Server) SlashCommand(i Interaction, name string, opts ...Option) map[string]any {
	return s.interaction(i, 2, map[string]any{"id": "cmd-" + name, "name": name, "type": 1, "options": options(opts)})
}

// Autocomplete returns the payload of an autocomplete request.
func (s *Server) Autocomplete(i Interaction, name string, opts ...Option) map[string]any {
	return s.interaction(i, 4, map[string]any{"id": "cmd-" + name, "name": name, "type": 1, "options": options(opts)})
}

// ButtonClick returns the payload of a click on a button with customID on
// the message with the given ID.
func (s *Server) ButtonClick(i Interaction, messageID, customID string) map[string]any {
	p := s.interaction(i, 3, map[string]any{"custom_id": customID, "component_type": 2})
	p["message"] = map[string]any{
		"id": messageID, "channel_id": i.ChannelID, "type": 0, "content": "",
		"author": map[string]any{"id": s.BotID, "username": "faqbot", "bot": true},
	}
	return p
}

func options(opts []Option) []map[string]any {
	out := make([]map[string]any, 0, len(opts))
	for _, o := range opts {
		m := map[string]any{"name": o.Name, "type": o.Type, "value": o.Value}
		if o.Focused {
			m["focused"] = true
		}
		out = append(out, m)
	}
	return out
}

// Message describes a MESSAGE_CREATE to build.
type Message struct {
	ID        string
	GuildID   string
	ChannelID string
	Author    Member
	Content   string
	// MentionsBot lists the bot among the message's mentions, as Discord
	// does when the content contains <@bot ID>.
	MentionsBot bool
}

// MessageCreate returns the payload of a new message.
func (s *Server) MessageCreate(m Message) map[string]any {
	mentions := []any{}
	if m.MentionsBot {
		mentions = append(mentions, map[string]any{"id": s.BotID, "username": "faqbot", "bot": true})
	}
	return map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "guild_id": m.GuildID, "type": 0,
		"content": m.Content, "author": m.Author.user(), "member": map[string]any{"roles": []string{}},
		"mentions": mentions, "mention_roles": []string{}, "mention_everyone": false,
		"timestamp": "2024-01-01T00:00:00Z", "tts": false, "pinned": false,
		"attachments": []any{}, "embeds": []any{},
	}
}

// Mention returns the text that mentions the bot, for message contents.
func (s *Server) Mention() string { return "<@" + s.BotID + ">" }

package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// isModerator reports whether m may use moderator commands: it has Manage
// Server (or Administrator) in the interaction's computed permissions, or
// one of the configured roles, matched by ID or, case-insensitively, by
// name. Role names are looked up only when an ID does not already match.
func (b *Bot) isModerator(ctx context.Context, guildID string, m *discordgo.Member) (bool, error) {
	if m == nil {
		return false, nil // a DM: no server to moderate
	}
	if m.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0 {
		return true, nil
	}
	if len(b.cfg.ModeratorRoles) == 0 || len(m.Roles) == 0 {
		return false, nil
	}
	if hasRole(m.Roles, nil, b.cfg.ModeratorRoles) {
		return true, nil
	}
	roles, err := b.sess.GuildRoles(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("listing the server's roles: %w", err)
	}
	return hasRole(m.Roles, roles, b.cfg.ModeratorRoles), nil
}

// hasRole reports whether any of memberRoles (IDs) is allowed, by ID or by
// the name guildRoles give it.
func hasRole(memberRoles []string, guildRoles []*discordgo.Role, allowed []string) bool {
	names := make(map[string]string, len(guildRoles))
	for _, r := range guildRoles {
		names[r.ID] = r.Name
	}
	for _, id := range memberRoles {
		if slices.Contains(allowed, id) {
			return true
		}
		name, ok := names[id]
		if !ok {
			continue
		}
		if slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(strings.TrimPrefix(a, "@"), name) }) {
			return true
		}
	}
	return false
}

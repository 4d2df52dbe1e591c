package bot

import (
	"context"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// isAdmin reports whether m has Manage Server or Administrator in the
// interaction's computed permissions, which Discord computes and members
// cannot forge.
func isAdmin(m *discordgo.Member) bool {
	return m != nil && m.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0
}

// isModerator reports whether m may use the moderator commands of srv's
// server: it is an admin (isAdmin), or has one of the roles allowed there
// — by its admins with /moderators, or by the operator in
// Config.ModeratorRoles — matched by ID. Names are never matched: anyone
// can create a role of any name in a server of their own. When the
// server's roles cannot be read, the error says so and nothing is
// allowed.
func (b *Bot) isModerator(ctx context.Context, srv Server, m *discordgo.Member) (bool, error) {
	if m == nil {
		return false, nil // a DM: no server to moderate
	}
	if isAdmin(m) {
		return true, nil
	}
	if len(m.Roles) == 0 {
		return false, nil
	}
	if hasRole(m.Roles, b.cfg.ModeratorRoles) {
		return true, nil
	}
	if srv.Moderators == nil {
		return false, nil
	}
	roles, err := srv.Moderators.ModeratorRoles(ctx)
	if err != nil {
		return false, fmt.Errorf("reading the server's moderator roles: %w", err)
	}
	return hasRole(m.Roles, roles), nil
}

// hasRole reports whether any of memberRoles (IDs) is allowed.
func hasRole(memberRoles, allowed []string) bool {
	return slices.ContainsFunc(memberRoles, func(id string) bool { return slices.Contains(allowed, id) })
}

package store

import (
	"context"
	"errors"
	"fmt"
)

// ModeratorRoles lists the role IDs allowed the server's moderator
// commands, sorted.
func (g sqlGuild) ModeratorRoles(ctx context.Context) ([]string, error) {
	rows, err := g.s.db.QueryContext(ctx, `SELECT role_id FROM moderator_roles WHERE guild = ? ORDER BY role_id`, g.id)
	if err != nil {
		return nil, fmt.Errorf("listing moderator roles: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("listing moderator roles: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing moderator roles: %w", err)
	}
	return out, nil
}

// AddModeratorRole allows roleID; false when it already was.
func (g sqlGuild) AddModeratorRole(ctx context.Context, roleID, who string) (bool, error) {
	if roleID == "" {
		return false, errors.New("adding a moderator role: empty role ID")
	}
	var n int64
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO moderator_roles (guild, role_id, added_by, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (guild, role_id) DO NOTHING`, g.id, roleID, who, ms(g.s.now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("adding a moderator role: %w", err)
	}
	return n > 0, nil
}

// RemoveModeratorRole disallows roleID; false when it was not allowed.
func (g sqlGuild) RemoveModeratorRole(ctx context.Context, roleID string) (bool, error) {
	var n int64
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM moderator_roles WHERE guild = ? AND role_id = ?`, g.id, roleID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("removing a moderator role: %w", err)
	}
	return n > 0, nil
}

package store

import (
	"context"
	"fmt"
	"time"
)

// Action is what a corpus change did.
type Action string

// The corpus changes recorded.
const (
	ActionAdd     Action = "add"
	ActionRemove  Action = "remove"
	ActionReindex Action = "reindex"
	// ActionEdit is a change found in the corpus folder (an edit made
	// outside Discord, picked up by SIGHUP, the watcher or `faqbot index`).
	ActionEdit Action = "edit"
	// ActionRoleAdd and ActionRoleRemove are changes to a server's
	// moderator roles; Document holds the role ID.
	ActionRoleAdd    Action = "role-add"
	ActionRoleRemove Action = "role-remove"
	// ActionSourceAdd, ActionSourceRemove and ActionSourceRefresh are
	// changes to a knowledge base's sources of fetched pages; Document
	// holds the source (its URL and kind).
	ActionSourceAdd     Action = "source-add"
	ActionSourceRemove  Action = "source-remove"
	ActionSourceRefresh Action = "source-refresh"
	// ActionChannel is a change of the server's moderator channel;
	// Document holds the channel ID ("" when cleared).
	ActionChannel Action = "moderator-channel"
	// ActionTeach and ActionUnteach are taught phrasings added and
	// removed; Document holds the passage's ID and Summary the phrasing.
	// A phrasing dropped because its passage went is an ActionUnteach by
	// whoever made the change that removed the passage.
	ActionTeach   Action = "teach"
	ActionUnteach Action = "unteach"
)

// Change is one entry of the corpus change log.
type Change struct {
	// ID is the row ID; set by Changes, ignored by RecordChange.
	ID int64
	// At is when it happened; now when zero.
	At time.Time
	// Who made it: a moderator's name or ID, or "watcher", "sighup",
	// "cli". The change log is an audit trail for moderators' actions, so
	// it is kept whatever the privacy mode.
	Who      string
	Action   Action
	Document string
	// Summary is the result in a line, e.g. "1 added, 3 passages".
	Summary string
	// Error is why the change failed, or "".
	Error string
}

// RecordChange appends c to the change log.
func (g sqlGuild) RecordChange(ctx context.Context, c Change) error {
	s := g.s
	if c.At.IsZero() {
		c.At = s.now()
	}
	err := s.tx(ctx, func(tx *sqlTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO corpus_changes (guild, changed_at, who, action, document, summary, error)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, g.id, ms(c.At), c.Who, string(c.Action), c.Document, c.Summary, c.Error)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording a corpus change: %w", err)
	}
	return nil
}

// Changes returns the latest limit changes, newest first.
func (g sqlGuild) Changes(ctx context.Context, limit int) ([]Change, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := g.s.db.QueryContext(ctx, `SELECT id, changed_at, who, action, document, summary, error
		FROM corpus_changes WHERE guild = ? ORDER BY changed_at DESC, id DESC LIMIT ?`, g.id, limit)
	if err != nil {
		return nil, fmt.Errorf("listing corpus changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		var action string
		if err := rows.Scan(&c.ID, &at, &c.Who, &action, &c.Document, &c.Summary, &c.Error); err != nil {
			return nil, fmt.Errorf("listing corpus changes: %w", err)
		}
		c.At, c.Action = fromMS(at), Action(action)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing corpus changes: %w", err)
	}
	return out, nil
}

// LastChange returns the latest successful change of each of the given
// documents with one of the actions (e.g. ActionAdd), keyed by document:
// what /corpus list shows as "added by".
func (g sqlGuild) LastChange(ctx context.Context, action Action) (map[string]Change, error) {
	rows, err := g.s.db.QueryContext(ctx, `SELECT id, changed_at, who, action, document, summary, error
		FROM corpus_changes WHERE guild = ? AND action = ? AND error = '' ORDER BY changed_at, id`, g.id, string(action))
	if err != nil {
		return nil, fmt.Errorf("reading corpus changes: %w", err)
	}
	defer rows.Close()
	out := map[string]Change{}
	for rows.Next() {
		var c Change
		var at int64
		var a string
		if err := rows.Scan(&c.ID, &at, &c.Who, &a, &c.Document, &c.Summary, &c.Error); err != nil {
			return nil, fmt.Errorf("reading corpus changes: %w", err)
		}
		c.At, c.Action = fromMS(at), Action(a)
		out[c.Document] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading corpus changes: %w", err)
	}
	return out, nil
}

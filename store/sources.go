package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of the sources, for errors.Is.
var (
	// ErrSourceExists means the server already has a source with that
	// key: the same page, sitemap, site or repository folder.
	ErrSourceExists = errors.New("the server already has that source")
	// ErrNoSource means no source of the server has that ID.
	ErrNoSource = errors.New("no such source")
)

// Source is one of a server's sources of documents: a web page, a
// sitemap, a site or a folder of a Git repository whose pages are fetched
// into the server's knowledge base and refreshed. The store keeps its
// description and fetch state as JSON text it never looks inside.
type Source struct {
	// ID identifies the source; set by AddSource.
	ID int64
	// Key identifies what the source fetches (sources.Source.Key): a
	// server has at most one source per key.
	Key string
	// Spec describes the source (sources.Source, as JSON).
	Spec string
	// AddedBy and AddedAt say who added it and when (AddSource sets
	// AddedAt to now when zero).
	AddedBy string
	AddedAt time.Time
	// State is what the last successful fetch remembers for the next
	// (sources.State, as JSON); "" before the first.
	State string
	// Pages is how many pages the source holds in the knowledge base;
	// Failed, how many could not be fetched at the last refresh.
	Pages, Failed int
	// RefreshedAt is when a refresh was last tried and SucceededAt when
	// one last succeeded; zero for never.
	RefreshedAt, SucceededAt time.Time
	// Error is why the last refresh failed, or "" when it succeeded.
	Error string
	// Summary says what the last successful refresh changed.
	Summary string
}

// SourceRefresh is the outcome of one refresh of a source.
type SourceRefresh struct {
	// At is when it ran; now when zero.
	At time.Time
	// Error, when set, says the refresh failed as a whole: the source
	// keeps its state, pages and summary, and only the error and the
	// time of the attempt are recorded.
	Error string
	// State, Pages, Failed and Summary replace the source's on success.
	State         string
	Pages, Failed int
	Summary       string
}

// settingModeratorChannel is the guild_settings row of the moderator
// channel.
const settingModeratorChannel = "moderator_channel"

// sourceColumns are the columns scanSource reads, in its order.
const sourceColumns = `id, source_key, spec, added_by, added_at, state, pages, failed, refreshed_at, succeeded_at, last_error, summary`

// scanSource reads one row of sourceColumns.
func scanSource(sc interface{ Scan(...any) error }) (Source, error) {
	var s Source
	var added, refreshed, succeeded int64
	err := sc.Scan(&s.ID, &s.Key, &s.Spec, &s.AddedBy, &added, &s.State, &s.Pages, &s.Failed, &refreshed, &succeeded, &s.Error, &s.Summary)
	if err != nil {
		return Source{}, err
	}
	s.AddedAt = fromMS(added)
	if refreshed != 0 {
		s.RefreshedAt = fromMS(refreshed)
	}
	if succeeded != 0 {
		s.SucceededAt = fromMS(succeeded)
	}
	return s, nil
}

// Sources lists the server's sources, oldest first.
func (g sqlGuild) Sources(ctx context.Context) ([]Source, error) {
	rows, err := g.s.db.QueryContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE guild = ? ORDER BY id`, g.id)
	if err != nil {
		return nil, fmt.Errorf("listing sources: %w", err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("listing sources: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing sources: %w", err)
	}
	return out, nil
}

// AddSource stores a new source and returns it with its ID. A source with
// the same key fails with ErrSourceExists.
func (g sqlGuild) AddSource(ctx context.Context, src Source) (Source, error) {
	if strings.TrimSpace(src.Key) == "" || strings.TrimSpace(src.Spec) == "" {
		return Source{}, errors.New("adding a source: a key and a description are required")
	}
	if src.AddedAt.IsZero() {
		src.AddedAt = g.s.now()
	}
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE guild = ? AND source_key = ?`, g.id, src.Key).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrSourceExists
		}
		return tx.QueryRowContext(ctx, `INSERT INTO sources (guild, source_key, spec, added_by, added_at, state, pages, failed, refreshed_at, succeeded_at, last_error, summary)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			g.id, src.Key, src.Spec, src.AddedBy, ms(src.AddedAt), src.State, src.Pages, src.Failed,
			ms(src.RefreshedAt), ms(src.SucceededAt), src.Error, src.Summary).Scan(&src.ID)
	})
	if err != nil {
		return Source{}, fmt.Errorf("adding a source: %w", err)
	}
	return src, nil
}

// RemoveSource deletes the source id; false when the server has none of
// that ID.
func (g sqlGuild) RemoveSource(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE guild = ? AND id = ?`, g.id, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("removing a source: %w", err)
	}
	return n > 0, nil
}

// RecordSourceRefresh records the outcome of a refresh of the source id:
// on success its new state, pages and summary, on failure only the error
// (the last good state is kept). A source the server no longer has
// (removed meanwhile) fails with ErrNoSource.
func (g sqlGuild) RecordSourceRefresh(ctx context.Context, id int64, r SourceRefresh) error {
	if r.At.IsZero() {
		r.At = g.s.now()
	}
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		var res sql.Result
		var err error
		if r.Error != "" {
			res, err = tx.ExecContext(ctx, `UPDATE sources SET refreshed_at = ?, last_error = ? WHERE guild = ? AND id = ?`,
				ms(r.At), r.Error, g.id, id)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE sources SET refreshed_at = ?, succeeded_at = ?, last_error = '', state = ?, pages = ?, failed = ?, summary = ?
				WHERE guild = ? AND id = ?`, ms(r.At), ms(r.At), r.State, r.Pages, r.Failed, r.Summary, g.id, id)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = ErrNoSource
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("recording a refresh of source %d: %w", id, err)
	}
	return nil
}

// ModeratorChannel is the channel the server's admins chose for the
// bot's notes to moderators (refresh summaries), or "".
func (g sqlGuild) ModeratorChannel(ctx context.Context) (string, error) {
	var v string
	err := g.s.db.QueryRowContext(ctx, `SELECT value FROM guild_settings WHERE guild = ? AND name = ?`, g.id, settingModeratorChannel).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the moderator channel: %w", err)
	}
	return v, nil
}

// SetModeratorChannel sets the moderator channel; "" clears it.
func (g sqlGuild) SetModeratorChannel(ctx context.Context, channelID, who string) error {
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		if channelID == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM guild_settings WHERE guild = ? AND name = ?`, g.id, settingModeratorChannel)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO guild_settings (guild, name, value, set_by, set_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (guild, name) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at`,
			g.id, settingModeratorChannel, channelID, who, ms(g.s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("setting the moderator channel: %w", err)
	}
	return nil
}

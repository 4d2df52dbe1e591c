package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles are the schema changes of each engine, in
// migrations/<engine>/, numbered NNNN_name.sql and applied in order. A
// migration is never edited once released: a change is a new file, for
// each engine (their numbers need not match: PostgreSQL started from the
// schema SQLite had reached).
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations of the folder dir in order.
func migrations(dir string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return out, nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its schema_version row, so a crash leaves the
// schema at a whole version. Two processes opening a new database at once
// apply each migration once: the version is read inside the transaction,
// which in SQLite holds the write lock, and PostgreSQL's migrations run
// under an advisory lock.
func (s *sqlStore) migrate(ctx context.Context) error {
	ms, err := migrations(s.d.migrations)
	if err != nil {
		return fmt.Errorf("reading migrations: %w", err)
	}
	if s.d.lockMigrations != nil {
		release, err := s.d.lockMigrations(ctx, s.db.DB)
		if err != nil {
			return fmt.Errorf("waiting for other processes' migrations: %w", err)
		}
		defer release()
	}
	if _, err := s.db.ExecContext(ctx, s.d.schemaVersionTable); err != nil {
		return fmt.Errorf("creating schema_version: %w", err)
	}
	for _, m := range ms {
		err := s.tx(ctx, func(tx *sqlTx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_version WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// The migration's SQL is sent as written: it has no
			// parameters, and its comments may hold question marks.
			if _, err := tx.Tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if hook := s.d.hooks[m.version]; hook != nil {
				if err := hook(ctx, s, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, s.now().UnixMilli())
			if err == nil {
				s.lg.Info("store migrated", "engine", s.d.name, "version", m.version, "migration", m.name)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("applying migration %s: %w", m.name, err)
		}
	}
	return nil
}

// SchemaVersion is the number of the last migration applied.
func (s *sqlStore) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}

// adoptLegacy gives the records of a one-server bot that carry no guild
// (votes on answers never recorded, conversations without a follow-up
// question, questions recorded without one) to the server they came from:
// Options.LegacyGuild, or else the one server the old questions name.
// With neither they stay with BaseGuild, for the operator. The change
// log stays with BaseGuild either way: it is the base corpus's history.
func adoptLegacy(ctx context.Context, s *sqlStore, tx *sqlTx) error {
	guild := s.opts.LegacyGuild
	if guild == "" {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT guild FROM questions WHERE guild != '' LIMIT 2`)
		if err != nil {
			return err
		}
		var named []string
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return err
			}
			named = append(named, g)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if len(named) != 1 {
			return nil
		}
		guild = named[0]
	}
	for _, table := range []string{"questions", "feedback", "conversation_turns"} {
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET guild = ? WHERE guild = ''`, guild)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			s.lg.Info("records from before per-server data given to their server", "table", table, "rows", n, "guild", guild)
		}
	}
	return nil
}

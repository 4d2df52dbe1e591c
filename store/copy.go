package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DocumentTables are the tables of the knowledge bases' documents, for
// Copy's except when one side keeps them as files.
var DocumentTables = []string{"documents", "document_versions"}

// ErrNotEmpty means the store Copy was to copy into already holds records:
// copying into it would mix two bots' data.
var ErrNotEmpty = errors.New("the database to copy into already holds records")

// Count is how many records one server has in one table, in the store
// copied from and in the one copied into.
type Count struct {
	Table string
	// Guild is the server, BaseGuild for the base, or "" in a table that
	// belongs to no server (HasGuild false).
	Guild    string
	HasGuild bool
	// Source and Target are the records in each store.
	Source, Target int64
}

// CopyReport says what Copy copied: every table's records per server, in
// both stores, sorted by table and server.
type CopyReport struct {
	Counts []Count
}

// Mismatches are the counts that differ between the two stores.
func (r CopyReport) Mismatches() []Count {
	var out []Count
	for _, c := range r.Counts {
		if c.Source != c.Target {
			out = append(out, c)
		}
	}
	return out
}

// sqlBacked is a Store made of a sqlStore: the two implementations.
type sqlBacked interface {
	sql() *sqlStore
}

func (s *SQLite) sql() *sqlStore   { return s.sqlStore }
func (s *Postgres) sql() *sqlStore { return s.sqlStore }

// Copy copies every record of from into to (SQLite into PostgreSQL or
// back), which must hold none, in one transaction of to: a copy that fails
// leaves to as it was. Rows keep their IDs, so answer IDs, votes and
// taught phrasings still point at each other. It then counts every table's
// records per server in both and reports them; a count that differs is an
// error. Both must be at the same schema: every table of from, with its
// columns, must be in to. User IDs are copied as stored: to must hash with
// the same key (Options.Key or the key file) for them to be found. Tables
// named in except are neither copied nor compared (the documents, when
// one side keeps them as files).
func Copy(ctx context.Context, from, to Store, except ...string) (CopyReport, error) {
	src, ok1 := from.(sqlBacked)
	dst, ok2 := to.(sqlBacked)
	if !ok1 || !ok2 {
		return CopyReport{}, errors.New("copying records: both stores must be SQLite or PostgreSQL stores")
	}
	s, d := src.sql(), dst.sql()
	tables, err := s.tables(ctx, except)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copying records: listing the tables: %w", err)
	}
	err = d.tx(ctx, func(tx *sqlTx) error {
		for _, t := range tables {
			var n int64
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
				return fmt.Errorf("the %s database has no table %s (is it at the same version?): %w", d.d.name, t, err)
			}
			if n > 0 {
				return fmt.Errorf("%w: %d rows in %s", ErrNotEmpty, n, t)
			}
		}
		for _, t := range tables {
			if err := copyTable(ctx, s, tx, t); err != nil {
				return fmt.Errorf("table %s: %w", t, err)
			}
		}
		if d.d.afterCopy != nil {
			return d.d.afterCopy(ctx, tx, tables)
		}
		return nil
	})
	if err != nil {
		return CopyReport{}, fmt.Errorf("copying records from %s to %s: %w", s.d.name, d.d.name, err)
	}
	return Compare(ctx, from, to, except...)
}

// copyBatch is how many rows one INSERT carries: fewer round trips to a
// database across the network, and within both engines' limits on
// parameters.
const copyBatch = 200

// copyTable copies table t of s into tx, in batches.
func copyTable(ctx context.Context, s *sqlStore, tx *sqlTx, t string) error {
	rows, err := s.db.QueryContext(ctx, `SELECT * FROM `+t)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	row := "(" + placeholders(len(cols)) + ")"
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n := len(batch) / len(cols)
		q := `INSERT INTO ` + t + ` (` + strings.Join(cols, ", ") + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		_, err := tx.ExecContext(ctx, q, batch...)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		batch = append(batch, vals...)
		if len(batch)/len(cols) >= copyBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// Compare counts every table's records per server in a and b (a's tables,
// but those in except) and fails when a count differs.
func Compare(ctx context.Context, a, b Store, except ...string) (CopyReport, error) {
	sa, ok1 := a.(sqlBacked)
	sb, ok2 := b.(sqlBacked)
	if !ok1 || !ok2 {
		return CopyReport{}, errors.New("comparing records: both stores must be SQLite or PostgreSQL stores")
	}
	tables, err := sa.sql().tables(ctx, except)
	if err != nil {
		return CopyReport{}, fmt.Errorf("comparing records: %w", err)
	}
	var rep CopyReport
	for _, t := range tables {
		ca, hasGuild, err := sa.sql().counts(ctx, t)
		if err != nil {
			return CopyReport{}, fmt.Errorf("counting %s: %w", t, err)
		}
		cb, _, err := sb.sql().counts(ctx, t)
		if err != nil {
			return CopyReport{}, fmt.Errorf("counting %s: %w", t, err)
		}
		guilds := map[string]bool{}
		for g := range ca {
			guilds[g] = true
		}
		for g := range cb {
			guilds[g] = true
		}
		if len(guilds) == 0 && !hasGuild {
			guilds[""] = true
		}
		for _, g := range slices.Sorted(maps.Keys(guilds)) {
			rep.Counts = append(rep.Counts, Count{Table: t, Guild: g, HasGuild: hasGuild, Source: ca[g], Target: cb[g]})
		}
	}
	if m := rep.Mismatches(); len(m) > 0 {
		return rep, fmt.Errorf("comparing records: %d counts differ, the first %s (server %q): %d and %d", len(m), m[0].Table, m[0].Guild, m[0].Source, m[0].Target)
	}
	return rep, nil
}

// tables lists the store's tables of records, sorted: every table but the
// migrations' own and those in except.
func (s *sqlStore) tables(ctx context.Context, except []string) ([]string, error) {
	var out []string
	err := queryEach(ctx, s.db, func(scan func(...any) error) error {
		var t string
		if err := scan(&t); err != nil {
			return err
		}
		if t != "schema_version" && !slices.Contains(except, t) {
			out = append(out, t)
		}
		return nil
	}, s.d.listTables)
	slices.Sort(out)
	return out, err
}

// counts returns table t's rows per guild (one count under "" when it has
// no guild column) and whether it has one.
func (s *sqlStore) counts(ctx context.Context, t string) (map[string]int64, bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT * FROM `+t+` WHERE 1 = 0`)
	if err != nil {
		return nil, false, err
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		return nil, false, err
	}
	hasGuild := slices.Contains(cols, "guild")
	q := `SELECT '', count(*) FROM ` + t
	if hasGuild {
		q = `SELECT guild, count(*) FROM ` + t + ` GROUP BY guild`
	}
	out := map[string]int64{}
	err = queryEach(ctx, s.db, func(scan func(...any) error) error {
		var g string
		var n int64
		if err := scan(&g, &n); err != nil {
			return err
		}
		if n > 0 {
			out[g] = n
		}
		return nil
	}, q)
	return out, hasGuild, err
}

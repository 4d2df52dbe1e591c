package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres is the Store in a PostgreSQL database, for several processes
// (shards of one bot, on several machines) that must share what they
// learn. Every write is one committed transaction; with PostgreSQL's
// default synchronous_commit a write that returned nil is on disk.
type Postgres struct {
	*sqlStore
	cfg *pgx.ConnConfig
}

var _ Store = (*Postgres)(nil)

const (
	// pgMaxConns bounds the connections one process opens: a shard
	// answers a few questions at once, and PostgreSQL's default limit of
	// 100 connections is shared by every shard.
	pgMaxConns = 16
	// pgIdleTime closes connections idle this long.
	pgIdleTime = 5 * time.Minute
	// migrationLock is the advisory lock under which a process migrates
	// the schema: any fixed number no other program uses on the database
	// (these are the bytes "faqbot" and a version).
	migrationLock = 0x666171626f7401
)

// postgresDialect is PostgreSQL's.
var postgresDialect = &dialect{
	name:       "PostgreSQL",
	rebind:     rebind,
	migrations: "migrations/postgres",
	schemaVersionTable: `CREATE TABLE IF NOT EXISTS schema_version (
		version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`,
	lockMigrations: lockPostgresMigrations,
	utcDay: func(col string) string {
		return "to_char(to_timestamp(" + col + " / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	},
	citedDocuments: `SELECT q.id, split_part(j.value, '#', 1) COLLATE "C" AS doc
		FROM questions q, jsonb_array_elements_text(q.sources::jsonb) AS j(value)`,
}

// OpenPostgres connects to the PostgreSQL database at url (a postgres://
// URL or a key=value connection string), brings its schema up to date and
// loads the user ID key. The database must exist; its tables are made on
// first use. Options.KeyFile is only read, never made: see
// ErrNoSharedKey.
func OpenPostgres(ctx context.Context, url string, opts Options) (*Postgres, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message hides the password.
		return nil, fmt.Errorf("opening store: reading the PostgreSQL URL: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	db.SetConnMaxIdleTime(pgIdleTime)
	core, err := newSQLStore(db, postgresDialect, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Postgres{sqlStore: core, cfg: cfg}
	where := fmt.Sprintf("PostgreSQL database %s on %s:%d", cfg.Database, cfg.Host, cfg.Port)
	if err := s.db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store: connecting to the %s: %w", where, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", where, err)
	}
	if s.keys, err = s.loadKeys(ctx, true); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", where, err)
	}
	return s, nil
}

// lockPostgresMigrations takes the migration lock on a connection of its
// own, waiting while another process migrates. The lock goes with the
// connection, so a process that dies mid-migration releases it.
func lockPostgresMigrations(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
		conn.Close()
	}, nil
}

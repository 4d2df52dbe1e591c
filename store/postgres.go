package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
	cfg       *pgx.ConnConfig
	listening atomic.Bool
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
	// documentsChannel is the channel of the notification every change
	// of a knowledge base's documents sends.
	documentsChannel = "faqbot_documents"
	// listenRetryMin and listenRetryMax bound the wait before the listener
	// connects again after losing its connection.
	listenRetryMin = 500 * time.Millisecond
	listenRetryMax = 30 * time.Second
)

// postgresDialect is PostgreSQL's.
var postgresDialect = &dialect{
	name:       "PostgreSQL",
	rebind:     rebind,
	migrations: "migrations/postgres",
	schemaVersionTable: `CREATE TABLE IF NOT EXISTS schema_version (
		version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`,
	lockMigrations: lockPostgresMigrations,
	snapshot:       &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	notify: func(ctx context.Context, tx *sqlTx, guild string, version int64) error {
		_, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, documentsChannel, notification(guild, version))
		return err
	},
	utcDay: func(col string) string {
		return "to_char(to_timestamp(" + col + " / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	},
	listTables: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
	afterCopy:  restartIdentities,
	// As in SQLite: the document is the ID less a trailing "#<pos>"; a
	// document's own name may hold "#".
	citedDocuments: `SELECT q.id, regexp_replace(j.value, '#[0-9]+$', '') COLLATE "C" AS doc
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
	s.listen = s.listenDocuments
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

// notification is the payload telling that guild's documents are at
// version: "version guild" (the guild may be "", the base).
func notification(guild string, version int64) string {
	return strconv.FormatInt(version, 10) + " " + guild
}

// parseNotification reads a notification's payload.
func parseNotification(payload string) (guild string, version int64, ok bool) {
	v, g, found := strings.Cut(payload, " ")
	n, err := strconv.ParseInt(v, 10, 64)
	if !found || err != nil {
		return "", 0, false
	}
	return g, n, true
}

// listenDocuments listens for the notifications of document changes on a
// connection of its own, connecting again (after a wait that grows to
// listenRetryMax) whenever it is lost, until ctx ends.
func (s *Postgres) listenDocuments(ctx context.Context, changed func(string, int64), connected func()) error {
	wait := listenRetryMin
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, changed, func() {
			wait = listenRetryMin
			connected()
		})
		if ctx.Err() != nil {
			break
		}
		s.lg.Warn("listening for document changes: connection lost; the periodic check covers the gap", "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait = min(2*wait, listenRetryMax)
	}
	return ctx.Err()
}

// listenOnce connects, listens and reports notifications until the
// connection fails or ctx ends.
func (s *Postgres) listenOnce(ctx context.Context, changed func(string, int64), connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.cfg.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+documentsChannel); err != nil {
		return err
	}
	s.listening.Store(true)
	defer s.listening.Store(false)
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if g, v, ok := parseNotification(n.Payload); ok {
			changed(g, v)
		}
	}
}

// Listening reports whether the process is listening for other processes'
// document changes (false before WatchDocuments starts, and while the
// connection is lost), for health checks.
func (s *Postgres) Listening() bool { return s.listening.Load() }

// restartIdentities makes each identity column of the tables go on after
// the largest ID copied into it, so the next row does not take a copied
// row's ID.
func restartIdentities(ctx context.Context, tx *sqlTx, tables []string) error {
	type column struct{ table, name string }
	var ids []column
	err := queryEach(ctx, tx, func(scan func(...any) error) error {
		var c column
		if err := scan(&c.table, &c.name); err != nil {
			return err
		}
		ids = append(ids, c)
		return nil
	}, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return err
	}
	for _, c := range ids {
		if !slices.Contains(tables, c.table) {
			continue
		}
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max(%s), 0) + 1, false) FROM %s`, c.name, c.table)
		if _, err := tx.ExecContext(ctx, q, c.table, c.name); err != nil {
			return fmt.Errorf("restarting %s.%s: %w", c.table, c.name, err)
		}
	}
	return nil
}

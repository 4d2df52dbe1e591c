package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// sqlStore is the Store over database/sql that both implementations are:
// the same statements, the same transactions and the same Go logic, with
// the few things SQLite and PostgreSQL spell differently in its dialect.
// Keeping one body of code is what makes the two behave alike; the shared
// suite in storetest checks that they do.
type sqlStore struct {
	db   *sqlDB
	d    *dialect
	opts Options
	lg   *slog.Logger
	// keys hash user IDs: keys[0] for new records; any of them matches
	// when a member asks to be forgotten (a key moved out of an old
	// database stays usable beside a newly configured one).
	keys [][]byte
	// listen, when set, calls changed with each change of a knowledge
	// base's documents as another process commits it, and connected
	// each time it starts listening (changes made while it was not are
	// not told), until ctx ends.
	listen func(ctx context.Context, changed func(guild string, version int64), connected func()) error
}

// dialect is what differs between the SQL engines.
type dialect struct {
	// name is the engine's name, for messages.
	name string
	// rebind rewrites a statement written with SQLite's ? and ?N
	// parameters into the engine's own; nil leaves it as written.
	rebind func(string) string
	// migrations is the folder of this engine's migrations in
	// migrationFiles.
	migrations string
	// schemaVersionTable creates the table that records the migrations
	// applied, if it is missing.
	schemaVersionTable string
	// lockMigrations, when set, keeps other processes from migrating the
	// same database until release is called (SQLite's write lock does
	// this by itself).
	lockMigrations func(ctx context.Context, db *sql.DB) (release func(), err error)
	// hooks are Go steps that run after a migration's SQL, in its
	// transaction, for what SQL alone cannot decide.
	hooks map[int]func(context.Context, *sqlStore, *sqlTx) error
	// utcDay is the expression for the UTC day, as 2006-01-02, of a
	// column of Unix milliseconds.
	utcDay func(col string) string
	// snapshot are the options of a transaction that reads one instant
	// of the database.
	snapshot *sql.TxOptions
	// notify, when set, tells the processes watching that guild's
	// documents are at version, when tx commits.
	notify func(ctx context.Context, tx *sqlTx, guild string, version int64) error
	// listTables lists the database's tables (with the migrations' own).
	listTables string
	// afterCopy, when set, runs after Copy filled the tables in tx:
	// PostgreSQL's identity columns must then go on after the IDs copied.
	afterCopy func(ctx context.Context, tx *sqlTx, tables []string) error
	// citedDocuments selects (id, doc): each question q's ID with each
	// document its answer cited, from its JSON list of passages
	// ("file#n"); the statistics add the WHERE clause on q.
	citedDocuments string
}

// sqlDB is a database whose statements are written once, in SQLite's
// parameter style, and rewritten for the engine by its dialect.
type sqlDB struct {
	*sql.DB
	d *dialect
}

func (d *dialect) q(query string) string {
	if d.rebind == nil {
		return query
	}
	return d.rebind(query)
}

// ExecContext runs a statement that returns no rows.
func (db *sqlDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.DB.ExecContext(ctx, db.d.q(query), args...)
}

// QueryContext runs a query.
func (db *sqlDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.DB.QueryContext(ctx, db.d.q(query), args...)
}

// QueryRowContext runs a query that returns at most one row.
func (db *sqlDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return db.DB.QueryRowContext(ctx, db.d.q(query), args...)
}

// BeginTx starts a transaction.
func (db *sqlDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sqlTx, error) {
	tx, err := db.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &sqlTx{Tx: tx, d: db.d}, nil
}

// sqlTx is a transaction of a sqlDB.
type sqlTx struct {
	*sql.Tx
	d *dialect
}

// ExecContext runs a statement that returns no rows.
func (tx *sqlTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.d.q(query), args...)
}

// QueryContext runs a query.
func (tx *sqlTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.d.q(query), args...)
}

// QueryRowContext runs a query that returns at most one row.
func (tx *sqlTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.d.q(query), args...)
}

// newSQLStore checks opts and wraps an open database; the caller migrates
// it and loads the keys.
func newSQLStore(db *sql.DB, d *dialect, opts Options) (*sqlStore, error) {
	opts = opts.withDefaults()
	if !opts.UserIDs.valid() {
		return nil, fmt.Errorf("opening store: unknown user ID mode %q", opts.UserIDs)
	}
	if opts.Key != nil && len(opts.Key) < MinKeyLen {
		return nil, fmt.Errorf("opening store: the user ID key is %d bytes, want at least %d", len(opts.Key), MinKeyLen)
	}
	return &sqlStore{db: &sqlDB{DB: db, d: d}, d: d, opts: opts, lg: opts.Logger}, nil
}

// Close closes the database.
func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// Ping checks that the database answers, for health checks.
func (s *sqlStore) Ping(ctx context.Context) error {
	// A connection the pool kept from before the database went away or
	// restarted fails its first use with driver.ErrBadConn and is
	// dropped. database/sql tries a query again on another connection,
	// but not a ping: do so here, or a database that is back would be
	// reported down once for each such connection.
	var err error
	for range s.db.Stats().Idle + 1 {
		if err = s.db.PingContext(ctx); !errors.Is(err, driver.ErrBadConn) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("reaching the %s database: %w", s.d.name, err)
	}
	return nil
}

// Guild returns the records of one server.
func (s *sqlStore) Guild(id string) Guild { return sqlGuild{s: s, id: id} }

// Guilds lists the servers that have any records, sorted.
func (s *sqlStore) Guilds(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT guild FROM questions UNION SELECT guild FROM feedback UNION SELECT guild FROM corpus_changes
		UNION SELECT guild FROM conversation_turns UNION SELECT guild FROM moderator_roles
		UNION SELECT guild FROM phrasings UNION SELECT guild FROM suggestion_picks
		UNION SELECT guild FROM sources UNION SELECT guild FROM guild_settings
		UNION SELECT guild FROM documents ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("listing servers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, fmt.Errorf("listing servers: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing servers: %w", err)
	}
	return out, nil
}

// sqlGuild is one server's view of the store: every statement it runs is
// bound to its guild.
type sqlGuild struct {
	s  *sqlStore
	id string
}

var _ Guild = sqlGuild{}

// ID is the server's ID.
func (g sqlGuild) ID() string { return g.id }

// now is the store's clock in UTC.
func (s *sqlStore) now() time.Time { return s.opts.Now().UTC() }

// tx runs fn in a transaction and commits it, or rolls it back when fn
// fails.
func (s *sqlStore) tx(ctx context.Context, fn func(*sqlTx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// ms converts a time to the stored Unix milliseconds; the zero time is
// stored as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored Unix milliseconds back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// boolInt is how a flag is stored: 0 or 1 in an integer column, the same
// in both engines.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

const (
	// busyTimeout is how long a write waits for another writer (this
	// process or `faqbot gaps` reading in another) before failing.
	busyTimeout = 5 * time.Second
	// maxOpenConns: WAL lets readers run beside the one writer, and
	// _txlock=immediate queues writers on SQLite's lock instead of
	// failing with SQLITE_BUSY on a read-to-write upgrade. A few
	// connections are plenty for a bot.
	maxOpenConns = 4
)

// SQLite is the Store in one SQLite database file, the embedded default.
// Every write is one committed transaction with synchronous=FULL, so a
// write that returned nil survives a crash or a power cut.
type SQLite struct {
	db   *sql.DB
	opts Options
	lg   *slog.Logger
	// keys hash user IDs: keys[0] for new records; any of them matches
	// when a member asks to be forgotten (a key moved out of an old
	// database stays usable beside a newly configured one).
	keys [][]byte
}

var _ Store = (*SQLite)(nil)

// Open opens (creating it if needed) the database at path, in a folder
// that is created if missing, brings its schema up to date and loads the
// user ID key (see Options.Key).
func Open(ctx context.Context, path string, opts Options) (*SQLite, error) {
	opts = opts.withDefaults()
	if !opts.UserIDs.valid() {
		return nil, fmt.Errorf("opening store: unknown user ID mode %q", opts.UserIDs)
	}
	if opts.Key != nil && len(opts.Key) < MinKeyLen {
		return nil, fmt.Errorf("opening store: the user ID key is %d bytes, want at least %d", len(opts.Key), MinKeyLen)
	}
	if opts.KeyFile == "" {
		opts.KeyFile = strings.TrimSuffix(path, filepath.Ext(path)) + ".key"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	s := &SQLite{db: db, opts: opts, lg: opts.Logger}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if s.keys, err = s.loadKeys(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

// dsn is the driver's connection string. The pragmas run on every new
// connection: WAL so readers never block the writer, synchronous=FULL so a
// committed write survives a power cut (NORMAL would only survive a process
// crash), foreign keys on, and a busy timeout.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the database.
func (s *SQLite) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// Guild returns the records of one server.
func (s *SQLite) Guild(id string) Guild { return sqliteGuild{s: s, id: id} }

// Guilds lists the servers that have any records, sorted.
func (s *SQLite) Guilds(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT guild FROM questions UNION SELECT guild FROM feedback UNION SELECT guild FROM corpus_changes
		UNION SELECT guild FROM conversation_turns UNION SELECT guild FROM moderator_roles ORDER BY 1`)
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

// sqliteGuild is one server's view of a SQLite store: every statement it
// runs is bound to its guild.
type sqliteGuild struct {
	s  *SQLite
	id string
}

var _ Guild = sqliteGuild{}

// ID is the server's ID.
func (g sqliteGuild) ID() string { return g.id }

// now is the store's clock in UTC.
func (s *SQLite) now() time.Time { return s.opts.Now().UTC() }

// tx runs fn in a transaction and commits it, or rolls it back when fn
// fails.
func (s *SQLite) tx(ctx context.Context, fn func(*sql.Tx) error) error {
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

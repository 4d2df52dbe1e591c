package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite" // also registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
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
	*sqlStore
}

var _ Store = (*SQLite)(nil)

// sqliteDialect is SQLite's: the statements are written in its style.
var sqliteDialect = &dialect{
	name:       "SQLite",
	migrations: "migrations/sqlite",
	schemaVersionTable: `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
	hooks: map[int]func(context.Context, *sqlStore, *sqlTx) error{2: adoptLegacy},
	// Read-only: a deferred transaction, whose first read fixes the
	// snapshot it sees (WAL), instead of _txlock=immediate's write lock,
	// which would make readers queue behind, and hold up, the writer.
	snapshot:   &sql.TxOptions{ReadOnly: true},
	utcDay:     func(col string) string { return "date(" + col + " / 1000, 'unixepoch')" },
	listTables: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
	// A passage ID is "<doc>#<pos>" (corpus.ChunkID) and a document's
	// name may hold "#" itself ("C#.md"): the document is what is left
	// when a trailing "#" and digits are cut, as corpus.SplitChunkID reads
	// it. SQLite has no regular expressions: rtrim cuts the digits.
	citedDocuments: `SELECT q.id, CASE WHEN rtrim(j.value, '0123456789') <> j.value AND substr(rtrim(j.value, '0123456789'), -1) = '#'
			THEN substr(j.value, 1, length(rtrim(j.value, '0123456789')) - 1) ELSE j.value END AS doc
		FROM questions q, json_each(q.sources) j`,
}

// Open opens (creating it if needed) the database at path, in a folder
// that is created if missing, brings its schema up to date and loads the
// user ID key (see Options.Key).
func Open(ctx context.Context, path string, opts Options) (*SQLite, error) {
	if opts.KeyFile == "" {
		opts.KeyFile = strings.TrimSuffix(path, filepath.Ext(path)) + ".key"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	if err := useWAL(ctx, path); err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	core, err := newSQLStore(db, sqliteDialect, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &SQLite{core}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if s.keys, err = s.loadKeys(ctx, false); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

// useWAL puts the database at path (made if missing) in WAL mode, which
// then stays in the file, before the pool opens connections that ask for
// it. Turning a new database to WAL takes the write lock from a read one;
// when several processes open a new database at once (shards of one bot),
// SQLite answers one of them SQLITE_BUSY at once rather than let two
// upgrades wait on each other, and its busy timeout does not apply. The
// way out SQLite documents is to try again, which this does for as long as
// the busy timeout would have waited. Once the file is in WAL mode the
// pool's own journal_mode pragma changes nothing and takes no write lock.
func useWAL(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+
		fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()))
	if err != nil {
		return fmt.Errorf("opening the database to set WAL mode: %w", err)
	}
	defer db.Close()
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode(WAL)").Scan(&mode)
		if err == nil && mode != "wal" {
			err = fmt.Errorf("journal mode is %q", mode)
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("setting WAL mode: %w", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("setting WAL mode: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
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

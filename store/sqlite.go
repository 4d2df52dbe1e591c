// Package store keeps what the bot learns in one SQLite database: the
// questions asked, the votes on answers, the corpus change log and thread
// conversations. It reports the gaps in the FAQ (questions refused or voted
// down, grouped by similarity) and usage statistics.
//
// Every write is one committed transaction with synchronous=FULL, so a
// write that returned nil survives a crash or a power cut.
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
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Options configure a Store. The zero value stores user IDs as given and
// keeps conversations for DefaultConversationMaxAge and
// DefaultConversationMaxTurns.
type Options struct {
	// UserIDs says how user IDs are stored: PrivacyPlain, PrivacyHashed or
	// PrivacyNone.
	UserIDs Privacy
	// ConversationMaxAge drops conversations not updated for this long;
	// 0 means DefaultConversationMaxAge.
	ConversationMaxAge time.Duration
	// ConversationMaxTurns keeps only this many latest turns of a
	// conversation; 0 means DefaultConversationMaxTurns.
	ConversationMaxTurns int
	// Logger receives structured logs; discarded when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil. Tests set it.
	Now func() time.Time
}

// Defaults for Options.
const (
	// DefaultConversationMaxAge: a Discord thread left alone for a month is
	// over; keeping it longer only keeps members' words longer.
	DefaultConversationMaxAge = 30 * 24 * time.Hour
	// DefaultConversationMaxTurns: follow-ups only need the last few
	// exchanges, and the prompt has a token budget anyway.
	DefaultConversationMaxTurns = 20
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

// Store is the bot's database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	opts Options
	lg   *slog.Logger
	salt []byte
}

// Open opens (creating it if needed) the database at path, in a folder
// that is created if missing, and brings its schema up to date.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.UserIDs == "" {
		opts.UserIDs = PrivacyPlain
	}
	if !opts.UserIDs.valid() {
		return nil, fmt.Errorf("opening store: unknown user ID mode %q", opts.UserIDs)
	}
	if opts.ConversationMaxAge <= 0 {
		opts.ConversationMaxAge = DefaultConversationMaxAge
	}
	if opts.ConversationMaxTurns <= 0 {
		opts.ConversationMaxTurns = DefaultConversationMaxTurns
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
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
	s := &Store{db: db, opts: opts, lg: lg}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if s.salt, err = s.loadSalt(ctx); err != nil {
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
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// now is the store's clock in UTC.
func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// tx runs fn in a transaction and commits it, or rolls it back when fn
// fails.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
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

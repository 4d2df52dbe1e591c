package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestDatabasesAreSeparate: each call gives a database of its own, on a
// real server that speaks the protocol pgx speaks.
func TestDatabasesAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := Database(t), Database(t)
	if a == b {
		t.Fatalf("two calls gave one database: %s", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	if _, err := ca.Exec(ctx, `CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Exec(ctx, `INSERT INTO notes (body) VALUES ($1), ($2)`, "one", "two"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ca.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count in a = %d, %v; want 2", n, err)
	}
	var exists bool
	if err := cb.QueryRow(ctx, `SELECT to_regclass('notes') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("database b sees the table made in database a")
	}
	var version int
	if err := ca.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Logf("server version %d", version)
}

// TestDatabaseDroppedAfterTest: a test's database is gone when the test
// ends, even with a connection still open.
func TestDatabaseDroppedAfterTest(t *testing.T) {
	var name string
	var admin string
	outer := t
	t.Run("inner", func(t *testing.T) {
		url := Database(t)
		name = url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
		// Left open until after the drop on purpose: the drop must end
		// it, not wait for it.
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		outer.Cleanup(func() { conn.Close(context.Background()) })
	})
	if name == "" {
		t.Skip("no database was made")
	}
	admin = os.Getenv(URLEnv)
	if admin == "" {
		admin = shared.srv.URL("postgres")
	}
	c := connect(t, admin)
	var n int
	if err := c.QueryRow(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test", name)
	}
}

// TestStartFromCacheAndStop starts two servers of its own: the first runs
// initdb and caches the cluster, the second copies it. Both serve; Stop
// ends each and removes its folder.
func TestStartFromCacheAndStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	ctx := context.Background()
	cache := t.TempDir()
	for i := range 2 {
		s, err := Start(ctx, Options{CacheDir: cache, Logf: t.Logf})
		if err != nil {
			Unavailable(t, err)
		}
		entries, err := os.ReadDir(cache)
		if err != nil || len(entries) != 1 {
			t.Errorf("start %d: cache holds %v (%v), want one cluster", i, entries, err)
		}
		dbURL, _, err := CreateDatabase(ctx, s.URL("postgres"), "cache test")
		if err != nil {
			t.Fatal(err)
		}
		c := connect(t, dbURL)
		var one int
		if err := c.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
			t.Fatalf("start %d: SELECT 1 = %d, %v", i, one, err)
		}
		c.Close(ctx)
		if err := s.Stop(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("start %d: the server's folder %s is still there (%v)", i, s.dir, err)
		}
		if _, err := pgx.Connect(ctx, s.URL("postgres")); err == nil {
			t.Errorf("start %d: the server still accepts connections after Stop", i)
		}
		if err := s.Stop(); err != nil {
			t.Errorf("a second Stop: %v", err)
		}
	}
}

func TestStartWithoutPostgreSQL(t *testing.T) {
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "initdb"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{BinDir: empty})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start in a folder without postgres = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), empty) {
		t.Errorf("the error %q does not say where it looked", err)
	}
}

// recorder is a testing.TB that records how a test ended.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestUnavailable(t *testing.T) {
	notInstalled := fmt.Errorf("%w: looked everywhere", ErrNotInstalled)
	broken := errors.New("initdb: permission denied")
	tests := []struct {
		name         string
		err          error
		require      string
		skip, failed bool
	}{
		{"not installed skips", notInstalled, "", true, false},
		{"not installed, required, fails", notInstalled, "1", false, true},
		{"not installed, require=0, skips", notInstalled, "0", true, false},
		{"installed but broken fails", broken, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(RequireEnv, tt.require)
			r := &recorder{TB: t}
			Unavailable(r, tt.err)
			if got := r.skipped != ""; got != tt.skip {
				t.Errorf("skipped = %q, want skipped %v", r.skipped, tt.skip)
			}
			if got := r.failed != ""; got != tt.failed {
				t.Errorf("failed = %q, want failed %v", r.failed, tt.failed)
			}
			if tt.skip && !strings.Contains(r.skipped, "looked everywhere") {
				t.Errorf("the skip message %q does not say why", r.skipped)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	tests := []struct{ hint, prefix string }{
		{"TestStore/sqlite/votes", "teststore_sqlite_votes_"},
		{"Test Ünïcode — names", "test_n_code_names_"},
		{"123abc", "t_123abc_"},
		{"", "t__"},
		{strings.Repeat("x", 100), strings.Repeat("x", maxHint) + "_"},
	}
	for _, tt := range tests {
		got := databaseName(tt.hint)
		if !strings.HasPrefix(got, tt.prefix) || !valid.MatchString(got) {
			t.Errorf("databaseName(%q) = %q, want a valid name starting %q", tt.hint, got, tt.prefix)
		}
		if again := databaseName(tt.hint); again == got {
			t.Errorf("databaseName(%q) gave %q twice", tt.hint, got)
		}
	}
}

// TestRemoveOrphans: a folder whose owner is gone is removed; one whose
// owner runs, and a fresh one still without an owner file, are kept.
func TestRemoveOrphans(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name, owner string, age time.Duration) string {
		d := filepath.Join(tmp, tempPrefix+name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			if err := os.WriteFile(filepath.Join(d, ownerFile), []byte(owner), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if age > 0 {
			old := time.Now().Add(-age)
			if err := os.Chtimes(d, old, old); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	// A PID far above any real one: no such process.
	gone := mk("gone", "2147483646", 0)
	mine := mk("mine", strconv.Itoa(os.Getpid()), 0)
	fresh := mk("fresh", "", 0)
	stale := mk("stale", "", 2*orphanAge)
	other := filepath.Join(tmp, "unrelated")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	removeOrphans(tmp, t.Logf)
	for d, want := range map[string]bool{gone: false, mine: true, fresh: true, stale: false, other: true} {
		_, err := os.Stat(d)
		if got := err == nil; got != want {
			t.Errorf("%s kept = %v, want %v", filepath.Base(d), got, want)
		}
	}
}

// TestOutage: while a database is taken away, new connections are refused
// and the open ones cut; given back, it takes connections again, and it
// is given back when the test ends even when the test did not, for the
// database to be dropped.
func TestOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := Database(t)
	t.Run("taken away and left so", func(t *testing.T) {
		open := connect(t, url)
		listening := connect(t, url)
		if _, err := listening.Exec(ctx, `LISTEN news`); err != nil {
			t.Fatal(err)
		}
		o := NewOutage(ctx, t, url)
		o.Allow(ctx, false)
		if c, err := pgx.Connect(ctx, url); err == nil {
			c.Close(ctx)
			t.Error("a new connection was let in while connections are refused")
		}
		o.Cut(ctx, "LISTEN %")
		if err := listening.Ping(ctx); err == nil {
			t.Error("the listening connection survived the cut")
		}
		if err := open.Ping(ctx); err != nil {
			t.Errorf("a connection the cut did not name was cut: %v", err)
		}
		o.Cut(ctx, "")
		if err := open.Ping(ctx); err == nil {
			t.Error("a connection survived cutting them all")
		}
	})
	if c, err := pgx.Connect(ctx, url); err != nil {
		t.Errorf("the database does not take connections after the outage's test ended: %v", err)
	} else {
		c.Close(ctx)
	}
}

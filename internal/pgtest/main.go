package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Environment variables the tests read (the program itself never does).
// They do not start with FAQBOT_: faqbot warns about FAQBOT_ names that are
// no setting, and the tests' children inherit the environment.
const (
	// URLEnv, when set, is the URL of an existing server whose role may
	// create databases: the tests make their databases there instead of
	// starting a server of their own.
	URLEnv = "PGTEST_URL"
	// RequireEnv, when set to anything but "" or "0", turns the skip of a
	// test that finds no PostgreSQL into a failure: .ci/run sets it after
	// installing PostgreSQL, so CI cannot pass by skipping.
	RequireEnv = "PGTEST_REQUIRE"
)

// shared is the test binary's server: started by the first Database call,
// so a run that selects no PostgreSQL test starts none, and stopped by
// Main when the tests end. Like a test flag, it is the one piece of
// global state a test binary is meant to have.
var shared struct {
	main bool // Main is running the tests, and will stop the server
	once sync.Once
	srv  *Server
	err  error
}

// Main runs the package's tests (call it from TestMain) and then stops
// the server the tests started, if any, and exits.
func Main(m *testing.M) {
	shared.main = true
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// setupTimeout bounds making or dropping one test's database.
const setupTimeout = time.Minute

// Database returns the URL of a new, empty database for t on the test
// binary's server (started on first use), dropped when t ends. Without a
// PostgreSQL it skips t, saying how to install one, or fails it when
// RequireEnv is set.
func Database(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(URLEnv)
	if admin == "" {
		if !shared.main {
			t.Fatal("pgtest.Database needs pgtest.Main(m) in the package's TestMain, which stops the server when the tests end")
		}
		shared.once.Do(func() {
			shared.srv, shared.err = Start(context.Background(), Options{})
		})
		if shared.err != nil {
			Unavailable(t, shared.err)
		}
		admin = shared.srv.URL("postgres")
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	dbURL, name, err := CreateDatabase(ctx, admin, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := DropDatabase(ctx, admin, name); err != nil {
			t.Errorf("removing the test's database: %v", err)
		}
	})
	return dbURL
}

// Unavailable ends t for want of PostgreSQL: a skip with err's reason when
// it is not installed (a failure when RequireEnv is set), a failure for any
// other error, because a PostgreSQL that is installed but does not start
// is a fault to see, not to skip.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) && !required() {
		t.Skipf("skipping: this test needs PostgreSQL: %v (set %s=1 to make this a failure)", err, RequireEnv)
		return
	}
	t.Fatalf("starting a PostgreSQL server for the tests: %v", err)
}

// required reports whether RequireEnv asks for a failure instead of a skip.
func required() bool {
	v := os.Getenv(RequireEnv)
	return v != "" && v != "0"
}

// DurableDatabase returns the URL of a new database on a server started
// for b alone with PostgreSQL's durable defaults (Options.Durable), so
// that a benchmark measures what a deployment pays; the server is
// stopped when b ends. Without PostgreSQL it ends b as Unavailable does.
func DurableDatabase(ctx context.Context, b testing.TB) string {
	b.Helper()
	srv, err := Start(ctx, Options{Durable: true})
	if err != nil {
		Unavailable(b, err)
	}
	b.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			b.Errorf("stopping the benchmark's PostgreSQL: %v", err)
		}
	})
	url, _, err := CreateDatabase(ctx, srv.URL("postgres"), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return url
}

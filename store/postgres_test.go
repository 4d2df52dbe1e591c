package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for Dump

	"github.com/faqbot/faqbot/internal/pgtest"
	"github.com/faqbot/faqbot/store"
	"github.com/faqbot/faqbot/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPostgres runs the store suite against PostgreSQL: the same tests
// as TestSQLite, on a fresh database each.
func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		url := pgtest.Database(t)
		return storetest.Backend{
			Open: func(t testing.TB, opts store.Options) (store.Store, error) {
				// Each process of a shared database is given the key.
				if opts.Key == nil && opts.UserIDs != "" && opts.UserIDs != store.PrivacyPlain {
					opts.Key = []byte(strings.Repeat("k", store.MinKeyLen))
				}
				return store.OpenPostgres(context.Background(), url, opts)
			},
			Dump:     func(t testing.TB) string { return dumpPostgres(t, url) },
			Notifies: true,
		}
	})
}

// dumpPostgres returns every text value of every table of the database at
// url, one per line, read through a connection of its own.
func dumpPostgres(t testing.TB, url string) string {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Query(fmt.Sprintf(`SELECT * FROM %q`, table))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					b.WriteString(table + ": " + v + "\n")
				case []byte:
					b.WriteString(table + ": " + string(v) + "\n")
				}
			}
		}
		rows.Close()
	}
	return b.String()
}

// TestPostgresKey: processes sharing a database must hash member IDs
// with one key, so none makes a key of its own: a hashing privacy mode
// without the setting or a key file is refused, and a key file that is
// there is used.
func TestPostgresKey(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	for _, mode := range []store.Privacy{store.PrivacyHashed, store.PrivacyNone} {
		if _, err := store.OpenPostgres(ctx, url, store.Options{UserIDs: mode}); !errors.Is(err, store.ErrNoSharedKey) {
			t.Errorf("%s without a key: %v, want ErrNoSharedKey", mode, err)
		}
	}
	s, err := store.OpenPostgres(ctx, url, store.Options{})
	if err != nil {
		t.Fatalf("plain mode needs no key: %v", err)
	}
	s.Close()

	// Two processes with the same key file: a member's records written
	// through one are found by the other.
	keyFile := filepath.Join(t.TempDir(), "faqbot.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", store.MinKeyLen)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	one, err := store.OpenPostgres(ctx, url, store.Options{UserIDs: store.PrivacyHashed, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, err := store.OpenPostgres(ctx, url, store.Options{UserIDs: store.PrivacyHashed, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	if _, err := one.Guild("g").RecordQuestion(ctx, store.QuestionRecord{UserID: "member-1", Question: "q"}); err != nil {
		t.Fatal(err)
	}
	if n, err := two.DeleteUser(ctx, "member-1"); err != nil || n != 1 {
		t.Errorf("DeleteUser through the other process: %d (%v), want 1", n, err)
	}
}

// TestPostgresBadURL: a URL that cannot be read, or a server that is not
// there, is an error that does not show the password.
func TestPostgresBadURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, url := range []string{
		"postgres://user:s3cret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=5",
		"postgres://user:s3cret-pw@[::1/db",
	} {
		_, err := store.OpenPostgres(ctx, url, store.Options{})
		if err == nil {
			t.Errorf("%q: opened", url)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestPostgresWatchCatchesUpAfterALostConnection: a change made while a
// watcher's listening connection is down sends a notification nobody
// hears. The watcher still reports it as soon as it is connected again,
// by the check it makes on reconnecting, not a day later at its periodic
// check.
func TestPostgresWatchCatchesUpAfterALostConnection(t *testing.T) {
	url := pgtest.Database(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	writer, err := store.OpenPostgres(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	watcher, err := store.OpenPostgres(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	outage := pgtest.NewOutage(ctx, t, url)

	change := func(text string) int64 {
		t.Helper()
		v, err := writer.Guild("g").ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: "a.md", Data: []byte(text)}}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	got := make(chan int64, 16)
	watchCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- watcher.WatchDocuments(watchCtx, 24*time.Hour, func(g string, v int64) {
			if g == "g" {
				got <- v
			}
		})
	}()
	wait := func(want int64, what string) {
		t.Helper()
		for {
			select {
			case v := <-got:
				if v == want {
					return
				}
			case <-ctx.Done():
				t.Fatalf("%s: version %d never reported: %v", what, want, ctx.Err())
			}
		}
	}
	wait(change("first"), "a change while connected")

	// New connections are refused, and the watcher's listening connection
	// is cut: it cannot listen again until they are allowed. The writer
	// writes through the connection it holds.
	outage.Allow(ctx, false)
	outage.Cut(ctx, "LISTEN %")
	missed := change("made while the watcher was not listening")
	outage.Allow(ctx, true)
	wait(missed, "the change made while the watcher's connection was down")
	stop()
	if err := <-done; err != nil {
		t.Errorf("WatchDocuments: %v", err)
	}
}

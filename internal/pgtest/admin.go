package pgtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Outage takes a test's database away from its clients and gives it back,
// for tests of how faqbot behaves when PostgreSQL goes down. It works
// through a connection of its own to another database of the same server
// ("postgres"), which the outage does not touch.
type Outage struct {
	t    testing.TB
	conn *pgx.Conn
	name string // the database taken away
}

// NewOutage connects to the server of dbURL (a URL Database returned) for
// an outage of that database. When t ends it allows connections again,
// for the database to be dropped, and closes its connection.
func NewOutage(ctx context.Context, t testing.TB, dbURL string) *Outage {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := &Outage{t: t, conn: conn, name: name}
	t.Cleanup(func() {
		// The test's own context may be done by now.
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := o.allow(ctx, true); err != nil {
			t.Error(err)
		}
		conn.Close(context.Background())
	})
	return o
}

// Allow lets new connections to the database in (ok) or refuses them.
// Connections already open are not affected: Cut ends them.
func (o *Outage) Allow(ctx context.Context, ok bool) {
	o.t.Helper()
	if err := o.allow(ctx, ok); err != nil {
		o.t.Fatal(err)
	}
}

func (o *Outage) allow(ctx context.Context, ok bool) error {
	if _, err := o.conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH ALLOW_CONNECTIONS %t`, pgx.Identifier{o.name}.Sanitize(), ok)); err != nil {
		return fmt.Errorf("setting connections to database %s allowed %t: %w", o.name, ok, err)
	}
	return nil
}

// Cut ends the server processes of the database's connections, as a
// server restart or a network failure would: all of them when like is "",
// else those whose current or last query matches the LIKE pattern (e.g.
// "LISTEN %" for the connections waiting on notifications).
func (o *Outage) Cut(ctx context.Context, like string) {
	o.t.Helper()
	var err error
	if like == "" {
		_, err = o.conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, o.name)
	} else {
		_, err = o.conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND query LIKE $2`, o.name, like)
	}
	if err != nil {
		o.t.Fatalf("cutting the connections to database %s: %v", o.name, err)
	}
}

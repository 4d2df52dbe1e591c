package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/store"
	"github.com/faqbot/faqbot/store/storetest"
)

// TestSQLite runs the store suite against SQLite.
func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		path := filepath.Join(t.TempDir(), "faqbot.db")
		return storetest.Backend{
			Open: func(_ testing.TB, opts store.Options) (store.Store, error) {
				return store.Open(context.Background(), path, opts)
			},
			Dump: func(t testing.TB) string { return dumpSQLite(t, path) },
		}
	})
}

// dumpSQLite returns every text value of every table of the database at
// path, one per line, read through a connection of its own.
func dumpSQLite(t testing.TB, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
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
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
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

package store

import "testing"

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT * FROM t WHERE a = ? AND b = ?`, `SELECT * FROM t WHERE a = $1 AND b = $2`},
		{`WHERE guild = ?2 AND at >= ?1 OR g = ?2`, `WHERE guild = $2 AND at >= $1 OR g = $2`},
		{`VALUES (?3, ?, ?1, ?)`, `VALUES ($3, $4, $1, $5)`},
		{`WHERE q = 'what?' AND x = ?`, `WHERE q = 'what?' AND x = $1`},
		{`WHERE q = 'it''s ?' AND x = ?`, `WHERE q = 'it''s ?' AND x = $1`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT 1 -- why? because\nWHERE x = ?", "SELECT 1 -- why? because\nWHERE x = $1"},
		{`SELECT /* a ? b */ ?`, `SELECT /* a ? b */ $1`},
		{`voter LIKE 't:%'`, `voter LIKE 't:%'`},
		{`WHERE x = 'unterminated ?`, `WHERE x = 'unterminated ?`},
	}
	for _, tt := range tests {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

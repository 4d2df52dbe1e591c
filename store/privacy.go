package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Privacy says how user IDs are stored.
type Privacy string

// The user ID modes.
const (
	// PrivacyPlain stores Discord user IDs as they are.
	PrivacyPlain Privacy = "plain"
	// PrivacyHashed stores a keyed hash (HMAC-SHA-256 under a key kept
	// outside the database, see Options.Key): questions from one member
	// can still be found and deleted on request, but the database alone
	// does not say who asked.
	PrivacyHashed Privacy = "hashed"
	// PrivacyNone stores no user ID with questions. A vote, or a turn of a
	// conversation, is kept under a token of the answer (or thread) and
	// the user, so it can be changed or deleted on request but cannot be
	// joined with the same member's other records.
	PrivacyNone Privacy = "none"
)

func (p Privacy) valid() bool {
	return p == PrivacyPlain || p == PrivacyHashed || p == PrivacyNone
}

const (
	// hashPrefix and tokenPrefix mark stored hashes, so DeleteUser can
	// tell them from plain IDs and never confuses the two.
	hashPrefix  = "h:"
	tokenPrefix = "t:"
)

// mac is the hex HMAC-SHA-256 of parts, joined with NULs, under key.
func mac(key []byte, parts ...string) string {
	h := hmac.New(sha256.New, key)
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashed is userID's stored hash under the current key.
func (s *sqlStore) hashed(userID string) string { return hashPrefix + mac(s.keys[0], userID) }

// token is the per-scope token of userID (privacy mode none): scope is an
// answer or a thread.
func (s *sqlStore) token(key []byte, scope, userID string) string {
	return tokenPrefix + mac(key, scope, userID)
}

// userColumn is what the questions table stores for userID: the ID, its
// hash, or NULL.
func (s *sqlStore) userColumn(userID string) sql.NullString {
	if userID == "" || s.opts.UserIDs == PrivacyNone {
		return sql.NullString{}
	}
	return sql.NullString{String: s.userKey("", userID), Valid: true}
}

// userKey is how userID is stored beside a record of scope (an answer ID
// for votes, a thread ID for conversation turns): unique per user (and,
// in privacy mode none, per scope), in the form the privacy mode allows.
// An empty userID stays empty.
func (s *sqlStore) userKey(scope, userID string) string {
	if userID == "" {
		return ""
	}
	switch s.opts.UserIDs {
	case PrivacyHashed:
		return s.hashed(userID)
	case PrivacyNone:
		return s.token(s.keys[0], scope, userID)
	}
	return userID
}

// userForms are every form userID may be stored in without a scope: as
// given, and hashed under each key.
func (s *sqlStore) userForms(userID string) []any {
	forms := []any{userID}
	for _, k := range s.keys {
		forms = append(forms, hashPrefix+mac(k, userID))
	}
	return forms
}

// isToken reports whether stored, a token of some scope, is userID's.
func (s *sqlStore) isToken(stored, scope, userID string) bool {
	for _, k := range s.keys {
		if hmac.Equal([]byte(stored), []byte(s.token(k, scope, userID))) {
			return true
		}
	}
	return false
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// DeleteUser deletes everything stored about userID in every server,
// whatever privacy mode it was stored under: their questions, the copies
// of those questions kept with other members' votes or taught as
// phrasings, their votes, their picks of suggestions and their turns of
// thread conversations. Questions stored in privacy mode
// none are linked to nobody and stay.
func (s *sqlStore) DeleteUser(ctx context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, errors.New("deleting a user's data: empty user ID")
	}
	forms := s.userForms(userID)
	in := placeholders(len(forms))
	var n int64
	exec := func(tx *sqlTx, q string, args ...any) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n += k
		return nil
	}
	err := s.tx(ctx, func(tx *sqlTx) error {
		// The copies first, while the questions still say which answers
		// were this member's.
		if err := exec(tx, `UPDATE feedback SET question = '', asker = '' WHERE question != '' AND
			(asker IN (`+in+`) OR answer_id IN (SELECT answer_id FROM questions WHERE user_id IN (`+in+`)))`,
			append(append([]any{}, forms...), forms...)...); err != nil {
			return err
		}
		// Picks of the member's refused answers say nothing without the
		// question, which goes next.
		if err := exec(tx, `DELETE FROM suggestion_picks WHERE answer_id IN (SELECT answer_id FROM questions WHERE user_id IN (`+in+`))`,
			forms...); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM phrasings WHERE asker IN (` + in + `)`,
			`DELETE FROM suggestion_picks WHERE picker IN (` + in + `)`,
			`DELETE FROM questions WHERE user_id IN (` + in + `)`,
			`DELETE FROM feedback WHERE voter IN (` + in + `)`,
			`DELETE FROM conversation_turns WHERE asked_by IN (` + in + `)`,
		} {
			if err := exec(tx, q, forms...); err != nil {
				return err
			}
		}
		// Per-scope tokens (privacy mode none) can only be matched by
		// recomputing them, one scope at a time.
		return s.deleteTokens(ctx, tx, userID, &n)
	})
	if err != nil {
		return 0, fmt.Errorf("deleting a user's data: %w", err)
	}
	s.lg.Info("user data deleted", "records", n) // the ID itself is not logged
	return int(n), nil
}

// deleteTokens deletes userID's votes and turns stored under tokens, and
// clears the question copies whose asker is one of them.
func (s *sqlStore) deleteTokens(ctx context.Context, tx *sqlTx, userID string, n *int64) error {
	type match struct{ stmt, a, b string }
	var del []match
	for _, q := range []struct{ sel, stmt string }{
		{`SELECT answer_id, voter FROM feedback WHERE voter LIKE 't:%'`, `DELETE FROM feedback WHERE answer_id = ? AND voter = ?`},
		{`SELECT answer_id, asker FROM feedback WHERE asker LIKE 't:%'`, `UPDATE feedback SET question = '', asker = '' WHERE answer_id = ? AND asker = ?`},
		{`SELECT thread_id, asked_by FROM conversation_turns WHERE asked_by LIKE 't:%'`, `DELETE FROM conversation_turns WHERE thread_id = ? AND asked_by = ?`},
		{`SELECT answer_id, picker FROM suggestion_picks WHERE picker LIKE 't:%'`, `DELETE FROM suggestion_picks WHERE answer_id = ? AND picker = ?`},
	} {
		rows, err := tx.QueryContext(ctx, q.sel)
		if err != nil {
			return err
		}
		for rows.Next() {
			var scope, stored string
			if err := rows.Scan(&scope, &stored); err != nil {
				rows.Close()
				return err
			}
			if s.isToken(stored, scope, userID) {
				del = append(del, match{q.stmt, scope, stored})
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
	}
	for _, d := range del {
		res, err := tx.ExecContext(ctx, d.stmt, d.a, d.b)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		*n += k
	}
	return nil
}

package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// Privacy says how user IDs are stored.
type Privacy string

// The user ID modes.
const (
	// PrivacyPlain stores Discord user IDs as they are.
	PrivacyPlain Privacy = "plain"
	// PrivacyHashed stores a keyed hash (HMAC-SHA-256 with a random salt
	// made once per database and kept in it): questions from one member
	// can still be found and deleted on request, but the database alone
	// does not say who asked.
	PrivacyHashed Privacy = "hashed"
	// PrivacyNone stores no user ID with questions. A vote is kept under a
	// token of the answer and the user, so it can be changed but cannot be
	// joined with the same member's other votes.
	PrivacyNone Privacy = "none"
)

func (p Privacy) valid() bool {
	return p == PrivacyPlain || p == PrivacyHashed || p == PrivacyNone
}

const (
	saltKey = "user_salt"
	// hashPrefix and tokenPrefix mark stored hashes, so DeleteUser can
	// tell them from plain IDs and never confuses the two.
	hashPrefix  = "h:"
	tokenPrefix = "t:"
)

// loadSalt reads the database's salt, making it on first use. It is made
// even in plain mode so that switching to hashed later needs no migration.
func (s *Store) loadSalt(ctx context.Context) ([]byte, error) {
	var salt []byte
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, saltKey).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			v = hex.EncodeToString(b)
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, saltKey, v); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		salt, err = hex.DecodeString(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the user ID salt: %w", err)
	}
	return salt, nil
}

// mac is the hex HMAC-SHA-256 of parts, joined with NULs, under the salt.
func (s *Store) mac(parts ...string) string {
	h := hmac.New(sha256.New, s.salt)
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Store) hashed(userID string) string { return hashPrefix + s.mac(userID) }

// userColumn is what the questions table stores for userID: the ID, its
// hash, or NULL.
func (s *Store) userColumn(userID string) sql.NullString {
	if userID == "" {
		return sql.NullString{}
	}
	switch s.opts.UserIDs {
	case PrivacyHashed:
		return sql.NullString{String: s.hashed(userID), Valid: true}
	case PrivacyNone:
		return sql.NullString{}
	}
	return sql.NullString{String: userID, Valid: true}
}

// voter is the key of userID's vote on answerID: unique per user and
// answer, in the form the privacy mode allows.
func (s *Store) voter(answerID, userID string) string {
	switch s.opts.UserIDs {
	case PrivacyHashed:
		return s.hashed(userID)
	case PrivacyNone:
		return tokenPrefix + s.mac(answerID, userID)
	}
	return userID
}

// DeleteUser deletes everything stored about userID — questions and votes —
// whatever privacy mode they were stored under, and says how many rows
// went. It is how a member's request to be forgotten is honoured.
// Conversations are kept by thread, not by user, and are not touched; they
// expire with the retention limit.
func (s *Store) DeleteUser(ctx context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, errors.New("deleting a user's data: empty user ID")
	}
	ids := []any{userID, s.hashed(userID)}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM questions WHERE user_id IN (?, ?)`,
			`DELETE FROM feedback WHERE voter IN (?, ?)`,
		} {
			res, err := tx.ExecContext(ctx, q, ids...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		// Per-answer tokens (privacy mode none) can only be matched
		// by recomputing them, one answer at a time.
		rows, err := tx.QueryContext(ctx, `SELECT answer_id, voter FROM feedback WHERE voter LIKE 't:%'`)
		if err != nil {
			return err
		}
		var del [][2]string
		for rows.Next() {
			var a, v string
			if err := rows.Scan(&a, &v); err != nil {
				rows.Close()
				return err
			}
			if hmac.Equal([]byte(v), []byte(tokenPrefix+s.mac(a, userID))) {
				del = append(del, [2]string{a, v})
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, d := range del {
			if _, err := tx.ExecContext(ctx, `DELETE FROM feedback WHERE answer_id = ? AND voter = ?`, d[0], d[1]); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("deleting a user's data: %w", err)
	}
	s.lg.Info("user data deleted", "rows", n) // the ID itself is not logged
	return int(n), nil
}

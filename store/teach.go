package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Passage names one passage of a knowledge base by everything that finds
// it again after a reindex renumbers passages: its ID ("file#n"), its
// document, its title and its content hash.
type Passage struct {
	ChunkID  string
	Document string
	Title    string
	Hash     string
}

// Phrasing is a question taught to be answered from one passage: a
// member's words that the FAQ's own did not reach.
type Phrasing struct {
	// ID is the row ID; set by the store.
	ID int64
	// Question is the phrasing as taught.
	Question string
	// Passage is the passage that answers it.
	Passage Passage
	// Who taught it (a moderator's name and ID, or "cli"). Like the change
	// log, it is an audit trail kept whatever the privacy mode.
	Who string
	// Via says how: "discord", "cli".
	Via string
	// At is when it was taught; now when zero.
	At time.Time
}

// DefaultMaxPhrasings bounds one server's taught phrasings when
// Options.MaxPhrasings is unset. Every question is compared with all of
// them, and a thousand is more than any FAQ's moderators will teach by
// hand.
const DefaultMaxPhrasings = 1000

// MaxPhrasingLen bounds a phrasing's length in bytes: a question, not a
// document.
const MaxPhrasingLen = 1000

// Errors of Teach, for errors.Is.
var (
	// ErrTooManyPhrasings means the server has Options.MaxPhrasings
	// already.
	ErrTooManyPhrasings = errors.New("the server has the most taught phrasings allowed")
	// ErrBadPhrasing means a phrasing with no words, one too long, or no
	// passage.
	ErrBadPhrasing = errors.New("not a phrasing that can be taught")
)

// NormalizePhrasing folds what does not make a new phrasing — case,
// punctuation and spacing — so that "How do I reset my password?" and
// "how do i reset my password" are one phrasing.
func NormalizePhrasing(q string) string { return normalize(q) }

// Teach records that p.Question is answered by p.Passage. Teaching words
// already taught (ignoring case, punctuation and spacing) moves them to
// the new passage: it returns the phrasing as stored and the one it
// replaced (ID 0 when none).
func (g sqlGuild) Teach(ctx context.Context, p Phrasing) (stored, replaced Phrasing, err error) {
	s := g.s
	p.Question = strings.TrimSpace(p.Question)
	norm := normalize(p.Question)
	switch {
	case norm == "":
		return Phrasing{}, Phrasing{}, fmt.Errorf("teaching a phrasing: %w: it has no words", ErrBadPhrasing)
	case len(p.Question) > MaxPhrasingLen:
		return Phrasing{}, Phrasing{}, fmt.Errorf("teaching a phrasing: %w: longer than %d bytes", ErrBadPhrasing, MaxPhrasingLen)
	case p.Passage.ChunkID == "" || p.Passage.Document == "":
		return Phrasing{}, Phrasing{}, fmt.Errorf("teaching a phrasing: %w: no passage", ErrBadPhrasing)
	}
	if p.At.IsZero() {
		p.At = s.now()
	}
	err = s.tx(ctx, func(tx *sqlTx) error {
		var err error
		replaced, err = g.phrasingByNorm(ctx, tx, norm)
		if err != nil {
			return err
		}
		if replaced.ID == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM phrasings WHERE guild = ?`, g.id).Scan(&n); err != nil {
				return err
			}
			if n >= s.opts.MaxPhrasings {
				return fmt.Errorf("%w (%d)", ErrTooManyPhrasings, s.opts.MaxPhrasings)
			}
		}
		asker, err := g.askerOf(ctx, tx, p.Question, norm)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO phrasings
			(guild, question, norm, chunk_id, document, title, hash, taught_by, via, asker, taught_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (guild, norm) DO UPDATE SET question = excluded.question, chunk_id = excluded.chunk_id,
				document = excluded.document, title = excluded.title, hash = excluded.hash,
				taught_by = excluded.taught_by, via = excluded.via, asker = excluded.asker, taught_at = excluded.taught_at
			RETURNING id`,
			g.id, p.Question, norm, p.Passage.ChunkID, p.Passage.Document, p.Passage.Title, p.Passage.Hash,
			p.Who, p.Via, asker, ms(p.At)).Scan(&p.ID)
		if err != nil {
			return err
		}
		// Other processes serving the server search with it too.
		_, err = g.bumpVersion(ctx, tx, p.At)
		return err
	})
	if err != nil {
		return Phrasing{}, Phrasing{}, fmt.Errorf("teaching a phrasing: %w", err)
	}
	p.At = fromMS(ms(p.At))
	return p, replaced, nil
}

// phrasingByNorm returns the server's phrasing of the normalised words
// norm, or a zero Phrasing.
func (g sqlGuild) phrasingByNorm(ctx context.Context, tx *sqlTx, norm string) (Phrasing, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+phrasingColumns+` FROM phrasings WHERE guild = ? AND norm = ?`, g.id, norm)
	if err != nil {
		return Phrasing{}, err
	}
	ps, err := scanPhrasings(rows)
	if err != nil || len(ps) == 0 {
		return Phrasing{}, err
	}
	return ps[0], nil
}

// askerOf is the stored user of the latest recorded question of the
// server with the phrasing's words, or "": a phrasing copied from a
// member's question is a copy of their words, which their request to be
// forgotten must reach. The LIKE pattern only narrows the rows read.
func (g sqlGuild) askerOf(ctx context.Context, tx *sqlTx, question, norm string) (string, error) {
	pattern := "%" + strings.ReplaceAll(norm, " ", "%") + "%"
	rows, err := tx.QueryContext(ctx, `SELECT user_id, question FROM questions
		WHERE guild = ? AND user_id IS NOT NULL AND user_id != '' AND lower(question) LIKE ?
		ORDER BY asked_at DESC, id DESC LIMIT 200`, g.id, pattern)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var user, q string
		if err := rows.Scan(&user, &q); err != nil {
			return "", err
		}
		if normalize(q) == norm {
			return user, nil
		}
	}
	return "", rows.Err()
}

// phrasingColumns are the columns scanPhrasings reads, in order.
const phrasingColumns = `id, question, chunk_id, document, title, hash, taught_by, via, taught_at`

func scanPhrasings(rows *sql.Rows) ([]Phrasing, error) {
	defer rows.Close()
	var out []Phrasing
	for rows.Next() {
		var p Phrasing
		var at int64
		if err := rows.Scan(&p.ID, &p.Question, &p.Passage.ChunkID, &p.Passage.Document, &p.Passage.Title,
			&p.Passage.Hash, &p.Who, &p.Via, &at); err != nil {
			return nil, err
		}
		p.At = fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Phrasings lists the server's taught phrasings, oldest first.
func (g sqlGuild) Phrasings(ctx context.Context) ([]Phrasing, error) {
	rows, err := g.s.db.QueryContext(ctx, `SELECT `+phrasingColumns+` FROM phrasings WHERE guild = ? ORDER BY id`, g.id)
	if err != nil {
		return nil, fmt.Errorf("listing taught phrasings: %w", err)
	}
	ps, err := scanPhrasings(rows)
	if err != nil {
		return nil, fmt.Errorf("listing taught phrasings: %w", err)
	}
	return ps, nil
}

// Unteach deletes the server's phrasings with the given IDs and returns
// those it deleted (an ID of another server's, or of none, is skipped).
func (g sqlGuild) Unteach(ctx context.Context, ids ...int64) ([]Phrasing, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{g.id}
	for _, id := range ids {
		args = append(args, id)
	}
	var gone []Phrasing
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM phrasings WHERE guild = ? AND id IN (`+placeholders(len(ids))+`)
			RETURNING `+phrasingColumns, args...)
		if err != nil {
			return err
		}
		if gone, err = scanPhrasings(rows); err != nil || len(gone) == 0 {
			return err
		}
		_, err = g.bumpVersion(ctx, tx, g.s.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("removing taught phrasings: %w", err)
	}
	sortPhrasings(gone)
	return gone, nil
}

// Relink records that phrasing id's passage is now p (a reindex
// renumbered it, or its text changed under the same title). It reports
// false when the server has no such phrasing.
func (g sqlGuild) Relink(ctx context.Context, id int64, p Passage) (bool, error) {
	var n int64
	err := g.s.tx(ctx, func(tx *sqlTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE phrasings SET chunk_id = ?, document = ?, title = ?, hash = ?
			WHERE guild = ? AND id = ?`, p.ChunkID, p.Document, p.Title, p.Hash, g.id, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("relinking a taught phrasing: %w", err)
	}
	return n > 0, nil
}

// sortPhrasings orders phrasings by ID (RETURNING gives no order).
func sortPhrasings(ps []Phrasing) {
	slices.SortFunc(ps, func(a, b Phrasing) int { return cmp.Compare(a.ID, b.ID) })
}

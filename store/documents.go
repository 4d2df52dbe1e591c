package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Document is one document of a knowledge base as the store keeps it.
type Document struct {
	// Name is the document's ID: its path in the corpus, slash-separated
	// ("refunds.md", "guides/setup.md").
	Name string
	// Data is the content. Documents leaves it nil for the documents the
	// caller said it has.
	Data []byte
	// Hash is the hex SHA-256 of the content; the store sets it.
	Hash string
	// Size is the content's length in bytes; the store sets it.
	Size int64
	// Modified is when the document was last written; the change's time
	// when zero.
	Modified time.Time
	// By is who wrote it (a moderator, "publish", "migrate"); the
	// change's By when empty.
	By string
}

// DocumentSet is a knowledge base's documents at one version.
type DocumentSet struct {
	// Version is the version of the documents: 0 for a knowledge base
	// whose documents were never written.
	Version int64
	// Documents are the documents, sorted by name; removed ones are left
	// out.
	Documents []Document
}

// DocumentChange is a change to a knowledge base's documents, made at
// once: a reader sees all of it or none of it.
type DocumentChange struct {
	// Put are documents added or replaced.
	Put []Document
	// Remove are the names of documents removed (kept in the database,
	// out of the knowledge base, until added again). A name that is not
	// there is no error.
	Remove []string
	// Exactly makes the documents exactly Put: every other one is
	// removed. It is how a corpus folder is published as a whole.
	Exactly bool
	// By is who made the change.
	By string
	// At is when; now when zero.
	At time.Time
}

// ErrBadDocumentName means a document name that is no relative,
// slash-separated path inside the corpus.
var ErrBadDocumentName = errors.New("not a document name")

// HashDocument is the hash the store keeps of content: hex SHA-256.
func HashDocument(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// validDocumentName reports whether name can name a document: a relative
// path with no . or .. element that stays inside the corpus folder.
func validDocumentName(name string) bool {
	return name != "." && fs.ValidPath(name) && !strings.ContainsAny(name, "\\\x00")
}

// documentsVersionQuery reads a knowledge base's version: 0 when its
// documents were never written.
const documentsVersionQuery = `SELECT coalesce(max(version), 0) FROM document_versions WHERE guild = ?`

// manyDocuments is how many documents Documents reads in one query with
// their content rather than one at a time: a first load reads every
// document, a refresh after a change only a few.
const manyDocuments = 32

// Documents returns the knowledge base's documents and their version, as
// of one instant. Documents whose hash is have[name] come without their
// content (the caller has it): a process refreshing its copy reads only
// what changed.
func (g sqlGuild) Documents(ctx context.Context, have map[string]string) (DocumentSet, error) {
	s := g.s
	var set DocumentSet
	tx, err := s.db.BeginTx(ctx, s.d.snapshot)
	if err != nil {
		return DocumentSet{}, fmt.Errorf("reading documents: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	if err := tx.QueryRowContext(ctx, documentsVersionQuery, g.id).Scan(&set.Version); err != nil {
		return DocumentSet{}, fmt.Errorf("reading documents: %w", err)
	}
	var need []int
	err = queryEach(ctx, tx, func(scan func(...any) error) error {
		var d Document
		var at int64
		if err := scan(&d.Name, &d.Hash, &d.Size, &at, &d.By); err != nil {
			return err
		}
		d.Modified = fromMS(at)
		if have[d.Name] != d.Hash {
			need = append(need, len(set.Documents))
		}
		set.Documents = append(set.Documents, d)
		return nil
	}, `SELECT name, hash, size, modified_at, modified_by FROM documents WHERE guild = ? AND removed_at = 0 ORDER BY name`, g.id)
	if err != nil {
		return DocumentSet{}, fmt.Errorf("reading documents: %w", err)
	}
	if len(need) > manyDocuments {
		byName := make(map[string]int, len(need))
		for _, i := range need {
			byName[set.Documents[i].Name] = i
		}
		err = queryEach(ctx, tx, func(scan func(...any) error) error {
			var name string
			var data []byte
			if err := scan(&name, &data); err != nil {
				return err
			}
			if i, ok := byName[name]; ok {
				set.Documents[i].Data = data
			}
			return nil
		}, `SELECT name, content FROM documents WHERE guild = ? AND removed_at = 0`, g.id)
	} else {
		for _, i := range need {
			d := &set.Documents[i]
			if err = tx.QueryRowContext(ctx, `SELECT content FROM documents WHERE guild = ? AND name = ?`, g.id, d.Name).Scan(&d.Data); err != nil {
				break
			}
		}
	}
	if err != nil {
		return DocumentSet{}, fmt.Errorf("reading documents: %w", err)
	}
	for _, i := range need {
		if d := &set.Documents[i]; d.Data == nil {
			d.Data = []byte{} // an empty document, not a missing one
		}
	}
	return set, nil
}

// DocumentsVersion returns the version of the knowledge base's documents:
// 0 when they were never written, one more with every change.
func (g sqlGuild) DocumentsVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := g.s.db.QueryRowContext(ctx, documentsVersionQuery, g.id).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the documents' version: %w", err)
	}
	return v, nil
}

// ChangeDocuments applies c in one transaction and returns the version the
// documents are at after it. A change that changes nothing (the same
// content put again, a removal of what is not there) leaves the version
// as it was; any other raises it by one and, with PostgreSQL, tells every
// process watching (see Store.WatchDocuments) when it commits.
func (g sqlGuild) ChangeDocuments(ctx context.Context, c DocumentChange) (int64, error) {
	s := g.s
	if c.At.IsZero() {
		c.At = s.now()
	}
	put := make(map[string]bool, len(c.Put))
	for _, d := range c.Put {
		if !validDocumentName(d.Name) {
			return 0, fmt.Errorf("changing documents: %w: %q", ErrBadDocumentName, d.Name)
		}
		if put[d.Name] {
			return 0, fmt.Errorf("changing documents: %q is put twice", d.Name)
		}
		put[d.Name] = true
	}
	var version int64
	err := s.tx(ctx, func(tx *sqlTx) error {
		type stored struct {
			hash    string
			removed bool
		}
		have := map[string]stored{}
		err := queryEach(ctx, tx, func(scan func(...any) error) error {
			var name, hash string
			var removed int64
			if err := scan(&name, &hash, &removed); err != nil {
				return err
			}
			have[name] = stored{hash, removed != 0}
			return nil
		}, `SELECT name, hash, removed_at FROM documents WHERE guild = ?`, g.id)
		if err != nil {
			return err
		}
		changed := false
		for _, d := range c.Put {
			hash := HashDocument(d.Data)
			if h, ok := have[d.Name]; ok && h.hash == hash && !h.removed {
				continue
			}
			at, by := d.Modified, d.By
			if at.IsZero() {
				at = c.At
			}
			if by == "" {
				by = c.By
			}
			data := d.Data
			if data == nil {
				data = []byte{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents (guild, name, content, hash, size, modified_at, modified_by, removed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 0)
				ON CONFLICT (guild, name) DO UPDATE SET content = excluded.content, hash = excluded.hash, size = excluded.size,
					modified_at = excluded.modified_at, modified_by = excluded.modified_by, removed_at = 0`,
				g.id, d.Name, data, hash, len(data), ms(at), by); err != nil {
				return err
			}
			changed = true
		}
		remove := slices.Clone(c.Remove)
		if c.Exactly {
			for name, h := range have {
				if !put[name] && !h.removed {
					remove = append(remove, name)
				}
			}
		}
		for _, name := range remove {
			if h, ok := have[name]; !ok || h.removed || put[name] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE documents SET removed_at = ?, modified_by = ? WHERE guild = ? AND name = ?`,
				ms(c.At), c.By, g.id, name); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return tx.QueryRowContext(ctx, documentsVersionQuery, g.id).Scan(&version)
		}
		version, err = g.bumpVersion(ctx, tx, c.At)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("changing documents: %w", err)
	}
	return version, nil
}

// bumpVersion raises the knowledge base's version by one in tx and, with
// PostgreSQL, tells the watching processes when tx commits. Every change
// that other processes must take in — a document, a taught phrasing —
// goes through it.
func (g sqlGuild) bumpVersion(ctx context.Context, tx *sqlTx, at time.Time) (int64, error) {
	var version int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO document_versions (guild, version, changed_at) VALUES (?, 1, ?)
		ON CONFLICT (guild) DO UPDATE SET version = document_versions.version + 1, changed_at = excluded.changed_at
		RETURNING version`, g.id, ms(at)).Scan(&version); err != nil {
		return 0, err
	}
	if g.s.d.notify != nil {
		if err := g.s.d.notify(ctx, tx, g.id, version); err != nil {
			return 0, err
		}
	}
	return version, nil
}

// DocumentVersions returns the version of the documents of every knowledge
// base whose documents were ever written, by guild.
func (s *sqlStore) DocumentVersions(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := queryEach(ctx, s.db, func(scan func(...any) error) error {
		var g string
		var v int64
		if err := scan(&g, &v); err != nil {
			return err
		}
		out[g] = v
		return nil
	}, `SELECT guild, version FROM document_versions`)
	if err != nil {
		return nil, fmt.Errorf("reading the documents' versions: %w", err)
	}
	return out, nil
}

// queryer is a sqlDB or a sqlTx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryEach runs query and calls row for each row, with the row's Scan.
func queryEach(ctx context.Context, q queryer, row func(scan func(...any) error) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

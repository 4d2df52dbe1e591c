package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MinKeyLen is the shortest user ID key accepted, in bytes: a 256-bit
// HMAC key.
const MinKeyLen = 32

// ErrNoSharedKey means a shared database whose privacy mode hashes member
// IDs, with no key configured for it.
var ErrNoSharedKey = errors.New("every process sharing the database must hash member IDs with one key: set FAQBOT_USER_ID_KEY (the same on every process), or put the same key file in each process's data folder")

// legacySaltKey is the meta row in which databases before schema 2 kept
// the hashing key, where anyone with the database file could read it and
// reverse the hashes of a server's few thousand member IDs. Open moves it
// to the key file and deletes the row.
const legacySaltKey = "user_salt"

// loadKeys returns the keys that hash user IDs, the first for new
// records. The key file holds one hex key per line, current first; it is
// made with mode 0600 on first use, from the legacy key of an old
// database when there is one (so that its hashes still match), else at
// random. With Options.Key set, that key hashes new records and the file's
// keys, if any, only match old ones.
//
// A shared database (several processes, each with a data folder of its
// own) must not have each process make a key of its own: their hashes of
// one member would differ, and a request to be forgotten made on one
// would miss the records written by the others. There, a privacy mode
// that hashes needs the key from the setting or an existing key file, the
// same on every process.
func (s *sqlStore) loadKeys(ctx context.Context, shared bool) ([][]byte, error) {
	legacy, err := s.legacySalt(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the user ID key: %w", err)
	}
	var keep [][]byte
	for {
		fileKeys, err := readKeyFile(s.opts.KeyFile)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing := errors.Is(err, fs.ErrNotExist)
		keep = fileKeys
		if legacy != nil && !slices.ContainsFunc(keep, func(k []byte) bool { return bytes.Equal(k, legacy) }) {
			keep = append(keep, legacy)
		}
		if len(keep) == 0 && s.opts.Key == nil {
			if shared && s.opts.UserIDs != PrivacyPlain {
				return nil, fmt.Errorf("%w (privacy mode %s)", ErrNoSharedKey, s.opts.UserIDs)
			}
			k := make([]byte, MinKeyLen)
			if _, err := rand.Read(k); err != nil {
				return nil, fmt.Errorf("making the user ID key: %w", err)
			}
			keep = [][]byte{k}
		}
		if len(keep) == len(fileKeys) || s.opts.KeyFile == "" {
			break
		}
		// The file is written, and synced, before the legacy key leaves
		// the database: a crash in between leaves it in both.
		if !missing {
			if err := writeKeyFile(s.opts.KeyFile, keep, false); err != nil {
				return nil, err
			}
			break
		}
		// A new file is only made where there is none: processes
		// opening a new database at once (shards sharing a data folder)
		// must not each make a key and hash members with the loser's.
		// The one that comes second reads the winner's file.
		err = writeKeyFile(s.opts.KeyFile, keep, true)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.lg.Info("made the user ID key file", "path", s.opts.KeyFile, "from_database", legacy != nil)
		break
	}
	if legacy != nil {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, legacySaltKey); err != nil {
			return nil, fmt.Errorf("removing the user ID key from the database: %w", err)
		}
		s.lg.Info("moved the user ID key out of the database", "key_file", s.opts.KeyFile)
	}
	if s.opts.Key != nil {
		return append([][]byte{s.opts.Key}, keep...), nil
	}
	return keep, nil
}

// legacySalt is the key an old database kept in its meta table, or nil.
func (s *sqlStore) legacySalt(ctx context.Context) ([]byte, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, legacySaltKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

// readKeyFile reads the keys of a key file, tightening its permissions to
// 0600 when anyone but the owner could read it.
func readKeyFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the user ID key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading the user ID key file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("the user ID key file %s is readable by others and cannot be made private: %w", path, err)
		}
	}
	var keys [][]byte
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := hex.DecodeString(line)
		if err != nil || len(k) < MinKeyLen {
			return nil, fmt.Errorf("the user ID key file %s, line %d: want a hex key of at least %d bytes", path, n, MinKeyLen)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the user ID key file: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("the user ID key file %s holds no key", path)
	}
	return keys, nil
}

// writeKeyFile writes keys to path with mode 0600: to a temporary file
// beside it, synced, then renamed into place; or, when onlyNew, linked
// into place, failing with an error matching fs.ErrExist if path exists.
func writeKeyFile(path string, keys [][]byte, onlyNew bool) error {
	var b strings.Builder
	b.WriteString("# faqbot's key for hashing member IDs (FAQBOT_STORE_USER_IDS=hashed). Keep it private and\n")
	b.WriteString("# back it up with the database: without it, hashed records cannot be matched to a member.\n")
	for _, k := range keys {
		b.WriteString(hex.EncodeToString(k) + "\n")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("writing the user ID key file: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return fmt.Errorf("writing the user ID key file: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(b.String())
	}
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil && onlyNew {
		err = os.Link(tmp, path)
		os.Remove(tmp)
	} else if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the user ID key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

package library

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// tempPrefix starts the names of files being written into the corpus
// folder. The leading dot makes the loader skip them, and the .tmp
// extension would too, so a crash mid-write leaves nothing that is ever
// indexed; Open deletes them.
const tempPrefix = ".faqbot-tmp-"

// writeAtomic writes data to name inside root: to a temporary file in the
// same folder, synced, then renamed over name, and the folder synced, so
// that after a crash name holds the old content or the new, whole. The
// rename replaces a name; it never writes through a link.
func writeAtomic(root *os.Root, name string, data []byte) (err error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	dir := path.Dir(name)
	tmp := path.Join(dir, tempPrefix+hex.EncodeToString(b[:])+".tmp")
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	syncDir(root, dir)
	return nil
}

// syncDir makes a rename in dir durable. It is best effort: some file
// systems cannot sync a folder, and the rename itself has happened.
func syncDir(root *os.Root, dir string) {
	if d, err := root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// removeStaleTemps deletes temporary files a crash left in the corpus
// folder's top level, where AddDocument writes.
func removeStaleTemps(dir string, lg *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), tempPrefix) {
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil {
				lg.Warn("cannot delete a leftover temporary file", "path", p, "err", err)
				continue
			}
			lg.Info("deleted a leftover temporary file", "path", p)
		}
	}
}

// SeedDir copies the documents of src into the folder dst when dst does
// not exist yet, and reports whether it did. serve calls it on its first
// start to turn the embedded corpus into a folder moderators can change.
// The copy is made in a sibling folder and renamed into place, so an
// interrupted seed leaves no half corpus that would stop the next start
// from seeding.
func SeedDir(dst string, src fs.FS) (bool, error) {
	if _, err := os.Lstat(dst); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("seeding the corpus folder: %w", err)
	}
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return false, fmt.Errorf("seeding the corpus folder: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+"-seed-")
	if err != nil {
		return false, fmt.Errorf("seeding the corpus folder: %w", err)
	}
	err = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		target := filepath.Join(tmp, filepath.FromSlash(p))
		if d.IsDir() {
			return os.Mkdir(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		return errors.Join(err, f.Close())
	})
	if err == nil {
		err = os.Chmod(tmp, 0o755) // MkdirTemp makes it 0700
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return false, fmt.Errorf("seeding the corpus folder: %w", err)
	}
	if d, err := os.Open(parent); err == nil {
		d.Sync()
		d.Close()
	}
	return true, nil
}

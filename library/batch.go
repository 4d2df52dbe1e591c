package library

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/faqbot/faqbot/corpus"
)

// Batch is a set of changes to a corpus folder applied together: every
// file written and deleted, then one refresh and one index swap. A source
// of fetched pages uses it, so that a refresh of a 200-page site is one
// re-index, not 200.
type Batch struct {
	// Put are the documents to write, by ID: a slash-separated path inside
	// the corpus folder ("sources/3/faq.html"), whose folders are made as
	// needed. Every element is a plain name ([A-Za-z0-9._-], not hidden,
	// not "removed"); the last has a supported extension.
	Put map[string][]byte
	// Delete are the IDs of documents to delete. Unlike RemoveDocument they
	// are deleted, not kept in removed/: they came from elsewhere and can
	// be fetched again. A missing one is ignored.
	Delete []string
	// DeleteFolders are folders to delete with everything in them (a
	// removed source's pages, including files the corpus could not read),
	// after Put and Delete.
	DeleteFolders []string
}

// Empty reports whether b changes nothing.
func (b Batch) Empty() bool {
	return len(b.Put) == 0 && len(b.Delete) == 0 && len(b.DeleteFolders) == 0
}

// batchElem is one element of a batch path.
var batchElem = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$`)

// checkBatchPath refuses paths that are not plain relative paths of plain
// names: no "..", no hidden or removed element, nothing a loader skips.
func checkBatchPath(p string, file bool) error {
	if !fs.ValidPath(p) || p == "." {
		return fmt.Errorf("%w: %q is not a path inside the corpus folder", ErrBadName, p)
	}
	for _, e := range strings.Split(p, "/") {
		if !batchElem.MatchString(e) || e == removedDir {
			return fmt.Errorf("%w: %q: %q is not a plain name", ErrBadName, p, e)
		}
	}
	if file && !corpus.Supported(p) {
		return fmt.Errorf("%w: %q", corpus.ErrUnsupported, p)
	}
	return nil
}

// check validates b before anything is written.
func (b Batch) check() error {
	for id, data := range b.Put {
		if err := checkBatchPath(id, true); err != nil {
			return err
		}
		if int64(len(data)) > corpus.MaxFileSize {
			return fmt.Errorf("%s: %w: %d bytes, the limit is %d", id, corpus.ErrTooLarge, len(data), corpus.MaxFileSize)
		}
	}
	for _, id := range b.Delete {
		if err := checkBatchPath(id, true); err != nil {
			return err
		}
		if _, ok := b.Put[id]; ok {
			return fmt.Errorf("%w: %q is both written and deleted", ErrBadName, id)
		}
	}
	for _, dir := range b.DeleteFolders {
		if err := checkBatchPath(dir, false); err != nil {
			return err
		}
	}
	return nil
}

// undoLog remembers how to put a corpus folder back as it was before a
// batch: the old content of every file written over or deleted, the files
// that are new, and where deleted folders were set aside.
type undoLog struct {
	root    *os.Root
	old     map[string][]byte
	created []string
	// aside maps a deleted folder to the hidden name it was renamed to;
	// it is only really deleted once the batch has succeeded.
	aside map[string]string
}

// applyFiles writes b into root, recording how to undo it.
func applyFiles(root *os.Root, b Batch) (*undoLog, error) {
	u := &undoLog{root: root, old: map[string][]byte{}, aside: map[string]string{}}
	keep := func(id string) (bool, error) {
		info, err := root.Lstat(id)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return false, nil
		case err != nil:
			return false, err
		case !info.Mode().IsRegular():
			return false, fmt.Errorf("%w: %s", ErrNotRegular, id)
		}
		data, err := root.ReadFile(id)
		if err != nil {
			return false, err
		}
		u.old[id] = data
		return true, nil
	}
	for _, id := range slices.Sorted(maps.Keys(b.Put)) {
		existed, err := keep(id)
		if err != nil {
			return u, fmt.Errorf("writing %s: %w", id, err)
		}
		if dir := path.Dir(id); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return u, fmt.Errorf("writing %s: %w", id, err)
			}
		}
		if err := writeAtomic(root, id, b.Put[id]); err != nil {
			return u, err
		}
		if !existed {
			u.created = append(u.created, id)
		}
	}
	for _, id := range b.Delete {
		existed, err := keep(id)
		if err != nil {
			return u, fmt.Errorf("deleting %s: %w", id, err)
		}
		if !existed {
			continue
		}
		if err := root.Remove(id); err != nil {
			delete(u.old, id)
			return u, fmt.Errorf("deleting %s: %w", id, err)
		}
	}
	for _, dir := range b.DeleteFolders {
		info, err := root.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil || !info.IsDir() {
			return u, fmt.Errorf("deleting folder %s: %w", dir, errors.Join(err, ErrNotRegular))
		}
		var r [8]byte
		if _, err := rand.Read(r[:]); err != nil {
			return u, err
		}
		hidden := path.Join(path.Dir(dir), tempPrefix+hex.EncodeToString(r[:]))
		if err := root.Rename(dir, hidden); err != nil {
			return u, fmt.Errorf("deleting folder %s: %w", dir, err)
		}
		u.aside[dir] = hidden
	}
	return u, nil
}

// undo puts the folder back as it was.
func (u *undoLog) undo() error {
	var errs []error
	for dir, hidden := range u.aside {
		errs = append(errs, u.root.Rename(hidden, dir))
	}
	for _, id := range u.created {
		if err := u.root.Remove(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for id, data := range u.old {
		errs = append(errs, writeAtomic(u.root, id, data))
	}
	return errors.Join(errs...)
}

// commit deletes the folders set aside, now that the batch has succeeded.
// A failure leaves a hidden folder that is never loaded.
func (u *undoLog) commit() {
	for _, hidden := range u.aside {
		u.root.RemoveAll(hidden)
	}
}

// Apply writes and deletes b's documents, then refreshes the index once:
// only the passages of new and changed documents are embedded. Each file is
// written atomically (a temporary file, synced and renamed); when anything
// fails — a write, or the refresh — every file is put back as it was and
// the live index is unchanged. A batch that would leave the corpus with no
// document fails with corpus.ErrNoDocuments (see DeleteDocuments). The
// documents' content is the caller's to check: one the corpus cannot read
// is reported among the change's skips, like any file of the folder.
func (l *Library) Apply(ctx context.Context, b Batch) (Change, error) {
	fail := func(err error) (Change, error) {
		return Change{}, fmt.Errorf("applying changes to the corpus: %w", err)
	}
	if l.opts.Dir == "" {
		return fail(ErrNoDir)
	}
	if err := b.check(); err != nil {
		return fail(err)
	}
	l.refresh.Lock()
	defer l.refresh.Unlock()
	root, err := os.OpenRoot(l.opts.Dir)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	u, err := applyFiles(root, b)
	if err != nil {
		return fail(errors.Join(err, u.undo()))
	}
	ch, err := l.refreshLocked(ctx)
	if err != nil {
		return fail(errors.Join(err, u.undo()))
	}
	u.commit()
	l.lg.Info("corpus changes applied", "written", len(b.Put), "deleted", len(b.Delete), "folders_deleted", len(b.DeleteFolders),
		"added", len(ch.DocumentsAdded), "changed", len(ch.DocumentsChanged), "removed", len(ch.DocumentsRemoved))
	return ch, nil
}

// OpenWith makes the corpus folder opts.Dir when it is missing, applies b
// to it and opens the library: how a knowledge base with no documents yet
// gets its first batch. When opening fails, the folder is put back as it
// was.
func OpenWith(ctx context.Context, opts Options, b Batch) (*Library, error) {
	fail := func(err error) (*Library, error) { return nil, fmt.Errorf("applying changes to the corpus: %w", err) }
	if opts.Dir == "" {
		return fail(ErrNoDir)
	}
	if err := b.check(); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return fail(err)
	}
	root, err := os.OpenRoot(opts.Dir)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	u, err := applyFiles(root, b)
	if err != nil {
		return fail(errors.Join(err, u.undo()))
	}
	l, err := Open(ctx, opts)
	if err != nil {
		return fail(errors.Join(err, u.undo()))
	}
	u.commit()
	return l, nil
}

// DeleteDocuments deletes the documents ids and the folders of the corpus
// folder dir, without indexing: for a caller whose knowledge base has no
// document left to index once they are gone (the library refuses to index
// nothing, see Apply). Missing files are ignored.
func DeleteDocuments(dir string, ids, folders []string) error {
	b := Batch{Delete: ids, DeleteFolders: folders}
	if err := b.check(); err != nil {
		return fmt.Errorf("deleting documents: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("deleting documents: %w", err)
	}
	defer root.Close()
	u, err := applyFiles(root, b)
	if err != nil {
		return fmt.Errorf("deleting documents: %w", errors.Join(err, u.undo()))
	}
	u.commit()
	return nil
}

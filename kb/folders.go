package kb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

// DocumentStore keeps the knowledge bases' documents: the source of truth
// of which each server's corpus folder is a copy. store.Store satisfies
// it through StoreDocuments.
type DocumentStore interface {
	// Documents returns guild's documents and their version; those whose
	// hash is have[name] come without content.
	Documents(ctx context.Context, guild string, have map[string]string) (store.DocumentSet, error)
	// ChangeDocuments applies c to guild's documents at once and returns
	// their version after it.
	ChangeDocuments(ctx context.Context, guild string, c store.DocumentChange) (int64, error)
}

// StoreDocuments is the DocumentStore of a store.
func StoreDocuments(s store.Store) DocumentStore { return storeDocuments{s} }

type storeDocuments struct{ s store.Store }

func (d storeDocuments) Documents(ctx context.Context, guild string, have map[string]string) (store.DocumentSet, error) {
	return d.s.Guild(guild).Documents(ctx, have)
}

func (d storeDocuments) ChangeDocuments(ctx context.Context, guild string, c store.DocumentChange) (int64, error) {
	return d.s.Guild(guild).ChangeDocuments(ctx, c)
}

// removedFolder is the library's folder of removed documents, inside a
// corpus folder; the loader never reads it, and a copy leaves it alone.
const removedFolder = "removed"

// FolderCopy says what SyncFolder did.
type FolderCopy struct {
	// Version is the version of the documents the folder now holds.
	Version int64
	// Documents is how many documents it holds.
	Documents int
	// Written and Deleted count the files written and deleted.
	Written, Deleted int
}

// Changed reports whether any file changed.
func (c FolderCopy) Changed() bool { return c.Written+c.Deleted > 0 }

// SyncFolder makes the corpus folder dir (made if missing) a copy of
// guild's documents in docs: it reads only the documents whose content
// differs from the file's, writes each one (to a temporary file renamed
// into place, with the document's modification time), and deletes the
// files that are no document. Hidden files and the removed/ folder are
// left alone. The caller indexes the folder once the copy is whole, so a
// half-made copy is never answered from; a copy cut short is completed by
// the next.
func SyncFolder(ctx context.Context, docs DocumentStore, guild, dir string) (FolderCopy, error) {
	fail := func(err error) (FolderCopy, error) {
		return FolderCopy{}, fmt.Errorf("copying the documents of %s to %s: %w", describeGuild(guild), dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	local, err := hashFolder(root)
	if err != nil {
		return fail(err)
	}
	set, err := docs.Documents(ctx, guild, local)
	if err != nil {
		return fail(err)
	}
	cp := FolderCopy{Version: set.Version, Documents: len(set.Documents)}
	keep := make(map[string]bool, len(set.Documents))
	for _, d := range set.Documents {
		keep[d.Name] = true
		if local[d.Name] == d.Hash || d.Data == nil {
			continue
		}
		if err := writeCopy(root, d); err != nil {
			return fail(err)
		}
		cp.Written++
	}
	for name := range local {
		if keep[name] {
			continue
		}
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail(err)
		}
		cp.Deleted++
	}
	return cp, nil
}

// hashFolder returns the store hash of every file of the corpus folder
// root that a copy manages, by slash-separated path.
func hashFolder(root *os.Root) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || (d.IsDir() && d.Name() == removedFolder) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := root.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = store.HashDocument(data)
		return nil
	})
	return out, err
}

// copyTempPrefix starts the names of files being copied in: hidden, so
// neither the loader nor a later copy ever takes one for a document.
const copyTempPrefix = ".faqbot-copy-"

// writeCopy writes d into root, whole or not at all.
func writeCopy(root *os.Root, d store.Document) error {
	dir := path.Dir(d.Name)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	tmp := path.Join(dir, copyTempPrefix+hex.EncodeToString(b[:]))
	if err := root.WriteFile(tmp, d.Data, 0o644); err != nil {
		return err
	}
	if !d.Modified.IsZero() {
		_ = root.Chtimes(tmp, d.Modified, d.Modified)
	}
	// A folder or link in the way is the copy's to replace: the store's
	// documents are the truth.
	if fi, err := root.Lstat(d.Name); err == nil && !fi.Mode().IsRegular() {
		if err := root.RemoveAll(d.Name); err != nil {
			return errors.Join(err, root.Remove(tmp))
		}
	}
	if err := root.Rename(tmp, d.Name); err != nil {
		return errors.Join(err, root.Remove(tmp))
	}
	return nil
}

// ReadFolder reads the documents of the corpus folder dir as the loader
// would find them: the files of a supported type, not hidden, outside any
// removed/ folder, inside the folder (a link out of it is not followed),
// at most corpus.MaxFileSize. Other files are returned as skips, with the
// reason.
func ReadFolder(dir string) ([]store.Document, []corpus.Skip, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the corpus folder: %w", err)
	}
	defer root.Close()
	return ReadFS(root.FS())
}

// ReadFS is ReadFolder for any file system, such as the embedded corpus.
func ReadFS(fsys fs.FS) ([]store.Document, []corpus.Skip, error) {
	var docs []store.Document
	var skips []corpus.Skip
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") || (d.IsDir() && name == removedFolder) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !corpus.Supported(name) {
			skips = append(skips, corpus.Skip{Path: p, Reason: corpus.ErrUnsupported.Error()})
			return nil
		}
		info, err := fs.Stat(fsys, p)
		if err != nil || !info.Mode().IsRegular() {
			skips = append(skips, corpus.Skip{Path: p, Reason: "unreadable"})
			return nil
		}
		if info.Size() > corpus.MaxFileSize {
			skips = append(skips, corpus.Skip{Path: p, Reason: corpus.ErrTooLarge.Error()})
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			skips = append(skips, corpus.Skip{Path: p, Reason: "unreadable"})
			return nil
		}
		docs = append(docs, store.Document{Name: p, Data: data, Modified: info.ModTime().UTC()})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the corpus folder: %w", err)
	}
	slices.SortFunc(docs, func(a, b store.Document) int { return strings.Compare(a.Name, b.Name) })
	return docs, skips, nil
}

// Published says what a Publish changed.
type Published struct {
	// Version is the version of the documents after it.
	Version int64
	// Change lists the documents added, removed, changed and unchanged
	// (no passages: nothing was indexed), and the files skipped.
	Change library.Change
}

// Publish makes guild's documents in docs exactly those of the corpus
// folder dir (see ReadFolder), in one change by who: how the operator's
// base corpus, a folder on one machine, reaches every process of a shared
// database, and how a server's folder from before the database kept
// documents is taken in. Publishing the same folder again changes
// nothing.
func Publish(ctx context.Context, docs DocumentStore, guild, dir, who string) (Published, error) {
	found, skips, err := ReadFolder(dir)
	if err != nil {
		return Published{}, err
	}
	return publish(ctx, docs, guild, dir, found, skips, who)
}

// PublishFS is Publish for any file system, such as the embedded corpus;
// name says what it is in messages.
func PublishFS(ctx context.Context, docs DocumentStore, guild string, fsys fs.FS, name, who string) (Published, error) {
	found, skips, err := ReadFS(fsys)
	if err != nil {
		return Published{}, err
	}
	return publish(ctx, docs, guild, name, found, skips, who)
}

func publish(ctx context.Context, docs DocumentStore, guild, name string, found []store.Document, skips []corpus.Skip, who string) (Published, error) {
	fail := func(err error) (Published, error) {
		return Published{}, fmt.Errorf("publishing %s as the documents of %s: %w", name, describeGuild(guild), err)
	}
	have := make(map[string]string, len(found))
	for i := range found {
		found[i].Hash = store.HashDocument(found[i].Data)
		have[found[i].Name] = found[i].Hash
	}
	// What the database holds now, without the content of what is the
	// same: to say what the publication changes.
	before, err := docs.Documents(ctx, guild, have)
	if err != nil {
		return fail(err)
	}
	was := make(map[string]string, len(before.Documents))
	for _, d := range before.Documents {
		was[d.Name] = d.Hash
	}
	now := make([]corpus.Document, len(found))
	for i, d := range found {
		now[i] = corpus.Document{ID: d.Name, Hash: d.Hash}
	}
	ch := library.DiffDocuments(was, now)
	ch.Skips = skips
	v, err := docs.ChangeDocuments(ctx, guild, store.DocumentChange{Put: found, Exactly: true, By: who, At: time.Now()})
	if err != nil {
		return fail(err)
	}
	return Published{Version: v, Change: ch}, nil
}

// describeGuild names a knowledge base in messages.
func describeGuild(guild string) string {
	if guild == store.BaseGuild {
		return "the base corpus"
	}
	return "server " + guild
}
